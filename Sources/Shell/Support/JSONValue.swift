// JSONValue.swift — a small JSON value and a writer that produces exactly the
// text of Python's json.dumps(value, sort_keys=True, ensure_ascii=False), with
// `indent=1, separators=(",", ": ")` as Jupyter writes notebooks, or on one
// line with Python's default separators for `--json` output. Keys are sorted
// by Unicode scalar value, as Python sorts str.

/// A JSON document: what a notebook or a `--json` line is made of.
public indirect enum JSONValue: Equatable, Sendable {
    /// A string.
    case string(String)
    /// An integer (JSON has no integer type; Python writes ints without a point).
    case integer(Int)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array, in order.
    case array([JSONValue])
    /// An object; written with its keys sorted.
    case object([String: JSONValue])

    /// The text Python's `json.dumps(self, sort_keys=True, ensure_ascii=False,
    /// indent=indent)` gives: with `indent` nil, one line with ", " and ": "
    /// separators; with an indent, one item per line and no trailing spaces.
    ///
    ///     JSONValue.object(["b": .integer(1), "a": .array([])]).text(indent: nil)
    ///     // {"a": [], "b": 1}
    public func text(indent: Int?) -> String {
        var out = ""
        write(to: &out, indent: indent, depth: 0)
        return out
    }

    private func write(to out: inout String, indent: Int?, depth: Int) {
        switch self {
        case .string(let value):
            JSONValue.writeString(value, to: &out)
        case .integer(let value):
            out += String(value)
        case .bool(let value):
            out += value ? "true" : "false"
        case .null:
            out += "null"
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                JSONValue.newline(&out, indent: indent, depth: depth + 1, first: index == 0)
                item.write(to: &out, indent: indent, depth: depth + 1)
            }
            JSONValue.newline(&out, indent: indent, depth: depth, first: true)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            let keys = members.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) { $0.value < $1.value } }
            for (index, key) in keys.enumerated() {
                if index > 0 { out += "," }
                JSONValue.newline(&out, indent: indent, depth: depth + 1, first: index == 0)
                JSONValue.writeString(key, to: &out)
                out += ": "
                members[key]!.write(to: &out, indent: indent, depth: depth + 1)
            }
            JSONValue.newline(&out, indent: indent, depth: depth, first: true)
            out += "}"
        }
    }

    /// Before an item or a closing bracket: a newline and indentation when
    /// indenting, else the space of Python's default ", " separator (none
    /// before the first item or a closing bracket, which pass `first`).
    private static func newline(_ out: inout String, indent: Int?, depth: Int, first: Bool) {
        if let indent {
            out += "\n" + String(repeating: " ", count: indent * depth)
        } else if !first {
            out += " "
        }
    }

    /// Python's escaping with ensure_ascii=False: quote, backslash and the
    /// C0 controls; everything else is written as it is.
    private static func writeString(_ value: String, to out: inout String) {
        out += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
