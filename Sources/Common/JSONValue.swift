// JSONValue.swift — the one JSON value and writer kungfu has. Two styles:
//   compact   `{"label":"tabby","score":0.5}`: keys in the order given, no
//             spaces (the `--json` lines, Diagnostic.json)
//   python    exactly Python's json.dumps(v, sort_keys=True, ensure_ascii=False,
//             indent=N): keys sorted by Unicode scalar, ", " and ": " on one
//             line, or one item a line (notebooks, as nbformat writes them;
//             the h5 attributes of head files)
// Both escape strings the same way, as Python does: \" \\ \n \r \t \b \f,
// \u00XX for the other C0 controls, everything else as it is.

/// A JSON value. Objects keep their keys in the order given; the compact
/// style writes them in that order, the Python style sorts them.
///
///     let v = JSONValue.object([("b", .int(1)), ("a", .array([.null]))])
///     v.rendered                        // {"b":1,"a":[null]}
///     v.text(.python(indent: nil))      // {"a": [null], "b": 1}
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` / `false`.
    case bool(Bool)
    /// A whole number, written without a point.
    case int(Int)
    /// A floating-point number in Swift's shortest round-trip spelling
    /// (`0.5`, `5.0`, `1e-05`); infinities and NaN are written `null`, since
    /// JSON has no spelling for them (Python would write `NaN`, not JSON).
    case double(Double)
    /// A string (escaped when written).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object with its keys in order. The Python style sorts them, and
    /// expects them distinct, as a Python dict's are.
    case object([(String, JSONValue)])

    /// How a value is written.
    public enum Style: Sendable, Equatable {
        /// One line, no spaces, object keys in the order given.
        case compact
        /// Python's `json.dumps(v, sort_keys=True, ensure_ascii=False,
        /// indent=indent)`: with `indent` nil one line with ", " and ": "
        /// separators; with an indent one item a line, no trailing spaces.
        case python(indent: Int?)
    }

    /// Compact JSON on one line, e.g. `{"label":"tabby","score":0.5}`.
    public var rendered: String { text(.compact) }

    /// This value as JSON text in `style`.
    public func text(_ style: Style) -> String {
        var out = ""
        write(to: &out, style, depth: 0)
        return out
    }

    /// `value` as a JSON string literal, quotes included: `a"b` → `"a\"b"`.
    public static func quoted(_ value: String) -> String {
        var out = ""
        quote(value, into: &out)
        return out
    }

    private func write(to out: inout String, _ style: Style, depth: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += d.isFinite ? d.description : "null"
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (i, item) in items.enumerated() {
                Self.separate(&out, style, depth: depth + 1, first: i == 0)
                item.write(to: &out, style, depth: depth + 1)
            }
            Self.close(&out, style, depth: depth)
            out += "]"
        case .object(var members):
            guard !members.isEmpty else { out += "{}"; return }
            if case .python = style { members = Self.sortedByKey(members) }
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                Self.separate(&out, style, depth: depth + 1, first: i == 0)
                Self.quote(key, into: &out)
                out += style == .compact ? ":" : ": "
                value.write(to: &out, style, depth: depth + 1)
            }
            Self.close(&out, style, depth: depth)
            out += "}"
        }
    }

    /// Before an item: "," unless it is the first, then the indentation of
    /// `depth` when indenting, or the space of Python's one-line ", ".
    private static func separate(_ out: inout String, _ style: Style, depth: Int, first: Bool) {
        if !first { out += "," }
        switch style {
        case .compact: break
        case .python(let indent?): out += "\n" + String(repeating: " ", count: indent * depth)
        case .python(nil): if !first { out += " " }
        }
    }

    /// Before a closing bracket: a new line at the container's own depth when indenting.
    private static func close(_ out: inout String, _ style: Style, depth: Int) {
        if case .python(let indent?) = style { out += "\n" + String(repeating: " ", count: indent * depth) }
    }

    /// Python's `sort_keys`: by Unicode scalar value, as Python compares str
    /// (not Swift's `<`, which compares canonical equivalence). Ties keep
    /// their order, so even repeated keys give one text.
    private static func sortedByKey(_ members: [(String, JSONValue)]) -> [(String, JSONValue)] {
        members.enumerated().sorted { a, b in
            let (x, y) = (a.element.0.unicodeScalars, b.element.0.unicodeScalars)
            if x.elementsEqual(y) { return a.offset < b.offset }
            return x.lexicographicallyPrecedes(y) { $0.value < $1.value }
        }.map(\.element)
    }

    /// The one string escaper: Python's json.dumps with ensure_ascii=False.
    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(c)
            }
        }
        out += "\""
    }

    /// Structural equality; NaN equals NaN so values compare as their text would.
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y || (x.isNaN && y.isNaN)
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}
