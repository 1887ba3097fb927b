// JSONParserTests.swift — JSONValue(parsing:). Oracle: RFC 8259's grammar,
// and round trips through the writer (Python's json.dumps spelling, checked
// in JSONTests), e.g. the message text jupyter_client sends.
import Common
import XCTest

final class JSONParserTests: XCTestCase {
    func testScalars() throws {
        XCTAssertEqual(try JSONValue(parsing: "null"), .null)
        XCTAssertEqual(try JSONValue(parsing: " true "), .bool(true))
        XCTAssertEqual(try JSONValue(parsing: "false"), .bool(false))
        XCTAssertEqual(try JSONValue(parsing: "-12"), .int(-12))
        XCTAssertEqual(try JSONValue(parsing: "0.5"), .double(0.5))
        XCTAssertEqual(try JSONValue(parsing: "1e-05"), .double(1e-05))
        XCTAssertEqual(try JSONValue(parsing: "2E+3"), .double(2000))
        XCTAssertEqual(try JSONValue(parsing: "123456789012345678901234567890"), .double(1.2345678901234568e29))
    }

    func testStringsAndEscapes() throws {
        XCTAssertEqual(try JSONValue(parsing: #""a\"b\\c\/d\n\t\b\f\r""#), .string("a\"b\\c/d\n\t\u{08}\u{0C}\r"))
        XCTAssertEqual(try JSONValue(parsing: #""\u00e9\u4e2d""#), .string("é中"))
        XCTAssertEqual(try JSONValue(parsing: #""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try JSONValue(parsing: "\"é😀\""), .string("é😀"))
        XCTAssertEqual(try JSONValue(parsing: #""\ud83d""#), .string("\u{FFFD}"))
    }

    func testContainersKeepOrder() throws {
        let value = try JSONValue(parsing: #"{"b": 1, "a": [null, {"c": "d"}], "e": {}}"#)
        XCTAssertEqual(value, .object([("b", .int(1)), ("a", .array([.null, .object([("c", .string("d"))])])),
                                       ("e", .object([]))]))
        XCTAssertEqual(value["a"]?.arrayValue?.count, 2)
        XCTAssertEqual(value["b"]?.intValue, 1)
        XCTAssertNil(value["z"])
        XCTAssertEqual(try JSONValue(parsing: "[]"), .array([]))
    }

    func testRoundTripThroughTheWriter() throws {
        let value: JSONValue = .object([("msg_type", .string("execute_request")), ("n", .int(3)),
                                        ("x", .double(0.25)), ("list", .array([.bool(true), .string("tab\there")]))])
        XCTAssertEqual(try JSONValue(parsing: value.rendered), value)
        XCTAssertEqual(try JSONValue(parsing: value.text(.python(indent: 1)))["list"], value["list"])
    }

    func testErrorsSayWhereAndWhat() {
        func message(_ text: String) -> String {
            do { _ = try JSONValue(parsing: text); return "parsed" } catch { return "\(error)" }
        }
        XCTAssertEqual(message(#"{"a" 1}"#), "JSON at byte 5: expected ':' after an object key")
        XCTAssertEqual(message("[1, 2"), "JSON at byte 5: expected ',' or ']'")
        XCTAssertEqual(message("[1] x"), "JSON at byte 4: expected the end of the text after the value")
        XCTAssertEqual(message(#""\q""#), #"JSON at byte 2: expected one of \" \\ \/ \b \f \n \r \t \uXXXX"#)
        XCTAssertEqual(message("01"), "JSON at byte 1: expected the end of the text after the value")
        XCTAssertEqual(message("\"a\nb\""), "JSON at byte 2: expected no control character inside a string (escape it)")
        XCTAssertEqual(message(""), "JSON at byte 0: expected a value")
        XCTAssertEqual(message(String(repeating: "[", count: 600)), "JSON at byte 512: expected at most 512 nested arrays and objects")
    }
}
