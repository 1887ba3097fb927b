// Builtins.swift — the built-in functions, one table: name, arity, usage,
// summary and implementation. They are pure (no output, no host calls), so
// completion may evaluate `x.field` chains safely.
import Foundation

/// A built-in function, called as `name(arguments)`.
enum Builtin: String, CaseIterable, Sendable {
    case len, str, int, float, round, abs, min, max, sum, type, fields

    /// How many arguments it takes.
    var arity: ClosedRange<Int> {
        switch self {
        case .round: return 1...2
        case .min, .max: return 1...Int.max
        default: return 1...1
        }
    }

    /// How help shows a call.
    var usage: String {
        switch self {
        case .round: return "round(x) / round(x, digits)"
        case .min, .max: return "\(rawValue)(list) / \(rawValue)(a, b, …)"
        default: return "\(rawValue)(x)"
        }
    }

    /// One line for help.
    var summary: String {
        switch self {
        case .len: return "number of items in a list, range, string or host value"
        case .str: return "the value as text, as print shows it"
        case .int: return "whole number from a number (toward zero) or from text"
        case .float: return "float from a number or from text"
        case .round: return "nearest whole number (halves away from zero), or a float with that many digits"
        case .abs: return "distance from zero"
        case .min: return "smallest item"
        case .max: return "largest item"
        case .sum: return "total of a list or range of numbers"
        case .type: return "the type's name: int, float, string, bool, list, range or a host type"
        case .fields: return "names of a host value's fields, e.g. fields(r)"
        }
    }

    func call(_ args: [Value], limits: Limits) throws(Arithmetic.Failure) -> Value {
        precondition(arity.contains(args.count), "\(rawValue) called with \(args.count) arguments; the parser checks arity")
        let x = args[0]
        switch self {
        case .len:
            switch x {
            case .string(let s): return .int(s.count)
            case .list(let items): return .int(items.count)
            case .range: return .int(try Self.count(of: x))
            case .host(let h):
                if let n = h.elementCount { return .int(n) }
            default: break
            }
            throw fail("len needs a list, a range, a string or a value with elements, got \(x.described)")
        case .str:
            let s = x.text
            guard s.utf8.count <= limits.maxStringLength else {
                throw fail("string would be longer than \(limits.maxStringLength) bytes")
            }
            return .string(s)
        case .int:
            switch x {
            case .int: return x
            case .float(let d): return .int(try Self.whole(d.rounded(.towardZero), from: x))
            case .string(let s):
                let t = s.trimmingCharacters(in: .whitespaces)
                if let n = Int(t) { return .int(n) }
                throw fail("cannot read \(x.resultText) as a whole number")
            default: throw fail("int needs a number or a string, got \(x.described)")
            }
        case .float:
            switch x {
            case .int(let n): return .float(Double(n))
            case .float: return x
            case .string(let s):
                if let d = Double(s.trimmingCharacters(in: .whitespaces)) { return .float(d) }
                throw fail("cannot read \(x.resultText) as a number")
            default: throw fail("float needs a number or a string, got \(x.described)")
            }
        case .round:
            if args.count == 2 {
                guard case .int(let digits) = args[1], digits >= 0 else {
                    throw fail("round's second argument must be a whole number of digits, 0 or more, got \(args[1].described)")
                }
                guard let d = x.asDouble else { throw fail("round needs a number, got \(x.described)") }
                guard digits < 16, d.isFinite else { return .float(d) }
                let scale = Foundation.pow(10.0, Double(digits))
                return .float((d * scale).rounded(.toNearestOrAwayFromZero) / scale)
            }
            switch x {
            case .int: return x
            case .float(let d): return .int(try Self.whole(d.rounded(.toNearestOrAwayFromZero), from: x))
            default: throw fail("round needs a number, got \(x.described)")
            }
        case .abs:
            switch x {
            case .int(let n):
                guard n != Int.min else { throw fail("integer overflow in abs (use a float)") }
                return .int(Swift.abs(n))
            case .float(let d): return .float(Swift.abs(d))
            default: throw fail("abs needs a number, got \(x.described)")
            }
        case .min, .max:
            let items = args.count == 1 ? try Self.items(of: x, for: rawValue, limits: limits) : args
            guard var best = items.first else { throw fail("\(rawValue) of an empty \(x.typeName)") }
            for item in items.dropFirst() {
                let op: BinaryOperator = self == .min ? .less : .greater
                if case .bool(true) = try Arithmetic.binary(op, item, best, limits: limits) { best = item }
            }
            return best
        case .sum:
            var total: Value = .int(0)
            for item in try Self.items(of: x, for: "sum", limits: limits) {
                guard item.asDouble != nil else { throw fail("sum needs numbers, got \(item.described)") }
                total = try Arithmetic.binary(.add, total, item, limits: limits)
            }
            return total
        case .type:
            return .string(x.typeName)
        case .fields:
            guard case .host(let h) = x else { throw fail("\(x.described) has no fields") }
            return .list(h.fieldNames.map { .string($0) })
        }
    }

    private func fail(_ message: String) -> Arithmetic.Failure { Arithmetic.Failure(message: message) }

    /// A float that is already whole, as an Int.
    private static func whole(_ d: Double, from x: Value) throws(Arithmetic.Failure) -> Int {
        guard d.isFinite, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else {
            throw Arithmetic.Failure(message: "\(x.resultText) does not fit in a whole number")
        }
        return Int(d)
    }

    /// The elements of a list, range or host value, for min, max and sum.
    private static func items(of x: Value, for name: String, limits: Limits) throws(Arithmetic.Failure) -> [Value] {
        switch x {
        case .list(let items): return items
        case .range:
            guard let (first, last) = x.rangeFirstLast else { return [] }
            guard try count(of: x) <= limits.maxListLength else {
                throw Arithmetic.Failure(message: "\(name) of a range of more than \(limits.maxListLength) numbers")
            }
            return (first...last).map { .int($0) }
        case .host(let h):
            if let n = h.elementCount { return (0..<n).map { h.element(at: $0) } }
        default: break
        }
        throw Arithmetic.Failure(message: "\(name) needs a list or a range (or two values or more), got \(x.described)")
    }

    /// How many numbers a range holds.
    static func count(of range: Value) throws(Arithmetic.Failure) -> Int {
        guard let (first, last) = range.rangeFirstLast else { return 0 }
        let (span, overflow) = last.subtractingReportingOverflow(first)
        guard !overflow, span < Int.max else {
            throw Arithmetic.Failure(message: "the range \(range.resultText) holds more numbers than a whole number can count")
        }
        return span + 1
    }
}
