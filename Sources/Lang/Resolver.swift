// Resolver.swift — the check that runs after parsing and before anything
// executes: every variable must be bound by a `let` or `for` earlier in the
// text (or earlier in the REPL session). Scope is flat, as in Python: a name
// bound inside a block stays bound after it. A typo such as `pictrue` is
// therefore reported before a long script starts training, not after.

struct Resolver {
    private let file: SourceFile
    private let registry: CommandRegistry
    private var bound: Set<String>
    private(set) var diagnostics: [Diagnostic] = []

    /// `bound`: the names the session already has.
    init(file: SourceFile, registry: CommandRegistry, bound: Set<String>) {
        self.file = file
        self.registry = registry
        self.bound = bound
    }

    mutating func resolve(_ statements: [Stmt]) {
        for s in statements { resolve(s) }
    }

    private mutating func resolve(_ stmt: Stmt) {
        switch stmt.kind {
        case .narration, .help:
            break
        case .letValue(let name, let value):
            resolve(value)
            bound.insert(name)
        case .letCommand(let name, let call):
            resolve(call)
            bound.insert(name)
        case .forLoop(let name, let sequence, let body):
            resolve(sequence)
            bound.insert(name)
            resolve(body)
        case .ifElse(let condition, let then, let otherwise):
            resolve(condition)
            resolve(then)
            if let otherwise { resolve(otherwise) }
        case .print(let values):
            for v in values { resolve(v) }
        case .command(let call):
            resolve(call)
        case .expression(let e):
            resolve(e)
        }
    }

    /// Arguments whose value is known before running are checked here, with
    /// the message the run would give: literals of the wrong type, and bare
    /// words that are neither a choice, a bound variable nor an accepted name.
    private mutating func resolve(_ call: CommandCall) {
        let usage = ["usage: \(call.spec.usage)"]
        for argument in call.arguments {
            let p = argument.parameter
            switch argument.value {
            case .expression(let e):
                resolve(e)
                if let v = e.constantValue {
                    if p.type.accept(v) == nil {
                        diagnostics.append(Diagnostic(.syntax, p.refusal(got: v.described, word: v.stringValue, value: v),
                                                      at: argument.span, in: file, notes: usage))
                    } else if let problem = p.rangeProblem(v) {
                        diagnostics.append(Diagnostic(.syntax, problem, at: argument.span, in: file, notes: usage))
                    }
                }
            case .bareName(let word):
                if !p.type.choiceWords.contains(word), !bound.contains(word), !p.type.takesNames {
                    diagnostics.append(Diagnostic(.syntax, p.refusal(got: "'\(word)'", word: word),
                                                  at: argument.span, in: file, notes: usage))
                }
            case .flag:
                break
            }
        }
    }

    private mutating func resolve(_ e: Expr) {
        if case .variable(let name) = e.kind, !bound.contains(name) {
            diagnostics.append(Diagnostic(.syntax, message(forUnbound: name), at: e.span, in: file))
        }
        for child in e.kind.children { resolve(child) }
    }

    private func message(forUnbound name: String) -> String {
        if registry.isFirstWord(name) {
            let spec = registry.commands(startingWith: [name]).first!
            let keep = spec.returns == nil ? "" : ", or keep its result with 'let r = \(spec.name) …'"
            return "'\(name)' is a command, not a value (run it on its own line\(keep))"
        }
        let candidates = bound.sorted() + registry.commands.map(\.name) + HelpText.statementNames
            + Builtin.allCases.map(\.rawValue) + ["true", "false"]
        return "undefined variable '\(name)'" + Suggestions.hint(for: name, among: candidates)
    }
}
