// PythonHabits.swift — whole lines a Python, IPython or Keras user types out
// of habit (`exit()`, `predict?`, `model.summary()`, `for layer in
// model.layers[:249]: layer.trainable = False`), recognised before parsing so
// they get the kungfu way instead of a syntax error. The Keras forms are
// matched against the Keras lines kept in the command table.

/// Recognises a habit from Python, IPython or Keras on one line.
///
///     PythonHabits.hint(for: "model.summary()", registry: r)
///     // ("that is Keras; in kungfu: summary", ["help summary"])
public enum PythonHabits {
    /// True for what leaves an IPython session: `quit`, `exit`, `quit()`,
    /// `exit()`, `exit(0)` (spaces around it allowed). The REPL leaves on them too.
    public static func leaves(_ line: String) -> Bool {
        line.trimmingSpaces.wholeMatch(of: #/(quit|exit)(\(\s*\d*\s*\))?/#) != nil
    }

    /// The message and notes of a diagnostic for `line` (a `#` comment
    /// after it is ignored), or nil when the line is none of these habits.
    static func hint(for line: String, registry: CommandRegistry) -> (message: String, notes: [String])? {
        let text = (line.firstIndex(of: "#").map { line[..<$0] } ?? line[...]).trimmingSpaces   // a comment is not part of it
        if leaves(text) {
            return ("'\(text)' leaves the REPL, as in IPython; a script ends after its last line",
                    ["in the REPL, quit, exit or Ctrl-D leave"])
        }
        if text.hasPrefix("?") || text.hasSuffix("?") { return help(text, registry) }
        if let hint = trainableLoop(text, registry) { return hint }
        return methodCall(text, registry)
    }

    /// `?`, `help?`, `predict?`, `?predict`, `predict??`: IPython's help.
    private static func help(_ text: String, _ registry: CommandRegistry) -> (message: String, notes: [String])? {
        var words = text.filter { $0 != "?" }.split(separator: " ").map(String.init)
        guard words.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else { return nil }
        if words.first == "help" { words.removeFirst() }
        if !words.isEmpty, !registry.commands(startingWith: words).isEmpty {
            let topic = words.joined(separator: " ")
            return ("'\(text)' is IPython's help; here it is: help \(topic)", [])
        }
        return ("'\(text)' is IPython's help; here it is: help", ["help COMMAND explains one, e.g. help predict"])
    }

    /// `for layer in model.layers[:249]: layer.trainable = False`: the
    /// command whose Keras line it is (with its example), or the freeze or
    /// unfreeze line of the same slice.
    private static func trainableLoop(_ text: String, _ registry: CommandRegistry) -> (message: String, notes: [String])? {
        let pattern = #/^for\s+(\w+)\s+in\s+(\w+)\.layers\[\s*(\d*)\s*:\s*(\d*)\s*\]\s*:\s*(\w+)\.trainable\s*=\s*(True|False)\s*$/#
        guard let match = text.wholeMatch(of: pattern), match.1 == match.5 else { return nil }
        let typed = "for layer in model.layers[\(match.3):\(match.4)]: layer.trainable = \(match.6)"
        for spec in registry.commands {
            let lines = spec.keras.split(separator: ";").map { $0.trimmingSpaces }
            if lines.count == 1, lines[0] == typed {
                return ("that is Keras; in kungfu: \(spec.example)", ["help \(spec.name)"])
            }
        }
        let freeze = match.6 == "False"
        let suggestion: String
        switch (match.3.isEmpty, match.4.isEmpty) {
        case (true, true): suggestion = freeze ? "freeze layers all" : "unfreeze layers all"
        case (true, false) where freeze: suggestion = "freeze layers \(match.4)"
        case (false, true) where !freeze: suggestion = "unfreeze layers from \(match.3)"
        default: return ("that is Keras; in kungfu, freeze layers counts from the first layer and unfreeze layers goes to the last",
                         ["help freeze layers", "help unfreeze layers"])
        }
        return ("that is Keras; in kungfu: \(suggestion)", ["help \(freeze ? "freeze layers" : "unfreeze layers")"])
    }

    /// `model.summary()`, `model.predict(x)`, `model.fit(…)`: the commands
    /// whose Keras line calls that method on the model.
    private static func methodCall(_ text: String, _ registry: CommandRegistry) -> (message: String, notes: [String])? {
        guard let match = text.wholeMatch(of: #/^(\w+)\.(\w+)\s*\(.*\)\s*$/#) else { return nil }
        let call = "model.\(match.2)("
        let specs = registry.commands.filter { $0.keras.contains(call) }
        guard let first = specs.first else { return nil }
        return ("that is Keras; in kungfu: " + specs.map(\.name).joined(separator: " or "), ["help \(first.name)"])
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    public var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
