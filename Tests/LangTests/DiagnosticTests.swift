// DiagnosticTests.swift — the one renderer, value renderings and JSON, and
// the golden-script checker itself (it must fail when it should).
// Oracles: the rendered example of DESIGN.md, written out by hand; JSON
// checked by reading it back with Foundation's JSONSerialization.
import Foundation
import XCTest
@testable import Lang

final class DiagnosticTests: XCTestCase {
    func testRenderMatchesTheDesignExample() {
        let d = Diagnostic(kind: .syntax, message: "unknown command 'predcit' (did you mean 'predict'?)",
                           location: SourceLocation(source: "Tutorials/01-meet-inception.kf", line: 3, column: 1),
                           length: 7, lineText: "predcit \"examples/testset/1.jpg\"")
        XCTAssertEqual(d.render(), """
            error: unknown command 'predcit' (did you mean 'predict'?)
             --> Tutorials/01-meet-inception.kf:3:1
              |
            3 | predcit "examples/testset/1.jpg"
              | ^^^^^^^
            """)
        XCTAssertEqual(d.description, d.render())
    }

    func testRenderEdgeCases() {
        // Wide gutter, notes, a caret past the end of the line, an empty line.
        let d = Diagnostic(kind: .incompleteInput, message: "m", location: SourceLocation(source: "f", line: 120, column: 4),
                           length: 0, lineText: "abc", notes: ["usage: x", "fields: a"])
        XCTAssertEqual(d.render(), "error: m\n   --> f:120:4\n    |\n120 | abc\n    |    ^\n    = usage: x\n    = fields: a")
        let empty = Diagnostic(kind: .syntax, message: "m", location: SourceLocation(source: "f", line: 2, column: 1),
                               length: 3, lineText: "")
        XCTAssertEqual(empty.render(), "error: m\n --> f:2:1\n  |\n2 |\n  | ^")
        // A span longer than the rest of the line is cut at the line's end.
        let long = Diagnostic(kind: .syntax, message: "m", location: SourceLocation(source: "f", line: 1, column: 3),
                              length: 50, lineText: "ab\"cd")
        XCTAssertEqual(long.render().split(separator: "\n").last, "  |   ^^^")
    }

    // Oracle: the clipped excerpt written out by hand: 40 scalars each side
    // of the error, `…` at each cut, carets under the same text.
    func testLongLinesAreClippedAroundTheError() {
        let line = String(repeating: "a", count: 100) + " + zz + " + String(repeating: "b", count: 2_000_000)
        let d = Diagnostic(kind: .syntax, message: "undefined variable 'zz'",
                           location: SourceLocation(source: "f", line: 1, column: 104), length: 2, lineText: line)
        let rendered = d.render()
        XCTAssertLessThan(rendered.utf8.count, 400, "a 2 MB line renders as a short excerpt")
        XCTAssertEqual(rendered, "error: undefined variable 'zz'\n --> f:1:104\n  |\n1 | …"
                       + String(repeating: "a", count: 37) + " + zz + " + String(repeating: "b", count: 37) + "…\n  | "
                       + String(repeating: " ", count: 41) + "^^")
        // A span as long as the line is underlined only as far as shown.
        let whole = Diagnostic(kind: .syntax, message: "m", location: SourceLocation(source: "f", line: 1, column: 1),
                               length: 3_000_000, lineText: String(repeating: "c", count: 3_000_000))
        let last = whole.render().split(separator: "\n").last!
        XCTAssertEqual(last, "  | " + String(repeating: "^", count: Diagnostic.excerptLimit - 80))
        // A message quoting a huge name is clipped too.
        let named = Diagnostic(kind: .syntax, message: "undefined variable '" + String(repeating: "n", count: 500_000) + "'",
                               location: SourceLocation(source: "f", line: 1, column: 1), length: 1, lineText: "n")
        let header = named.render().split(separator: "\n").first!
        XCTAssertEqual(header.unicodeScalars.count, "error: ".count + Diagnostic.messageLimit + 1)
        XCTAssertTrue(header.hasSuffix("…" + String(repeating: "n", count: 39) + "'"), String(header.suffix(50)))
        // Short lines are never clipped.
        XCTAssertFalse(Diagnostic(kind: .syntax, message: "m", location: SourceLocation(source: "f", line: 1, column: 1),
                                  length: 1, lineText: String(repeating: "x", count: 160)).render().contains("…"))
    }

    func testDiagnosticsFromTheInterpreterCarryTheirLine() {
        let outcome = Interpreter(registry: TestHost.registry()) { _ in }
            .run(source: "let a = 1\r\nprint a +\r\n", name: "crlf.kf")
        XCTAssertEqual(outcome.diagnostics.first?.render(), """
            error: expected an expression, found the end of the line
             --> crlf.kf:2:10
              |
            2 | print a +
              |          ^
            """)
    }

    func testDiagnosticJSONReadsBack() throws {
        let d = Diagnostic(kind: .runtime, message: "bad \"x\"\n", location: SourceLocation(source: "a.kf", line: 2, column: 5),
                           length: 3, lineText: "", notes: ["n"])
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(d.json.rendered.utf8)) as? [String: Any])
        XCTAssertEqual(object["error"] as? String, "bad \"x\"\n")
        XCTAssertEqual(object["kind"] as? String, "runtime")
        XCTAssertEqual(object["line"] as? Int, 2)
        XCTAssertEqual(object["notes"] as? [String], ["n"])
    }

    func testValueRenderings() {
        XCTAssertEqual(Value.float(3).text, "3.0")
        XCTAssertEqual(Value.float(0.1 + 0.2).text, "0.30000000000000004")
        XCTAssertEqual(Value.string("a\"b\n").text, "a\"b\n")
        XCTAssertEqual(Value.string("a\"b\n\u{1}").resultText, "\"a\\\"b\\n\\u{1}\"")
        XCTAssertEqual(Value.list([.string("x"), .float(1), .bool(false)]).text, "[\"x\", 1.0, false]")
        XCTAssertEqual(Value.range(lower: 0, upper: 4, closed: false).text, "0..<4")
        XCTAssertEqual(Value.host(FakePrediction(rank: 1, label: "tabby", score: 0.5)).text, "1. tabby 0.5")
    }

    func testValueJSONReadsBack() throws {
        let value = Value.list([.int(1), .float(0.5), .float(.infinity), .string("é\"\u{7}"), .bool(true),
                                .range(lower: 1, upper: 16, closed: true),
                                .host(FakePrediction(rank: 1, label: "tabby", score: 0.5))])
        XCTAssertEqual(value.json.rendered,
                       "[1,0.5,null,\"é\\\"\\u0007\",true,{\"range\":[1,16],\"closed\":true},{\"type\":\"prediction\",\"rank\":1,\"label\":\"tabby\",\"score\":0.5}]")
        let array = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(value.json.rendered.utf8)) as? [Any])
        XCTAssertEqual(array[3] as? String, "é\"\u{7}")
        XCTAssertEqual(Value.host(FakePredictions(image: "a.jpg", items: [])).json.rendered, "{\"image\":\"a.jpg\",\"top\":[]}")
    }

    func testValueEquality() {
        XCTAssertEqual(Value.int(3), Value.float(3))
        XCTAssertNotEqual(Value.string("3"), Value.int(3))
        XCTAssertEqual(Value.range(lower: 1, upper: 3, closed: true), Value.range(lower: 1, upper: 4, closed: false))
        XCTAssertEqual(Value.range(lower: 5, upper: 1, closed: true), Value.range(lower: 0, upper: 0, closed: false))
        XCTAssertEqual(Value.host(FakePrediction(rank: 1, label: "a", score: 1)), Value.host(FakePrediction(rank: 1, label: "a", score: 1)))
        XCTAssertNotEqual(Value.host(FakePrediction(rank: 1, label: "a", score: 1)), Value.host(FakePrediction(rank: 2, label: "a", score: 1)))
    }

    func testSuggestions() {
        XCTAssertEqual(Suggestions.closest(to: "predcit", among: ["print", "predict"]), "predict")
        XCTAssertEqual(Suggestions.closest(to: "Predict", among: ["predict"]), "predict")
        XCTAssertNil(Suggestions.closest(to: "xyz", among: ["predict"]))
        XCTAssertEqual(Suggestions.distance(Array("ab"), Array("ba"), limit: 5), 1, "a swap of neighbours is one edit")
        XCTAssertEqual(Suggestions.distance(Array("kitten"), Array("sitting"), limit: 5), 3)
    }

    // MARK: - The golden-script checker

    func testGoldenScriptParsesExpectations() {
        let script = GoldenScript(source: """
            print "# not a comment"     # expect: # not a comment
            print 1
            # expect: 1
            # expect:
            oops                        # expect error: undefined variable 'oops'
            oops
            # expect error: on the line above
            # expect rendered:
            #| error: m
            #|  --> s.kf:9:1
            #|
            """, name: "s.kf")
        XCTAssertEqual(script.expectedOutput, ["# not a comment", "1", ""])
        XCTAssertEqual(script.expectedErrors, [
            .init(line: 5, message: "undefined variable 'oops'"), .init(line: 6, message: "on the line above"),
            .init(line: 9, message: "m"),
        ])
        XCTAssertEqual(script.expectedRendered, [["error: m", " --> s.kf:9:1", ""]])
        XCTAssertEqual(script.problems, [])
    }

    func testGoldenScriptReportsMalformedExpectations() {
        let script = GoldenScript(source: "print 1  # expect eror: x\n#| stray\n# expect rendered:\nprint 2\n", name: "bad.kf")
        XCTAssertEqual(script.problems, [
            "bad.kf:1: unrecognised expectation '# expect eror: x' (write 'expect: …', 'expect error: …' or 'expect rendered:')",
            "bad.kf:2: '#|' line outside an 'expect rendered:' block",
            "bad.kf: 'expect rendered:' block 1 holds no 'error:' line followed by a ' --> ' line",
        ])
        XCTAssertFalse(script.check(stdout: "", stderr: "").passed)
    }

    func testGoldenScriptCheckFailsWithALineDiff() {
        let script = GoldenScript(source: "print 1 # expect: 1\nprint 2 # expect: 2\nprint 3 # expect: 3\n", name: "d.kf")
        XCTAssertTrue(script.check(stdout: "1\n2\n3\n", stderr: "").passed)
        let report = script.check(stdout: "1\ntwo\n3\n4\n", stderr: "")
        XCTAssertFalse(report.passed)
        XCTAssertEqual(report.description, "d.kf:\nstdout differs (- expected, + actual):\n  1\n- 2\n+ two\n  3\n+ 4")
        XCTAssertFalse(script.check(stdout: "1\n2\n3\n", stderr: "interrupted\n").passed, "unexpected stderr fails")
    }

    func testGoldenScriptChecksErrorsFromRenderedText() {
        let script = GoldenScript(source: "print x  # expect error: undefined variable 'x'\n", name: "e.kf")
        let transcript = TestHost.run("print x\n", name: "e.kf")
        XCTAssertTrue(script.check(stdout: transcript.stdout, stderr: transcript.stderr).passed)
        let wrongLine = TestHost.run("\nprint x\n", name: "e.kf")
        let report = script.check(stdout: wrongLine.stdout, stderr: wrongLine.stderr)
        XCTAssertEqual(report.failures, ["errors differ (- expected, + actual):\n- line 1: undefined variable 'x'\n+ line 2: undefined variable 'x'"])
        XCTAssertFalse(script.check(stdout: "", stderr: "").passed, "an expected error that never came fails")
    }

    func testLineDiff() {
        XCTAssertEqual(LineDiff.render(expected: [], actual: []), "")
        XCTAssertEqual(LineDiff.render(expected: ["a", "b", "c"], actual: ["a", "c", "d"]), "  a\n- b\n  c\n+ d")
    }

    // Oracle: the UTF-8 definition (0xE9 alone starts no character; an
    // overlong or truncated sequence is invalid) and the lexer's columns.
    func testInvalidUTF8IsLocatedAtTheFirstBadByte() {
        XCTAssertNil(Diagnostic.invalidUTF8(Array("let café = \"猫\"\n".utf8), name: "a.kf"))
        let d = Diagnostic.invalidUTF8(Array("x\n猫 ".utf8) + [0xE9, 0x41], name: "a.kf")
        XCTAssertEqual(d?.location, SourceLocation(source: "a.kf", line: 2, column: 3))
        XCTAssertEqual(d?.message, "not valid UTF-8: byte 0xE9 cannot be decoded here")
        XCTAssertEqual(Diagnostic.invalidUTF8([0x61, 0xC0, 0x80], name: "b.kf")?.location.column, 2)
        XCTAssertEqual(Diagnostic.invalidUTF8([0x61, 0xE2, 0x82], name: "b.kf")?.location.column, 2)
    }
}
