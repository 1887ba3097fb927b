// JSONParser.swift — reads JSON text (RFC 8259) into the one JSON value,
// `JSONValue`: the messages a Jupyter client sends, connection files. Whole
// numbers without a point or exponent become `.int` (when they fit), others
// `.double`; object keys keep the order of the text. Errors say where (byte
// offset) and what was expected: `JSON at byte 7: expected ':' after an object key`.

/// JSON text that could not be read: where and what was expected.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The UTF-8 byte offset of the problem.
    public let offset: Int
    /// What was expected there, in words.
    public let expected: String

    /// `JSON at byte N: expected …`.
    public var description: String { "JSON at byte \(offset): expected \(expected)" }
}

extension JSONValue {
    /// Reads one JSON value from `text` (surrounding white space allowed).
    ///
    ///     try JSONValue(parsing: #"{"a": [1, 2.5, "x"]}"#)
    ///     // .object([("a", .array([.int(1), .double(2.5), .string("x")]))])
    public init(parsing text: String) throws {
        try self.init(parsing: Array(text.utf8))
    }

    /// Reads one JSON value from UTF-8 `bytes`.
    public init(parsing bytes: [UInt8]) throws {
        var parser = JSONReader(bytes: bytes)
        self = try parser.document()
    }

    /// The member `key` of an object (the first, if repeated); nil for other values.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The text of a string value, else nil.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A whole number (an `.int`, or a `.double` with no fraction), else nil.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int(d)
        default: return nil
        }
    }

    /// The value of a boolean, else nil.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The items of an array, else nil.
    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}

/// A recursive-descent reader over UTF-8 bytes.
private struct JSONReader {
    let bytes: [UInt8]
    var index = 0
    var depth = 0
    /// Deeper nesting than this is refused instead of exhausting the stack.
    static let maximumDepth = 512

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func document() throws -> JSONValue {
        let value = try self.value()
        skipSpace()
        guard index == bytes.count else { throw fail("the end of the text after the value") }
        return value
    }

    private func fail(_ expected: String) -> JSONParseError {
        JSONParseError(offset: index, expected: expected)
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func value() throws -> JSONValue {
        skipSpace()
        guard index < bytes.count else { throw fail("a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("a value (object, array, string, number, true, false or null)")
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw fail("'\(word)'")
        }
        index += expected.count
    }

    private mutating func nest() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("at most \(Self.maximumDepth) nested arrays and objects") }
    }

    private mutating func object() throws -> JSONValue {
        try nest()
        defer { depth -= 1 }
        index += 1
        var members: [(String, JSONValue)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("a string key") }
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("':' after an object key") }
            index += 1
            members.append((key, try value()))
            skipSpace()
            guard index < bytes.count else { throw fail("',' or '}'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw fail("',' or '}'")
        }
    }

    private mutating func array() throws -> JSONValue {
        try nest()
        defer { depth -= 1 }
        index += 1
        var items: [JSONValue] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            items.append(try value())
            skipSpace()
            guard index < bytes.count else { throw fail("',' or ']'") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("',' or ']'")
        }
    }

    private mutating func number() throws -> JSONValue {
        let start = index
        var isWhole = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a digit") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isWhole = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a digit after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isWhole = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("a digit in the exponent") }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isWhole, let whole = Int(text) { return .int(whole) }
        guard let double = Double(text) else { throw JSONParseError(offset: start, expected: "a number") }
        return .double(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flushRun() {
            scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars)
        }
        while true {
            guard index < bytes.count else { throw fail("'\"' closing the string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flushRun()
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw fail("no control character inside a string (escape it)") }
            guard byte == UInt8(ascii: "\\") else { index += 1; continue }
            flushRun()
            index += 1
            guard index < bytes.count else { throw fail("an escape after '\\'") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
            default:
                index -= 1
                throw fail("one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX")
            }
            runStart = index
        }
    }

    /// The scalar of `\uXXXX` (the `\u` already read), joining a surrogate
    /// pair; a lone surrogate becomes U+FFFD, as Python's decoder would keep
    /// it unpaired (Swift strings cannot hold one).
    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800...0xDBFF).contains(high), index + 1 < bytes.count,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            let save = index
            index += 2
            let low = try hex4()
            if (0xDC00...0xDFFF).contains(low) {
                return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
            }
            index = save
        }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private mutating func hex4() throws -> UInt32 {
        guard index + 4 <= bytes.count,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw fail("four hexadecimal digits after \\u")
        }
        index += 4
        return value
    }
}
