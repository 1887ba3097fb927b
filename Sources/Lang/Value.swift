// Value.swift — the values a script computes with (int, float, string,
// bool, list, range, host value), how they print and compare, and the
// protocol through which the host defines its own values.
import Common

/// A value in the language:
///
///     int      64-bit whole number         42, -7          prints 42
///     float    IEEE double                 3.5, 1e3        prints 3.5, 1000.0
///     string   Unicode text                "cat.jpg"       prints cat.jpg (quoted as a result)
///     bool     true / false
///     list     [1, "a", [2]]
///     range    1...16, 0..<4               whole-number bounds; empty when reversed
///     host     a host value (predictions, images…) with fields and elements
///
/// The int/float rules are in `Arithmetic` and docs/language.md.
public enum Value: Sendable {
    /// A whole number (Swift `Int`, 64-bit).
    case int(Int)
    /// A floating-point number (Swift `Double`).
    case float(Double)
    /// Text.
    case string(String)
    /// `true` or `false`.
    case bool(Bool)
    /// A list of values.
    case list([Value])
    /// `lower...upper` (closed) or `lower..<upper` (half-open).
    case range(lower: Int, upper: Int, closed: Bool)
    /// A value the host defines (a prediction, an image, a model…).
    case host(any HostValue)

    /// The name `type(x)` returns and messages use: "int", "float", "string",
    /// "bool", "list", "range", or the host value's `typeName`.
    public var typeName: String {
        switch self {
        case .int: return "int"
        case .float: return "float"
        case .string: return "string"
        case .bool: return "bool"
        case .list: return "list"
        case .range: return "range"
        case .host(let h): return h.typeName
        }
    }

    /// The value as `print` shows it: strings without quotes, floats always
    /// with a fraction or exponent (`3.0`, `1e-05`), ints without one.
    public var text: String {
        switch self {
        case .string(let s): return s
        default: return resultText
        }
    }

    /// The value as a REPL result (`Out[n]:`) shows it: like `text`, but a
    /// string is quoted and escaped so "" and "3" are told apart from 3.
    /// Lists always show their elements this way.
    public var resultText: String {
        switch self {
        case .int(let n): return String(n)
        case .float(let d): return Self.format(d)
        case .string(let s): return Self.quoted(s)
        case .bool(let b): return b ? "true" : "false"
        case .list(let items): return "[" + items.map(\.resultText).joined(separator: ", ") + "]"
        case .range(let lo, let hi, let closed): return "\(lo)\(closed ? "..." : "..<")\(hi)"
        case .host(let h): return h.text
        }
    }

    /// The value as JSON, for `--json` output. A range is an object
    /// `{"range":[lower,upper],"closed":true}`, never its (maybe huge) elements.
    public var json: JSONValue {
        switch self {
        case .int(let n): return .int(n)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .list(let items): return .array(items.map(\.json))
        case .range(let lo, let hi, let closed):
            return .object([("range", .array([.int(lo), .int(hi)])), ("closed", .bool(closed))])
        case .host(let h): return h.json
        }
    }

    /// Swift's shortest round-trip spelling of a double: 0.1 + 0.2 prints
    /// 0.30000000000000004, 1e3 prints 1000.0, 1e-5 prints 1e-05.
    static func format(_ d: Double) -> String { d.description }

    /// A string literal that reads back as the same string.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            case _ where c.value < 0x20 || c.value == 0x7F:
                out += "\\u{\(String(c.value, radix: 16, uppercase: true))}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    /// How a message names a value's type: "an int", "a string", and for a
    /// host value "a predictions value".
    var kindPhrase: String {
        if case .host(let h) = self { return "a \(h.typeName) value" }
        return (typeName.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + typeName
    }

    /// How a message names a value: `"three" (a string)`, `3.5 (a float)`;
    /// long or multi-line renderings are cut with an ellipsis; a host value
    /// is named by its type alone ("a predictions value").
    var described: String {
        if case .host = self { return kindPhrase }
        var shown = resultText
        if let newline = shown.firstIndex(of: "\n") { shown = String(shown[..<newline]) + "…" }
        if shown.count > 40 { shown = String(shown.prefix(39)) + "…" }
        return "\(shown) (\(kindPhrase))"
    }
}

extension Value: Equatable {
    /// Structural equality. Numbers compare by value across int and float
    /// (`3 == 3.0`); ranges compare by the numbers they hold (every empty
    /// range is equal); host values use `HostValue.isEqual(to:)`.
    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.int(let x), .float(let y)), (.float(let y), .int(let x)): return Double(x) == y
        case (.string(let x), .string(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.range, .range):
            let (p, q) = (a.rangeFirstLast, b.rangeFirstLast)
            return p?.first == q?.first && p?.last == q?.last
        case (.host(let x), .host(let y)): return x.isEqual(to: y)
        default: return false
        }
    }

    /// The first and last element of a range, nil for an empty range or a
    /// value that is not a range (`last` never overflows: it is `upper` or
    /// `upper - 1` with `upper > lower`).
    var rangeFirstLast: (first: Int, last: Int)? {
        guard case .range(let lo, let hi, let closed) = self else { return nil }
        if closed { return lo <= hi ? (lo, hi) : nil }
        return lo < hi ? (lo, hi - 1) : nil
    }
}

extension Value: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral
{
    /// `5` as a default value in a command spec.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// `0.001` as a default value in a command spec.
    public init(floatLiteral value: Double) { self = .float(value) }
    /// `"imagenet"` as a default value in a command spec.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `true` as a default value in a command spec.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// `[1, 2]` as a default value in a command spec.
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
}

/// A value the host defines — a prediction, an image, a trained head — with
/// named fields (`r.label`), optional elements (`r[0]`, `for p in r`, `len(r)`),
/// a text rendering for `print` and results, and a JSON rendering for `--json`.
///
/// Only `typeName` and `text` are required; the rest have defaults (no
/// fields, no elements, JSON built from the fields, equality by JSON).
///
///     struct Prediction: HostValue {
///         var label: String, score: Double
///         var typeName: String { "prediction" }
///         var fieldNames: [String] { ["label", "score"] }
///         func field(_ name: String) -> Value? {
///             name == "label" ? .string(label) : name == "score" ? .float(score) : nil
///         }
///         var text: String { "\(label) \(score)" }
///     }
public protocol HostValue: Sendable {
    /// The name learners see in `type(x)` and in messages, e.g. "predictions".
    var typeName: String { get }
    /// The field names, in the order help and completion list them.
    var fieldNames: [String] { get }
    /// The value of a field, or nil when there is no such field.
    func field(_ name: String) -> Value?
    /// How many elements `x[i]` can reach, or nil when the value has none.
    var elementCount: Int? { get }
    /// The element at `index`, where `0 <= index < elementCount` (the
    /// interpreter has already checked the bounds and resolved negative indexes).
    func element(at index: Int) -> Value
    /// The text `print` and results show (it may span lines; no trailing newline).
    var text: String { get }
    /// The value as JSON for `--json` output.
    var json: JSONValue { get }
    /// Whether two host values are equal (for `==`, `!=` and `in`).
    func isEqual(to other: any HostValue) -> Bool
}

extension HostValue {
    /// No fields.
    public var fieldNames: [String] { [] }
    /// No fields.
    public func field(_ name: String) -> Value? { nil }
    /// Not indexable.
    public var elementCount: Int? { nil }
    /// Never called for a value without elements.
    public func element(at index: Int) -> Value {
        preconditionFailure("\(typeName) has no elements but element(at:) was called")
    }
    /// `{"type": typeName, field: value, …}` over `fieldNames`.
    public var json: JSONValue {
        .object([("type", .string(typeName))] + fieldNames.map { ($0, field($0)?.json ?? .null) })
    }
    /// Equal when the type names and the JSON renderings are equal.
    public func isEqual(to other: any HostValue) -> Bool {
        typeName == other.typeName && json == other.json
    }
}
