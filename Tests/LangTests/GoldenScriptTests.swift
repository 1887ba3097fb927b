// GoldenScriptTests.swift — runs every Tests/LangTests/Scripts/<feature>/*.kf
// with the fake host and checks it against its `# expect` comments.
// Oracle: the golden transcripts written in the scripts themselves.
import Foundation
import XCTest
@testable import Lang

final class GoldenScriptTests: XCTestCase {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    /// The feature folders this file has a test for; `testEveryFeatureFolderIsRun` keeps it complete.
    static let features = [
        "arithmetic", "builtins", "commands", "control", "diagnostics", "help", "host-values",
        "lists", "narration", "recovery", "strings", "variables", "words",
    ]

    func testArithmetic() throws { try runFeature("arithmetic") }
    func testBuiltins() throws { try runFeature("builtins") }
    func testCommands() throws { try runFeature("commands") }
    func testControl() throws { try runFeature("control") }
    func testDiagnostics() throws { try runFeature("diagnostics") }
    func testHelp() throws { try runFeature("help") }
    func testHostValues() throws { try runFeature("host-values") }
    func testLists() throws { try runFeature("lists") }
    func testNarration() throws { try runFeature("narration") }
    func testRecovery() throws { try runFeature("recovery") }
    func testStrings() throws { try runFeature("strings") }
    func testVariables() throws { try runFeature("variables") }
    func testWords() throws { try runFeature("words") }

    /// A new folder without a test method above would be silently skipped.
    func testEveryFeatureFolderIsRun() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.scripts.path)
            .filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: Self.scripts.appendingPathComponent(name).path,
                                                      isDirectory: &isDirectory) && isDirectory.boolValue
            }
        XCTAssertEqual(folders.sorted(), Self.features.sorted(),
                       "every folder under \(Self.scripts.path) needs a test method in GoldenScriptTests")
    }

    /// Runs each script of a feature folder; fails (never skips) when the folder is missing or empty.
    func runFeature(_ feature: String) throws {
        let folder = Self.scripts.appendingPathComponent(feature)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".\(Lang.scriptExtension)") }.sorted()
        XCTAssertFalse(files.isEmpty, "no .kf scripts in \(folder.path)")
        for file in files {
            let source = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let name = "\(feature)/\(file)"
            let script = GoldenScript(source: source, name: name)
            XCTAssertFalse(script.expectedOutput.isEmpty && script.expectedErrors.isEmpty && script.expectedRendered.isEmpty,
                           "\(name) has no expectations, so it could not fail")
            let transcript = TestHost.run(source, name: name)
            let report = script.check(stdout: transcript.stdout, stderr: transcript.stderr)
            XCTAssertTrue(report.passed, report.description)
        }
    }
}
