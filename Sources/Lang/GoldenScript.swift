// GoldenScript.swift — expectations written as comments in a `.kf` script
// (`# expect: …`, `# expect error: …`, `# expect rendered:` + `#| …`), and
// the check of a run's stdout and stderr against them, with a line diff.

/// The expectations of one golden script.
///
/// The language tests run Tests/LangTests/Scripts/**.kf in-process; the
/// shell tests run Tutorials/*.kf through the real binary with the same
/// syntax (docs/language.md, "Golden scripts"):
///
///     print 2 + 3                  # expect: 5
///     # expect: next output line   (a comment alone on its line works too)
///     predcit "x.jpg"              # expect error: unknown command 'predcit' (did you mean 'predict'?)
///     # expect rendered:
///     #| error: …                  (the exact lines of a rendered diagnostic)
public struct GoldenScript: Sendable {
    /// An error the script must produce: its message, on a line.
    public struct ExpectedError: Sendable, Equatable, CustomStringConvertible {
        /// The source line the diagnostic points at.
        public var line: Int
        /// The diagnostic's message (after `error: `).
        public var message: String
        /// `line 3: message`.
        public var description: String { "line \(line): \(message)" }
    }

    /// The script's name, as diagnostics show it.
    public let name: String
    /// Every stdout line, in order (`# expect: TEXT`).
    public private(set) var expectedOutput: [String] = []
    /// Every diagnostic, in line order (`# expect error: MESSAGE`, and the
    /// `error:` lines of rendered blocks). The line of `expect error:` is
    /// the comment's own line, or for a comment alone on its line the
    /// nearest line above it with code.
    public private(set) var expectedErrors: [ExpectedError] = []
    /// Blocks of exact stderr lines (`# expect rendered:` then `#| LINE`…),
    /// each of which must appear in stderr, in order. Each block's errors
    /// also count in `expectedErrors`.
    public private(set) var expectedRendered: [[String]] = []
    /// Malformed expectation comments; a script with any fails its check.
    public private(set) var problems: [String] = []

    /// Reads the expectations of `source` (comments found by the language's
    /// own lexer, so `#` inside strings is never mistaken for one).
    public init(source: String, name: String) {
        self.name = name
        let file = SourceFile(name: name, text: source)
        var lexer = Lexer(file: file)
        let tokens = lexer.tokenize()
        let codeLines = Set(tokens.filter { $0.kind != .newline && $0.kind != .eof }.map(\.span.line))
        var block: [String]?
        var blockEnd = 0
        for comment in lexer.comments {
            let text = comment.text
            if text.hasPrefix("|") {
                guard block != nil, comment.line == blockEnd + 1 else {
                    problems.append("\(name):\(comment.line): '#|' line outside an 'expect rendered:' block")
                    continue
                }
                var line = String(text.dropFirst())
                if line.hasPrefix(" ") { line.removeFirst() }
                block!.append(line)
                blockEnd = comment.line
                continue
            }
            if let finished = block { expectedRendered.append(finished); block = nil }
            let body = text.drop(while: { $0 == " " })
            guard body.hasPrefix("expect") else { continue }
            if let rest = Self.after("expect:", in: body) {
                expectedOutput.append(rest)
            } else if let rest = Self.after("expect error:", in: body) {
                var line = comment.line
                if comment.isAlone {
                    guard let above = codeLines.filter({ $0 < comment.line }).max() else {
                        problems.append("\(name):\(comment.line): 'expect error:' has no code line above it")
                        continue
                    }
                    line = above
                }
                expectedErrors.append(ExpectedError(line: line, message: rest))
            } else if body.trimmingSuffixSpaces() == "expect rendered:" {
                block = []
                blockEnd = comment.line
            } else {
                problems.append("\(name):\(comment.line): unrecognised expectation '#\(text)' (write 'expect: …', 'expect error: …' or 'expect rendered:')")
            }
        }
        if let finished = block { expectedRendered.append(finished) }
        for (i, b) in expectedRendered.enumerated() {
            let errors = Self.diagnostics(in: b)
            if errors.isEmpty {
                problems.append("\(name): 'expect rendered:' block \(i + 1) holds no 'error:' line followed by a ' --> ' line")
            }
            expectedErrors += errors
        }
        expectedErrors = expectedErrors.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
            .map(\.element)
    }

    /// The text after `marker` and one optional space, or nil.
    private static func after(_ marker: String, in body: Substring) -> String? {
        guard body.hasPrefix(marker) else { return nil }
        var rest = body.dropFirst(marker.count)
        if rest.hasPrefix(" ") { rest = rest.dropFirst() }
        return String(rest)
    }

    /// Compares what a run wrote with the expectations: stdout must be
    /// exactly the expected lines; the diagnostics in stderr (each `error:`
    /// line and its ` --> name:line:column`) must be exactly the expected
    /// errors; each rendered block must appear in stderr; and with no error
    /// expected, stderr must be empty.
    public func check(stdout: String, stderr: String) -> GoldenReport {
        var failures = problems
        let out = Self.lines(stdout)
        if out != expectedOutput {
            failures.append("stdout differs (- expected, + actual):\n" + LineDiff.render(expected: expectedOutput, actual: out))
        }
        let err = Self.lines(stderr)
        let errors = Self.diagnostics(in: err)
        if errors != expectedErrors {
            failures.append("errors differ (- expected, + actual):\n"
                + LineDiff.render(expected: expectedErrors.map(\.description), actual: errors.map(\.description)))
        }
        var from = 0
        for block in expectedRendered {
            if let at = Self.find(block, in: err, from: from) {
                from = at + block.count
            } else {
                failures.append("rendered diagnostic not found in stderr (- expected, + actual stderr):\n"
                    + LineDiff.render(expected: block, actual: err))
            }
        }
        if expectedErrors.isEmpty, expectedRendered.isEmpty, errors.isEmpty, !err.isEmpty {
            failures.append("unexpected stderr:\n" + err.joined(separator: "\n"))
        }
        return GoldenReport(name: name, failures: failures)
    }

    /// The lines of a text; a final newline does not start an empty line.
    static func lines(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if text.hasSuffix("\n") { lines.removeLast() }
        return lines
    }

    /// Each `error: MESSAGE` followed by ` --> NAME:LINE:COL`.
    static func diagnostics(in lines: [String]) -> [ExpectedError] {
        var found: [ExpectedError] = []
        for (i, line) in lines.enumerated() where line.hasPrefix("error: ") && i + 1 < lines.count {
            let arrow = lines[i + 1].drop(while: { $0 == " " })
            guard arrow.hasPrefix("--> ") else { continue }
            let parts = arrow.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 3, let number = Int(parts[parts.count - 2]) else { continue }
            found.append(ExpectedError(line: number, message: String(line.dropFirst("error: ".count))))
        }
        return found
    }

    private static func find(_ block: [String], in lines: [String], from start: Int) -> Int? {
        guard block.count <= lines.count else { return nil }
        var i = start
        while i + block.count <= lines.count {
            if Array(lines[i..<(i + block.count)]) == block { return i }
            i += 1
        }
        return nil
    }
}

/// The result of checking one golden script.
public struct GoldenReport: Sendable, CustomStringConvertible {
    /// The script's name.
    public var name: String
    /// One entry per mismatch, each with its diff; empty when the script passed.
    public var failures: [String]
    /// True when nothing differed.
    public var passed: Bool { failures.isEmpty }
    /// The script's name and every failure, for a test log.
    public var description: String {
        passed ? "\(name): ok" : "\(name):\n" + failures.joined(separator: "\n\n")
    }
}

/// A line diff (longest common subsequence), for golden-test failures.
public enum LineDiff {
    /// Every line prefixed with "  " (both), "- " (expected only) or "+ "
    /// (actual only).
    public static func render(expected: [String], actual: [String]) -> String {
        let n = expected.count, m = actual.count
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = expected[i] == actual[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n, j < m, expected[i] == actual[j] {
                out.append("  " + expected[i]); i += 1; j += 1
            } else if i < n, j == m || lcs[i + 1][j] >= lcs[i][j + 1] {
                out.append("- " + expected[i]); i += 1
            } else {
                out.append("+ " + actual[j]); j += 1
            }
        }
        return out.joined(separator: "\n")
    }
}

private extension Substring {
    func trimmingSuffixSpaces() -> Substring {
        var s = self
        while s.hasSuffix(" ") { s = s.dropLast() }
        return s
    }
}
