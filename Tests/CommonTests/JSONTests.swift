// JSONTests.swift — JSONValue, both styles. Oracle: Python 3.11's json.dumps;
// every expected text below is what the Python beside it printed. The live
// checks against Python and nbformat are in ShellTests
// (SupportNotebookWriterTests: whole notebooks, str.splitlines).
import Foundation
import XCTest
import Common

final class JSONTests: XCTestCase {
    /// Keys that sort differently by Unicode scalar (Python), by UTF-16 unit
    /// (🐈 before U+FF61) and by Swift's `<` (é equal to e + U+0301).
    private let mixed = JSONValue.object([
        ("z", .array([.int(-3), .bool(true), .bool(false), .null, .array([]), .object([])])),
        ("a", .string("quote \" backslash \\ nl \n cr \r tab \t bs \u{08} ff \u{0C} nul \u{00} us \u{1F} del \u{7F} é 🐈 \u{2028}")),
        ("B", .object([("y", .int(1)), ("x", .array([.string("")]))])),
        ("é", .int(0)), ("e\u{301}", .int(2)), ("e", .int(1)), ("🐈", .int(3)), ("\u{FF61}", .int(4)),
    ])

    // value = {"z": [-3, True, False, None, [], {}],
    //          "a": "quote \" backslash \\ nl \n cr \r tab \t bs \b ff \f nul \0 us \x1f del \x7f é 🐈 \u2028",
    //          "B": {"y": 1, "x": [""]},
    //          "é": 0, "e\u0301": 2, "e": 1, "🐈": 3, "\uff61": 4}
    // print(json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, separators=(",", ": ")))
    func testPythonIndentedIsNbformatText() {
        XCTAssertEqual(mixed.text(.python(indent: 1)), #"""
            {
             "B": {
              "x": [
               ""
              ],
              "y": 1
             },
             "a": "quote \" backslash \\ nl \n cr \r tab \t bs \b ff \f nul \u0000 us \u001f del \#u{7F} é 🐈 \#u{2028}",
             "e": 1,
             "e\#u{301}": 2,
             "z": [
              -3,
              true,
              false,
              null,
              [],
              {}
             ],
             "é": 0,
             "\#u{FF61}": 4,
             "🐈": 3
            }
            """#)
    }

    // print(json.dumps(value, sort_keys=True, ensure_ascii=False))
    func testPythonOneLine() {
        XCTAssertEqual(mixed.text(.python(indent: nil)), #"""
            {"B": {"x": [""], "y": 1}, "a": "quote \" backslash \\ nl \n cr \r tab \t bs \b ff \f nul \u0000 us \u001f del \#u{7F} é 🐈 \#u{2028}", "e": 1, "e\#u{301}": 2, "z": [-3, true, false, null, [], {}], "é": 0, "\#u{FF61}": 4, "🐈": 3}
            """#)
    }

    // print(json.dumps({"b": [[], {}, [1, [2]]], "a": {}}, sort_keys=True, ensure_ascii=False, indent=2))
    func testPythonIndentTwoNestsAndKeepsEmptyContainersShort() {
        let value = JSONValue.object([
            ("b", .array([.array([]), .object([]), .array([.int(1), .array([.int(2)])])])), ("a", .object([])),
        ])
        XCTAssertEqual(value.text(.python(indent: 2)), """
            {
              "a": {},
              "b": [
                [],
                {},
                [
                  1,
                  [
                    2
                  ]
                ]
              ]
            }
            """)
    }

    // value = {"z": [-3, True, False, None, [], {}], "a": "q \" b \\ bs \b ff \f nul \0 é 🐈",
    //          "B": {"y": 1, "x": [""]}, "é": 0.5, "e": 1e-05}
    // print(json.dumps(value, ensure_ascii=False, separators=(",", ":")))   # insertion order, no sort
    func testCompactKeepsKeyOrderAndHasNoSpaces() {
        let value = JSONValue.object([
            ("z", .array([.int(-3), .bool(true), .bool(false), .null, .array([]), .object([])])),
            ("a", .string("q \" b \\ bs \u{08} ff \u{0C} nul \u{00} é 🐈")),
            ("B", .object([("y", .int(1)), ("x", .array([.string("")]))])),
            ("é", .double(0.5)), ("e", .double(1e-05)),
        ])
        XCTAssertEqual(value.rendered, #"""
            {"z":[-3,true,false,null,[],{}],"a":"q \" b \\ bs \b ff \f nul \u0000 é 🐈","B":{"y":1,"x":[""]},"é":0.5,"e":1e-05}
            """#)
        XCTAssertEqual(value.rendered, value.text(.compact))
    }

    // print(json.dumps("".join(map(chr, range(0x20))) + "\x7f\u2028", ensure_ascii=False))
    func testQuotedEscapesEveryControlLikePython() {
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) })) + "\u{7F}\u{2028}"
        let expected = #"""
            "\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\#u{7F}\#u{2028}"
            """#
        XCTAssertEqual(JSONValue.quoted(controls), expected)
        XCTAssertEqual(JSONValue.string(controls).rendered, expected)
        XCTAssertEqual(JSONValue.string(controls).text(.python(indent: 1)), expected)
        // And it is JSON: Foundation reads the same string back.
        let back = try? JSONSerialization.jsonObject(with: Data(expected.utf8), options: .fragmentsAllowed) as? String
        XCTAssertEqual(back, controls)
    }

    // print(json.dumps([0.5, 5.0, 1e-05, 0.0001, 1e16, 1e15, 9007199254740992.0, 123456789012345678.0, -0.0,
    //                   1.7976931348623157e308, 5e-324, 0.1 + 0.2, 100.0, 1e22, 1e-7, 12345.678], ensure_ascii=False))
    func testDoublesSpelledAsPythonReprsThem() {
        let numbers: [Double] = [0.5, 5.0, 1e-05, 0.0001, 1e16, 1e15, 9007199254740992.0, 123456789012345678.0, -0.0,
                                 1.7976931348623157e308, 5e-324, 0.1 + 0.2, 100.0, 1e22, 1e-7, 12345.678]
        XCTAssertEqual(JSONValue.array(numbers.map(JSONValue.double)).text(.python(indent: nil)),
                       "[0.5, 5.0, 1e-05, 0.0001, 1e+16, 1000000000000000.0, 9007199254740992.0, 1.2345678901234568e+17, -0.0, "
                           + "1.7976931348623157e+308, 5e-324, 0.30000000000000004, 100.0, 1e+22, 1e-07, 12345.678]")
    }

    // Python writes NaN and Infinity, which are not JSON; both styles write null.
    func testNonFiniteDoublesAreNull() {
        let value = JSONValue.array([.double(.nan), .double(.infinity), .double(-.infinity)])
        XCTAssertEqual(value.rendered, "[null,null,null]")
        XCTAssertEqual(value.text(.python(indent: nil)), "[null, null, null]")
    }

    func testEqualityIsStructuralAndNaNEqualsNaN() {
        XCTAssertEqual(JSONValue.double(.nan), .double(.nan))
        XCTAssertNotEqual(JSONValue.int(1), .double(1))
        XCTAssertNotEqual(JSONValue.object([("a", .null), ("b", .null)]), .object([("b", .null), ("a", .null)]))
    }
}
