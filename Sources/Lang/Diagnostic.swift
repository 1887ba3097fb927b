// Diagnostic.swift — every error the language reports, as data with a
// location, and the ONE function that renders it (`render()`), in the
// format of `Diagnostic`'s doc comment.
import Common

/// An error found in a script, with where it is and what was expected,
/// rendered by `render()` as:
///
///     error: unknown command 'predcit' (did you mean 'predict'?)
///      --> Tutorials/01-meet-inception.kf:3:1
///       |
///     3 | predcit "examples/testset/1.jpg"
///       | ^^^^^^^
///       = usage: predict <image> [top <integer>]      (one line per note)
///
/// Diagnostics carry the text of their source line, so they render without
/// the source at hand (a REPL can drop each input once it has run).
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// When the error was found.
    public enum Kind: Sendable, Hashable {
        /// Found before running: lexing, parsing, or a name that is never bound.
        case syntax
        /// The input ended inside an unclosed `{`, `[`, `(`, string or
        /// interpolation: a REPL asks for a continuation line instead.
        case incompleteInput
        /// Found while running (including errors thrown by host commands).
        case runtime
    }

    /// When the error was found.
    public var kind: Kind
    /// One line saying what is wrong and what was expected.
    public var message: String
    /// Where the error starts.
    public var location: SourceLocation
    /// How many scalars to underline on the line (at least one caret is drawn).
    public var length: Int
    /// The full text of the source line at `location.line`.
    public var lineText: String
    /// Extra lines rendered after the caret as ` = note`, such as a usage line.
    public var notes: [String]

    /// A diagnostic; hosts may build their own so that every error looks alike.
    public init(kind: Kind, message: String, location: SourceLocation, length: Int,
                lineText: String, notes: [String] = []) {
        self.kind = kind
        self.message = message
        self.location = location
        self.length = length
        self.lineText = lineText
        self.notes = notes
    }

    init(_ kind: Kind, _ message: String, at span: SourceSpan, in file: SourceFile, notes: [String] = []) {
        self.init(kind: kind, message: message, location: file.location(span),
                  length: span.length, lineText: file.lineText(span.line), notes: notes)
    }

    /// True when the input merely stopped early (see `Kind.incompleteInput`).
    public var isIncompleteInput: Bool { kind == .incompleteInput }

    /// The diagnostic as text, in the one format every kungfu error uses
    /// (no trailing newline). Tabs in the source line are kept in the caret
    /// line so the carets stay under the text they mark.
    ///
    /// A source line longer than `excerptLimit` scalars is clipped to a
    /// window around the error (`…` marks each cut), and the carets to what
    /// the window shows, so a 2 MB line prints a line, not 2 MB of carets.
    public func render() -> String {
        let number = String(location.line)
        let pad = String(repeating: " ", count: number.count)
        let all = Array(lineText.unicodeScalars)
        let errorStart = min(max(location.column - 1, 0), all.count)
        var scalars = all[...]
        var start = errorStart
        var underline = max(1, min(length, all.count - errorStart))
        var prefix = "", suffix = ""
        if all.count > Self.excerptLimit {
            let from = max(0, errorStart - Self.excerptContext)
            underline = min(underline, Self.excerptLimit - 2 * Self.excerptContext)
            let to = min(all.count, max(errorStart + underline, from) + Self.excerptContext)
            scalars = all[from..<to]
            start = errorStart - from
            if from > 0 { prefix = "…" }
            if to < all.count { suffix = "…" }
        }
        var indent = prefix.isEmpty ? "" : " "
        for c in scalars.prefix(start) { indent.unicodeScalars.append(c == "\t" ? "\t" : " ") }
        var excerpt = prefix
        excerpt.unicodeScalars.append(contentsOf: scalars)
        excerpt += suffix
        var lines = [
            "error: \(Self.clipped(message))",
            "\(pad)--> \(location)",
            "\(pad) |",
            lineText.isEmpty ? "\(number) |" : "\(number) | \(excerpt)",
            "\(pad) | \(indent)\(String(repeating: "^", count: underline))",
        ]
        for note in notes { lines.append("\(pad) = \(note)") }
        return lines.joined(separator: "\n")
    }

    /// Source lines longer than this many scalars are shown clipped.
    public static let excerptLimit = 160
    /// Scalars shown on each side of the error in a clipped line.
    static let excerptContext = 40

    /// Messages longer than this many scalars are shown clipped.
    public static let messageLimit = 1000

    /// `text` if it is at most `messageLimit` scalars, else its start and
    /// end around `…` (a message quoting a 2 MB name stays readable).
    static func clipped(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > messageLimit else { return text }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars.prefix(messageLimit - excerptContext))
        result += "…"
        result.unicodeScalars.append(contentsOf: scalars.suffix(excerptContext))
        return result
    }

    /// Same as `render()`.
    public var description: String { render() }

    /// The diagnostic as one JSON object, for hosts that report errors as JSON:
    /// `{"error":…,"kind":…,"source":…,"line":…,"column":…,"length":…,"notes":[…]}`.
    public var json: JSONValue {
        let kindName: String
        switch kind {
        case .syntax: kindName = "syntax"
        case .incompleteInput: kindName = "incomplete"
        case .runtime: kindName = "runtime"
        }
        return .object([
            ("error", .string(message)), ("kind", .string(kindName)),
            ("source", .string(location.source)), ("line", .int(location.line)),
            ("column", .int(location.column)), ("length", .int(length)),
            ("notes", .array(notes.map { .string($0) })),
        ])
    }
}

extension Diagnostic {
    /// The error for a script whose bytes are not valid UTF-8, located at the
    /// first bad byte (line and column in characters, as the lexer counts), as
    /// Python refuses such a file; nil when `bytes` are valid UTF-8.
    ///
    ///     Diagnostic.invalidUTF8(Array("ok\n\u{e9}".utf8), name: "a.kf")       // nil
    ///     Diagnostic.invalidUTF8([0x61, 0xFF], name: "a.kf")?.location            // a.kf:1:2
    public static func invalidUTF8(_ bytes: [UInt8], name: String) -> Diagnostic? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0, line = 1, lineText = ""
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    lineText = ""
                } else {
                    lineText.unicodeScalars.append(scalar)
                }
            case .emptyInput:
                return nil
            case .error:
                let byte = String(bytes[offset], radix: 16, uppercase: true)
                let column = lineText.unicodeScalars.count + 1
                return Diagnostic(kind: .syntax,
                                  message: "not valid UTF-8: byte 0x\(byte.count == 1 ? "0" : "")\(byte) cannot be decoded here",
                                  location: SourceLocation(source: name, line: line, column: column), length: 1,
                                  lineText: lineText, notes: ["kungfu scripts are UTF-8 text: save the file as UTF-8"])
            }
        }
    }
}
