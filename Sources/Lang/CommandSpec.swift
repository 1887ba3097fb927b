// CommandSpec.swift — what a host command declares: its words, parameters,
// one-line summary, example and Keras equivalent. The parser, the argument
// checks, `help`, completion and "did you mean" all read this one table.

/// The type of a parameter: what values it accepts and whether a bare word
/// (`imagenet`, `mixed8`) may be written instead of an expression.
public indirect enum ParameterType: Sendable, Hashable {
    /// Any value.
    case any
    /// An int or a float (ints stay ints; use `Arguments.double` to read either).
    case number
    /// A whole number (an int; a float such as 2.0 is refused).
    case integer
    /// A string.
    case string
    /// `true` or `false`.
    case bool
    /// A name written bare (`mixed8`) or as a string (`"mixed8"`), such as a
    /// layer name. The command receives a string.
    case name
    /// One of these words, written bare (`avg`) or as a string (`"avg"`).
    /// The command receives the word as a string.
    case choice([String])
    /// A list whose elements all have this type (a range of ints is accepted
    /// as a list of ints).
    case list(ParameterType)
    /// A host value whose `typeName` is this.
    case host(String)
    /// The first of these types that accepts the value, e.g.
    /// `.oneOf([.choice(["imagenet", "none"]), .string])` for `imagenet|none|<string>`.
    case oneOf([ParameterType])
    /// A keyword with no value: `true` when present, `false` when absent.
    case flag

    /// Every choice word, through `oneOf`.
    public var choiceWords: [String] {
        switch self {
        case .choice(let words): return words
        case .oneOf(let types): return types.flatMap(\.choiceWords)
        default: return []
        }
    }

    /// True when a bare name (not a choice word) is taken as a word.
    var takesNames: Bool {
        switch self {
        case .name: return true
        case .oneOf(let types): return types.contains(where: \.takesNames)
        default: return false
        }
    }

    /// True when the parameter takes a string (a path, usually).
    var takesText: Bool {
        switch self {
        case .string: return true
        case .oneOf(let types): return types.contains(where: \.takesText)
        default: return false
        }
    }

    /// True when the parameter accepts bare words at all.
    var takesBareWords: Bool { takesNames || !choiceWords.isEmpty }

    /// How usage lines show the type: `<integer>`, `avg|max|none`, `true|false`.
    public var usage: String {
        switch self {
        case .any: return "<value>"
        case .number: return "<number>"
        case .integer: return "<integer>"
        case .string: return "<string>"
        case .bool: return "true|false"
        case .name: return "<name>"
        case .choice(let words): return words.joined(separator: "|")
        case .list(let element): return "[\(element.usage), …]"
        case .host(let name): return "<\(name)>"
        case .oneOf(let types): return types.map(\.usage).joined(separator: "|")
        case .flag: return ""
        }
    }

    /// How messages say what was expected: "a whole number", "avg, max or none".
    public var expectation: String {
        switch self {
        case .any: return "a value"
        case .number: return "a number"
        case .integer: return "a whole number"
        case .string: return "a string"
        case .bool: return "true or false"
        case .name: return "a name"
        case .choice(let words): return Self.alternatives(words)
        case .list(let element): return "a list of \(element.plural)"
        case .host(let name): return "a \(name) value"
        case .oneOf(let types):
            return Self.alternatives(types.flatMap { t -> [String] in
                if case .choice(let words) = t { return words }
                return [t.expectation]
            })
        case .flag: return "nothing"
        }
    }

    private var plural: String {
        switch self {
        case .number: return "numbers"
        case .integer: return "whole numbers"
        case .string: return "strings"
        case .name: return "names"
        case .bool: return "booleans"
        default: return "values (\(expectation))"
        }
    }

    /// "a", "a or b", "a, b or c".
    static func alternatives(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " or " + items.last!
    }

    /// The value this type makes of `value`, or nil when it does not accept it.
    /// Strings are checked against choice words here; a bare word was already
    /// turned into a string by the interpreter.
    func accept(_ value: Value) -> Value? {
        switch (self, value) {
        case (.any, _): return value
        case (.number, .int), (.number, .float), (.integer, .int), (.string, .string), (.bool, .bool),
             (.flag, .bool):
            return value
        case (.name, .string(let s)): return s.isEmpty ? nil : value
        case (.choice(let words), .string(let s)): return words.contains(s) ? value : nil
        case (.list(let element), .list(let items)):
            var out: [Value] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard let v = element.accept(item) else { return nil }
                out.append(v)
            }
            return .list(out)
        case (.list(let element), .range):
            guard element.accept(.int(0)) != nil else { return nil }
            guard let (first, last) = value.rangeFirstLast else { return .list([]) }
            let (span, overflow) = last.subtractingReportingOverflow(first)
            guard !overflow, span < 1 << 20 else { return nil }
            return .list((first...last).map { .int($0) })
        case (.host(let name), .host(let h)): return h.typeName == name ? value : nil
        case (.oneOf(let types), _):
            for t in types { if let v = t.accept(value) { return v } }
            return nil
        default: return nil
        }
    }
}

/// One parameter of a command.
public struct Parameter: Sendable, Equatable {
    /// How the parameter is written.
    public enum Kind: Sendable, Hashable {
        /// By position, right after the command's words.
        case positional
        /// After its keyword, anywhere after the command's words.
        case keyword(String)
    }

    /// The name the command reads it by (`arguments.int("top")`) and that
    /// messages and help show.
    public var name: String
    /// What values it accepts.
    public var type: ParameterType
    /// Positional or keyword.
    public var kind: Kind
    /// True when the command cannot run without it.
    public var isRequired: Bool
    /// The value used when it is not given (nil: the argument is absent).
    public var defaultValue: Value?
    /// One line for help, e.g. "how many classes to show".
    public var summary: String
    /// The word usage lines show for its value, e.g. "image" for `<image>`;
    /// nil uses the type (`<integer>`, `avg|max|none`).
    public var placeholder: String?
    /// The numbers it allows, checked before the command runs (nil: any the
    /// type accepts). Every number a learner gives is bounded here, once.
    public var range: ValueRange?

    /// A parameter; see `positional`, `keyword` and `flag` for the usual shapes.
    public init(name: String, type: ParameterType, kind: Kind, isRequired: Bool,
                defaultValue: Value?, summary: String, placeholder: String? = nil, range: ValueRange? = nil) {
        self.name = name
        self.type = type
        self.kind = kind
        self.isRequired = isRequired
        self.defaultValue = defaultValue
        self.summary = summary
        self.placeholder = placeholder
        self.range = range
    }

    /// A positional parameter: required unless it has a default or is `optional`.
    public static func positional(_ name: String, _ type: ParameterType, default defaultValue: Value? = nil,
                                  optional: Bool = false, placeholder: String? = nil, range: ValueRange? = nil,
                                  summary: String) -> Parameter {
        Parameter(name: name, type: type, kind: .positional, isRequired: defaultValue == nil && !optional,
                  defaultValue: defaultValue, summary: summary, placeholder: placeholder, range: range)
    }

    /// A `keyword value` option, written after its keyword (the parameter's
    /// name unless `keyword` says otherwise, as in `of <image>`). Optional
    /// unless `required`.
    public static func keyword(_ name: String, _ type: ParameterType, keyword: String? = nil,
                               default defaultValue: Value? = nil, required: Bool = false,
                               placeholder: String? = nil, range: ValueRange? = nil, summary: String) -> Parameter {
        Parameter(name: name, type: type, kind: .keyword(keyword ?? name), isRequired: required,
                  defaultValue: defaultValue, summary: summary, placeholder: placeholder, range: range)
    }

    /// A keyword with no value: the command reads `true` when it is present.
    public static func flag(_ name: String, keyword: String? = nil, summary: String) -> Parameter {
        Parameter(name: name, type: .flag, kind: .keyword(keyword ?? name), isRequired: false,
                  defaultValue: .bool(false), summary: summary)
    }

    /// The keyword that introduces it, nil for a positional parameter.
    public var keyword: String? {
        if case .keyword(let k) = kind { return k }
        return nil
    }

    /// How a usage line shows its value: `<image>` or `avg|max|none`.
    public var valueUsage: String {
        if let placeholder { return "<\(placeholder)>" }
        if case .positional = kind, type.choiceWords.isEmpty { return "<\(name)>" }
        return type.usage
    }

    /// How a usage line shows it: `<image>`, `[top <integer>]`, `of <image>`, `[loudly]`.
    public var usage: String {
        let text: String
        switch kind {
        case .positional: text = valueUsage
        case .keyword(let k): text = type == .flag ? k : "\(k) \(valueUsage)"
        }
        return isRequired ? text : "[\(text)]"
    }
}

/// Everything the language knows about one command, except how to run it:
///
///     load model inception_v3 weights imagenet pooling avg
///     ^^^^^^^^^^ ^^^^^^^^^^^^ ^^^^^^^^^^^^^^^^ ^^^^^^^^^^^
///     words      positional   keyword value    keyword value (any order)
public struct CommandSpec: Sendable, Equatable {
    /// The command's words separated by single spaces: "load model".
    public var name: String
    /// One line for `help`: what the command does.
    public var summary: String
    /// Parameters in the order usage and help list them (positional ones are
    /// filled in this order).
    public var parameters: [Parameter]
    /// A line a learner can type, e.g. `predict "examples/testset/1.jpg" top 3`.
    public var example: String
    /// The equivalent Keras line(s), e.g. `decode_predictions(model.predict(x), top=3)`.
    public var keras: String
    /// What the command gives back (e.g. "predictions"), or nil when it gives
    /// nothing; only commands that give something can be bound with `let`.
    public var returns: String?

    /// A command spec; register it with a run function in a `CommandRegistry`.
    public init(_ name: String, summary: String, parameters: [Parameter] = [], example: String,
                keras: String, returns: String? = nil) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.example = example
        self.keras = keras
        self.returns = returns
    }

    /// The command's words.
    public var words: [String] { name.split(separator: " ").map(String.init) }

    /// The positional parameters, in order.
    public var positionalParameters: [Parameter] { parameters.filter { $0.keyword == nil } }

    /// The parameter introduced by `keyword`, if any.
    public func parameter(forKeyword keyword: String) -> Parameter? {
        parameters.first { $0.keyword == keyword }
    }

    /// The parameter called `name`, if any.
    public func parameter(named name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }

    /// One line: `predict <image> [top <integer>]`.
    public var usage: String {
        ([name] + parameters.map(\.usage)).joined(separator: " ")
    }
}

extension Parameter {
    /// The message for a value this parameter refuses, shared by the check
    /// before running (literals) and the one while running:
    /// `wrong value for 'top': expected a whole number, got "three" (a string)`.
    func refusal(got shown: String, word: String?, variable: String? = nil, value: Value? = nil) -> String {
        var message = "wrong value for '\(name)': expected \(type.expectation), got \(shown)"
        if let variable { message += " from the variable '\(variable)'" }
        if let word, !type.choiceWords.isEmpty {
            message += Suggestions.hint(for: word, among: type.choiceWords)
        }
        if case .float(let d)? = value, d.rounded() == d, d.magnitude < 1e15, type.accept(.int(Int(d))) != nil {
            message += "; write \(Int(d)), or use // for whole-number division"
        }
        return message
    }

    /// The message for an accepted value outside `range`, nil when it is
    /// inside (or the parameter has no range, or the value is not a number):
    /// `batch must be between 1 and 4096, got 9223372036854775807`.
    public func rangeProblem(_ value: Value) -> String? {
        guard let range else { return nil }
        switch value {
        case .int, .float: return range.problem(value, name: name)
        case .list(let items): return items.lazy.compactMap { range.problem($0, name: self.name) }.first
        default: return nil
        }
    }
}

/// The numbers a parameter allows, declared once beside it in the spec and
/// checked before the command runs (literals even before the script runs).
///
///     .keyword("batch", .integer, default: .int(32), range: .integers(1...4096), summary: …)
///     .keyword("momentum", .number, default: .float(0), range: .float32(from: 0, below: 1), summary: …)
public enum ValueRange: Sendable, Equatable {
    /// Whole numbers in this range (a float argument is the type's business).
    case integers(ClosedRange<Int>)
    /// Numbers between `lower` and `upper`, each end included or not. With
    /// `float32` the check is made on the value converted to Float32, the
    /// number the command will use: 1e308 is inf there, 5e-324 is 0 and
    /// 0.9999999999 is 1.
    case numbers(lower: Double, lowerIncluded: Bool, upper: Double, upperIncluded: Bool, float32: Bool)

    /// [lower, upper) as Float32: a fraction such as a momentum or dropout rate.
    public static func float32(from lower: Double, below upper: Double) -> ValueRange {
        .numbers(lower: lower, lowerIncluded: true, upper: upper, upperIncluded: false, float32: true)
    }

    /// (lower, upper] as Float32: a positive quantity such as a learning rate.
    public static func float32(above lower: Double, through upper: Double) -> ValueRange {
        .numbers(lower: lower, lowerIncluded: false, upper: upper, upperIncluded: true, float32: true)
    }

    /// How help and messages say it: `between 1 and 4096`, `from 0 to below 1`, `above 0 and at most 10`.
    public var text: String {
        switch self {
        case .integers(let r):
            return r.upperBound == Int.max ? "at least \(r.lowerBound)" : "between \(r.lowerBound) and \(r.upperBound)"
        case .numbers(let lower, let lowerIncluded, let upper, let upperIncluded, _):
            let l = Self.number(lower), u = Self.number(upper)
            switch (lowerIncluded, upperIncluded) {
            case (true, false): return "from \(l) to below \(u)"
            case (true, true): return "from \(l) to \(u)"
            case (false, true): return "above \(l) and at most \(u)"
            case (false, false): return "above \(l) and below \(u)"
            }
        }
    }

    /// True when `value` (an int or a float) is inside.
    public func contains(_ value: Value) -> Bool { problem(value, name: "") == nil }

    func problem(_ value: Value, name: String) -> String? {
        switch (self, value) {
        case (.integers(let r), .int(let n)):
            return r.contains(n) ? nil : "\(name) must be \(text), got \(n)"
        case (.integers(let r), .float(let d)):
            return d >= Double(r.lowerBound) && d <= Double(r.upperBound) ? nil : "\(name) must be \(text), got \(Self.number(d))"
        case (.numbers(let lower, let lowerIncluded, let upper, let upperIncluded, let float32), _):
            guard let given = value.asDouble else { return nil }
            let used = float32 ? Double(Float(given)) : given
            let inside = (lowerIncluded ? used >= lower : used > lower) && (upperIncluded ? used <= upper : used < upper)
            if inside { return nil }
            var message = "\(name) must be \(text), got \(Self.number(given))"
            if float32, used != given || used.isNaN != given.isNaN {
                message += " (\(Self.number(Float(given))) as the 32-bit float training uses)"
            }
            return message
        default:
            return nil
        }
    }

    /// A number as a learner writes it: 3, 0.25, 1e+308, inf (Swift's
    /// shortest spelling without a trailing ".0"); a Float by its own
    /// shortest spelling (0.001, not 0.0010000000474974513). The one
    /// formatter for numbers in messages, here and in the shell's results.
    public static func number(_ d: Double) -> String { withoutPointZero("\(d)") }

    /// See `number(_:)` for a Double.
    public static func number(_ f: Float) -> String { withoutPointZero("\(f)") }

    private static func withoutPointZero(_ text: String) -> String {
        text.hasSuffix(".0") ? String(text.dropLast(2)) : text
    }
}
