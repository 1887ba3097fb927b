// KerasNotebook.swift — the session as a Python notebook for Keras 3
// (`export keras`, `--keras-notebook`): top-level narration becomes
// Markdown cells, each top-level statement one code cell, translated when it
// starts (so the layer indexes are the ones kungfu computes then). A
// statement that failed in kungfu is kept as a comment, not as code.
import Lang

/// Records a session's statements as Keras code cells.
final class KerasNotebook {
    /// One recorded cell.
    private enum Entry {
        case narration(String)
        case code(source: String, python: [String], failed: Bool)
    }

    private var entries: [Entry] = []
    private var context = KerasContext()
    private var statementsInInput = 0

    /// A new REPL input or script starts.
    func beginInput() {
        statementsInInput = 0
    }

    /// A top-level statement starts: translated now, with `model` (the
    /// session's model at this moment) and the variables bound before it.
    func record(_ syntax: StatementSyntax, model: LoadedModel?, bound: Set<String>) {
        if let text = syntax.narration {
            entries.append(.narration(text))
            return
        }
        context.model = model
        let python = syntax.python(bound: bound, reserved: KerasTranslation.reservedNames) { call in
            KerasTranslation.code(for: call, context: &context)
        }
        entries.append(.code(source: syntax.source, python: python, failed: false))
        statementsInInput += 1
    }

    /// The statement recorded last failed: its cell becomes a comment.
    func markFailed() {
        guard statementsInInput > 0, case .code(let source, let python, _)? = entries.last else { return }
        entries[entries.count - 1] = .code(source: source, python: python, failed: true)
    }

    /// The notebook: a first cell of imports and helpers, then the session.
    func notebook() -> NotebookWriter {
        var writer = NotebookWriter(kernel: .python3)
        writer.narrate("Exported from a kungfu session by `export keras`: each code cell is the Keras 3 code of one kungfu statement.")
        writer.addCode(KerasTranslation.preamble, executionCount: nil, outputs: [])
        for entry in entries {
            switch entry {
            case .narration(let text):
                writer.narrate("## " + text)
            case .code(let source, let python, let failed):
                let kungfu = source.split(separator: "\n", omittingEmptySubsequences: false).map { "# kungfu: " + $0 }
                if failed {
                    let note = "# this statement failed in kungfu, so it is left out:"
                    writer.addCode(([note] + kungfu).joined(separator: "\n"), executionCount: nil, outputs: [])
                } else {
                    writer.addCode((kungfu + python).joined(separator: "\n"), executionCount: nil, outputs: [])
                }
            }
        }
        return writer
    }

    /// Writes the notebook to `path`, atomically.
    func write(to path: String) throws {
        try notebook().write(to: path)
    }
}
