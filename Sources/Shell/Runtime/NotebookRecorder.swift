// NotebookRecorder.swift — turns a session's events (narration, statements,
// printed text, results, pictures, errors) into notebook cells, in order.
// One code cell per top-level statement, numbered 1, 2, …; the cell being
// run stays open until the next statement, narration or input starts.
import Lang

/// Records what a session does as Jupyter cells (see `NotebookWriter`).
final class NotebookRecorder {
    private var writer = NotebookWriter(languageVersion: Kungfu.version)
    private var open: (source: String, count: Int, outputs: [NotebookWriter.Output])?
    /// The lines of `source` the open cell's statement spans.
    private var openLines: ClosedRange<Int>?
    private var inputSource = ""
    private var cellsInInput = 0
    /// Code cells started so far (the last one's execution count).
    private(set) var cellCount = 0
    /// Sees every output as it is recorded (the Jupyter kernel publishes
    /// them on iopub as they happen); nil outside the kernel.
    var onOutput: ((NotebookWriter.Output) -> Void)?

    /// A new REPL input or script starts; a syntax error in it becomes one
    /// cell holding all of `source`.
    func beginInput(_ source: String) {
        close()
        inputSource = source
        cellsInInput = 0
    }

    /// A top-level statement starts at `line` (of its source): a new code cell.
    func beginCell(_ source: String, line: Int? = nil) {
        close()
        cellCount += 1
        cellsInInput += 1
        open = (source, cellCount, [])
        openLines = line.map { $0...($0 + source.split(separator: "\n", omittingEmptySubsequences: false).count - 1) }
    }

    /// A `##` narration line (its text without `##`) at `line`. Narration
    /// inside the running statement (in a `for` body) cannot be a Markdown
    /// cell in the middle of a code cell: it becomes that cell's text.
    func narrate(_ text: String, line: Int? = nil) {
        if let line, let openLines, openLines.contains(line) {
            stream(text + "\n")
            return
        }
        close()
        writer.narrate("## " + text)
    }

    /// Text the statement printed.
    func stream(_ text: String, to stream: NotebookWriter.StreamName = .stdout) {
        append(.stream(stream, text))
    }

    /// The statement's value, as `Out[n]` shows it.
    func result(_ text: String) {
        append(.result(text))
    }

    /// A picture the statement showed.
    func image(png: [UInt8], text: String) {
        append(.image(png: png, text: text))
    }

    /// A photo the statement showed, as JPEG.
    func photo(jpeg: [UInt8], text: String) {
        append(.photo(jpeg: jpeg, text: text))
    }

    /// A diagnostic: an `error` output of the statement that failed, or of a
    /// cell holding the whole input when nothing ran (syntax errors).
    func error(_ diagnostic: Diagnostic) {
        if open == nil && cellsInInput == 0 { beginCell(inputSource) }
        let kind: String
        switch diagnostic.kind {
        case .syntax: kind = "SyntaxError"
        case .incompleteInput: kind = "IncompleteInput"
        case .runtime: kind = "RuntimeError"
        }
        append(.error(name: kind, value: diagnostic.message,
                      traceback: diagnostic.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)))
    }

    /// The statement was stopped by Ctrl-C.
    func interrupted(at location: SourceLocation) {
        append(.error(name: "Interrupted", value: "interrupted at \(location)", traceback: ["interrupted at \(location)"]))
    }

    /// The notebook so far, including the cell still running.
    func snapshot() -> NotebookWriter {
        var copy = writer
        if let open { copy.addCode(open.source, executionCount: open.count, outputs: open.outputs) }
        return copy
    }

    /// Writes the notebook so far to `path`, atomically.
    func write(to path: String) throws {
        try snapshot().write(to: path)
    }

    private func append(_ output: NotebookWriter.Output) {
        if open == nil { beginCell(cellsInInput == 0 ? inputSource : "") }
        open!.outputs.append(output)
        onOutput?(output)
    }

    private func close() {
        guard let cell = open else { return }
        writer.addCode(cell.source, executionCount: cell.count, outputs: cell.outputs)
        open = nil
        openLines = nil
    }
}
