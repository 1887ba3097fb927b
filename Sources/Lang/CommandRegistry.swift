// CommandRegistry.swift — the one table of host commands (checked when
// registered, so a mistake in a declaration shows at start-up), and what a
// command receives when it runs (arguments, context) and may throw.
import Common

/// A command the host implements: its spec beside the code that runs it.
///
///     struct Greet: HostCommand {
///         let spec = CommandSpec("greet", summary: "Say hello.",
///                                parameters: [.positional("who", .name, summary: "who to greet")],
///                                example: "greet Morpheus", keras: "print('Hello')")
///         func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
///             context.print("Hello, \(arguments.string("who")!)!")
///             return nil
///         }
///     }
public protocol HostCommand {
    /// The command's words, parameters and help.
    var spec: CommandSpec { get }
    /// Runs the command on the interpreter's thread (it may take seconds).
    /// Throw `CommandError` for anything the learner got wrong, and
    /// Common's `Interrupted` to stop early when `context.isInterruptRequested`.
    /// Return the command's result (reported to the host, or bound by `let`)
    /// or nil when it has none.
    func run(_ arguments: Arguments, context: CommandContext) throws -> Value?
}

/// A mistake in a command's declaration, found by `CommandRegistry.register`.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the command and the parameter.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// The commands a host offers, in the order `help` lists them.
///
/// A class, so commands registered after the interpreter is created are seen
/// by the next `run` or `evaluate`.
public final class CommandRegistry {
    /// How a command runs: with its checked arguments and a context.
    public typealias Run = (Arguments, CommandContext) throws -> Value?

    struct Entry {
        let spec: CommandSpec
        let run: Run
    }

    private(set) var entries: [Entry] = []
    private var byName: [String: Int] = [:]

    /// An empty registry (`help` and the language statements need no registration).
    public init() {}

    /// The registered commands, in registration order.
    public var commands: [CommandSpec] { entries.map(\.spec) }

    /// The command whose name is exactly `name` ("load model").
    public func command(named name: String) -> CommandSpec? {
        byName[name].map { entries[$0].spec }
    }

    /// Registers a command type.
    public func register(_ command: some HostCommand) throws {
        try register(command.spec, run: command.run)
    }

    /// Registers a spec with the function that runs it. Throws when the spec
    /// is malformed: a word that is not an identifier or is reserved, a name
    /// already taken, two parameters with one name or keyword, a required
    /// positional after an optional one, a default its type refuses.
    public func register(_ spec: CommandSpec, run: @escaping Run) throws {
        try Self.validate(spec, against: self)
        byName[spec.name] = entries.count
        entries.append(Entry(spec: spec, run: run))
    }

    func entry(for spec: CommandSpec) -> Entry? {
        byName[spec.name].map { entries[$0] }
    }

    /// The longest registered name that `words` starts with.
    func longestMatch<C: Collection>(_ words: C) -> CommandSpec? where C.Element == String {
        var best: CommandSpec?
        for entry in entries {
            let w = entry.spec.words
            if w.count <= words.count, zip(w, words).allSatisfy({ $0 == $1 }),
               w.count > (best?.words.count ?? 0) {
                best = entry.spec
            }
        }
        return best
    }

    /// True when some command's name starts with `word`.
    func isFirstWord(_ word: String) -> Bool {
        entries.contains { $0.spec.words.first == word }
    }

    /// Commands whose words start with `prefix`.
    func commands(startingWith prefix: [String]) -> [CommandSpec] {
        commands.filter { $0.words.count >= prefix.count && Array($0.words.prefix(prefix.count)) == prefix }
    }

    // MARK: - Checking a spec

    private static func validate(_ spec: CommandSpec, against registry: CommandRegistry) throws {
        func fail(_ message: String) -> RegistryError {
            RegistryError(message: "command '\(spec.name)': \(message)")
        }
        let words = spec.words
        guard !words.isEmpty, words.joined(separator: " ") == spec.name else {
            throw fail("the name must be words separated by single spaces")
        }
        for word in words where !Lexer.isIdentifier(word) {
            throw fail("'\(word)' is not a valid command word (letters, digits and '_', not a reserved word)")
        }
        if registry.byName[spec.name] != nil { throw fail("a command with this name is already registered") }
        if Builtin(rawValue: words[0]) != nil {
            throw fail("'\(words[0])' is the name of a built-in function")
        }
        var names = Set<String>(), keywords = Set<String>()
        var sawOptionalPositional = false
        for p in spec.parameters {
            guard !p.name.isEmpty, names.insert(p.name).inserted else {
                throw fail("two parameters are called '\(p.name)'")
            }
            switch p.kind {
            case .positional:
                if p.type == .flag { throw fail("flag '\(p.name)' must be a keyword parameter") }
                if p.isRequired && sawOptionalPositional {
                    throw fail("required parameter '\(p.name)' comes after an optional positional one")
                }
                if !p.isRequired { sawOptionalPositional = true }
            case .keyword(let k):
                guard Lexer.isIdentifier(k) else {
                    throw fail("keyword '\(k)' of '\(p.name)' is not a valid word (letters, digits and '_', not a reserved word)")
                }
                guard keywords.insert(k).inserted else { throw fail("two parameters use the keyword '\(k)'") }
            }
            for word in p.type.choiceWords where !Lexer.isIdentifier(word) {
                throw fail("choice '\(word)' of '\(p.name)' is not a valid word (letters, digits and '_', not a reserved word)")
            }
            if p.isRequired, p.defaultValue != nil {
                throw fail("required parameter '\(p.name)' cannot have a default")
            }
            if let d = p.defaultValue, p.type.accept(d) == nil {
                throw fail("the default \(d.resultText) of '\(p.name)' is not \(p.type.expectation)")
            }
            if let d = p.defaultValue, let problem = p.rangeProblem(d) {
                throw fail("the default is out of range: \(problem)")
            }
            if p.type.accept(.int(0)) == nil && p.type.accept(.float(0)) == nil, p.range != nil {
                throw fail("'\(p.name)' has a range but does not take numbers")
            }
        }
    }
}

/// The checked arguments of one command run, by parameter name. Defaults are
/// filled in; values have the parameter's type (a bare word arrives as a
/// string). Reading a value as another type than declared is a host bug and
/// stops with a precondition failure naming the parameter.
public struct Arguments: Sendable {
    /// The command being run.
    public let command: String
    let values: [String: Value]
    let given: Set<String>

    /// The value of a parameter (its default if not given), nil when absent.
    public subscript(_ name: String) -> Value? { values[name] }

    /// True when the learner wrote this argument (false when it is a default).
    public func wasGiven(_ name: String) -> Bool { given.contains(name) }

    /// A string, name or choice parameter.
    public func string(_ name: String) -> String? {
        guard let v = values[name] else { return nil }
        guard case .string(let s) = v else { wrongType(name, "string", v) }
        return s
    }

    /// An integer parameter.
    public func int(_ name: String) -> Int? {
        guard let v = values[name] else { return nil }
        guard case .int(let n) = v else { wrongType(name, "int", v) }
        return n
    }

    /// A number parameter, int or float, as a Double.
    public func double(_ name: String) -> Double? {
        guard let v = values[name] else { return nil }
        guard let d = v.asDouble else { wrongType(name, "number", v) }
        return d
    }

    /// A bool or flag parameter.
    public func bool(_ name: String) -> Bool? {
        guard let v = values[name] else { return nil }
        guard case .bool(let b) = v else { wrongType(name, "bool", v) }
        return b
    }

    /// A list parameter.
    public func list(_ name: String) -> [Value]? {
        guard let v = values[name] else { return nil }
        guard case .list(let items) = v else { wrongType(name, "list", v) }
        return items
    }

    /// A host-value parameter, as the host's own type.
    public func host<T: HostValue>(_ name: String, as type: T.Type = T.self) -> T? {
        guard let v = values[name] else { return nil }
        guard case .host(let h) = v, let t = h as? T else { wrongType(name, "\(T.self)", v) }
        return t
    }

    private func wrongType(_ name: String, _ wanted: String, _ v: Value) -> Never {
        preconditionFailure("command '\(command)' read parameter '\(name)' as \(wanted) but it holds \(v.described)")
    }
}

/// What a running command can reach besides its arguments.
public struct CommandContext {
    /// The command being run.
    public let spec: CommandSpec
    /// Where the command is in its source.
    public let location: SourceLocation
    /// The interpreter's flag; pass it to long-running work (training,
    /// downloads) so it can stop at a safe point. In the shell it is linked
    /// to `CancellationFlag.processInterrupt`, so it sees Ctrl-C at once.
    public let interruptFlag: CancellationFlag
    let sink: (String) -> Void

    /// Writes text to the interpreter's output exactly as given.
    public func write(_ text: String) { sink(text) }

    /// Writes a line (a newline is added) to the interpreter's output.
    public func print(_ line: String) { sink(line + "\n") }

    /// True once the host asked the interpreter to stop (Ctrl-C).
    public var isInterruptRequested: Bool { interruptFlag.isRequested }
}

/// An error a command throws for something the learner got wrong. The
/// interpreter renders it as a diagnostic at the command, or at one argument.
///
///     throw CommandError("no layer named 'mixed12' (the last is 'mixed10')", argument: "layer")
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line: what is wrong and what was expected.
    public var message: String
    /// The parameter whose argument the caret should underline, if given.
    public var argument: String?
    /// Extra lines rendered after the caret (` = …`).
    public var notes: [String]

    /// An error about the command, or about one of its arguments.
    public init(_ message: String, argument: String? = nil, notes: [String] = []) {
        self.message = message
        self.argument = argument
        self.notes = notes
    }

    /// The message.
    public var description: String { message }
}
