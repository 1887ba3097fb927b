// TerminalText.swift — the one escaping of text bound for a terminal. Names
// come from files (class folders, head files' class_names, file names) and
// can hold control characters: ESC would let a .h5 file recolour or rewrite
// the screen, CR would overwrite a line. Every outlet that prints text
// (results, command output, errors, warnings) passes it through here.

/// Escaping of control characters in text written to a terminal.
public enum TerminalText {
    /// `text` with every control character written as an escape: C0 controls
    /// (except newline and tab when `keepingLines`), DEL and C1 controls as
    /// `\x1b`, `\r`, `\x9b`. Printable text, including all other Unicode,
    /// is unchanged.
    ///
    ///     TerminalText.escaped("cat\u{1B}[2J")        // cat\x1b[2J
    ///     TerminalText.escaped("a\nb")                // a\nb  (backslash, n)
    ///     TerminalText.escaped("a\nb", keepingLines: true)   // a, newline, b
    public static func escaped(_ text: String, keepingLines: Bool = false) -> String {
        func needs(_ s: Unicode.Scalar) -> Bool {
            if keepingLines && (s == "\n" || s == "\t") { return false }
            return s.value < 0x20 || (0x7F...0x9F).contains(s.value)
        }
        guard text.unicodeScalars.contains(where: needs) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard needs(scalar) else { out.append(scalar); continue }
            let escape: String
            switch scalar {
            case "\n": escape = "\\n"
            case "\r": escape = "\\r"
            case "\t": escape = "\\t"
            default:
                let hex = String(scalar.value, radix: 16)
                escape = "\\x" + (hex.count < 2 ? "0" : "") + hex
            }
            out.append(contentsOf: escape.unicodeScalars)
        }
        return String(out)
    }

    /// A file name given as raw bytes (as the system stores it), decoded as
    /// UTF-8 where it is valid, with each invalid byte shown as `\xNN` and
    /// control characters escaped: `caf\xe9.jpg` for Latin-1 "café.jpg".
    public static func escaped(bytes: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < bytes.count {
            let lead = bytes[i]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
            if length > 0, i + length <= bytes.count,
               let scalar = String(validating: bytes[i..<(i + length)], as: UTF8.self) {
                out += escaped(scalar)
                i += length
            } else {
                let hex = String(bytes[i], radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                i += 1
            }
        }
        return out
    }
}
