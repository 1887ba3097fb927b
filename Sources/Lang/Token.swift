// Token.swift — the tokens the lexer produces and the parser reads.

/// What a token is. Keywords are their own kinds so the parser can switch on them.
enum TokenKind: Hashable, Sendable {
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case comma, dot, semicolon, newline
    case plus, minus, star, starStar, slash, slashSlash, percent
    case equal, equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case closedRange, halfOpenRange
    case identifier, integer, float, string, narration
    case kwLet, kwFor, kwIn, kwIf, kwElse, kwPrint, kwHelp, kwTrue, kwFalse, kwAnd, kwOr, kwNot
    /// Malformed input; the token's value holds the message.
    case error
    case eof

    /// The reserved words, spelled as in source.
    static let keywords: [String: TokenKind] = [
        "let": .kwLet, "for": .kwFor, "in": .kwIn, "if": .kwIf, "else": .kwElse,
        "print": .kwPrint, "help": .kwHelp, "true": .kwTrue, "false": .kwFalse,
        "and": .kwAnd, "or": .kwOr, "not": .kwNot,
    ]

    var isKeyword: Bool { Self.keywords.values.contains(self) }
}

/// One piece of a string literal: literal text, or the tokens of an
/// interpolated `\( … )` expression (ending with an `.eof` at the `)`).
enum StringPart: Sendable {
    case text(String)
    case code([Token])
}

/// What a token carries besides its kind.
enum TokenValue: Sendable {
    case none
    case integer(Int)
    case float(Double)
    case string([StringPart])
    /// The text of a `##` narration line, without the `##` and one space.
    case narration(String)
    /// The message of an `.error` token; `incomplete` when the input ended
    /// inside a string or an interpolation.
    case error(message: String, incomplete: Bool)
}

/// A token: its kind, its text as written, where it is, and its value.
struct Token: Sendable {
    var kind: TokenKind
    /// The source text of the token (for strings, the whole literal).
    var text: String
    var span: SourceSpan
    /// True when nothing but blanks precedes the token on its line.
    var atLineStart: Bool
    var value: TokenValue = .none

    /// How an error message names this token: `'top'`, `a string`, `the end of the line`.
    var described: String {
        switch kind {
        case .eof: return text.isEmpty ? "the end of the input" : "'\(text)'"
        case .newline: return "the end of the line"
        case .string: return "a string"
        case .narration: return "a narration line"
        default: return "'\(text)'"
        }
    }
}
