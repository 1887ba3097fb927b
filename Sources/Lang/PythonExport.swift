// PythonExport.swift — a statement's syntax as Python, for `export keras`.
// The language half of the export: `let`, `for`, `if`, `print`, expressions
// and narration become Python here; what a command becomes is the host's
// business (a callback gets each command call with its arguments already
// written as Python expressions, and their values when they are constants).
import Common

/// One top-level statement as parsed, for hosts that translate the session
/// (`Interpreter.onStatementSyntax`).
public struct StatementSyntax: Sendable {
    let stmt: Stmt
    let file: SourceFile

    /// The statement's source text (several lines for a `for` or `if`).
    public var source: String { file.text(stmt.span) }

    /// The narration's text (without `##`) when the statement is a `##` line.
    public var narration: String? {
        if case .narration(let text) = stmt.kind { return text }
        return nil
    }

    /// The statement as Python lines (indented by four spaces per block).
    /// `bound` names the variables bound before it runs (a bare word that
    /// names one is that variable); `command` writes each command call.
    public func python(bound: Set<String>, reserved: Set<String>,
                       command: (CommandCallSyntax) -> PythonCode) -> [String] {
        withoutActuallyEscaping(command) { command in
            var writer = PythonStatementWriter(bound: bound, reserved: reserved, command: command)
            return writer.statement(stmt)
        }
    }
}

/// A command call seen by the host's translator: the command and each of
/// its parameters (given or defaulted) as Python.
public struct CommandCallSyntax {
    /// The command's declaration.
    public let spec: CommandSpec
    /// Each parameter given or with a default, by parameter name.
    public let arguments: [String: PythonArgument]

    /// The argument named `name`, if given or defaulted.
    public subscript(_ name: String) -> PythonArgument? { arguments[name] }
}

/// One argument of a command call, written as Python.
public struct PythonArgument: Sendable {
    /// A Python expression giving the argument's value.
    public let code: String
    /// Its value when it is known before the statement runs (a literal, a
    /// bare word, a default); nil when it depends on variables.
    public let constant: Value?

    /// An argument whose Python is `code`, with a known value or none.
    public init(code: String, constant: Value?) {
        self.code = code
        self.constant = constant
    }
}

/// What a command becomes in Python: statements, and the expression that is
/// its value (for `let x = command …`), if it has one.
public struct PythonCode: Sendable, Equatable {
    /// The statements, one line each (a line may hold its own indentation).
    public var lines: [String]
    /// The command's value as a Python expression; nil when it has none.
    public var result: String?

    /// Statements `lines`, with value `result`.
    public init(_ lines: [String], result: String? = nil) {
        self.lines = lines
        self.result = result
    }
}

/// Python's spelling of kungfu's values and names.
public enum Python {
    /// Python's reserved words (a kungfu variable named so gets a `_`).
    public static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
        "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
        "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    /// A string literal, escaped as Python's `json.dumps` does (valid Python).
    public static func string(_ text: String) -> String {
        JSONValue.string(text).text(.python(indent: nil))
    }

    /// A constant as a Python literal; nil for host values.
    public static func literal(_ value: Value) -> String? {
        switch value {
        case .int(let n): return String(n)
        case .float(let d):
            if d.isNaN { return "float('nan')" }
            if d.isInfinite { return d > 0 ? "float('inf')" : "-float('inf')" }
            return Value.float(d).text
        case .string(let s): return string(s)
        case .bool(let b): return b ? "True" : "False"
        case .list(let items):
            let parts = items.compactMap(literal)
            return parts.count == items.count ? "[" + parts.joined(separator: ", ") + "]" : nil
        case .range(let lower, let upper, let closed):
            return "range(\(lower), \(closed ? String(upper) + " + 1" : String(upper)))"
        case .host: return nil
        }
    }
}

/// Writes statements and expressions as Python.
struct PythonStatementWriter {
    var bound: Set<String>
    let reserved: Set<String>
    let command: (CommandCallSyntax) -> PythonCode

    /// A kungfu name as a Python name: `_` appended to Python's keywords and
    /// to the names the host's notebook uses itself.
    func name(_ kungfu: String) -> String {
        Python.keywords.contains(kungfu) || reserved.contains(kungfu) ? kungfu + "_" : kungfu
    }

    mutating func statement(_ stmt: Stmt) -> [String] {
        switch stmt.kind {
        case .narration(let text):
            return ["# " + text]
        case .letValue(let variable, let value):
            bound.insert(variable)
            return ["\(name(variable)) = \(expression(value))"]
        case .letCommand(let variable, let call):
            let code = command(syntax(of: call))
            bound.insert(variable)
            return code.lines + ["\(name(variable)) = \(code.result ?? "None")"]
        case .forLoop(let variable, let sequence, let body):
            let header = "for \(name(variable)) in \(expression(sequence)):"
            bound.insert(variable)
            return [header] + block(body)
        case .ifElse(let condition, let then, let otherwise):
            var lines = ["if \(expression(condition)):"] + block(then)
            if let otherwise { lines += ["else:"] + block(otherwise) }
            return lines
        case .print(let values):
            return ["print(" + values.map { text($0) }.joined(separator: ", ") + ")"]
        case .help:
            return ["# help: no Keras counterpart; in Python, help(keras.applications.InceptionV3)"]
        case .command(let call):
            return command(syntax(of: call)).lines
        case .expression(let e):
            return [expression(e)]
        }
    }

    private mutating func block(_ body: [Stmt]) -> [String] {
        let lines = body.flatMap { statement($0) }.map { "    " + $0 }
        return lines.isEmpty ? ["    pass"] : lines
    }

    /// An expression as `print` shows it: booleans and floats as kungfu
    /// writes them are left to Python's own `str`.
    private func text(_ e: Expr) -> String { expression(e) }

    func syntax(of call: CommandCall) -> CommandCallSyntax {
        var arguments: [String: PythonArgument] = [:]
        for parameter in call.spec.parameters {
            if let given = call.arguments.first(where: { $0.parameter.name == parameter.name }) {
                switch given.value {
                case .flag:
                    arguments[parameter.name] = PythonArgument(code: "True", constant: .bool(true))
                case .bareName(let word):
                    if parameter.type.choiceWords.contains(word) || !bound.contains(word) {
                        arguments[parameter.name] = PythonArgument(code: Python.string(word), constant: .string(word))
                    } else {
                        arguments[parameter.name] = PythonArgument(code: name(word), constant: nil)
                    }
                case .expression(let e):
                    arguments[parameter.name] = PythonArgument(code: expression(e), constant: e.constantValue)
                }
            } else if let value = parameter.defaultValue, let code = Python.literal(value) {
                arguments[parameter.name] = PythonArgument(code: code, constant: value)
            } else if parameter.type == .flag {
                arguments[parameter.name] = PythonArgument(code: "False", constant: .bool(false))
            }
        }
        return CommandCallSyntax(spec: call.spec, arguments: arguments)
    }

    func expression(_ e: Expr) -> String {
        switch e.kind {
        case .integer(let n): return String(n)
        case .float(let d): return Python.literal(.float(d)) ?? "float('nan')"
        case .string(let s): return Python.string(s)
        case .bool(let b): return b ? "True" : "False"
        case .interpolation(let parts):
            let pieces = parts.map { part -> String in
                switch part {
                case .text(let s): return Python.string(s)
                case .expression(let x): return "str(\(expression(x)))"
                }
            }
            return pieces.isEmpty ? "\"\"" : "(" + pieces.joined(separator: " + ") + ")"
        case .variable(let v): return name(v)
        case .list(let items): return "[" + items.map(expression).joined(separator: ", ") + "]"
        case .range(let lower, let upper, let closed):
            return "range(\(expression(lower)), \(expression(upper))\(closed ? " + 1" : ""))"
        case .negate(let x): return "(-\(expression(x)))"
        case .not(let x): return "(not \(expression(x)))"
        case .binary(let op, let a, let b): return "(\(expression(a)) \(op.rawValue) \(expression(b)))"
        case .logical(let op, let a, let b): return "(\(expression(a)) \(op.rawValue) \(expression(b)))"
        case .call(let builtin, let arguments):
            let args = arguments.map(expression).joined(separator: ", ")
            switch builtin {
            case .type: return "type(\(args)).__name__"
            case .fields: return "list(vars(\(args)))"
            default: return "\(builtin.rawValue)(\(args))"
            }
        case .index(let a, let b): return "\(expression(a))[\(expression(b))]"
        case .field(let a, let f): return "\(expression(a)).\(f)"
        }
    }
}
