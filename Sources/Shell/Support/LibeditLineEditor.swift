// LibeditLineEditor.swift — the REPL's line editor on a terminal, through
// libedit's readline-compatible API (editline/readline.h).
//
// Why that API and not histedit.h (el_init/el_gets): histedit configures
// everything through el_set/el_get, which are C variadic functions, and Swift
// cannot call C variadics. The readline API is plain functions and globals,
// and gives all three things the REPL needs: readline(prompt) takes each
// call's prompt (the continuation prompt is just another argument), Tab goes
// through rl_attempted_completion_function (a C callback that calls the
// Swift completer), and rl_add_defun binds Ctrl-C to a callback. Its history
// *file* functions write libedit's own vis(3)-encoded format, so the
// plain-text file is kept by HistoryFile and only the in-memory history is
// libedit's.
//
// Ctrl-C: while editing, the terminal's ISIG is off (`setty -d -isig`, set
// again before every line because readline() resets the modes), so Ctrl-C
// reaches libedit as a key, bound to a callback that ends readline() with a
// flag: `.interrupted`, no signal, no race. Ctrl-Z, also a key then, is
// libedit's own rl_tstp binding, which stops the process group; libedit
// restores the terminal around the stop. Outside readline() the terminal is
// in its own mode again, so Ctrl-C during a command is SIGINT, for
// `Interrupts`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
// libedit's readline state is C globals (rl_done, rl_point, rl_line_buffer...),
// which Swift 6 would flag as shared mutable state. @preconcurrency accepts
// them: they are only touched on the thread inside readLine (see activeEditor).
@preconcurrency import CEdit

/// The libedit readline API has one global editor, so one instance of this
/// class drives it at a time. Set and read only on the thread that calls
/// readLine; the key callbacks run inside readline() on that thread, which
/// is why nonisolated(unsafe) is safe here.
nonisolated(unsafe) private weak var activeEditor: LibeditLineEditor?

/// Tab, through libedit's own completion (fn_complete): with no word-break
/// characters the "word" is the whole text before the cursor, which is what
/// the completer wants; libedit replaces it with matches[0], appends nothing
/// (rl_completion_append_character is 0), lists matches[1...] in columns on a
/// second Tab, beeps when there is nothing, and redraws the line itself.
private let attemptCompletion: @convention(c) (UnsafePointer<CChar>?, Int32, Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = { text, start, _ in
    // Never fall back to libedit's file-name completion.
    rl_attempted_completion_over = 1
    // start > 0 only when the text before the cursor is a lone quote, which
    // libedit then leaves out of the word: complete nothing rather than the
    // wrong text.
    guard let text, start == 0, let editor = activeEditor,
          let matches = editor.matches(for: String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)), as: UTF8.self))
    else { return nil }
    // libedit rings the bell after every completion that does not list, even
    // a unique one; bash rings only when there is nothing or more than one.
    // Silence it for a unique match (until the next Tab or the next line).
    let unique = matches.count == 2 && !matches[0].isEmpty
    LibeditLineEditor.setBell(audible: !unique)
    // libedit frees the list and its strings with free(3): allocate with malloc.
    guard let raw = malloc(MemoryLayout<UnsafeMutablePointer<CChar>?>.stride * (matches.count + 1)) else { return nil }
    let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: matches.count + 1)
    for (index, match) in matches.enumerated() {
        array[index] = strdup(match)
    }
    array[matches.count] = nil
    return array
}

private let interruptKey: @convention(c) (Int32, Int32) -> Int32 = { _, _ in
    activeEditor?.interruptRequested = true
    rl_done = 1
    return 0
}

/// readline() resets libedit's terminal modes (tty_init) on every call,
/// after the startup hook, so ISIG is turned off again here, just before
/// editing starts.
private let beforeEditing: @convention(c) () -> Int32 = {
    LibeditLineEditor.setBell(audible: true)
    return rl_parse_and_bind("setty -d -isig")
}

/// Line editing on a terminal: prompt, cursor movement, in-memory and
/// plain-text file history, Tab completion, Ctrl-C to cancel a line, Ctrl-D on
/// an empty line to leave.
///
/// Only one instance may exist at a time (libedit's readline API is global).
/// The process's LC_CTYPE is set from the environment, falling back to
/// C.UTF-8, so that libedit reads UTF-8; bytes that are not UTF-8 are
/// dropped by libedit.
public final class LibeditLineEditor: LineEditor {
    fileprivate var interruptRequested = false
    private let completer: LineCompleter?
    private let history: HistoryFile?
    private let output: UnsafeMutablePointer<FILE>
    private let warn: (String) -> Void
    private var lastEntry: String?
    private var historyBroken = false

    /// Starts editing on the terminal `input`/`output` (stdin and stdout by
    /// default), with history from `history` (nil: in memory only) and Tab
    /// completion from `completer` (nil: Tab does nothing). `warn` reports a
    /// history file that cannot be read or written, once.
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO,
                history: HistoryFile?, completer: LineCompleter?,
                warn: @escaping (String) -> Void = LineEditors.warnOnStandardError) {
        precondition(activeEditor == nil, "LibeditLineEditor: only one editor may exist at a time")
        self.completer = completer
        self.history = history
        self.warn = warn
        LibeditLineEditor.useUTF8Locale()
        // libedit keeps these FILEs for the life of its global editor, even
        // past this object, so they are never closed (two per editor).
        guard let inputFile = fdopen(dup(input), "r"), let outputFile = fdopen(dup(output), "w") else {
            preconditionFailure("LibeditLineEditor: fdopen failed: \(systemMessage(errno))")
        }
        self.output = outputFile
        rl_instream = inputFile
        rl_outstream = outputFile
        rl_readline_name = LibeditLineEditor.programName
        rl_initialize()
        stifle_history(Int32(history?.limit ?? LineEditors.historyLimit))
        rl_attempted_completion_function = attemptCompletion
        rl_basic_word_break_characters = LibeditLineEditor.noWordBreaks
        rl_completion_append_character = 0
        rl_add_defun("kungfu-interrupt", interruptKey, 3)   // Ctrl-C
        rl_pre_input_hook = beforeEditing
        activeEditor = self
        if let history {
            do {
                for entry in try history.load() {
                    add_history(entry)
                    lastEntry = entry
                }
            } catch {
                reportHistoryProblem(error)
            }
        }
    }

    deinit {
        if activeEditor === self { activeEditor = nil }
    }

    /// Shows `prompt` and edits one line. Ctrl-C answers `.interrupted` (after
    /// echoing "^C" and a newline); Ctrl-D on an empty line answers
    /// `.endOfInput` (after a newline, so the shell's prompt starts clean).
    public func readLine(prompt: String) -> LineInput {
        interruptRequested = false
        fflush(nil)  // our own output first, then libedit draws the prompt
        let text = readline(prompt)
        defer { free(text) }
        if interruptRequested {
            write("^C\n")
            return .interrupted
        }
        guard let text else {
            write("\n")
            return .endOfInput
        }
        return .line(String(decoding: UnsafeRawBufferPointer(start: text, count: strlen(text)), as: UTF8.self))
    }

    /// Adds `entry` to the history (memory and file) as one entry, its
    /// continuation lines behind `   ...: ` (libedit shows the newlines, so
    /// Up recalls a whole block), skipping one equal to the entry before it.
    public func addHistory(_ entry: String) {
        guard let text = LineEditors.historyEntry(entry), text != lastEntry else { return }
        lastEntry = text
        add_history(text)
        guard let history, !historyBroken else { return }
        do {
            try history.append(text)
        } catch {
            reportHistoryProblem(error)
        }
    }

    /// libedit's completion callback: the whole text before the cursor in,
    /// readline's match list out (see `Completion.readlineMatches`).
    fileprivate func matches(for text: String) -> [String]? {
        guard let completer else { return nil }
        return Completion.readlineMatches(textBeforeCursor: text, candidates: completer(text))
    }

    private func write(_ text: String) {
        fputs(text, output)
        fflush(output)
    }

    private func reportHistoryProblem(_ error: Error) {
        guard !historyBroken else { return }
        historyBroken = true
        warn("history not saved: \(error)")
    }

    /// Sets libedit's bell (the termcap `bl` string it writes to beep): BEL,
    /// or "$<0>", a zero delay that tputs turns into no output at all.
    fileprivate static func setBell(audible: Bool) {
        rl_parse_and_bind(audible ? "settc bl \u{07}" : "settc bl $<0>")
    }

    /// An empty C string for rl_basic_word_break_characters (never freed).
    nonisolated(unsafe) private static let noWordBreaks: UnsafePointer<CChar> = UnsafePointer(strdup("")!)

    /// "kungfu", for ~/.editrc lines that start with "kungfu:". A C string
    /// that lives as long as the process and is never written, which makes
    /// nonisolated(unsafe) safe.
    nonisolated(unsafe) private static let programName: UnsafePointer<CChar> = UnsafePointer(strdup("kungfu")!)

    /// libedit decodes input with the C library's multibyte functions, which
    /// need a UTF-8 LC_CTYPE; the "C" locale would drop every non-ASCII byte.
    private static func useUTF8Locale() {
        if let name = setlocale(LC_CTYPE, ""), String(cString: name).localizedUTF8 { return }
        for candidate in ["C.UTF-8", "C.utf8", "en_US.UTF-8"] where setlocale(LC_CTYPE, candidate) != nil {
            return
        }
    }
}

private extension String {
    /// Whether a locale name says UTF-8 ("en_GB.UTF-8", "C.utf8").
    var localizedUTF8: Bool {
        let lower = lowercased()
        return lower.hasSuffix(".utf-8") || lower.hasSuffix(".utf8") || lower.contains(".utf-8@") || lower.contains(".utf8@")
    }
}
