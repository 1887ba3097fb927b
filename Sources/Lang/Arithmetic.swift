// Arithmetic.swift — the operators on values and the int/float rules
// (table in `Arithmetic`'s doc and in docs/language.md), and the measure
// that keeps every list the language builds within the limits.
import Foundation

/// The operators on values:
///
///     int op int     -> int for + - * // % and for ** with an exponent >= 0;
///                       overflow beyond 64 bits is an error, never a wrap
///     a / b          -> always float (7 / 2 = 3.5, 6 / 2 = 3.0)
///     int ** -n      -> float (2 ** -1 = 0.5)
///     any float      -> float (1 + 2.0 = 3.0)
///     // and %       -> floor division and its remainder, as in Python
///                       (-7 // 2 = -4, -7 % 2 = 1)
///     x / 0, x // 0, x % 0 -> "division by zero", for ints and floats alike
///     float overflow -> inf (1e308 * 10); a literal that is too large is an error
///
/// `==` compares any two values; `<` `<=` `>` `>=` compare numbers with
/// numbers and strings with strings; `+` also joins strings and lists. Every
/// list built is measured (`Value.sizeProblem`), so printing or comparing
/// any list is bounded work even when `let l = [l, l]` shares one list often.
enum Arithmetic {
    /// What went wrong, as a message; the interpreter adds the location.
    struct Failure: Error {
        let message: String
    }

    static func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, limits: Limits) throws(Failure) -> Value {
        switch op {
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        case .less, .lessEqual, .greater, .greaterEqual: return .bool(try compare(op, a, b))
        case .contains: return .bool(try contains(b, a))
        case .notContains: return .bool(!(try contains(b, a)))
        case .add: return try add(a, b, limits: limits)
        case .subtract, .multiply, .divide, .floorDivide, .remainder, .power:
            return try numeric(op, a, b)
        }
    }

    static func negate(_ a: Value) throws(Failure) -> Value {
        switch a {
        case .int(let n):
            guard n != Int.min else { throw Failure(message: "integer overflow in '-' (whole numbers are 64-bit; use a float for larger numbers)") }
            return .int(-n)
        case .float(let d): return .float(-d)
        default: throw Failure(message: "cannot negate \(a.kindPhrase)")
        }
    }

    // MARK: - + (numbers, strings, lists)

    private static func add(_ a: Value, _ b: Value, limits: Limits) throws(Failure) -> Value {
        switch (a, b) {
        case (.string(let x), .string(let y)):
            guard x.utf8.count + y.utf8.count <= limits.maxStringLength else {
                throw Failure(message: "string would be longer than \(limits.maxStringLength) bytes")
            }
            return .string(x + y)
        case (.list(let x), .list(let y)):
            let joined = x + y
            if let problem = Value.sizeProblem(of: joined, limits: limits) { throw Failure(message: problem) }
            return .list(joined)
        case (.string, .int), (.string, .float), (.int, .string), (.float, .string):
            throw Failure(message: "cannot add \(a.kindPhrase) and \(b.kindPhrase) (to put a number in a string, write \"…\\(x)…\")")
        default:
            return try numeric(.add, a, b)
        }
    }

    // MARK: - Numbers

    private static func numeric(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(Failure) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)): return try integer(op, x, y)
        case (.int, .float), (.float, .int), (.float, .float):
            return try float(op, a.asDouble!, b.asDouble!)
        default:
            throw Failure(message: "cannot use '\(op.rawValue)' with \(a.kindPhrase) and \(b.kindPhrase)")
        }
    }

    private static func integer(_ op: BinaryOperator, _ x: Int, _ y: Int) throws(Failure) -> Value {
        switch op {
        case .add: return .int(try checkedInt(x.addingReportingOverflow(y), op, x))
        case .subtract: return .int(try checkedInt(x.subtractingReportingOverflow(y), op, x))
        case .multiply: return .int(try checkedInt(x.multipliedReportingOverflow(by: y), op, x))
        case .divide:
            guard y != 0 else { throw Failure(message: "division by zero") }
            return .float(Double(x) / Double(y))
        case .floorDivide:
            guard y != 0 else { throw Failure(message: "division by zero") }
            let quotient = try checkedInt(x.dividedReportingOverflow(by: y), op, x)
            // Swift truncates toward zero; floor division rounds down.
            return .int((x % y != 0 && (x < 0) != (y < 0)) ? quotient - 1 : quotient)
        case .remainder:
            guard y != 0 else { throw Failure(message: "division by zero") }
            let r = x.remainderReportingOverflow(dividingBy: y).partialValue  // Int.min % -1 overflows to 0, which is right
            return .int((r != 0 && (r < 0) != (y < 0)) ? r + y : r)
        case .power:
            if y < 0 {
                guard x != 0 else { throw Failure(message: "division by zero (0 to a negative power)") }
                return .float(Foundation.pow(Double(x), Double(y)))
            }
            var result = 1, base = x, exponent = y
            while exponent > 0 {
                if exponent & 1 == 1 { result = try checkedInt(result.multipliedReportingOverflow(by: base), op, x) }
                exponent >>= 1
                if exponent > 0 { base = try checkedInt(base.multipliedReportingOverflow(by: base), op, x) }
            }
            return .int(result)
        default:
            preconditionFailure("integer() called with the non-arithmetic operator \(op)")
        }
    }

    private static func checkedInt(_ r: (partialValue: Int, overflow: Bool), _ op: BinaryOperator, _ x: Int) throws(Failure) -> Int {
        guard !r.overflow else {
            throw Failure(message: "integer overflow in '\(op.rawValue)' (whole numbers are 64-bit; use a float such as \(x).0 for larger numbers)")
        }
        return r.partialValue
    }

    private static func float(_ op: BinaryOperator, _ x: Double, _ y: Double) throws(Failure) -> Value {
        switch op {
        case .add: return .float(x + y)
        case .subtract: return .float(x - y)
        case .multiply: return .float(x * y)
        case .divide:
            guard y != 0 else { throw Failure(message: "division by zero") }
            return .float(x / y)
        case .floorDivide:
            guard y != 0 else { throw Failure(message: "division by zero") }
            return .float((x / y).rounded(.down))
        case .remainder:
            guard y != 0 else { throw Failure(message: "division by zero") }
            let r = x.truncatingRemainder(dividingBy: y)
            return .float((r != 0 && (r < 0) != (y < 0)) ? r + y : r)
        case .power:
            guard !(x == 0 && y < 0) else { throw Failure(message: "division by zero (0 to a negative power)") }
            return .float(Foundation.pow(x, y))
        default:
            preconditionFailure("float() called with the non-arithmetic operator \(op)")
        }
    }

    // MARK: - Comparison and membership

    private static func compare(_ op: BinaryOperator, _ a: Value, _ b: Value) throws(Failure) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return order(op, x, y)
        case (.string(let x), .string(let y)): return order(op, x, y)
        case (.int, .float), (.float, .int), (.float, .float): return order(op, a.asDouble!, b.asDouble!)
        default:
            throw Failure(message: "cannot compare \(a.kindPhrase) and \(b.kindPhrase) with '\(op.rawValue)'")
        }
    }

    private static func order<T: Comparable>(_ op: BinaryOperator, _ x: T, _ y: T) -> Bool {
        switch op {
        case .less: return x < y
        case .lessEqual: return x <= y
        case .greater: return x > y
        case .greaterEqual: return x >= y
        default: preconditionFailure("order() called with \(op)")
        }
    }

    /// `item in container`.
    static func contains(_ container: Value, _ item: Value) throws(Failure) -> Bool {
        switch container {
        case .list(let items): return items.contains(item)
        case .range:
            guard let (first, last) = container.rangeFirstLast else { return false }
            switch item {
            case .int(let n): return first <= n && n <= last
            case .float(let d): return d.rounded() == d && Double(first) <= d && d <= Double(last)
            default: return false
            }
        case .string(let s):
            guard case .string(let part) = item else {
                throw Failure(message: "'in' with a string on the right needs a string on the left, got \(item.kindPhrase)")
            }
            return part.isEmpty || s.contains(part)
        case .host(let h):
            guard let count = h.elementCount else { break }
            return (0..<count).contains { h.element(at: $0) == item }
        default: break
        }
        throw Failure(message: "'in' needs a list, a range, a string or a value with elements on its right, got \(container.kindPhrase)")
    }
}

extension Value {
    /// An int or float as a Double; nil for anything else.
    var asDouble: Double? {
        switch self {
        case .int(let n): return Double(n)
        case .float(let d): return d
        default: return nil
        }
    }
}

extension Value {
    /// Why a list with these items would be too big, or nil: more than
    /// `maxListLength` values in all (nested lists counted, a list shared
    /// twice counted twice), more than `maxStringLength` bytes of text in
    /// all, or nested deeper than `maxNesting`. Stops walking at the first
    /// limit passed, so it costs at most O(maxListLength).
    static func sizeProblem(of items: [Value], limits: Limits) -> String? {
        var values = 0, bytes = 0, tooDeep = false
        func walk(_ items: [Value], depth: Int) -> Bool {
            if depth > limits.maxNesting { tooDeep = true; return false }
            values += items.count
            if values > limits.maxListLength { return false }
            for item in items {
                switch item {
                case .string(let s):
                    bytes += s.utf8.count
                    if bytes > limits.maxStringLength { return false }
                case .list(let inner):
                    if !walk(inner, depth: depth + 1) { return false }
                default:
                    break
                }
            }
            return true
        }
        if walk(items, depth: 1) { return nil }
        if tooDeep { return "lists are nested too deeply (the limit is \(limits.maxNesting) levels)" }
        if values > limits.maxListLength {
            return "list would hold more than \(limits.maxListLength) values in all (nested lists included)"
        }
        return "list would hold more than \(limits.maxStringLength) bytes of text in all"
    }
}
