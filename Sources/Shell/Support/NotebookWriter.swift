// NotebookWriter.swift — records a kungfu session as a Jupyter notebook,
// nbformat 4.5: `##` narration becomes Markdown cells (consecutive lines
// merge), statements become code cells with execution counts and outputs
// (stream, execute_result, display_data with image/png, error). Cell ids are
// "cell-1", "cell-2", ... in order. The JSON is byte for byte what
// `nbformat.write` would write for the same notebook (sorted keys, 1-space
// indent, multi-line strings as lists of lines), written atomically.
import Common
import Foundation

/// A notebook being recorded, and its nbformat 4.5 JSON.
///
///     var notebook = NotebookWriter()
///     notebook.narrate("## Meet Inception V3")
///     notebook.addCode("load model inception_v3", executionCount: 1,
///                      outputs: [.stream(.stdout, "loaded 313 layers\n")])
///     try notebook.write(to: "session.ipynb")
public struct NotebookWriter: Sendable {
    /// Which standard stream a `stream` output came from.
    public enum StreamName: String, Sendable {
        /// Standard output.
        case stdout
        /// Standard error.
        case stderr
    }

    /// One output of a code cell.
    public enum Output: Equatable, Sendable {
        /// Text printed while the statement ran (`stream`). Consecutive
        /// outputs of the same stream are merged, as Jupyter does.
        case stream(StreamName, String)
        /// The statement's value (`execute_result` with `text/plain`), shown
        /// as `Out[n]`; it carries the cell's execution count.
        case result(String)
        /// A picture (`display_data` with `image/png`, base64-encoded, and a
        /// `text/plain` alternative such as "[image 299×299]").
        case image(png: [UInt8], text: String)
        /// A photo (`display_data` with `image/jpeg`, base64-encoded, and a
        /// `text/plain` alternative): photos are far smaller as JPEG.
        case photo(jpeg: [UInt8], text: String)
        /// A failed statement (`error`): the error's kind (ename), its message
        /// (evalue) and the rendered diagnostic, one list item per line.
        case error(name: String, value: String, traceback: [String])
    }

    /// One cell of the notebook.
    public enum Cell: Equatable, Sendable {
        /// Narration, as Markdown.
        case markdown(id: String, text: String)
        /// A statement, its execution count (nil: not run) and its outputs.
        case code(id: String, source: String, executionCount: Int?, outputs: [Output])

        /// The cell's id, unique in its notebook: `cell-N`.
        public var id: String {
            switch self {
            case .markdown(let id, _), .code(let id, _, _, _): return id
            }
        }
    }

    /// The kernel a notebook names in its metadata.
    public enum Kernel: Sendable {
        /// kungfu's own (`save notebook`, `--notebook`).
        case kungfu
        /// Jupyter's `python3` kernel (`export keras`), as nbformat writes it.
        case python3
    }

    /// The cells recorded so far, in order.
    public private(set) var cells: [Cell] = []
    /// The kungfu version written into `language_info.version`, if known.
    public let languageVersion: String?
    /// The kernel named in the metadata.
    public let kernel: Kernel

    /// Starts an empty notebook; `languageVersion` (kungfu's version) goes into
    /// the notebook's `language_info` when given (kungfu kernel only).
    public init(languageVersion: String? = nil, kernel: Kernel = .kungfu) {
        self.languageVersion = languageVersion
        self.kernel = kernel
    }

    /// Records a narration line. A leading `##` and one space after it are
    /// removed; a run of narration lines is one Markdown cell, one line each
    /// (an empty `##` line is a paragraph break).
    ///
    ///     notebook.narrate("## Load the network.")   // Markdown "Load the network."
    public mutating func narrate(_ line: String) {
        var text = Substring(line)
        if text.hasPrefix("##") {
            text = text.dropFirst(2)
            if text.hasPrefix(" ") { text = text.dropFirst() }
        }
        if case .markdown(let id, let previous)? = cells.last {
            cells[cells.count - 1] = .markdown(id: id, text: previous + "\n" + text)
        } else {
            cells.append(.markdown(id: nextID(), text: String(text)))
        }
    }

    /// Records a code cell: the statement's source, the execution count it was
    /// shown with (`In [n]`, nil when it did not run) and its outputs, in the
    /// order they appeared.
    public mutating func addCode(_ source: String, executionCount: Int?, outputs: [Output]) {
        // Pieces of one run of same-stream text are joined once at its end,
        // so a cell that printed a million lines costs linear time.
        var merged: [Output] = []
        var pending: (name: StreamName, pieces: [String])?
        func flush() {
            if let run = pending { merged.append(.stream(run.name, run.pieces.joined())) }
            pending = nil
        }
        for output in outputs {
            if case .stream(let name, let text) = output {
                if pending?.name == name {
                    pending!.pieces.append(text)
                } else {
                    flush()
                    pending = (name, [text])
                }
            } else {
                flush()
                merged.append(output)
            }
        }
        flush()
        cells.append(.code(id: nextID(), source: source, executionCount: executionCount, outputs: merged))
    }

    /// Writes the notebook to `path` atomically (see `AtomicFile`); throws
    /// `FileWriteError` naming the path and the cause.
    public func write(to path: String) throws {
        try AtomicFile.write(json(), to: path)
    }

    /// The notebook as nbformat 4.5 JSON text, ending with a newline.
    public func json() -> String {
        document().text(.python(indent: 1)) + "\n"
    }

    /// The notebook as a JSON value.
    public func document() -> JSONValue {
        if kernel == .python3 {
            return .object([
                ("cells", .array(cells.map(NotebookWriter.cellJSON))),
                ("metadata", .object([
                    ("kernelspec", .object([
                        ("display_name", .string("Python 3")),
                        ("language", .string("python")),
                        ("name", .string("python3")),
                    ])),
                    ("language_info", .object([("name", .string("python"))])),
                ])),
                ("nbformat", .int(4)),
                ("nbformat_minor", .int(5)),
            ])
        }
        var languageInfo: [(String, JSONValue)] = [
            ("name", .string("kungfu")),
            ("file_extension", .string(".kf")),
            ("mimetype", .string("text/x-kungfu")),
        ]
        if let languageVersion { languageInfo.append(("version", .string(languageVersion))) }
        return .object([
            ("cells", .array(cells.map(NotebookWriter.cellJSON))),
            ("metadata", .object([
                // A kernel that is not installed still opens: Jupyter shows
                // the saved outputs and asks which kernel to use.
                ("kernelspec", .object([
                    ("name", .string("kungfu")),
                    ("display_name", .string("kungfu")),
                    ("language", .string("kungfu")),
                ])),
                ("language_info", .object(languageInfo)),
            ])),
            ("nbformat", .int(4)),
            ("nbformat_minor", .int(5)),
        ])
    }

    private mutating func nextID() -> String {
        "cell-\(cells.count + 1)"
    }

    private static func cellJSON(_ cell: Cell) -> JSONValue {
        switch cell {
        case .markdown(let id, let text):
            return .object([
                ("cell_type", .string("markdown")),
                ("id", .string(id)),
                ("metadata", .object([])),
                ("source", lines(text)),
            ])
        case .code(let id, let source, let executionCount, let outputs):
            return .object([
                ("cell_type", .string("code")),
                ("id", .string(id)),
                ("metadata", .object([])),
                ("source", lines(source)),
                ("execution_count", executionCount.map(JSONValue.int) ?? .null),
                ("outputs", .array(outputs.map { outputJSON($0, executionCount: executionCount) })),
            ])
        }
    }

    private static func outputJSON(_ output: Output, executionCount: Int?) -> JSONValue {
        switch output {
        case .stream(let name, let text):
            return .object([
                ("output_type", .string("stream")),
                ("name", .string(name.rawValue)),
                ("text", lines(text)),
            ])
        case .result(let text):
            return .object([
                ("output_type", .string("execute_result")),
                ("execution_count", executionCount.map(JSONValue.int) ?? .null),
                ("data", .object([("text/plain", lines(text))])),
                ("metadata", .object([])),
            ])
        case .image(let png, let text):
            return .object([
                ("output_type", .string("display_data")),
                ("data", .object([
                    ("image/png", .string(Data(png).base64EncodedString())),
                    ("text/plain", lines(text)),
                ])),
                ("metadata", .object([])),
            ])
        case .photo(let jpeg, let text):
            return .object([
                ("output_type", .string("display_data")),
                ("data", .object([
                    ("image/jpeg", .string(Data(jpeg).base64EncodedString())),
                    ("text/plain", lines(text)),
                ])),
                ("metadata", .object([])),
            ])
        case .error(let name, let value, let traceback):
            return .object([
                ("output_type", .string("error")),
                ("ename", .string(name)),
                ("evalue", .string(value)),
                ("traceback", .array(traceback.map(JSONValue.string))),
            ])
        }
    }

    /// A multi-line string as nbformat stores it: a list of lines, each
    /// keeping its line break, split where Python's `str.splitlines(True)`
    /// splits (so the file is what nbformat itself would write).
    static func lines(_ text: String) -> JSONValue {
        .array(splitLinesKeepingEnds(text).map(JSONValue.string))
    }

    /// Python's `str.splitlines(keepends=True)`: breaks after \n, \r, \r\n,
    /// \v, \f, \x1c, \x1d, \x1e, \x85, U+2028 and U+2029.
    static func splitLinesKeepingEnds(_ text: String) -> [String] {
        var result: [String] = []
        var line = String.UnicodeScalarView()
        let scalars = Array(text.unicodeScalars)
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            line.append(scalar)
            index += 1
            switch scalar.value {
            case 0x0D:
                if index < scalars.count, scalars[index].value == 0x0A {
                    line.append(scalars[index])
                    index += 1
                }
                fallthrough
            case 0x0A, 0x0B, 0x0C, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029:
                result.append(String(line))
                line = String.UnicodeScalarView()
            default:
                break
            }
        }
        if !line.isEmpty { result.append(String(line)) }
        return result
    }
}
