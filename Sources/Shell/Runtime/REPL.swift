// REPL.swift — the read-eval-print loop, as in Lua's doREPL: read a line,
// evaluate it; when the language says the input is incomplete, read a
// continuation line and evaluate the whole text again. Results show under
// `Out[n]:` when prompts are shown; piped input prints only results.
import Lang

/// The `In [n]:` loop over any line editor.
enum REPL {
    /// The first lines a person sees.
    static let banner = "kungfu \(Kungfu.version): Inception V3 in a notebook-style shell. Type help for the commands, help COMMAND for one; Ctrl-D leaves.\n"

    /// The prompt of input `n`.
    static func prompt(_ n: Int) -> String { "In [\(n)]: " }

    /// The continuation prompt, as wide as `prompt(n)`, ending in `...: `.
    static func continuation(_ n: Int) -> String {
        String(repeating: " ", count: max(0, prompt(n).count - 5)) + "...: "
    }

    /// Reads and runs inputs until the end of input (Ctrl-D). Ctrl-C at the
    /// prompt drops the line being typed. Returns true when every input
    /// succeeded (used as the exit status of piped sessions).
    static func run(host: Host, editor: any LineEditor) -> Bool {
        var allSucceeded = true
        var count = 1
        while true {
            var pending: String?
            var prompt = Self.prompt(count)
            reading: while true {
                switch editor.readLine(prompt: prompt) {
                case .endOfInput:
                    if let pending {
                        host.executionCount = count
                        host.reportIncomplete(pending)
                        allSucceeded = false
                    }
                    return allSucceeded
                case .interrupted:
                    pending = nil
                    prompt = Self.prompt(count)
                case .line(let typed):
                    // A recalled block comes back with its `...: ` prompts: they are not code.
                    let line = LineEditors.strippingContinuationPrompts(typed)
                    // quit, exit, quit(), exit(): leave, as IPython does (scripts get an error with a hint).
                    if pending == nil, PythonHabits.leaves(line) { return allSucceeded }
                    let input = pending.map { $0 + "\n" + line } ?? line
                    if pending == nil, input.allSatisfy(\.isWhitespace) { continue reading }
                    host.executionCount = count
                    guard let succeeded = host.evaluate(input) else {
                        pending = input
                        prompt = continuation(count)
                        continue reading
                    }
                    editor.addHistory(input)
                    allSucceeded = allSucceeded && succeeded
                    count += 1
                    break reading
                }
            }
        }
    }
}
