// RuntimeCompletionTests.swift — what Tab offers in the shell: the
// language's candidates turned into whole-line candidates, file paths inside
// strings, layer names where a command takes a name. Oracle: exact expected
// lists for a folder made by the test and a hand-written command spec.
import Foundation
import Lang
import XCTest
@testable import Shell

final class RuntimeCompletionTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("completion")
        try FileManager.default.createDirectory(atPath: folder + "/images", withIntermediateDirectories: false)
        for name in ["cat.jpg", "car.png", ".hidden"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: folder + "/" + name, contents: Data()))
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// An interpreter with the shell's table plus a command taking a layer
    /// name, completing layers from `layers`.
    private func interpreter(layers: [String]) throws -> Interpreter {
        let registry = CommandTable.registry(for: Session(environment: [:]))
        try registry.register(CommandSpec("probe", summary: "Test command taking a layer.",
                                          parameters: [.positional("layer", .name, summary: "a layer")],
                                          example: "probe mixed0", keras: "model.get_layer('mixed0')")) { _, _ in nil }
        let interpreter = Interpreter(registry: registry)
        interpreter.completionProvider = { HostCompletion.candidates(for: $0, layerNames: layers) }
        return interpreter
    }

    func testCommandWordsCompleteToTheWholeLineWithASpace() throws {
        let interpreter = try interpreter(layers: [])
        XCTAssertEqual(HostCompletion.lineCandidates("he", interpreter: interpreter), ["help "])
        XCTAssertEqual(HostCompletion.lineCandidates("set s", interpreter: interpreter), ["set seed "])
        XCTAssertEqual(HostCompletion.lineCandidates("save n", interpreter: interpreter), ["save notebook "])
    }

    func testLayerNamesWhereACommandTakesAName() throws {
        let interpreter = try interpreter(layers: ["conv2d", "mixed0", "mixed1", "mixed10"])
        XCTAssertEqual(HostCompletion.lineCandidates("probe mixed1", interpreter: interpreter),
                       ["probe mixed1", "probe mixed10"])
        XCTAssertEqual(HostCompletion.lineCandidates("probe co", interpreter: interpreter), ["probe conv2d "])
        XCTAssertEqual(HostCompletion.lineCandidates("print mix", interpreter: interpreter), [],
                       "layer names only where a name is expected")
    }

    func testFilePathsInsideStrings() throws {
        let interpreter = try interpreter(layers: [])
        let head = "save notebook \"" + folder + "/"
        XCTAssertEqual(HostCompletion.lineCandidates(head + "ca", interpreter: interpreter),
                       [head + "car.png", head + "cat.jpg"])
        XCTAssertEqual(HostCompletion.lineCandidates(head + "cat", interpreter: interpreter), [head + "cat.jpg\""],
                       "a single file gets its closing quote")
        XCTAssertEqual(HostCompletion.lineCandidates(head + "im", interpreter: interpreter), [head + "images/"],
                       "a folder keeps its slash, no quote")
        XCTAssertEqual(HostCompletion.paths(startingWith: folder + "/"),
                       [folder + "/car.png", folder + "/cat.jpg", folder + "/images/"], "hidden files only after a dot")
        XCTAssertEqual(HostCompletion.paths(startingWith: folder + "/.h"), [folder + "/.hidden"])
    }
}
