// Help.swift — `help`, `help <command>`, `help <statement>` and
// `help functions`, generated from the registry and the language's own
// tables (never written twice). Plain text, no trailing newline.

enum HelpText {
    /// The statements `help` explains: name, usage, summary, example.
    static let statements: [(name: String, usage: String, summary: String, example: String)] = [
        ("let", "let name = value", "give a value a name, or keep a command's result",
         "let r = predict \"examples/testset/1.jpg\""),
        ("for", "for name in list { … }", "repeat a block for each item of a list, range, string or result",
         "for i in 1...3 { print i }"),
        ("if", "if condition { … } else { … }", "run a block only when a condition is true",
         "if accuracy > 0.9 { print \"well done\" }"),
        ("print", "print value, …", "show values, separated by spaces", "print \"top label:\", r.label"),
        ("help", "help [command]", "list the commands, or explain one", "help predict"),
    ]

    static var statementNames: [String] { statements.map(\.name) }

    static func text(for topic: HelpTopic?, registry: CommandRegistry) -> String {
        switch topic {
        case nil: return overview(registry)
        case .command(let spec): return command(spec)
        case .statement(let name): return statement(name)
        case .functions: return functions()
        case .prefix(let words, let specs): return prefix(words, specs)
        }
    }

    /// The commands that start with the words of `help load`, with their summaries.
    static func prefix(_ words: [String], _ specs: [CommandSpec]) -> String {
        (["Commands starting with '\(words.joined(separator: " "))':"] + table(specs.map { ($0.name, $0.summary) })
            + ["Type 'help <command>' for one, e.g. help \(specs[0].name)"]).joined(separator: "\n")
    }

    /// Every command with its summary, then the statements and functions.
    static func overview(_ registry: CommandRegistry) -> String {
        var lines: [String] = []
        let commands = registry.commands
        if commands.isEmpty {
            lines.append("Commands: none are registered.")
        } else {
            lines.append("Commands:")
            lines += table(commands.map { ($0.name, $0.summary) })
        }
        lines.append("")
        lines.append("Statements:")
        lines += table(statements.map { ($0.usage, $0.summary) })
        lines.append("")
        lines.append("Functions: \(Builtin.allCases.map(\.rawValue).joined(separator: ", ")) (help functions)")
        lines.append("Type 'help <command>' for its arguments, an example and the Keras equivalent.")
        return lines.joined(separator: "\n")
    }

    /// One command: summary, usage, each parameter, example, Keras, result.
    static func command(_ spec: CommandSpec) -> String {
        var lines = ["\(spec.name) — \(spec.summary)", "", "usage: \(spec.usage)"]
        if !spec.parameters.isEmpty {
            lines.append("")
            lines += table(spec.parameters.map { p in
                let left: String
                switch p.kind {
                case .positional: left = p.valueUsage
                case .keyword(let k): left = p.type == .flag ? k : "\(k) \(p.valueUsage)"
                }
                var facts: [String] = p.range.map { [$0.text] } ?? []
                if p.isRequired {
                    facts.append("required")
                } else if let d = p.defaultValue, p.type != .flag {
                    facts.append("default: \(d.text)")
                }
                let right = facts.isEmpty ? p.summary : "\(p.summary) (\(facts.joined(separator: ", ")))"
                return (left, right)
            })
        }
        lines.append("")
        lines.append("example: \(spec.example)")
        lines.append("keras:   \(spec.keras)")
        if let returns = spec.returns { lines.append("returns: \(returns)") }
        return lines.joined(separator: "\n")
    }

    static func statement(_ name: String) -> String {
        guard let s = statements.first(where: { $0.name == name }) else {
            preconditionFailure("no help table entry for the statement '\(name)'")
        }
        return ["\(s.name) — \(s.summary)", "", "usage:   \(s.usage)", "example: \(s.example)"]
            .joined(separator: "\n")
    }

    static func functions() -> String {
        (["Functions:"] + table(Builtin.allCases.map { ($0.usage, $0.summary) })).joined(separator: "\n")
    }

    /// Two aligned columns, indented by two spaces.
    private static func table(_ rows: [(String, String)]) -> [String] {
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { left, right in
            "  " + left + String(repeating: " ", count: width - left.count + 2) + right
        }
    }
}

extension CommandRegistry {
    /// The text `help` prints: every command with its summary, then the
    /// statements and functions of the language.
    public func helpText() -> String { HelpText.overview(self) }

    /// The text `help <name>` prints for a command, a statement (`for`) or
    /// `functions`; nil when there is no such topic.
    public func helpText(for name: String) -> String? {
        if let spec = command(named: name) { return HelpText.command(spec) }
        if HelpText.statementNames.contains(name) { return HelpText.statement(name) }
        if name == "functions" { return HelpText.functions() }
        let words = name.split(separator: " ").map(String.init)
        let specs = commands(startingWith: words)
        if !specs.isEmpty { return HelpText.prefix(words, specs) }
        return nil
    }
}
