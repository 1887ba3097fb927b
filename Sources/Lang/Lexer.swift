// Lexer.swift — turns source text into tokens, in the manner of Lua's
// llex.c and clox's scanner; malformed input becomes an `.error` token and
// the lexer carries on.

/// Turns source text into tokens, like Lua's llex.c and clox's scanner.
///
/// Newlines are tokens (they end statements); the parser skips them inside
/// ( ) and [ ]. A string with `\(expr)` interpolations is one token whose
/// parts hold the tokens of each interpolated expression. Malformed input
/// becomes an `.error` token carrying its message, so the parser reports it
/// once and recovers. `#` starts a comment (kept aside, for golden scripts);
/// `##` at the start of a line is a narration token.
struct Lexer {
    /// A `#` comment: its line, its text after the `#`, and whether it is
    /// alone on its line (no token before it).
    struct Comment: Sendable {
        var line: Int
        var text: String
        var isAlone: Bool
    }

    private let file: SourceFile
    private let s: [Unicode.Scalar]
    private let limits: Limits
    private var i = 0
    private var line = 1
    private var lineStart = 0
    private var tokenOnLine = false
    private var interpolationDepth = 0
    private var lastEnd: SourceSpan?
    private(set) var comments: [Comment] = []
    /// Offset of the opening quote of the string the input ended in (the
    /// innermost one), for completing paths inside strings.
    private(set) var unterminatedStringStart: Int?

    init(file: SourceFile, limits: Limits = Limits()) {
        self.file = file
        self.s = file.scalars
        self.limits = limits
    }

    /// All tokens of the file, ending with one `.eof`.
    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = scanToken()
            tokens.append(token)
            if token.kind == .eof { return tokens }
        }
    }

    // MARK: - Scanning

    private struct Mark {
        var offset: Int
        var line: Int
        var column: Int
        var atLineStart: Bool
    }

    private mutating func scanToken() -> Token {
        while true {
            while i < s.count, s[i] == " " || s[i] == "\t" || (s[i] == "\r" && peek(1) != "\n") { i += 1 }
            guard i < s.count else { return eofToken() }
            guard s[i] == "#" else { break }
            if !tokenOnLine, peek(1) == "#" { return narration() }
            comment()
        }
        let mark = Mark(offset: i, line: line, column: i - lineStart + 1, atLineStart: !tokenOnLine)
        tokenOnLine = true
        let c = s[i]
        i += 1
        switch c {
        case "\r", "\n":
            if c == "\r" { i += 1 }  // "\r\n": the blank skip above stops only before a "\n"
            line += 1
            lineStart = i
            tokenOnLine = false
            return make(.newline, mark)
        case "(": return make(.leftParen, mark)
        case ")": return make(.rightParen, mark)
        case "[": return make(.leftBracket, mark)
        case "]": return make(.rightBracket, mark)
        case "{": return make(.leftBrace, mark)
        case "}": return make(.rightBrace, mark)
        case ",": return make(.comma, mark)
        case ";": return make(.semicolon, mark)
        case "+": return make(.plus, mark)
        case "-": return make(.minus, mark)
        case "%": return make(.percent, mark)
        case "*": return make(match("*") ? .starStar : .star, mark)
        case "/": return make(match("/") ? .slashSlash : .slash, mark)
        case "=": return make(match("=") ? .equalEqual : .equal, mark)
        case "<": return make(match("=") ? .lessEqual : .less, mark)
        case ">": return make(match("=") ? .greaterEqual : .greater, mark)
        case "!":
            if match("=") { return make(.bangEqual, mark) }
            return error("unexpected '!' (write 'not' to negate)", mark)
        case "&":
            _ = match("&")
            return error("unexpected '\(text(from: mark))' (write 'and')", mark)
        case "|":
            _ = match("|")
            return error("unexpected '\(text(from: mark))' (write 'or')", mark)
        case "'":
            return error("unexpected \"'\" (strings use double quotes: \"like this\")", mark)
        case ":":
            return error("unexpected ':' (blocks use braces: for x in list { … })", mark)
        case ".":
            if peek(0) == ".", peek(1) == "." { i += 2; return make(.closedRange, mark) }
            if peek(0) == ".", peek(1) == "<" { i += 2; return make(.halfOpenRange, mark) }
            if peek(0) == "." {
                i += 1
                return error("unexpected '..' (write '...' for a closed range or '..<' for a half-open one)", mark)
            }
            return make(.dot, mark)
        case "\"":
            return string(mark)
        default:
            if Self.isDigit(c) { return number(mark) }
            if Self.isIdentifierStart(c) { return identifier(mark) }
            return error("unexpected character '\(Self.printable(c))'", mark)
        }
    }

    /// narration -> "##" REST_OF_LINE        (only first on its line)
    private mutating func narration() -> Token {
        let mark = Mark(offset: i, line: line, column: i - lineStart + 1, atLineStart: true)
        i += 2
        if i < s.count, s[i] == " " { i += 1 }
        let textStart = i
        while i < s.count, s[i] != "\n" { i += 1 }
        var end = i
        if end > textStart, s[end - 1] == "\r" { end -= 1 }
        tokenOnLine = true
        return make(.narration, mark, value: .narration(SourceFile.string(s[textStart..<end])))
    }

    private mutating func comment() {
        let alone = !tokenOnLine
        let start = i + 1
        while i < s.count, s[i] != "\n" { i += 1 }
        var end = i
        if end > start, s[end - 1] == "\r" { end -= 1 }
        comments.append(Comment(line: line, text: SourceFile.string(s[start..<max(start, end)]), isAlone: alone))
    }

    /// number -> DIGITS ("." DIGITS)? (("e" | "E") ("+" | "-")? DIGITS)?
    private mutating func number(_ mark: Mark) -> Token {
        while i < s.count, Self.isDigit(s[i]) { i += 1 }
        var isFloat = false
        if peek(0) == ".", let d = peek(1), Self.isDigit(d) {
            isFloat = true
            i += 1
            while i < s.count, Self.isDigit(s[i]) { i += 1 }
        }
        if let e = peek(0), e == "e" || e == "E" {
            let signed = peek(1) == "+" || peek(1) == "-"
            if let d = peek(signed ? 2 : 1), Self.isDigit(d) {
                isFloat = true
                i += signed ? 3 : 2
                while i < s.count, Self.isDigit(s[i]) { i += 1 }
            }
        }
        if i < s.count, Self.isIdentifierPart(s[i]) {
            while i < s.count, Self.isIdentifierPart(s[i]) { i += 1 }
            return error("invalid number '\(text(from: mark))'", mark)
        }
        let literal = text(from: mark)
        if isFloat {
            guard let d = Double(literal), d.isFinite else {
                return error("number '\(literal)' is too large", mark)
            }
            return make(.float, mark, value: .float(d))
        }
        guard let n = Int(literal) else {
            return error("number '\(literal)' is too large (whole numbers go up to \(Int.max); write a float such as 1e20)", mark)
        }
        return make(.integer, mark, value: .integer(n))
    }

    /// identifier -> (LETTER | "_") (LETTER | DIGIT | "_")*
    private mutating func identifier(_ mark: Mark) -> Token {
        while i < s.count, Self.isIdentifierPart(s[i]) { i += 1 }
        let word = text(from: mark)
        return make(TokenKind.keywords[word] ?? .identifier, mark)
    }

    /// string -> '"' (CHAR | ESCAPE | "\(" tokens ")")* '"'
    ///
    /// A string may span lines. Reaching the end of the input inside it (or
    /// inside an interpolation) is incomplete input, not a plain error.
    private mutating func string(_ mark: Mark) -> Token {
        var parts: [StringPart] = []
        var buffer = ""
        var firstError: (message: String, mark: Mark)?
        var bytes = 0  // UTF-8 bytes of literal text so far, across all parts
        scan: while true {
            guard i < s.count else {
                if unterminatedStringStart == nil { unterminatedStringStart = mark.offset }
                let message = "expected '\"'" + closing("the string", openedOn: mark.line)
                return error(message, atEnd: true)
            }
            let c = s[i]
            i += 1
            var appended = ""
            switch c {
            case "\"":
                break scan
            case "\\":
                let escape = Mark(offset: i - 1, line: line, column: i - 1 - lineStart + 1, atLineStart: false)
                guard i < s.count else { continue scan }
                let e = s[i]
                i += 1
                switch e {
                case "n": appended = "\n"
                case "t": appended = "\t"
                case "r": appended = "\r"
                case "0": appended = "\0"
                case "\"": appended = "\""
                case "'": appended = "'"
                case "\\": appended = "\\"
                case "u":
                    if let scalar = unicodeEscape() {
                        appended.unicodeScalars.append(scalar)
                    } else if firstError == nil {
                        firstError = ("invalid unicode escape (write \\u{1F600}: one to eight hex digits naming a character)", escape)
                    }
                case "(":
                    if !buffer.isEmpty { parts.append(.text(buffer)); buffer = "" }
                    switch interpolation(escape) {
                    case .success(let tokens): parts.append(.code(tokens))
                    case .failure(let failure): return failure.token
                    }
                case "\n":
                    line += 1
                    lineStart = i
                    if firstError == nil {
                        firstError = ("unknown escape '\\' at the end of a line (write '\\\\' for a backslash)", escape)
                    }
                default:
                    if firstError == nil {
                        firstError = ("unknown escape '\\\(Self.printable(e))' (write '\\\\' for a backslash)", escape)
                    }
                }
            case "\n":
                line += 1
                lineStart = i
                appended = "\n"
            default:
                appended.unicodeScalars.append(c)
            }
            buffer += appended
            bytes += appended.utf8.count
            if bytes > limits.maxStringLength { break scan }
        }
        if bytes > limits.maxStringLength {
            skipRestOfString()
            return error("string literal is longer than \(limits.maxStringLength) bytes", mark)
        }
        if let (message, at) = firstError {
            return error(message, at, length: 2)
        }
        if !buffer.isEmpty || parts.isEmpty { parts.append(.text(buffer)) }
        return make(.string, mark, value: .string(parts))
    }

    /// interpolation -> "\(" tokens ")"   (the tokens end at the matching ")")
    private mutating func interpolation(_ open: Mark) -> Result<[Token], TokenFailure> {
        interpolationDepth += 1
        defer { interpolationDepth -= 1 }
        if interpolationDepth > limits.maxInterpolationNesting {
            skipRestOfString()
            return .failure(TokenFailure(token: error(
                "string interpolation is nested too deeply (the limit is \(limits.maxInterpolationNesting) levels)",
                open, length: 2)))
        }
        var tokens: [Token] = []
        var depth = 0
        while true {
            let token = scanToken()
            switch token.kind {
            case .eof:
                let message = "expected ')'" + closing("'\\('", openedOn: open.line)
                return .failure(TokenFailure(token: error(message, atEnd: true)))
            case .error:
                if case .error(_, true) = token.value { return .failure(TokenFailure(token: token)) }
            case .leftParen:
                depth += 1
            case .rightParen:
                if depth == 0 {
                    tokens.append(Token(kind: .eof, text: ")", span: token.span, atLineStart: false))
                    return .success(tokens)
                }
                depth -= 1
            default:
                break
            }
            tokens.append(token)
        }
    }

    private struct TokenFailure: Error { var token: Token }

    /// "{" HEX{1,8} "}" after "\u", naming a valid scalar.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard peek(0) == "{" else { return nil }
        var j = i + 1
        var value: UInt32 = 0
        var digits = 0
        while j < s.count, let d = Self.hexValue(s[j]) {
            value = value &* 16 &+ d
            digits += 1
            j += 1
            if digits > 8 { return nil }
        }
        guard digits >= 1, j < s.count, s[j] == "}" else { return nil }
        i = j + 1
        return Unicode.Scalar(value)
    }

    /// After an error inside a string, skip to its closing quote so the next
    /// token starts after it.
    private mutating func skipRestOfString() {
        while i < s.count, s[i] != "\"" {
            if s[i] == "\\" { i += 1 }
            if i < s.count, s[i] == "\n" { line += 1; lineStart = i + 1 }
            i += 1
        }
        if i < s.count { i += 1 }
    }

    // MARK: - Making tokens

    private mutating func make(_ kind: TokenKind, _ mark: Mark, value: TokenValue = .none) -> Token {
        let span = SourceSpan(offset: mark.offset, length: i - mark.offset, line: mark.line, column: mark.column)
        if kind != .newline { lastEnd = span }
        return Token(kind: kind, text: text(from: mark), span: span, atLineStart: mark.atLineStart, value: value)
    }

    private mutating func error(_ message: String, _ mark: Mark, length: Int? = nil) -> Token {
        var token = make(.error, mark, value: .error(message: message, incomplete: false))
        if let length { token.span.length = length }
        return token
    }

    /// An incomplete-input error at the end of the input.
    private mutating func error(_ message: String, atEnd: Bool) -> Token {
        Token(kind: .error, text: "", span: file.endSpan(), atLineStart: false,
              value: .error(message: message, incomplete: true))
    }

    private func eofToken() -> Token {
        let span: SourceSpan
        if let last = lastEnd {
            let end = last.offset + last.length
            let (l, c) = file.position(ofOffset: end)
            span = SourceSpan(offset: end, length: 0, line: l, column: c)
        } else {
            span = SourceSpan(offset: 0, length: 0, line: 1, column: 1)
        }
        return Token(kind: .eof, text: "", span: span, atLineStart: false)
    }

    /// " (to close X at line N)", or " (to close X)" when N is the current line.
    private func closing(_ opener: String, openedOn openLine: Int) -> String {
        let endLine = file.endSpan().line
        return endLine == openLine ? " (to close \(opener))" : " (to close \(opener) at line \(openLine))"
    }

    // MARK: - Characters

    private func peek(_ ahead: Int) -> Unicode.Scalar? {
        i + ahead < s.count ? s[i + ahead] : nil
    }

    private mutating func match(_ c: Unicode.Scalar) -> Bool {
        guard i < s.count, s[i] == c else { return false }
        i += 1
        return true
    }

    private func text(from mark: Mark) -> String { SourceFile.string(s[mark.offset..<i]) }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || (c.value >= 0x41 && c.value <= 0x5A) || (c.value >= 0x61 && c.value <= 0x7A)
            || (c.value > 0x7F && c.properties.isAlphabetic)
    }

    static func isIdentifierPart(_ c: Unicode.Scalar) -> Bool { isIdentifierStart(c) || isDigit(c) }

    /// True when `word` lexes as one identifier that is not a reserved word.
    static func isIdentifier(_ word: String) -> Bool {
        guard let first = word.unicodeScalars.first, isIdentifierStart(first) else { return false }
        return word.unicodeScalars.allSatisfy(isIdentifierPart) && TokenKind.keywords[word] == nil
    }

    private static func hexValue(_ c: Unicode.Scalar) -> UInt32? {
        switch c {
        case "0"..."9": return c.value - 0x30
        case "a"..."f": return c.value - 0x61 + 10
        case "A"..."F": return c.value - 0x41 + 10
        default: return nil
        }
    }

    /// A character as an error message shows it (control characters escaped).
    static func printable(_ c: Unicode.Scalar) -> String {
        if c.value < 0x20 || c.value == 0x7F || c == "\u{FFFD}" || c.properties.generalCategory == .format {
            return "\\u{\(String(c.value, radix: 16, uppercase: true))}"
        }
        return String(c)
    }
}
