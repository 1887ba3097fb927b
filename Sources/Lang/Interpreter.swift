// Interpreter.swift — the host's entry point: `run` a script or `evaluate`
// REPL input, keeping variables between calls; how a run ends (`Outcome`).
//   source → Lexer → Parser (all syntax errors) → Resolver (unbound names)
//          → execute statements in order → Outcome
import Common

/// How a run or an evaluation ended.
public enum Outcome: Sendable, Equatable {
    /// Every statement ran.
    case completed
    /// The input ended inside an unclosed `{`, `[`, `(`, string or
    /// interpolation; nothing ran. Only `evaluate(input:)` returns this (a
    /// script that ends early is `.failed`): read another line, append it
    /// after a newline, and evaluate the whole text again.
    case incomplete(Diagnostic)
    /// Syntax errors (all of them; nothing ran) or one runtime error (the
    /// statements before it ran, and their variables stay bound).
    case failed([Diagnostic])
    /// The host requested an interrupt: the statement at this location had
    /// not started or not finished (a command may stop early by throwing
    /// Common's `Interrupted`, or by returning once it reached a safe point).
    case interrupted(SourceLocation)

    /// The diagnostics of `.failed` or `.incomplete`, else none.
    public var diagnostics: [Diagnostic] {
        switch self {
        case .failed(let d): return d
        case .incomplete(let d): return [d]
        case .completed, .interrupted: return []
        }
    }
}

/// Runs kungfu source against a registry of host commands.
///
///     let registry = CommandRegistry()
///     try registry.register(PredictCommand())
///     let interpreter = Interpreter(registry: registry) { text in print(text, terminator: "") }
///     interpreter.onResult = { value, _ in print("Out:", value.resultText) }
///     switch interpreter.run(source: text, name: "tour.kf") {
///     case .completed: exit(0)
///     case .failed(let errors): errors.forEach { fputs($0.render() + "\n", stderr) }; exit(1)
///     ...
///     }
///
/// Not thread-safe: use one interpreter from one thread (commands run
/// synchronously on it). `interruptFlag` is the exception. Not reentrant: a
/// command must not call `run` or `evaluate` on the interpreter running it.
public final class Interpreter {
    /// The commands scripts can run.
    public let registry: CommandRegistry
    /// The bounds on nesting, sizes and steps.
    public var limits: Limits
    /// Set from any thread to stop the running script; cleared when a run
    /// or evaluation starts. A host links it to
    /// `CancellationFlag.processInterrupt` so that Ctrl-C stops the script
    /// (resetting it never clears the parent).
    public let interruptFlag: CancellationFlag
    /// Receives everything `print`, `help` and commands write (whole lines,
    /// each ending in "\n", unless a command writes partial text).
    public var output: (String) -> Void
    /// Receives the value of each bare expression and each command result
    /// that is not bound with `let`, with the statement's location. When nil,
    /// `value.resultText` and a newline are written to `output`.
    public var onResult: ((Value, SourceLocation) -> Void)?
    /// Receives each `##` narration line's text (without `##`), in order with
    /// the statements. When nil, narration is ignored.
    public var onNarration: ((String, SourceLocation) -> Void)?
    /// Called before each top-level statement runs, with its source text
    /// (several lines for a `for` or `if`) and location.
    public var onStatement: ((String, SourceLocation) -> Void)?
    /// Called before each top-level statement runs, narration included, with
    /// its syntax (what `export keras` translates to Python).
    public var onStatementSyntax: ((StatementSyntax) -> Void)?
    /// Extra completion candidates the host knows (layer names, file paths);
    /// see `completions(for:)`.
    public var completionProvider: ((CompletionRequest) -> [String])?

    /// The variables bound so far (kept across `run` and `evaluate` calls).
    public internal(set) var variables: [String: Value] = [:]

    var file = SourceFile(name: "", text: "")
    private var steps = 0

    /// An interpreter with no variables. `output` receives printed text.
    public init(registry: CommandRegistry, limits: Limits = Limits(),
                interruptFlag: CancellationFlag = CancellationFlag(),
                output: @escaping (String) -> Void = { Swift.print($0, terminator: "") }) {
        self.registry = registry
        self.limits = limits
        self.interruptFlag = interruptFlag
        self.output = output
    }

    /// Runs a whole script: parses all of it first and reports every syntax
    /// error without running anything; otherwise runs it until the end, the
    /// first runtime error, or an interrupt. Variables persist afterwards.
    public func run(source: String, name: String) -> Outcome {
        let (file, statements, diagnostics) = prepare(source, name: name)
        guard diagnostics.isEmpty else { return .failed(diagnostics) }
        return execute(statements, in: file)
    }

    /// Evaluates one REPL input (which may span lines) with the variables of
    /// earlier inputs. Returns `.incomplete` when the input stopped inside a
    /// bracket, block or string, so the REPL can ask for a continuation line.
    public func evaluate(input: String, name: String = "<input>") -> Outcome {
        let (file, statements, diagnostics) = prepare(input, name: name)
        if diagnostics.count == 1, diagnostics[0].isIncompleteInput { return .incomplete(diagnostics[0]) }
        guard diagnostics.isEmpty else { return .failed(diagnostics) }
        return execute(statements, in: file)
    }

    /// The errors `run` would report before running anything (syntax errors
    /// and unbound names), without running.
    public func check(source: String, name: String) -> [Diagnostic] {
        prepare(source, name: name).diagnostics
    }

    /// Asks the running script to stop; same as `interruptFlag.request()`.
    public func requestInterrupt() { interruptFlag.request() }

    /// Binds a variable from the host, as `let` would. `name` must be an
    /// identifier that is not reserved and does not start a command.
    public func setVariable(_ name: String, to value: Value) {
        precondition(Lexer.isIdentifier(name) && !registry.isFirstWord(name),
                     "setVariable: '\(name)' is not a name a script could bind")
        variables[name] = value
    }

    /// Forgets every variable (a fresh session keeps its registry).
    public func removeAllVariables() { variables = [:] }

    // MARK: - Phases

    private func prepare(_ text: String, name: String) -> (file: SourceFile, statements: [Stmt], diagnostics: [Diagnostic]) {
        let file = SourceFile(name: name, text: text)
        let (statements, syntaxErrors) = Parser.parse(file, registry: registry, limits: limits)
        guard syntaxErrors.isEmpty else { return (file, statements, syntaxErrors) }
        var resolver = Resolver(file: file, registry: registry, bound: Set(variables.keys))
        resolver.resolve(statements)
        return (file, statements, resolver.diagnostics)
    }

    private func execute(_ statements: [Stmt], in file: SourceFile) -> Outcome {
        self.file = file
        steps = 0
        interruptFlag.reset()
        do {
            for stmt in statements {
                try tick(stmt.span)
                onStatementSyntax?(StatementSyntax(stmt: stmt, file: file))
                if case .narration = stmt.kind {} else {
                    onStatement?(file.text(stmt.span), file.location(stmt.span))
                }
                try execute(stmt)
            }
            // A command that stopped early but returned normally (training
            // keeps its head consistent) still ends the run as interrupted.
            if interruptFlag.isRequested, let last = statements.last { return .interrupted(file.location(last.span)) }
            return .completed
        } catch let error as RuntimeError {
            return .failed([Diagnostic(.runtime, error.message, at: error.span, in: file, notes: error.notes)])
        } catch let stop as Stop {
            return .interrupted(file.location(stop.span))
        } catch {
            preconditionFailure("statement execution threw an unexpected \(error)")
        }
    }

    /// Checked before every statement and loop iteration: an interrupt stops
    /// here, and so does a run that exceeds `limits.maxSteps`.
    func tick(_ span: SourceSpan) throws {
        if interruptFlag.isRequested { throw Stop(span: span) }
        steps += 1
        if let max = limits.maxSteps, steps > max {
            throw RuntimeError("stopped after \(max) steps (the step limit)", span)
        }
    }
}

/// A runtime error, before it becomes a diagnostic.
struct RuntimeError: Error {
    let message: String
    let span: SourceSpan
    let notes: [String]

    init(_ message: String, _ span: SourceSpan, notes: [String] = []) {
        self.message = message
        self.span = span
        self.notes = notes
    }
}

/// An interrupt, unwinding to `execute`.
struct Stop: Error {
    let span: SourceSpan
}
