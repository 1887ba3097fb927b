// Interpreter+Execute.swift — the tree walk: one case per statement kind and
// per expression kind, and the call of a host command with checked arguments.
// Recursion depth is bounded by the parser's nesting limit.
import Common

extension Interpreter {
    // MARK: - Statements

    func execute(_ stmt: Stmt) throws {
        switch stmt.kind {
        case .narration(let text):
            onNarration?(text, file.location(stmt.span))
        case .letValue(let name, let value):
            variables[name] = try evaluate(value)
        case .letCommand(let name, let call):
            guard let value = try runCommand(call) else {
                throw RuntimeError("'\(call.spec.name)' gave no value to bind to '\(name)'", call.nameSpan)
            }
            variables[name] = value
        case .forLoop(let name, let sequenceExpr, let body):
            try loop(name, over: try evaluate(sequenceExpr), at: sequenceExpr.span, body: body, statement: stmt.span)
        case .ifElse(let condition, let then, let otherwise):
            let value = try evaluate(condition)
            guard case .bool(let yes) = value else {
                throw RuntimeError("the condition of 'if' must be true or false, got \(value.described)", condition.span)
            }
            if yes { try execute(block: then) } else if let otherwise { try execute(block: otherwise) }
        case .print(let values):
            output(try values.map { try evaluate($0).text }.joined(separator: " ") + "\n")
        case .help(let topic):
            output(HelpText.text(for: topic, registry: registry) + "\n")
        case .command(let call):
            if let value = try runCommand(call) { report(value, stmt.span) }
        case .expression(let e):
            report(try evaluate(e), stmt.span)
        }
    }

    private func execute(block: [Stmt]) throws {
        for stmt in block {
            try tick(stmt.span)
            try execute(stmt)
        }
    }

    private func report(_ value: Value, _ span: SourceSpan) {
        if let onResult {
            onResult(value, file.location(span))
        } else {
            output(value.resultText + "\n")
        }
    }

    /// forStmt: lists, ranges (lazily: `1...1_000_000` builds no list),
    /// strings (by character) and host values with elements.
    private func loop(_ name: String, over sequence: Value, at span: SourceSpan, body: [Stmt],
                      statement: SourceSpan) throws {
        func iteration(_ item: Value) throws {
            try tick(statement)
            variables[name] = item
            try execute(block: body)
        }
        switch sequence {
        case .list(let items):
            for item in items { try iteration(item) }
        case .range:
            guard let (first, last) = sequence.rangeFirstLast else { return }
            var i = first
            while true {
                try iteration(.int(i))
                if i == last { break }
                i += 1
            }
        case .string(let s):
            for c in s { try iteration(.string(String(c))) }
        case .host(let h) where h.elementCount != nil:
            for k in 0..<h.elementCount! { try iteration(h.element(at: k)) }
        default:
            throw RuntimeError("cannot loop over \(sequence.described); 'for' needs a list, a range, a string or a value with elements", span)
        }
    }

    // MARK: - Commands

    /// Checks the arguments against the spec, fills in defaults, runs the
    /// command and turns what it throws into a diagnostic at the command (or
    /// at the argument a `CommandError` names).
    func runCommand(_ call: CommandCall) throws -> Value? {
        let spec = call.spec
        guard let entry = registry.entry(for: spec) else {
            throw RuntimeError("the command '\(spec.name)' is no longer registered", call.nameSpan)
        }
        var values: [String: Value] = [:], spans: [String: SourceSpan] = [:], given = Set<String>()
        for argument in call.arguments {
            let p = argument.parameter
            given.insert(p.name)
            spans[p.name] = argument.span
            values[p.name] = try value(of: argument, in: spec)
        }
        for p in spec.parameters where values[p.name] == nil {
            if let d = p.defaultValue { values[p.name] = d }
        }
        let arguments = Arguments(command: spec.name, values: values, given: given)
        let context = CommandContext(spec: spec, location: file.location(call.nameSpan),
                                     interruptFlag: interruptFlag, sink: output)
        do {
            return try entry.run(arguments, context)
        } catch let error as CommandError {
            let span = error.argument.flatMap { spans[$0] } ?? call.nameSpan
            throw RuntimeError(error.message, span, notes: error.notes)
        } catch is Interrupted {
            throw Stop(span: call.nameSpan)
        } catch {
            throw RuntimeError(String(describing: error), call.nameSpan)
        }
    }

    /// The value of one argument. A bare name in a word slot means, in order:
    /// one of the parameter's choice words; else the value of the variable
    /// of that name, if one is bound; else the name itself, if the parameter
    /// takes names; else an error that lists the choices.
    private func value(of argument: CommandArgument, in spec: CommandSpec) throws -> Value {
        let p = argument.parameter
        let usage = ["usage: \(spec.usage)"]
        switch argument.value {
        case .flag:
            return .bool(true)
        case .bareName(let word):
            if p.type.choiceWords.contains(word) { return .string(word) }
            if let bound = variables[word] {
                guard let accepted = p.type.accept(bound) else {
                    throw RuntimeError(p.refusal(got: bound.described, word: bound.stringValue, variable: word, value: bound),
                                       argument.span, notes: usage)
                }
                if let problem = p.rangeProblem(accepted) {
                    throw RuntimeError(problem + " from the variable '\(word)'", argument.span, notes: usage)
                }
                return accepted
            }
            if p.type.takesNames { return .string(word) }
            throw RuntimeError(p.refusal(got: "'\(word)'", word: word), argument.span, notes: usage)
        case .expression(let e):
            let v = try evaluate(e)
            guard let accepted = p.type.accept(v) else {
                throw RuntimeError(p.refusal(got: v.described, word: v.stringValue, value: v), argument.span, notes: usage)
            }
            if let problem = p.rangeProblem(accepted) { throw RuntimeError(problem, argument.span, notes: usage) }
            return accepted
        }
    }

    // MARK: - Expressions

    func evaluate(_ e: Expr) throws -> Value {
        switch e.kind {
        case .integer(let n): return .int(n)
        case .float(let d): return .float(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .interpolation(let parts):
            var s = ""
            for part in parts {
                switch part {
                case .text(let t): s += t
                case .expression(let x): s += try evaluate(x).text
                }
                guard s.utf8.count <= limits.maxStringLength else {
                    throw RuntimeError("string would be longer than \(limits.maxStringLength) bytes", e.span)
                }
            }
            return .string(s)
        case .variable(let name):
            guard let v = variables[name] else {
                throw RuntimeError("undefined variable '\(name)' (it is bound only in a branch or loop that did not run)", e.span)
            }
            return v
        case .list(let items):
            let values = try items.map { try evaluate($0) }
            if let problem = Value.sizeProblem(of: values, limits: limits) { throw RuntimeError(problem, e.span) }
            return .list(values)
        case .range(let lowerExpr, let upperExpr, let closed):
            let lower = try evaluate(lowerExpr), upper = try evaluate(upperExpr)
            for (v, x) in [(lower, lowerExpr), (upper, upperExpr)] {
                guard case .int = v else {
                    throw RuntimeError("a range needs whole numbers, got \(v.described)", x.span)
                }
            }
            guard case .int(let lo) = lower, case .int(let hi) = upper else { preconditionFailure("checked above") }
            return .range(lower: lo, upper: hi, closed: closed)
        case .negate(let x):
            let v = try evaluate(x)
            return try arithmetic(e.span) { () throws(Arithmetic.Failure) in try Arithmetic.negate(v) }
        case .not(let x):
            let v = try evaluate(x)
            guard case .bool(let b) = v else {
                throw RuntimeError("'not' needs true or false, got \(v.described)", x.span)
            }
            return .bool(!b)
        case .binary(let op, let l, let r):
            let a = try evaluate(l), b = try evaluate(r)
            return try arithmetic(e.span) { () throws(Arithmetic.Failure) in try Arithmetic.binary(op, a, b, limits: self.limits) }
        case .logical(let op, let l, let r):
            let a = try evaluate(l)
            guard case .bool(let x) = a else {
                throw RuntimeError("'\(op.rawValue)' needs true or false on its left, got \(a.described)", l.span)
            }
            if (op == .and && !x) || (op == .or && x) { return .bool(x) }
            let b = try evaluate(r)
            guard case .bool(let y) = b else {
                throw RuntimeError("'\(op.rawValue)' needs true or false on its right, got \(b.described)", r.span)
            }
            return .bool(y)
        case .call(let builtin, let args):
            let values = try args.map { try evaluate($0) }
            return try arithmetic(e.span) { () throws(Arithmetic.Failure) in try builtin.call(values, limits: self.limits) }
        case .index(let target, let index):
            return try subscripted(try evaluate(target), by: try evaluate(index), at: e.span, indexSpan: index.span)
        case .field(let target, let name):
            return try field(name, of: try evaluate(target), at: e.span)
        }
    }

    /// Runs an operator or a built-in, placing its failure at `span`.
    private func arithmetic(_ span: SourceSpan, _ body: () throws(Arithmetic.Failure) -> Value) throws -> Value {
        do {
            return try body()
        } catch {
            throw RuntimeError(error.message, span)
        }
    }

    private func subscripted(_ target: Value, by index: Value, at span: SourceSpan, indexSpan: SourceSpan) throws -> Value {
        guard case .int(let i) = index else {
            var message = "an index must be a whole number, got \(index.described)"
            if case .float(let d) = index, d.rounded() == d { message += " (use // for whole-number division)" }
            throw RuntimeError(message, indexSpan)
        }
        func position(in count: Int, of what: String) throws -> Int {
            let k = i < 0 ? count + i : i
            guard k >= 0, k < count else {
                let range = count == 0 ? "it is empty" : "valid indexes are 0 to \(count - 1), or -\(count) to -1 from the end"
                throw RuntimeError("index \(i) is out of range for \(what) of \(count) item\(count == 1 ? "" : "s") (\(range))", indexSpan)
            }
            return k
        }
        switch target {
        case .list(let items):
            return items[try position(in: items.count, of: "a list")]
        case .string(let s):
            let characters = Array(s)
            return .string(String(characters[try position(in: characters.count, of: "a string")]))
        case .range:
            let count = try arithmetic(span) { () throws(Arithmetic.Failure) in .int(try Builtin.count(of: target)) }
            guard case .int(let n) = count else { preconditionFailure("count(of:) gives an int") }
            let first = target.rangeFirstLast?.first ?? 0
            return .int(first + (try position(in: n, of: "a range")))
        case .host(let h):
            guard let n = h.elementCount else {
                throw RuntimeError("\(target.described) has no elements to index", span)
            }
            return h.element(at: try position(in: n, of: target.kindPhrase))
        default:
            throw RuntimeError("cannot index \(target.described)", span)
        }
    }

    private func field(_ name: String, of target: Value, at span: SourceSpan) throws -> Value {
        guard case .host(let h) = target else {
            var message = "\(target.described) has no field '\(name)'"
            if ["length", "count", "size"].contains(name) { message += " (write len(x))" }
            throw RuntimeError(message, span)
        }
        if let v = h.field(name) { return v }
        let fields = h.fieldNames
        throw RuntimeError("\(target.kindPhrase) has no field '\(name)'" + Suggestions.hint(for: name, among: fields),
                           span, notes: fields.isEmpty ? [] : ["fields: \(fields.joined(separator: ", "))"])
    }
}

extension Value {
    /// The string inside a `.string`, nil otherwise.
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}
