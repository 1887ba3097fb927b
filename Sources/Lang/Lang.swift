// Lang.swift — the kungfu command language: tokens, lexer, parser, AST, values,
// interpreter, diagnostics and the command registry. It knows nothing about
// images or networks: the host registers commands. This file holds the facts
// about the language as a whole: its reserved words and its limits.

/// Namespace for facts about the language itself.
public enum Lang {
    /// The file extension of kungfu scripts.
    public static let scriptExtension = "kf"

    /// Words the language keeps for itself, sorted: they cannot name a
    /// variable, a command word, a keyword of a command or a choice word.
    public static var reservedWords: [String] { TokenKind.keywords.keys.sorted() }

    /// The built-in function names (`len`, `str`, …), in the order help lists them.
    public static var functionNames: [String] { Builtin.allCases.map(\.rawValue) }
}

/// Bounds that keep any input, however malformed or hostile, from crashing
/// the interpreter or exhausting memory. docs/language.md lists them.
///
/// A learner never meets them in normal use; a fuzzer or a runaway loop does,
/// and then gets an ordinary error instead of a crash.
public struct Limits: Sendable, Equatable {
    /// Deepest nesting of brackets, blocks, string interpolations, unary
    /// operators, operator chains and nested lists (the parser and the
    /// interpreter recurse this deep, so it bounds their stack use: the
    /// fuzz test runs the default on a 512 KiB stack in a debug build).
    public var maxNesting: Int
    /// Deepest nesting of `\( … )` inside strings inside `\( … )`; the lexer
    /// recurses once per level, at a higher stack cost than a bracket.
    public var maxInterpolationNesting: Int
    /// Longest string a script can build, in UTF-8 bytes.
    public var maxStringLength: Int
    /// Longest list a script can build.
    public var maxListLength: Int
    /// Statements and loop iterations one `run` or `evaluate` may execute;
    /// `nil` means no limit (the host interrupts runaway loops instead).
    public var maxSteps: Int?

    /// The limits described in docs/language.md, or others for tests.
    public init(maxNesting: Int = 32, maxInterpolationNesting: Int = 4, maxStringLength: Int = 1 << 20,
                maxListLength: Int = 1 << 20, maxSteps: Int? = nil) {
        precondition(maxNesting >= 1, "Limits.maxNesting must be at least 1")
        precondition(maxInterpolationNesting >= 1, "Limits.maxInterpolationNesting must be at least 1")
        self.maxNesting = maxNesting
        self.maxInterpolationNesting = maxInterpolationNesting
        self.maxStringLength = maxStringLength
        self.maxListLength = maxListLength
        self.maxSteps = maxSteps
    }
}
