// CompletionTests.swift — completion candidates as API, for the shell's tab
// completion. Oracle: hand-written candidate lists from the fake registry
// (TestHost.swift) and a fake host provider of layer names and paths.
import XCTest
@testable import Lang

final class CompletionTests: XCTestCase {
    var requests: [CompletionRequest] = []

    private func interpreter() -> Interpreter {
        let interpreter = Interpreter(registry: TestHost.registry()) { _ in }
        interpreter.completionProvider = { [unowned self] request in
            self.requests.append(request)
            if request.isInString { return ["examples/testset/", "examples/pets/", "out/"] }
            if request.parameter?.type.choiceWords.isEmpty == false { return [] }
            if request.parameter?.name == "layer" || request.parameter?.name == "last" {
                return ["mixed0", "mixed1", "mixed10", "conv2d_1"]
            }
            return []
        }
        return interpreter
    }

    private func complete(_ text: String, _ interpreter: Interpreter? = nil) -> Completions {
        (interpreter ?? self.interpreter()).completions(for: text)
    }

    func testStatementStart() {
        XCTAssertEqual(complete("lo"), Completions(prefix: "lo", candidates: ["load"]))
        XCTAssertEqual(complete("p").candidates, ["pick", "predict", "print"])
        XCTAssertEqual(complete("").candidates.first, "abs")
        XCTAssertTrue(complete("").candidates.contains("greet"))
        XCTAssertEqual(complete("for i in 1...2 { pr").candidates, ["predict", "print"])
        XCTAssertEqual(complete("print 1; gr").candidates, ["greet"])
    }

    func testCommandWords() {
        XCTAssertEqual(complete("load ").candidates, ["head", "model"])
        XCTAssertEqual(complete("load mo"), Completions(prefix: "mo", candidates: ["model"]))
        XCTAssertEqual(complete("show act").candidates, ["activations"])
        XCTAssertEqual(complete("let m = load m").candidates, ["model"])
    }

    func testKeywordsAndChoices() {
        XCTAssertEqual(complete("load model ").candidates, ["inception_v3", "pooling", "top", "weights"])
        XCTAssertEqual(complete("load model inception_v3 ").candidates, ["pooling", "top", "weights"])
        XCTAssertEqual(complete("load model inception_v3 pooling ").candidates, ["avg", "max", "none"])
        XCTAssertEqual(complete("load model inception_v3 pooling avg w").candidates, ["weights"])
        XCTAssertEqual(complete("load model inception_v3 pooling avg weights ").candidates, ["imagenet", "none"])
        XCTAssertEqual(complete("load model inception_v3 top ").candidates, ["false", "true"])
        XCTAssertEqual(complete("predict \"x.jpg\" t").candidates, ["top"])
        XCTAssertEqual(complete("predict \"x.jpg\" top 3 ").candidates, [], "every option is used")
        XCTAssertEqual(complete("greet Neo ").candidates, ["loudly", "times"])
        XCTAssertEqual(complete("greet Neo loudly ").candidates, ["times"])
    }

    func testHostCandidatesForNames() {
        XCTAssertEqual(complete("show activations mi").candidates, ["mixed0", "mixed1", "mixed10"])
        XCTAssertEqual(requests.last?.command?.name, "show activations")
        XCTAssertEqual(requests.last?.parameter?.name, "layer")
        XCTAssertEqual(requests.last?.prefix, "mi")
        XCTAssertEqual(requests.last?.isInString, false)
        XCTAssertEqual(complete("freeze layers through mixed1").candidates, ["mixed1", "mixed10"])
        XCTAssertEqual(complete("show activations mixed2 ").candidates, ["of", "to"])
    }

    func testPathsInsideStrings() {
        XCTAssertEqual(complete("predict \"ex"), Completions(prefix: "ex", candidates: ["examples/pets/", "examples/testset/"]))
        XCTAssertEqual(requests.last?.command?.name, "predict")
        XCTAssertEqual(requests.last?.parameter?.name, "image")
        XCTAssertEqual(requests.last?.isInString, true)
        XCTAssertEqual(complete("show activations mixed2 of \"examples/").candidates, ["examples/pets/", "examples/testset/"])
        XCTAssertEqual(requests.last?.parameter?.name, "image")
        XCTAssertEqual(complete("let r = predict \"o").candidates, ["out/"])
        XCTAssertEqual(complete("print \"o").candidates, ["out/"], "a string outside a command still gets paths")
        XCTAssertNil(requests.last?.command)
    }

    func testVariablesFieldsAndHelp() {
        let i = interpreter()
        XCTAssertEqual(i.evaluate(input: "let picture = \"cat.jpg\"\nlet r = predict picture"), .completed)
        XCTAssertEqual(complete("print pi", i).candidates, ["picture"])
        XCTAssertEqual(complete("predict pi", i).candidates, ["picture"])
        XCTAssertEqual(complete("r.", i).candidates, ["image", "label", "score"])
        XCTAssertEqual(complete("print r.la", i), Completions(prefix: "la", candidates: ["label"]))
        XCTAssertEqual(complete("print r[0].", i).candidates, ["label", "rank", "score"])
        XCTAssertEqual(complete("picture.", i).candidates, [], "a string has no fields")
        XCTAssertEqual(complete("help lo").candidates, ["load"])
        XCTAssertEqual(complete("help load ").candidates, ["head", "model"])
        XCTAssertEqual(complete("help f").candidates, ["fail", "for", "freeze", "functions"])
        XCTAssertEqual(complete("for x i").candidates, ["in"])
        XCTAssertEqual(complete("let ").candidates, [], "a new name is the learner's to choose")
        XCTAssertEqual(complete("print 12").candidates, [], "numbers are not completed")
    }
}
