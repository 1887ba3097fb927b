// LineEditor.swift — how the REPL reads a line: the result type, the
// completion callback, and the choice between the libedit editor (stdin and
// stdout are terminals) and the plain reader (a pipe, a file). The REPL owns
// the prompts ("In [n]: ", a continuation prompt) and history entries; the
// editor only reads.
import Foundation

/// What reading one line gave.
public enum LineInput: Equatable, Sendable {
    /// A line, without its line break. Invalid UTF-8 is replaced by U+FFFD
    /// (plain reader) or dropped (libedit).
    case line(String)
    /// Ctrl-C at the prompt: the line being typed is abandoned; the REPL
    /// prints a fresh prompt.
    case interrupted
    /// Ctrl-D on an empty line, or the end of piped input: leave.
    case endOfInput
}

/// Tab completion: given the text before the cursor, the texts it could
/// become. Each candidate is the *whole* text before the cursor after
/// completion (so `"load mo"` → `["load model"]`), which leaves word
/// boundaries, quotes and paths to the language. Candidates that do not
/// begin with the text are ignored. A candidate that should be followed by a
/// space includes it.
public typealias LineCompleter = (_ textBeforeCursor: String) -> [String]

/// Reads the REPL's input one line at a time.
public protocol LineEditor: AnyObject {
    /// Shows `prompt` (where the implementation shows prompts) and reads one
    /// line.
    func readLine(prompt: String) -> LineInput
    /// Records `entry` (one REPL input, possibly several lines) in the
    /// history as one entry, unless it repeats the entry before it: Up after
    /// a `for` block recalls the block, its continuation lines shown after
    /// `   ...: ` as IPython shows them. Editors without history ignore it.
    func addHistory(_ entry: String)
}

/// Caseless namespace for choosing and configuring the REPL's line editor.
public enum LineEditors {
    /// The most history entries kept, in memory and in the file.
    public static let historyLimit = 1000

    /// What starts each continuation line of a multi-line history entry:
    /// the continuation prompt, so a recalled block reads as it was typed.
    public static let continuationMarker = "   ...: "

    /// A multi-line input as one history entry: blank lines dropped, every
    /// line after the first behind `continuationMarker`; nil when all blank.
    public static func historyEntry(_ input: String) -> String? {
        let lines = input.split(separator: "\n").map(String.init).filter { !HistoryFile.isBlank($0) }
        guard let first = lines.first else { return nil }
        return ([first] + lines.dropFirst().map { continuationMarker + $0 }).joined(separator: "\n")
    }

    /// True when `line` starts (after spaces) with a continuation prompt `...: `.
    public static func isContinuation(_ line: some StringProtocol) -> Bool {
        line.drop { $0 == " " }.hasPrefix("...: ")
    }

    /// A recalled multi-line entry back to what was typed: the continuation
    /// prompts at the start of its lines after the first removed (IPython
    /// removes its `...:` prompts the same way).
    public static func strippingContinuationPrompts(_ text: String) -> String {
        guard text.contains("\n") else { return text }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return ([String(lines[0])] + lines.dropFirst().map { line in
            isContinuation(line) ? String(line.drop { $0 == " " }.dropFirst(5)) : String(line)
        }).joined(separator: "\n")
    }

    /// The history file: `$KUNGFU_HISTORY` if set (empty: no history file),
    /// else `~/.kungfu_history`; nil when neither can be determined.
    public static func historyPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let path = environment["KUNGFU_HISTORY"] { return path.isEmpty ? nil : path }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home.hasSuffix("/") ? home : home + "/") + ".kungfu_history"
    }

    /// The editor for this process's standard streams.
    ///
    /// - stdin and stdout are terminals: `LibeditLineEditor` (prompt, history
    ///   file, completion, Ctrl-C / Ctrl-D).
    /// - stdin is a terminal, stdout is not (`kungfu > log.txt`): a
    ///   `PlainLineReader` that shows prompts on stderr, so the file gets only
    ///   results and no editing sequences.
    /// - stdin is not a terminal: a silent `PlainLineReader`, so piped output is
    ///   only results; with `KUNGFU_PROMPTS=1` it echoes each prompt and line
    ///   to stdout, so the output reads like a terminal session.
    ///
    /// Problems with the history file are reported through `warn` once and do
    /// not stop the REPL.
    public static func standard(completer: LineCompleter?,
                                environment: [String: String] = ProcessInfo.processInfo.environment,
                                warn: @escaping (String) -> Void = LineEditors.warnOnStandardError) -> any LineEditor {
        switch (Terminal.isTerminal(.standardInput), Terminal.isTerminal(.standardOutput)) {
        case (true, true):
            let history = historyPath(environment: environment).map { HistoryFile(path: $0, limit: historyLimit) }
            return LibeditLineEditor(history: history, completer: completer, warn: warn)
        case (true, false):
            return PlainLineReader(prompting: .beforeReading) { prompt in
                StandardStream.error.write(prompt)
            }
        case (false, _):
            return PlainLineReader(prompting: environment["KUNGFU_PROMPTS"] == "1" ? .transcript : .silent)
        }
    }

    /// Writes "kungfu: MESSAGE" on stderr.
    public static func warnOnStandardError(_ message: String) {
        StandardStream.error.write("kungfu: \(message)\n")
    }
}
