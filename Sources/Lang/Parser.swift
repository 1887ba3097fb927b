// Parser.swift — recursive descent, one method per grammar rule with the
// rule as its first doc comment (collected in docs/language.md); commands
// are parsed against the registry; panic-mode recovery after each error.

/// Turns tokens into statements. Commands are parsed against the registry:
/// the longest registered name wins, then arguments are matched to the
/// command's parameters.
///
/// Errors are recorded as diagnostics and thrown as `Failure`; the statement
/// loop catches them and skips to the next statement (panic mode), so one
/// bad line gives one error and a script reports all its syntax errors at
/// once. An error at the end of the input while a bracket, block or string
/// is open is incomplete input (a REPL asks for another line).
struct Parser {
    /// Thrown after a diagnostic has been recorded.
    struct Failure: Error {}

    /// An open bracket or block, for "expected ')' (to close '(' at line 3)".
    private struct Opener {
        enum Kind { case paren, bracket, brace }
        let kind: Kind
        /// How messages name it: "'('", "'for'".
        let label: String
        let closer: String
        let line: Int
    }

    private let file: SourceFile
    private let registry: CommandRegistry
    private let limits: Limits
    private let tokens: [Token]
    private let isInterpolation: Bool
    private var current = 0
    private var lastConsumed: SourceSpan
    private var openers: [Opener] = []
    private var depth: Int
    private(set) var diagnostics: [Diagnostic] = []

    private init(tokens: [Token], file: SourceFile, registry: CommandRegistry, limits: Limits,
                 isInterpolation: Bool, depth: Int) {
        precondition(tokens.last?.kind == .eof, "the parser needs tokens that end with .eof")
        self.tokens = tokens
        self.file = file
        self.registry = registry
        self.limits = limits
        self.isInterpolation = isInterpolation
        self.depth = depth
        self.lastConsumed = tokens[0].span
    }

    /// Lexes and parses a whole source; `statements` is meaningful only when
    /// `diagnostics` is empty.
    static func parse(_ file: SourceFile, registry: CommandRegistry, limits: Limits)
        -> (statements: [Stmt], diagnostics: [Diagnostic])
    {
        var lexer = Lexer(file: file, limits: limits)
        var parser = Parser(tokens: lexer.tokenize(), file: file, registry: registry, limits: limits,
                            isInterpolation: false, depth: 0)
        let statements = parser.script()
        return (statements, parser.diagnostics)
    }

    /// One expression and nothing after it (newlines ignored), or nil; used
    /// by completion to evaluate `r[0]` in `r[0].`.
    static func parseExpression(_ file: SourceFile, registry: CommandRegistry, limits: Limits) -> Expr? {
        var lexer = Lexer(file: file, limits: limits)
        var parser = Parser(tokens: lexer.tokenize(), file: file, registry: registry, limits: limits,
                            isInterpolation: true, depth: 0)
        guard let e = try? parser.expression(), parser.peek().kind == .eof else { return nil }
        return e
    }

    // MARK: - Statements

    /// script -> statements EOF
    private mutating func script() -> [Stmt] {
        statements(inBlock: false)
    }

    /// statements -> ( statement? ( NEWLINE | ";" ) )*      up to "}" or EOF
    private mutating func statements(inBlock: Bool) -> [Stmt] {
        var result: [Stmt] = []
        while true {
            while tokens[current].kind == .newline || tokens[current].kind == .semicolon { current += 1 }
            let token = tokens[current]
            if token.kind == .eof { return result }
            if token.kind == .rightBrace {
                if inBlock { return result }
                _ = error("unexpected '}' (there is no open block to close)", at: token)
                while ![.newline, .semicolon, .eof].contains(tokens[current].kind) { current += 1 }
                continue
            }
            let start = current, openerCount = openers.count, startDepth = depth
            do {
                let stmt = try statement()
                try endOfStatement()
                result.append(stmt)
            } catch {
                recover(from: start, openerCount: openerCount, depth: startDepth)
            }
        }
    }

    /// Panic mode: forget the brackets opened by the failed statement and
    /// skip to the end of it (a newline or ';' outside any bracket, or the
    /// '}' of the enclosing block). When an unclosed bracket made the parser
    /// run onto the next line, resume at that line instead.
    private mutating func recover(from start: Int, openerCount: Int, depth startDepth: Int) {
        let unclosed = openers[openerCount...].filter { $0.kind != .brace }.count
        openers.removeSubrange(openerCount...)
        depth = startDepth
        if unclosed > 0, current > start, tokens[current].atLineStart { return }
        var level = unclosed
        while true {
            switch tokens[current].kind {
            case .eof:
                return
            case .newline, .semicolon:
                if level == 0 { current += 1; return }
            case .rightBrace:
                if level == 0 {
                    if current == start { current += 1 }
                    return
                }
                level -= 1
            case .leftParen, .leftBracket, .leftBrace:
                level += 1
            case .rightParen, .rightBracket:
                if level > 0 { level -= 1 }
            default:
                break
            }
            current += 1
        }
    }

    /// statementEnd -> NEWLINE | ";" | (before "}") | EOF
    private mutating func endOfStatement() throws(Failure) {
        let t = peek()
        switch t.kind {
        case .newline, .semicolon: current += 1
        case .rightBrace, .eof: break
        case .equal:
            throw error("unexpected '=' (to give a name a value, write 'let name = value')", at: t)
        default:
            throw error("expected a new line or ';' after the statement, found \(t.described)", at: t)
        }
    }

    /// statement -> narration | letStmt | forStmt | ifStmt | printStmt | helpStmt
    ///            | commandStmt | exprStmt
    private mutating func statement() throws(Failure) -> Stmt {
        let t = peek()
        if t.atLineStart {
            let line = file.lineText(t.span.line)
            if let habit = PythonHabits.hint(for: line, registry: registry) {
                let rest = String(String.UnicodeScalarView(line.unicodeScalars.dropFirst(t.span.column - 1)
                    .prefix { $0 != "#" })).trimmingSpaces
                throw error(habit.message, span: SourceSpan(offset: t.span.offset, length: max(1, rest.unicodeScalars.count),
                                                            line: t.span.line, column: t.span.column),
                            notes: habit.notes)
            }
        }
        switch t.kind {
        case .narration:
            advance()
            guard case .narration(let text) = t.value else { preconditionFailure("narration token without text") }
            return Stmt(kind: .narration(text), span: t.span)
        case .kwLet: return try letStatement()
        case .kwFor: return try forStatement()
        case .kwIf: return try ifStatement()
        case .kwPrint: return try printStatement()
        case .kwHelp: return try helpStatement()
        case .kwElse: throw error("'else' must follow the '}' of an 'if'", at: t)
        case .kwIn: throw error("'in' belongs in 'for name in list { … }' or 'x in list'", at: t)
        case .identifier:
            if let call = try command() {
                return Stmt(kind: .command(call), span: t.span.through(lastConsumed))
            }
            return try expressionStatement()
        default:
            return try expressionStatement()
        }
    }

    /// letStmt -> "let" IDENT "=" ( commandStmt | expression )
    private mutating func letStatement() throws(Failure) -> Stmt {
        let letToken = advance()
        let name = try bindingName(after: "let")
        let t = peek()
        guard t.kind == .equal else {
            throw error("expected '=' after 'let \(name.text)', found \(t.described)", at: t)
        }
        advance()
        if peek().kind == .identifier, let call = try command() {
            guard call.spec.returns != nil else {
                throw error("'\(call.spec.name)' gives no value to bind to '\(name.text)'", span: call.nameSpan)
            }
            return Stmt(kind: .letCommand(name: name.text, call: call), span: letToken.span.through(lastConsumed))
        }
        let value = try expression()
        return Stmt(kind: .letValue(name: name.text, value: value), span: letToken.span.through(lastConsumed))
    }

    /// The IDENT of `let` and `for`: a name that is neither reserved nor a
    /// command's first word (so a statement starting with it is never ambiguous).
    private mutating func bindingName(after keyword: String) throws(Failure) -> Token {
        let t = peek()
        if t.kind.isKeyword { throw error("'\(t.text)' is a reserved word; choose another name", at: t) }
        guard t.kind == .identifier else {
            throw error("expected a name after '\(keyword)', found \(t.described)", at: t)
        }
        if registry.isFirstWord(t.text) {
            let names = registry.commands(startingWith: [t.text]).prefix(3).map { "'\($0.name)'" }
            throw error("'\(t.text)' starts a command (\(names.joined(separator: ", "))); choose another name", at: t)
        }
        return advance()
    }

    /// forStmt -> "for" IDENT "in" expression block
    private mutating func forStatement() throws(Failure) -> Stmt {
        let forToken = advance()
        let name = try bindingName(after: "for")
        let t = peek()
        guard t.kind == .kwIn else {
            throw error("expected 'in' after 'for \(name.text)', found \(t.described)", at: t)
        }
        advance()
        let sequence = try expression()
        let body = try block(of: forToken)
        return Stmt(kind: .forLoop(name: name.text, sequence: sequence, body: body),
                    span: forToken.span.through(lastConsumed))
    }

    /// ifStmt -> "if" expression block ( "else" ( ifStmt | block ) )?
    ///
    /// `else` may also start the line after the `}`.
    private mutating func ifStatement() throws(Failure) -> Stmt {
        let ifToken = advance()
        try enter(ifToken)
        defer { depth -= 1 }
        let condition = try expression()
        let then = try block(of: ifToken)
        var otherwise: [Stmt]?
        var look = current
        while tokens[look].kind == .newline { look += 1 }
        if tokens[look].kind == .kwElse {
            current = look
            let elseToken = advance()
            if peek().kind == .kwIf {
                otherwise = [try ifStatement()]
            } else {
                otherwise = try block(of: elseToken)
            }
        }
        return Stmt(kind: .ifElse(condition: condition, then: then, otherwise: otherwise),
                    span: ifToken.span.through(lastConsumed))
    }

    /// block -> "{" statements "}"
    private mutating func block(of keyword: Token) throws(Failure) -> [Stmt] {
        let open = peek()
        guard open.kind == .leftBrace else {
            var message = "expected '{' to start the body of '\(keyword.text)', found \(open.described)"
            if open.kind == .equal { message += " (write '==' to compare)" }
            throw error(message, at: open)
        }
        try enter(open)
        advance()
        openers.append(Opener(kind: .brace, label: "'\(keyword.text)'", closer: "}", line: keyword.span.line))
        let body = statements(inBlock: true)
        try close(.rightBrace)
        depth -= 1
        return body
    }

    /// printStmt -> "print" ( expression ( "," expression )* )?
    private mutating func printStatement() throws(Failure) -> Stmt {
        let printToken = advance()
        var values: [Expr] = []
        if !atStatementEnd {
            repeat { values.append(try expression()) } while match(.comma)
        }
        return Stmt(kind: .print(values), span: printToken.span.through(lastConsumed))
    }

    /// helpStmt -> "help" WORD*          WORD: a command's words, a statement keyword or "functions"
    private mutating func helpStatement() throws(Failure) -> Stmt {
        let helpToken = advance()
        var words: [Token] = []
        while peek().kind == .identifier || peek().kind.isKeyword { words.append(advance()) }
        let span = helpToken.span.through(lastConsumed)
        guard let first = words.first, let last = words.last else { return Stmt(kind: .help(nil), span: span) }
        let topic = words.map(\.text).joined(separator: " ")
        if let spec = registry.command(named: topic) { return Stmt(kind: .help(.command(spec)), span: span) }
        if HelpText.statementNames.contains(topic) { return Stmt(kind: .help(.statement(topic)), span: span) }
        if topic == "functions" { return Stmt(kind: .help(.functions), span: span) }
        let specs = registry.commands(startingWith: words.map(\.text))
        if !specs.isEmpty { return Stmt(kind: .help(.prefix(words.map(\.text), specs)), span: span) }
        let topics = registry.commands.map(\.name) + HelpText.statementNames + ["functions"]
        throw error("no help for '\(topic)'" + Suggestions.hint(for: topic, among: topics),
                    span: first.span.through(last.span), notes: ["'help' alone lists every command"])
    }

    /// exprStmt -> expression
    private mutating func expressionStatement() throws(Failure) -> Stmt {
        let value = try expression()
        return Stmt(kind: .expression(value), span: value.span)
    }

    // MARK: - Commands

    /// commandStmt -> NAME+ argument*       NAME+: the longest registered command name
    ///
    /// Returns nil when the identifiers here do not start a command, so the
    /// statement is an expression. Identifiers that look like a command
    /// (followed by an argument, or starting with a command's first word)
    /// but name none are an "unknown command" error with a suggestion.
    private mutating func command() throws(Failure) -> CommandCall? {
        var words: [Token] = []
        var k = current
        while tokens[k].kind == .identifier { words.append(tokens[k]); k += 1 }
        let texts = words.map(\.text)
        if let spec = registry.longestMatch(texts) {
            let n = spec.words.count
            current += n
            lastConsumed = words[n - 1].span
            return try commandArguments(spec, nameSpan: words[0].span.through(words[n - 1].span))
        }
        let first = words[0]
        let isCommandWord = registry.isFirstWord(first.text)
        guard isCommandWord || Self.startsArgument(tokens[current + 1].kind) else { return nil }

        // The closest name, comparing as many typed words as the name has.
        var best: (name: String, words: Int, distance: Int)?
        let candidates = registry.commands.map { ($0.name, $0.words.count) } + HelpText.statementNames.map { ($0, 1) }
        for (name, n) in candidates where n <= texts.count {
            let typed = texts[..<n].joined(separator: " ")
            let budget = Suggestions.budget(for: typed)
            let d = Suggestions.distance(Array(typed), Array(name), limit: budget)
            if d <= budget, d < (best?.distance ?? Int.max) { best = (name, n, d) }
        }
        if let best {
            let typed = texts[..<best.words].joined(separator: " ")
            throw error("unknown command '\(typed)' (did you mean '\(best.name)'?)",
                        span: first.span.through(words[best.words - 1].span))
        }
        if isCommandWord {
            let shown = Array(words.prefix(2))
            let starting = registry.commands(startingWith: [first.text]).map { "'\($0.name)'" }
            throw error("unknown command '\(shown.map(\.text).joined(separator: " "))' (commands starting with '\(first.text)': \(starting.joined(separator: ", ")))",
                        span: first.span.through(shown[shown.count - 1].span))
        }
        throw error("unknown command '\(first.text)'", at: first, notes: ["'help' lists the commands"])
    }

    /// True for tokens that can start an argument but cannot continue an
    /// expression: after `name`, they mean `name` was meant as a command.
    private static func startsArgument(_ kind: TokenKind) -> Bool {
        switch kind {
        case .identifier, .string, .integer, .float, .kwTrue, .kwFalse: return true
        default: return false
        }
    }

    /// argument -> KEYWORD argValue? | argValue        KEYWORD: one of this command's keywords
    ///
    /// Positional arguments fill the positional parameters in order;
    /// keyword options come in any order; a flag keyword takes no value.
    private mutating func commandArguments(_ spec: CommandSpec, nameSpan: SourceSpan) throws(Failure) -> CommandCall {
        let usage = ["usage: \(spec.usage)"]
        var arguments: [CommandArgument] = []
        var given = Set<String>()
        var positionals = spec.positionalParameters[...]
        while !atStatementEnd {
            let t = peek()
            if t.kind == .identifier, let p = spec.parameter(forKeyword: t.text) {
                advance()
                guard given.insert(p.name).inserted else {
                    throw error("'\(t.text)' is given twice", at: t, notes: usage)
                }
                if p.type == .flag {
                    arguments.append(CommandArgument(parameter: p, value: .flag, span: t.span))
                    continue
                }
                guard !atStatementEnd else {
                    throw error("expected a value after '\(t.text)' (\(p.type.expectation)), found \(peek().described)",
                                at: peek(), notes: usage)
                }
                arguments.append(try argument(for: p))
            } else {
                guard let p = positionals.popFirst() else {
                    if t.kind == .identifier {
                        let keywords = spec.parameters.compactMap(\.keyword).filter { !given.contains($0) }
                        throw error("unknown option '\(t.text)' for '\(spec.name)'" + Suggestions.hint(for: t.text, among: keywords),
                                    at: t, notes: usage)
                    }
                    let count = spec.positionalParameters.count
                    throw error("unexpected \(t.described): '\(spec.name)' takes \(count == 0 ? "no" : String(count)) positional argument\(count == 1 ? "" : "s")",
                                at: t, notes: usage)
                }
                given.insert(p.name)
                arguments.append(try argument(for: p))
            }
        }
        for p in spec.parameters where p.isRequired && !given.contains(p.name) {
            let what = p.keyword.map { "missing '\($0) \(p.valueUsage)'" } ?? "missing argument '\(p.name)'"
            throw error("\(what) for '\(spec.name)'", span: nameSpan, notes: usage)
        }
        return CommandCall(spec: spec, nameSpan: nameSpan, arguments: arguments)
    }

    /// argValue -> NAME | expression      NAME: a bare word, where the parameter takes words
    private mutating func argument(for p: Parameter) throws(Failure) -> CommandArgument {
        let t = peek()
        if p.type.takesText, let span = barePath() {
            throw error("paths are text: put them in quotes: \"\(file.text(span))\"", span: span)
        }
        if p.type.takesBareWords, t.kind == .identifier, !Self.continuesExpression(peekSecond().kind) {
            advance()
            return CommandArgument(parameter: p, value: .bareName(t.text), span: t.span)
        }
        let value = try expression()
        return CommandArgument(parameter: p, value: .expression(value), span: value.span)
    }

    /// A path typed without quotes where text is expected (`predict
    /// examples/testset/1.jpg`, `show image cat.jpg`, `~/x.h5`): the run of
    /// tokens from here that touch each other, when its text reads as a path
    /// (bare words, dots, slashes, '-', '~' and glob's '*' and '?', with a slash, a leading '~'
    /// or a file extension) rather than an expression such as `r.path`.
    private func barePath() -> SourceSpan? {
        let stops: Set<TokenKind> = [.newline, .semicolon, .eof, .string, .leftBrace, .rightBrace, .comma]
        var k = current
        guard !stops.contains(tokens[k].kind) else { return nil }
        while !stops.contains(tokens[k + 1].kind),
              tokens[k + 1].span.offset == tokens[k].span.offset + tokens[k].span.length { k += 1 }
        let span = tokens[current].span.through(tokens[k].span)
        return Self.readsAsPath(file.text(span)) ? span : nil
    }

    /// File extensions that make `name.ext` a file name, not a field.
    private static let fileExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff",
                                                       "h5", "hdf5", "keras", "npy", "kf", "ipynb", "txt", "json", "csv"]

    static func readsAsPath(_ text: String) -> Bool {
        guard text.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "_-./~*?".unicodeScalars.contains($0) }),
              text.unicodeScalars.contains(where: \.properties.isAlphabetic) else { return false }
        if text.contains("/") || text.hasPrefix("~") { return true }
        guard let dot = text.lastIndex(of: ".") else { return false }
        return fileExtensions.contains(text[text.index(after: dot)...].lowercased())
    }

    /// Tokens after a name that make it the start of a larger expression.
    private static func continuesExpression(_ kind: TokenKind) -> Bool {
        switch kind {
        case .dot, .leftBracket, .leftParen, .plus, .minus, .star, .starStar, .slash, .slashSlash, .percent,
             .equalEqual, .bangEqual, .less, .lessEqual, .greater, .greaterEqual, .closedRange, .halfOpenRange,
             .kwAnd, .kwOr, .kwIn, .kwNot:
            return true
        default:
            return false
        }
    }

    // MARK: - Expressions

    /// expression -> or
    private mutating func expression() throws(Failure) -> Expr {
        try enter(peek())
        defer { depth -= 1 }
        return try orExpression()
    }

    /// or -> and ( "or" and )*
    private mutating func orExpression() throws(Failure) -> Expr {
        var left = try andExpression()
        while match(.kwOr) {
            let right = try andExpression()
            left = try node(.logical(.or, left, right), left.span.through(right.span))
        }
        return left
    }

    /// and -> not ( "and" not )*
    private mutating func andExpression() throws(Failure) -> Expr {
        var left = try notExpression()
        while match(.kwAnd) {
            let right = try notExpression()
            left = try node(.logical(.and, left, right), left.span.through(right.span))
        }
        return left
    }

    /// not -> "not" not | comparison
    private mutating func notExpression() throws(Failure) -> Expr {
        guard peek().kind == .kwNot else { return try comparison() }
        let notToken = advance()
        try enter(notToken)
        defer { depth -= 1 }
        let operand = try notExpression()
        return try node(.not(operand), notToken.span.through(operand.span))
    }

    /// comparison -> range ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in" ) range )?
    ///
    /// Comparisons do not chain: `a < b < c` is an error that says to use `and`.
    private mutating func comparison() throws(Failure) -> Expr {
        let left = try range()
        guard let op = comparisonOperator() else { return left }
        let right = try range()
        if comparisonOperator(consume: false) != nil {
            throw error("comparisons cannot be chained; write 'a < b and b < c'", at: peek())
        }
        return try node(.binary(op, left, right), left.span.through(right.span))
    }

    private mutating func comparisonOperator(consume: Bool = true) -> BinaryOperator? {
        let op: BinaryOperator
        var width = 1
        switch peek().kind {
        case .equalEqual: op = .equal
        case .bangEqual: op = .notEqual
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        case .kwIn: op = .contains
        case .kwNot where peekSecond().kind == .kwIn:
            op = .notContains
            width = 2
        default: return nil
        }
        if consume { for _ in 0..<width { advance() } }
        return op
    }

    /// range -> term ( ( "..." | "..<" ) term )?
    private mutating func range() throws(Failure) -> Expr {
        let lower = try term()
        let kind = peek().kind
        guard kind == .closedRange || kind == .halfOpenRange else { return lower }
        advance()
        let upper = try term()
        return try node(.range(lower, upper, closed: kind == .closedRange), lower.span.through(upper.span))
    }

    /// term -> factor ( ( "+" | "-" ) factor )*
    private mutating func term() throws(Failure) -> Expr {
        var left = try factor()
        while true {
            let op: BinaryOperator
            switch peek().kind {
            case .plus: op = .add
            case .minus: op = .subtract
            default: return left
            }
            advance()
            let right = try factor()
            left = try node(.binary(op, left, right), left.span.through(right.span))
        }
    }

    /// factor -> unary ( ( "*" | "/" | "//" | "%" ) unary )*
    private mutating func factor() throws(Failure) -> Expr {
        var left = try unary()
        while true {
            let op: BinaryOperator
            switch peek().kind {
            case .star: op = .multiply
            case .slash: op = .divide
            case .slashSlash: op = .floorDivide
            case .percent: op = .remainder
            default: return left
            }
            advance()
            let right = try unary()
            left = try node(.binary(op, left, right), left.span.through(right.span))
        }
    }

    /// unary -> "-" unary | power
    private mutating func unary() throws(Failure) -> Expr {
        guard peek().kind == .minus else { return try power() }
        let minus = advance()
        try enter(minus)
        defer { depth -= 1 }
        let operand = try unary()
        return try node(.negate(operand), minus.span.through(operand.span))
    }

    /// power -> postfix ( "**" unary )?          right-associative; -2 ** 2 is -(2 ** 2)
    private mutating func power() throws(Failure) -> Expr {
        let base = try postfix()
        guard peek().kind == .starStar else { return base }
        let op = advance()
        try enter(op)
        defer { depth -= 1 }
        let exponent = try unary()
        return try node(.binary(.power, base, exponent), base.span.through(exponent.span))
    }

    /// postfix -> primary ( "[" expression "]" | "." IDENT )*
    private mutating func postfix() throws(Failure) -> Expr {
        var e = try primary()
        while true {
            switch peek().kind {
            case .leftBracket:
                let open = advance()
                openers.append(Opener(kind: .bracket, label: "'['", closer: "]", line: open.span.line))
                let index = try expression()
                let close = try close(.rightBracket)
                e = try node(.index(e, index), e.span.through(close.span))
            case .dot:
                advance()
                let name = peek()
                guard name.kind == .identifier || name.kind.isKeyword else {
                    throw error("expected a field name after '.', found \(name.described)", at: name)
                }
                advance()
                e = try node(.field(e, name.text), e.span.through(name.span))
            default:
                return e
            }
        }
    }

    /// primary -> INT | FLOAT | STRING | "true" | "false" | IDENT | call | "(" expression ")" | list
    private mutating func primary() throws(Failure) -> Expr {
        let t = peek()
        switch t.kind {
        case .integer:
            advance()
            guard case .integer(let n) = t.value else { preconditionFailure("integer token without a value") }
            return try node(.integer(n), t.span)
        case .float:
            advance()
            guard case .float(let d) = t.value else { preconditionFailure("float token without a value") }
            return try node(.float(d), t.span)
        case .string:
            advance()
            return try stringLiteral(t)
        case .kwTrue, .kwFalse:
            advance()
            return try node(.bool(t.kind == .kwTrue), t.span)
        case .identifier:
            advance()
            if peek().kind == .leftParen { return try call(t) }
            return try node(.variable(t.text), t.span)
        case .leftParen:
            advance()
            openers.append(Opener(kind: .paren, label: "'('", closer: ")", line: t.span.line))
            let inner = try expression()
            if peek().kind == .comma {
                throw error(expectedCloser(at: peek()) + ", found ',' (to print several values write print a, b; a list is written [a, b])",
                            at: peek())
            }
            let close = try close(.rightParen)
            return Expr(inner.kind, t.span.through(close.span))
        case .leftBracket:
            return try list()
        default:
            throw error("expected an expression, found \(t.described)", at: t)
        }
    }

    /// call -> IDENT "(" ( expression ( "," expression )* )? ")"      IDENT: a built-in function
    private mutating func call(_ name: Token) throws(Failure) -> Expr {
        guard let builtin = Builtin(rawValue: name.text) else {
            if name.text == "range" {
                throw error("unknown function 'range' (write 0..<n for the whole numbers from 0 to n - 1)", at: name)
            }
            let names = Builtin.allCases.map(\.rawValue)
            let hint = Suggestions.closest(to: name.text, among: names).map { " (did you mean '\($0)'?)" }
                ?? " (the functions are \(names.joined(separator: ", ")))"
            throw error("unknown function '\(name.text)'" + hint, at: name)
        }
        let open = advance()
        openers.append(Opener(kind: .paren, label: "'('", closer: ")", line: open.span.line))
        var args: [Expr] = []
        if peek().kind != .rightParen {
            repeat {
                if peek().kind == .rightParen { break }
                args.append(try expression())
            } while match(.comma)
        }
        let close = try close(.rightParen)
        let span = name.span.through(close.span)
        guard builtin.arity.contains(args.count) else {
            let arity = builtin.arity
            let wanted = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound) argument\(arity.lowerBound == 1 ? "" : "s")"
                : arity.upperBound == Int.max ? "\(arity.lowerBound) or more arguments"
                : "\(arity.lowerBound) or \(arity.upperBound) arguments"
            throw error("\(builtin.rawValue) takes \(wanted), got \(args.count)", span: span,
                        notes: ["usage: \(builtin.usage)"])
        }
        return try node(.call(builtin, args), span)
    }

    /// list -> "[" ( expression ( "," expression )* ","? )? "]"
    private mutating func list() throws(Failure) -> Expr {
        let open = advance()
        openers.append(Opener(kind: .bracket, label: "'['", closer: "]", line: open.span.line))
        var items: [Expr] = []
        while peek().kind != .rightBracket {
            items.append(try expression())
            guard match(.comma) else { break }
        }
        let next = peek()
        if next.kind != .rightBracket, next.kind != .eof, !items.isEmpty {
            if next.atLineStart, next.span.line != open.span.line {
                throw error(expectedCloser(at: next) + ", found \(next.described)", at: next)
            }
            throw error("expected ',' or ']' after a list item, found \(next.described)", at: next)
        }
        let close = try close(.rightBracket)
        return try node(.list(items), open.span.through(close.span))
    }

    /// string -> STRING      with each `\( … )` part parsed as: interpolation -> expression EOF
    private mutating func stringLiteral(_ token: Token) throws(Failure) -> Expr {
        guard case .string(let parts) = token.value else { preconditionFailure("string token without parts") }
        if parts.count == 1, case .text(let text) = parts[0] { return try node(.string(text), token.span) }
        var pieces: [InterpolationPart] = []
        for part in parts {
            switch part {
            case .text(let text):
                pieces.append(.text(text))
            case .code(let code):
                var sub = Parser(tokens: code, file: file, registry: registry, limits: limits,
                                 isInterpolation: true, depth: depth)
                let value: Expr
                do {
                    if sub.peek().kind == .eof {
                        throw sub.error("expected an expression inside '\\( )'", at: sub.peek())
                    }
                    value = try sub.expression()
                    let end = sub.peek()
                    if end.kind != .eof {
                        throw sub.error("expected ')' to end the interpolation, found \(end.described)", at: end)
                    }
                } catch {
                    diagnostics += sub.diagnostics
                    throw Failure()
                }
                pieces.append(.expression(value))
            }
        }
        return try node(.interpolation(pieces), token.span)
    }

    // MARK: - Tokens

    /// Inside ( ) and [ ] (and interpolations) newlines do not end anything.
    private var skipsNewlines: Bool {
        if let last = openers.last { return last.kind != .brace }
        return isInterpolation
    }

    private mutating func peek() -> Token {
        if skipsNewlines { while tokens[current].kind == .newline { current += 1 } }
        return tokens[current]
    }

    /// The token after `peek()`, skipping newlines where `peek` would.
    private mutating func peekSecond() -> Token {
        _ = peek()
        var k = min(current + 1, tokens.count - 1)
        if skipsNewlines { while tokens[k].kind == .newline { k += 1 } }
        return tokens[k]
    }

    @discardableResult
    private mutating func advance() -> Token {
        let t = peek()
        if t.kind != .eof {
            current += 1
            lastConsumed = t.span
        }
        return t
    }

    private mutating func match(_ kind: TokenKind) -> Bool {
        guard peek().kind == kind else { return false }
        advance()
        return true
    }

    private var atStatementEnd: Bool {
        mutating get {
            switch peek().kind {
            case .newline, .semicolon, .rightBrace, .eof: return true
            default: return false
            }
        }
    }

    /// Consumes the closer of the innermost opener, or reports it missing.
    @discardableResult
    private mutating func close(_ kind: TokenKind) throws(Failure) -> Token {
        precondition(!openers.isEmpty, "close() without an open bracket")
        let t = peek()
        guard t.kind == kind else {
            throw error(expectedCloser(at: t) + ", found \(t.described)", at: t)
        }
        openers.removeLast()
        return advance()
    }

    /// "expected '}' (to close 'for' at line 3)"; the line is left out when
    /// the opener is on the line of the error.
    private func expectedCloser(at token: Token) -> String {
        guard let opener = openers.last else { return "unexpected \(token.described)" }
        let place = opener.line == token.span.line ? "" : " at line \(opener.line)"
        return "expected '\(opener.closer)' (to close \(opener.label)\(place))"
    }

    /// Counts one level of nesting; too many is an error, so no input can
    /// make the parser (or the interpreter walking its tree) recurse deeply.
    private mutating func enter(_ token: Token) throws(Failure) {
        depth += 1
        if depth > limits.maxNesting {
            throw error("too deeply nested (the limit is \(limits.maxNesting) levels)", at: token)
        }
    }

    /// An expression node, refused when its tree is taller than the limit
    /// (long operator chains recurse when evaluated, like nesting does).
    private mutating func node(_ kind: ExprKind, _ span: SourceSpan) throws(Failure) -> Expr {
        let e = Expr(kind, span)
        if e.height + depth > limits.maxNesting + 1 {
            throw error("expression is too deeply nested (the limit is \(limits.maxNesting) levels)", span: span)
        }
        return e
    }

    // MARK: - Errors

    /// Records an error at a token and returns the `Failure` to throw. An
    /// error token's own message wins (the lexer knew better); at the end of
    /// the input with a bracket, block or string open, the message names the
    /// opener and the diagnostic is incomplete input.
    private mutating func error(_ message: String, at token: Token, notes: [String] = []) -> Failure {
        if case .error(let lexerMessage, let incomplete) = token.value {
            let kind: Diagnostic.Kind = incomplete && !isInterpolation ? .incompleteInput : .syntax
            diagnostics.append(Diagnostic(kind, lexerMessage, at: token.span, in: file))
            return Failure()
        }
        if token.kind == .eof, !openers.isEmpty, !isInterpolation {
            diagnostics.append(Diagnostic(.incompleteInput, expectedCloser(at: token), at: token.span, in: file))
            return Failure()
        }
        diagnostics.append(Diagnostic(.syntax, message, at: token.span, in: file, notes: notes))
        return Failure()
    }

    private mutating func error(_ message: String, span: SourceSpan, notes: [String] = []) -> Failure {
        diagnostics.append(Diagnostic(.syntax, message, at: span, in: file, notes: notes))
        return Failure()
    }
}
