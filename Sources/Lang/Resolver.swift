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

    /// Bare names in word slots are not checked: they fall back to the word.
    private mutating func resolve(_ call: CommandCall) {
        for argument in call.arguments {
            if case .expression(let e) = argument.value { resolve(e) }
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
