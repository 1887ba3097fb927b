// Completion.swift — what can come next at the cursor, for the shell's tab
// completion: command words, keywords of the current command, choice words,
// variables, functions, fields of a host value after `x.`, plus whatever the
// host adds (layer names, file paths inside strings) through
// `Interpreter.completionProvider`. Driven by the same registry as the parser.

/// What the host is asked to complete.
public struct CompletionRequest: Sendable {
    /// The command being typed, if the cursor is in its arguments.
    public var command: CommandSpec?
    /// The parameter whose value is being typed, if known.
    public var parameter: Parameter?
    /// The text being completed: the partial word, or inside a string the
    /// text after the opening quote.
    public var prefix: String
    /// True when the cursor is inside a string literal (complete a path).
    public var isInString: Bool
}

/// Completion candidates for the text before the cursor.
public struct Completions: Sendable, Equatable {
    /// The text just before the cursor that each candidate replaces (the
    /// partial word, or the string's text after its opening quote).
    public var prefix: String
    /// Whole replacements for `prefix`, sorted, without duplicates; each
    /// starts with `prefix`.
    public var candidates: [String]
}

extension Interpreter {
    /// Candidates for completing the text before the cursor.
    ///
    ///     completions(for: "load mo")            → prefix "mo", ["model"]
    ///     completions(for: "predict \"x.jpg\" t") → prefix "t", ["top"]
    ///     completions(for: "load model inception_v3 pooling ") → ["avg", "max", "none"]
    ///     completions(for: "r.la")                → ["label"] when r holds a host value with that field
    ///
    /// Inside a string the host provider alone answers (file paths).
    public func completions(for textBeforeCursor: String) -> Completions {
        let file = SourceFile(name: "<completion>", text: textBeforeCursor)
        var lexer = Lexer(file: file, limits: limits)
        _ = lexer.tokenize()
        if let quote = lexer.unterminatedStringStart {
            let prefix = SourceFile.string(file.scalars[(quote + 1)...])
            guard !prefix.contains("\\(") else { return Completions(prefix: prefix, candidates: []) }
            let head = SourceFile.string(file.scalars[..<quote])
            let (spec, parameter) = slot(before: statementTokens(head).tokens)
            let request = CompletionRequest(command: spec, parameter: parameter, prefix: prefix, isInString: true)
            return Self.finish(prefix, completionProvider?(request) ?? [])
        }

        var start = file.scalars.count
        while start > 0, Lexer.isIdentifierPart(file.scalars[start - 1]) { start -= 1 }
        let prefix = SourceFile.string(file.scalars[start...])
        if let first = prefix.unicodeScalars.first, Lexer.isDigit(first) { return Completions(prefix: prefix, candidates: []) }
        let (tokens, headText) = statementTokens(SourceFile.string(file.scalars[..<start]))
        return Self.finish(prefix, candidates(tokens, headText: headText, prefix: prefix))
    }

    private static func finish(_ prefix: String, _ candidates: [String]) -> Completions {
        Completions(prefix: prefix, candidates: Array(Set(candidates.filter { $0.hasPrefix(prefix) && $0 != "" })).sorted())
    }

    /// The tokens of the statement the cursor is in (after the last newline,
    /// ';', '{' or '}'), without the final `.eof`.
    private func statementTokens(_ head: String) -> (tokens: [Token], text: SourceFile) {
        let file = SourceFile(name: "<completion>", text: head)
        var lexer = Lexer(file: file, limits: limits)
        var tokens = lexer.tokenize()
        tokens.removeLast()
        if let last = tokens.lastIndex(where: { [.newline, .semicolon, .leftBrace, .rightBrace].contains($0.kind) }) {
            tokens.removeFirst(last + 1)
        }
        return (tokens, file)
    }

    private func candidates(_ tokens: [Token], headText: SourceFile, prefix: String) -> [String] {
        let variableNames = Array(variables.keys)
        let expressionWords = variableNames + Builtin.allCases.map(\.rawValue) + ["true", "false", "not"]
        guard let first = tokens.first else {
            return registry.commands.compactMap(\.words.first) + HelpText.statementNames + variableNames
                + Builtin.allCases.map(\.rawValue)
        }
        if tokens.last?.kind == .dot { return fields(before: tokens, in: headText) }
        switch first.kind {
        case .kwLet:
            guard tokens.count >= 3, tokens[2].kind == .equal else { return [] }
            let rest = Array(tokens[3...])
            if rest.isEmpty { return registry.commands.compactMap(\.words.first) + expressionWords }
            return rest[0].kind == .identifier && registry.isFirstWord(rest[0].text)
                ? commandCandidates(rest, prefix: prefix) : expressionWords
        case .kwFor:
            if tokens.count == 2 { return ["in"] }
            return tokens.count >= 3 && tokens[2].kind == .kwIn ? expressionWords : []
        case .kwHelp:
            let words = tokens.dropFirst().map(\.text)
            if words.isEmpty {
                return registry.commands.compactMap(\.words.first) + HelpText.statementNames + ["functions"]
            }
            return nextWords(after: Array(words))
        case .identifier where registry.isFirstWord(first.text):
            return commandCandidates(tokens, prefix: prefix)
        default:
            return expressionWords
        }
    }

    /// Words that continue a command name typed so far.
    private func nextWords(after words: [String]) -> [String] {
        registry.commands(startingWith: words).compactMap { $0.words.count > words.count ? $0.words[words.count] : nil }
    }

    /// In a command: the next word of its name, or its keywords and the
    /// values its current parameter takes.
    private func commandCandidates(_ tokens: [Token], prefix: String) -> [String] {
        let words = tokens.prefix(while: { $0.kind == .identifier }).map(\.text)
        var result = nextWords(after: words)
        guard let spec = registry.longestMatch(words) else { return result }
        let arguments = Array(tokens[spec.words.count...])
        if arguments.isEmpty, spec.words.count < words.count { return result }
        let (pending, used, positionals) = scan(arguments, of: spec)
        if let p = pending ?? (positionals < spec.positionalParameters.count ? spec.positionalParameters[positionals] : nil) {
            result += values(for: p, of: spec, prefix: prefix)
        }
        if pending == nil {
            result += spec.parameters.compactMap { $0.keyword }.filter { k in !used.contains(k) }
        }
        return result
    }

    /// The command and parameter whose value starts after `tokens`.
    private func slot(before tokens: [Token]) -> (CommandSpec?, Parameter?) {
        var tokens = tokens
        if tokens.first?.kind == .kwLet, tokens.count >= 3, tokens[2].kind == .equal { tokens.removeFirst(3) }
        let words = tokens.prefix(while: { $0.kind == .identifier }).map(\.text)
        guard let spec = registry.longestMatch(words) else { return (nil, nil) }
        let (pending, _, positionals) = scan(Array(tokens[spec.words.count...]), of: spec)
        if let pending { return (spec, pending) }
        let list = spec.positionalParameters
        return (spec, positionals < list.count ? list[positionals] : nil)
    }

    /// Walks typed arguments: the keyword waiting for its value (if the
    /// tokens end right after it), the keywords used, and how many
    /// positional arguments were given.
    private func scan(_ arguments: [Token], of spec: CommandSpec) -> (pending: Parameter?, used: Set<String>, positionals: Int) {
        var used = Set<String>(), positionals = 0, k = 0
        while k < arguments.count {
            let t = arguments[k]
            if t.kind == .identifier, let p = spec.parameter(forKeyword: t.text) {
                used.insert(t.text)
                k += 1
                if p.type == .flag { continue }
                if k == arguments.count { return (p, used, positionals) }
                k = Self.skipValue(arguments, from: k)
            } else {
                positionals += 1
                k = Self.skipValue(arguments, from: k)
            }
        }
        return (nil, used, positionals)
    }

    /// The index after one argument value: a primary (a whole bracketed
    /// group counts as one) and any `.name` / `[…]` after it.
    private static func skipValue(_ tokens: [Token], from start: Int) -> Int {
        var k = start
        func skipGroup() {
            var level = 0
            repeat {
                switch tokens[k].kind {
                case .leftParen, .leftBracket, .leftBrace: level += 1
                case .rightParen, .rightBracket, .rightBrace: level -= 1
                default: break
                }
                k += 1
            } while level > 0 && k < tokens.count
        }
        if [.leftParen, .leftBracket].contains(tokens[k].kind) { skipGroup() } else { k += 1 }
        while k < tokens.count {
            if tokens[k].kind == .leftParen || tokens[k].kind == .leftBracket {
                skipGroup()
            } else if tokens[k].kind == .dot, k + 1 < tokens.count {
                k += 2
            } else {
                break
            }
        }
        return k
    }

    private func values(for p: Parameter, of spec: CommandSpec, prefix: String) -> [String] {
        var result = p.type.choiceWords
        if p.type.accept(.bool(true)) != nil { result += ["true", "false"] }
        if p.type.accept(.int(0)) != nil || p.type.accept(.string("x")) != nil || p.type.takesNames
            || p.type == .any {
            result += variables.keys
        }
        let request = CompletionRequest(command: spec, parameter: p, prefix: prefix, isInString: false)
        result += completionProvider?(request) ?? []
        return result
    }

    /// After `x.` or `r[0].`: the fields of that host value. The chain before
    /// the dot is evaluated (expressions have no side effects).
    private func fields(before tokens: [Token], in file: SourceFile) -> [String] {
        var k = tokens.count - 2
        var chainStart: Int?
        while k >= 0, chainStart == nil {
            switch tokens[k].kind {
            case .rightBracket, .rightParen:
                var level = 0
                repeat {
                    switch tokens[k].kind {
                    case .rightBracket, .rightParen: level += 1
                    case .leftBracket, .leftParen: level -= 1
                    default: break
                    }
                    k -= 1
                } while level > 0 && k >= 0
                if level > 0 { return [] }
            case .identifier:
                if k > 0, tokens[k - 1].kind == .dot { k -= 2 } else { chainStart = k }
            default:
                return []
            }
        }
        guard let chainStart else { return [] }
        let start = tokens[chainStart].span.offset
        let end = tokens[tokens.count - 2].span.offset + tokens[tokens.count - 2].span.length
        let text = SourceFile.string(file.scalars[start..<end])
        let exprFile = SourceFile(name: "<completion>", text: text)
        guard let expr = Parser.parseExpression(exprFile, registry: registry, limits: limits),
              case .host(let h)? = try? evaluate(expr) else { return [] }
        return h.fieldNames
    }
}
