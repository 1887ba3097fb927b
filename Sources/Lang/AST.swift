// AST.swift — the syntax tree, as two tables of cases: `ExprKind` for
// expressions and `StmtKind` for statements. Every node keeps its span so
// runtime errors point at the text that caused them. The grammar that builds
// these nodes is in Parser.swift (and docs/language.md).

/// Arithmetic and comparison operators.
enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*", divide = "/", floorDivide = "//"
    case remainder = "%", power = "**"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case contains = "in", notContains = "not in"
}

/// `and` / `or`: they short-circuit, so they are not `BinaryOperator`s.
enum LogicalOperator: String, Sendable {
    case and, or
}

/// A piece of an interpolated string: literal text or an expression.
enum InterpolationPart: Sendable {
    case text(String)
    case expression(Expr)
}

/// An expression with its span and the height of its tree (a leaf is 1),
/// which the parser bounds by `Limits.maxNesting`.
struct Expr: Sendable {
    let kind: ExprKind
    let span: SourceSpan
    let height: Int

    init(_ kind: ExprKind, _ span: SourceSpan) {
        self.kind = kind
        self.span = span
        self.height = 1 + (kind.children.map(\.height).max() ?? 0)
    }
}

/// Every kind of expression.
indirect enum ExprKind: Sendable {
    case integer(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    case interpolation([InterpolationPart])
    case variable(String)
    case list([Expr])
    case range(Expr, Expr, closed: Bool)
    case negate(Expr)
    case not(Expr)
    case binary(BinaryOperator, Expr, Expr)
    case logical(LogicalOperator, Expr, Expr)
    case call(Builtin, [Expr])
    case index(Expr, Expr)
    case field(Expr, String)

    var children: [Expr] {
        switch self {
        case .integer, .float, .string, .bool, .variable: return []
        case .interpolation(let parts):
            return parts.compactMap { if case .expression(let e) = $0 { return e } else { return nil } }
        case .list(let items): return items
        case .range(let a, let b, _), .binary(_, let a, let b), .logical(_, let a, let b), .index(let a, let b):
            return [a, b]
        case .negate(let a), .not(let a), .field(let a, _): return [a]
        case .call(_, let args): return args
        }
    }
}

/// A statement with the span of its whole text.
struct Stmt: Sendable {
    let kind: StmtKind
    let span: SourceSpan
}

/// Every kind of statement.
enum StmtKind: Sendable {
    case narration(String)
    case letValue(name: String, value: Expr)
    case letCommand(name: String, call: CommandCall)
    case forLoop(name: String, sequence: Expr, body: [Stmt])
    case ifElse(condition: Expr, then: [Stmt], otherwise: [Stmt]?)
    case print([Expr])
    case help(HelpTopic?)
    case command(CommandCall)
    case expression(Expr)
}

/// A command statement: which command, and each argument given, by parameter.
struct CommandCall: Sendable {
    let spec: CommandSpec
    /// The command's words in the source.
    let nameSpan: SourceSpan
    let arguments: [CommandArgument]
}

/// One argument as written: for a parameter, its value and its span.
struct CommandArgument: Sendable {
    enum Value: Sendable {
        case expression(Expr)
        /// A bare name in a parameter that takes words; resolved when run
        /// (see `Interpreter.resolveBareName`).
        case bareName(String)
        /// A flag keyword, present.
        case flag
    }

    let parameter: Parameter
    let value: Value
    let span: SourceSpan
}

/// What `help` was asked about.
enum HelpTopic: Sendable {
    case command(CommandSpec)
    case statement(String)
    case functions
    /// The first words of several commands (`help load`): they are listed.
    case prefix([String], [CommandSpec])
}

extension Expr {
    /// The value of an expression made of literals only (numbers, strings,
    /// booleans, negations and lists of them), known before anything runs;
    /// nil otherwise. The resolver checks literal arguments with it, and the
    /// Keras export writes such arguments as Python constants.
    var constantValue: Value? {
        switch kind {
        case .integer(let n): return .int(n)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .negate(let x):
            switch x.constantValue {
            case .int(let n)? where n != Int.min: return .int(-n)
            case .float(let d)?: return .float(-d)
            default: return nil
            }
        case .list(let items):
            let values = items.compactMap(\.constantValue)
            return values.count == items.count ? .list(values) : nil
        default: return nil
        }
    }
}
