// InterpreterTests.swift — the interpreter as the shell uses it: REPL
// evaluation that keeps variables, incomplete input, callbacks, interrupts
// and limits. Oracle: hand-written expectations for each small input.
import Foundation
import XCTest
@testable import Lang

final class InterpreterTests: XCTestCase {
    /// An interpreter over the fake registry whose output is collected.
    final class Session {
        var output = ""
        var results: [(String, SourceLocation)] = []
        var events: [String] = []
        let interpreter: Interpreter

        init(limits: Limits = Limits(), recordResults: Bool = true) {
            interpreter = Interpreter(registry: TestHost.registry(), limits: limits)
            interpreter.output = { [unowned self] in self.output += $0 }
            if recordResults {
                interpreter.onResult = { [unowned self] value, location in
                    self.results.append((value.resultText, location))
                    self.events.append("result \(value.resultText)")
                }
            }
            interpreter.onNarration = { [unowned self] text, location in
                self.events.append("narration \(text) @\(location.line)")
            }
            interpreter.onStatement = { [unowned self] text, location in
                self.events.append("statement \(text) @\(location.line)")
            }
        }

        func evaluate(_ input: String) -> Outcome { interpreter.evaluate(input: input) }
    }

    // MARK: - REPL

    func testEvaluateKeepsVariablesBetweenInputs() {
        let s = Session()
        XCTAssertEqual(s.evaluate("let x = 20"), .completed)
        XCTAssertEqual(s.evaluate("let y = x + 1"), .completed)
        XCTAssertEqual(s.evaluate("y * 2"), .completed)
        XCTAssertEqual(s.results.map(\.0), ["42"])
        XCTAssertEqual(s.interpreter.variables["y"], .int(21))
    }

    func testRuntimeErrorLeavesTheSessionIntact() {
        let s = Session()
        XCTAssertEqual(s.evaluate("let a = 1"), .completed)
        let outcome = s.evaluate("let b = 2\nprint a / 0\nlet c = 3")
        guard case .failed(let errors) = outcome else { return XCTFail("expected a runtime error, got \(outcome)") }
        XCTAssertEqual(errors.map(\.message), ["division by zero"])
        XCTAssertEqual(errors[0].kind, .runtime)
        XCTAssertEqual(errors[0].location, SourceLocation(source: "<input>", line: 2, column: 7))
        // What ran before the error stays bound; what came after never ran.
        XCTAssertEqual(s.interpreter.variables["b"], .int(2))
        XCTAssertNil(s.interpreter.variables["c"])
        XCTAssertEqual(s.evaluate("print a + b"), .completed)
        XCTAssertEqual(s.output, "3\n")
    }

    func testSyntaxErrorsRunNothing() {
        let s = Session()
        let outcome = s.evaluate("print 1\nprint (\nprint 2 3")
        XCTAssertEqual(outcome.diagnostics.count, 2, "\(outcome)")
        XCTAssertEqual(s.output, "")
    }

    func testIncompleteInputForEveryOpener() {
        // Oracle: each input ends inside an opener, so the REPL must ask for more.
        let inputs = [
            "for i in 1...3 {", "if true {\n  print 1", "if true { print 1 } else {", "let xs = [1, 2,",
            "print (1 +", "print len(", "print \"unclosed", "print \"a \\(1 +", "print \"a \\(\"b",
            "for i in [1,\n2", "let s = \"two\nlines",
        ]
        for input in inputs {
            let outcome = Session().evaluate(input)
            guard case .incomplete(let d) = outcome else {
                XCTFail("\(input.debugDescription) should be incomplete, got \(outcome)")
                continue
            }
            XCTAssertTrue(d.isIncompleteInput)
            XCTAssertEqual(d.kind, .incompleteInput)
        }
    }

    func testCompleteOrWrongInputIsNotIncomplete() {
        // Oracle: these end with nothing open, so they run or fail at once.
        for input in ["let x =", "print 1 +", "for i in 1...3", "print )", "}", "if true { print 1 } else"] {
            let outcome = Session().evaluate(input)
            guard case .failed(let ds) = outcome else { XCTFail("\(input.debugDescription): \(outcome)"); continue }
            XCTAssertFalse(ds.contains(where: \.isIncompleteInput), "\(input.debugDescription): \(ds)")
        }
    }

    func testContinuationLinesCompleteTheInput() {
        // The REPL appends each continuation line after a newline and evaluates again.
        let s = Session()
        var buffer = "for i in 1...2 {"
        XCTAssertTrue(s.evaluate(buffer).isIncomplete)
        buffer += "\n  print i * 10"
        XCTAssertTrue(s.evaluate(buffer).isIncomplete)
        buffer += "\n}"
        XCTAssertEqual(s.evaluate(buffer), .completed)
        XCTAssertEqual(s.output, "10\n20\n")
    }

    func testAnErrorBeforeTheEndIsNotIncomplete() {
        let outcome = Session().evaluate("print @\nfor i in [1] {")
        guard case .failed(let ds) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(ds.map(\.message), ["unexpected character '@'", "expected '}' (to close 'for')"])
    }

    func testScriptThatEndsInsideABlockFails() {
        let s = Session()
        let outcome = s.interpreter.run(source: "for i in 1...3 {\n  print i", name: "t.kf")
        guard case .failed(let ds) = outcome else { return XCTFail("run must not return .incomplete: \(outcome)") }
        XCTAssertEqual(ds.map(\.message), ["expected '}' (to close 'for' at line 1)"])
        XCTAssertEqual(ds[0].location, SourceLocation(source: "t.kf", line: 2, column: 10))
    }

    func testCheckReportsWithoutRunning() {
        let s = Session()
        XCTAssertEqual(s.interpreter.check(source: "print 1\nprint nope", name: "c.kf").map(\.message),
                       ["undefined variable 'nope'"])
        XCTAssertEqual(s.interpreter.check(source: "print 1", name: "c.kf"), [])
        XCTAssertEqual(s.output, "")
    }

    // MARK: - Callbacks

    func testResultsNarrationAndStatementsArriveInOrder() {
        let s = Session()
        let source = """
            ## Meet Inception
            let r = predict "cat.jpg" top 1
            r.label
            greet Neo
            for i in 1...2 {
                i
            }
            """
        XCTAssertEqual(s.interpreter.run(source: source, name: "tour.kf"), .completed)
        XCTAssertEqual(s.events, [
            "narration Meet Inception @1",
            "statement let r = predict \"cat.jpg\" top 1 @2",
            "statement r.label @3", "result \"tabby\"",
            "statement greet Neo @4",
            "statement for i in 1...2 {\n    i\n} @5", "result 1", "result 2",
        ])
        XCTAssertEqual(s.output, "Hello, Neo!\n")
        XCTAssertEqual(s.results.map(\.1.line), [3, 6, 6])
    }

    func testWithoutAResultCallbackResultsArePrinted() {
        let s = Session(recordResults: false)
        XCTAssertEqual(s.evaluate("\"text\"\ncount to 2\nlet n = count to 2\nprint n"), .completed)
        XCTAssertEqual(s.output, "\"text\"\n[1, 2]\n[1, 2]\n")
    }

    func testSetVariableBindsForScripts() {
        let s = Session()
        s.interpreter.setVariable("examples", to: .string("examples/testset"))
        XCTAssertEqual(s.evaluate("print examples + \"/1.jpg\""), .completed)
        XCTAssertEqual(s.output, "examples/testset/1.jpg\n")
        s.interpreter.removeAllVariables()
        XCTAssertEqual(s.evaluate("print examples").diagnostics.map(\.message), ["undefined variable 'examples'"])
    }

    // MARK: - Interrupts and limits

    func testInterruptRequestedByACommandStopsBeforeTheNextStatement() {
        let s = Session()
        let outcome = s.evaluate("print 1\ninterrupt me\nprint 2")
        XCTAssertEqual(outcome, .interrupted(SourceLocation(source: "<input>", line: 3, column: 1)))
        XCTAssertEqual(s.output, "1\n")
        // The next evaluation starts with the flag cleared.
        XCTAssertEqual(s.evaluate("print 3"), .completed)
        XCTAssertEqual(s.output, "1\n3\n")
    }

    func testInterruptStopsInsideALoopBeforeTheNextStatement() {
        let s = Session()
        let outcome = s.evaluate("for i in 1...1000000 {\n  if i == 3 { interrupt me }\n  print i\n}")
        XCTAssertEqual(outcome, .interrupted(SourceLocation(source: "<input>", line: 3, column: 3)))
        XCTAssertEqual(s.output, "1\n2\n")
    }

    func testInterruptStopsAnEmptyLoopOnItsNextIteration() {
        let s = Session()
        let outcome = s.evaluate("for i in 1...1000000 { if i == 3 { interrupt me } }")
        XCTAssertEqual(outcome, .interrupted(SourceLocation(source: "<input>", line: 1, column: 1)))
        XCTAssertEqual(s.interpreter.variables["i"], .int(3))
    }

    func testInterruptDuringTheLastStatementStillEndsInterrupted() {
        let s = Session()
        XCTAssertEqual(s.evaluate("print 1\ninterrupt me"), .interrupted(SourceLocation(source: "<input>", line: 2, column: 1)))
    }

    func testCommandThatThrowsInterruptedEndsTheRun() {
        let s = Session()
        XCTAssertEqual(s.evaluate("print 1\nstop early\nprint 2"),
                       .interrupted(SourceLocation(source: "<input>", line: 2, column: 1)))
        XCTAssertEqual(s.output, "1\n")
    }

    func testInterruptFromAnotherThreadStopsAnEndlessLoop() {
        // Oracle: without the interrupt this loop would run for ages; the flag
        // is set from another thread once the loop is running.
        let s = Session(recordResults: false)
        let flag = s.interpreter.interruptFlag
        let started = DispatchSemaphore(value: 0)
        s.interpreter.output = { _ in started.signal() }
        DispatchQueue.global().async {
            started.wait()
            flag.request()
        }
        let outcome = s.evaluate("for i in 0..<9223372036854775807 { print i }")
        guard case .interrupted = outcome else { return XCTFail("\(outcome)") }
    }

    func testStepLimit() {
        let s = Session(limits: Limits(maxSteps: 50))
        let outcome = s.evaluate("for i in 1...100 { let x = i }")
        XCTAssertEqual(outcome.diagnostics.map(\.message), ["stopped after 50 steps (the step limit)"])
        XCTAssertEqual(s.evaluate("print 1"), .completed, "the step count starts again for each evaluation")
    }

    func testStringAndListGrowthLimits() {
        let s = Session(limits: Limits(maxStringLength: 64, maxListLength: 8))
        XCTAssertEqual(s.evaluate("let s = \"ab\"\nfor i in 1...10 { let s = s + s }").diagnostics.map(\.message),
                       ["string would be longer than 64 bytes"])
        XCTAssertEqual(s.evaluate("let l = [1]\nfor i in 1...10 { let l = l + l }").diagnostics.map(\.message),
                       ["list would hold more than 8 values in all (nested lists included)"])
        XCTAssertEqual(s.evaluate("let t = \"\\(s)\\(s)\\(s)\"").diagnostics.map(\.message),
                       ["string would be longer than 64 bytes"])
        XCTAssertEqual(s.evaluate("let w = [s, s, s]").diagnostics.map(\.message),
                       ["list would hold more than 64 bytes of text in all"])
        XCTAssertEqual(s.evaluate("let d = [[1, 2], 3]\nfor i in 1...3 { let d = [d, d] }").diagnostics.map(\.message),
                       ["list would hold more than 8 values in all (nested lists included)"],
                       "a list shared twice counts twice, so doubling cannot hide its size")
    }

    func testNestingLimits() {
        let s = Session(limits: Limits(maxNesting: 8))
        XCTAssertEqual(s.evaluate("print ((((1))))"), .completed)
        XCTAssertEqual(s.evaluate("print " + String(repeating: "(", count: 12) + "1" + String(repeating: ")", count: 12))
            .diagnostics.map(\.message), ["too deeply nested (the limit is 8 levels)"])
        XCTAssertEqual(s.evaluate("print 1" + String(repeating: " + 1", count: 12)).diagnostics.map(\.message),
                       ["expression is too deeply nested (the limit is 8 levels)"])
        XCTAssertEqual(s.evaluate("let l = [1]\nfor i in 1...10 { let l = [l] }").diagnostics.map(\.message),
                       ["lists are nested too deeply (the limit is 8 levels)"])
    }
}

extension Outcome {
    var isIncomplete: Bool {
        if case .incomplete = self { return true }
        return false
    }
}
