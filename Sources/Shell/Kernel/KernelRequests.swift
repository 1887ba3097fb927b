// KernelRequests.swift — what each Jupyter request does in this kernel's one
// session: kernel_info, execute (status busy/idle, execute_input, streams,
// pictures, results and errors as the NotebookRecorder records them),
// complete (the REPL's completion), inspect (`help COMMAND`), is_complete
// (open `{` blocks), history, comm_info, interrupt and shutdown.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation
import Lang

/// The session behind a kernel and its answers to requests.
final class KernelRequests: @unchecked Sendable {
    // @unchecked Sendable: the host and everything about cells are only used
    // on the shell (main) thread; the control thread only touches the
    // cancellation flag and the server.
    private unowned let server: KernelServer
    /// The one Host of this process: the runtime `kungfu run` uses.
    let host: Host
    private var executionCount = 0
    /// The cells run so far with `store_history`: (execution count, code).
    private var history: [(Int, String)] = []
    /// The header of the execute request running now (parent of its outputs).
    private var running: JSONValue = .object([])
    /// The first error output of the running cell.
    private var cellError: (name: String, value: String, traceback: [String])?
    /// The value of the last result, for its application/json.
    private var lastResult: Value?
    /// The progress display of the running cell (see `KernelProgress`).
    private var progress = KernelProgress()

    /// The session for `server`: a Host in text mode whose pictures are
    /// described (the notebook gets the PNGs), with its outputs published.
    init(server: KernelServer, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.server = server
        // The recorder captures everything a cell shows; the host's own text
        // streams would only repeat it, so stdout is dropped and stderr (the
        // diagnostics again, warnings) goes to the kernel's log.
        host = Host(environment: environment, mode: .text, pictureMode: .description,
                    streams: OutputStreams(out: { _ in }, err: { StandardStream.error.write($0) }))
        host.forceExitWindow = nil
        let showResult = host.interpreter.onResult
        host.interpreter.onResult = { [unowned self] value, location in
            lastResult = value
            showResult?(value, location)
        }
        host.session.notebook.onOutput = { [unowned self] output in publish(output) }
        // Each statement's progress gets a display of its own, below what the
        // cell showed before it (a second training in one cell does not
        // redraw the first one's bar, above lines printed since).
        let beginStatement = host.interpreter.onStatement
        host.interpreter.onStatement = { [unowned self] source, location in
            progress = KernelProgress()
            beginStatement?(source, location)
        }
    }

    /// Answers `message` (from `channel`); `reply(type, content)` sends on
    /// the socket it came from. Unknown types are logged and ignored.
    func handle(_ message: KernelMessage, channel: String, reply: (String, JSONValue) -> Void) {
        let type = message.type
        if type == "interrupt_request" {
            CancellationFlag.processInterrupt.request()
            reply("interrupt_reply", .object([("status", .string("ok"))]))
            return
        }
        setStatus("busy", parent: message.header)
        defer { setStatus("idle", parent: message.header) }
        switch type {
        case "kernel_info_request": reply("kernel_info_reply", Self.kernelInfo)
        case "shutdown_request":
            let restart = message.content["restart"]?.boolValue ?? false
            reply("shutdown_reply", .object([("status", .string("ok")), ("restart", .bool(restart))]))
            setStatus("idle", parent: message.header)
            exit(0)
        case _ where channel != "shell":
            server.log("ignored \(type) on \(channel)")
        case "execute_request": reply("execute_reply", execute(message))
        case "complete_request": reply("complete_reply", complete(message.content))
        case "inspect_request": reply("inspect_reply", inspect(message.content))
        case "is_complete_request": reply("is_complete_reply", isComplete(message.content))
        case "history_request": reply("history_reply", historyReply(message.content))
        case "comm_info_request":
            reply("comm_info_reply", .object([("status", .string("ok")), ("comms", .object([]))]))
        default:
            server.log("ignored a message of unknown type '\(type)'")
        }
    }

    /// kernel_info_reply's content.
    static let kernelInfo: JSONValue = .object([
        ("status", .string("ok")),
        ("protocol_version", .string("5.3")),
        ("implementation", .string("kungfu")),
        ("implementation_version", .string(Kungfu.version)),
        ("language_info", .object([
            ("name", .string("kungfu")),
            ("version", .string(Kungfu.version)),
            ("mimetype", .string("text/x-kungfu")),
            ("file_extension", .string(".kf")),
        ])),
        ("banner", .string(REPL.banner)),
        ("help_links", .array([])),
    ])

    private func setStatus(_ state: String, parent: JSONValue) {
        server.publish("status", content: .object([("execution_state", .string(state))]), parent: parent)
    }

    // MARK: - execute

    private func execute(_ message: KernelMessage) -> JSONValue {
        let code = message.content["code"]?.stringValue ?? ""
        let silent = message.content["silent"]?.boolValue ?? false
        let store = (message.content["store_history"]?.boolValue ?? true) && !silent
        if store { executionCount += 1 }
        let count = executionCount
        if store { history.append((count, code)) }
        running = message.header
        cellError = nil
        progress = KernelProgress()
        if !silent {
            server.publish("execute_input", content: .object([("code", .string(code)), ("execution_count", .int(count))]),
                           parent: running)
        }
        host.executionCount = count
        let live = ProgressSink(isTerminal: true) { [unowned self] text in showProgress(text) }
        let succeeded = ProgressSink.whileRedirected(to: live) {
            host.run(source: code, name: "In[\(count)]")
        }
        if let error = cellError ?? (succeeded ? nil : ("Error", "the cell failed", [])) {
            return .object([
                ("status", .string("error")),
                ("execution_count", .int(count)),
                ("ename", .string(error.name)),
                ("evalue", .string(error.value)),
                ("traceback", .array(error.traceback.map(JSONValue.string))),
            ])
        }
        return .object([
            ("status", .string("ok")),
            ("execution_count", .int(count)),
            ("payload", .array([])),
            ("user_expressions", .object([])),
        ])
    }

    /// Publishes one output the recorder recorded, as its iopub message.
    private func publish(_ output: NotebookWriter.Output) {
        switch output {
        case .stream(let name, let text):
            server.publish("stream", content: .object([("name", .string(name.rawValue)), ("text", .string(text))]),
                           parent: running)
        case .result(let text):
            var data: [(String, JSONValue)] = [("text/plain", .string(text))]
            if let json = lastResult?.json, Self.isStructured(json) { data.append(("application/json", json)) }
            server.publish("execute_result", content: .object([
                ("execution_count", .int(executionCount)), ("data", .object(data)), ("metadata", .object([])),
            ]), parent: running)
        case .image(let png, let text):
            display(["image/png": Data(png).base64EncodedString(), "text/plain": text])
        case .photo(let jpeg, let text):
            display(["image/jpeg": Data(jpeg).base64EncodedString(), "text/plain": text])
        case .error(let name, let value, let traceback):
            if cellError == nil { cellError = (name, value, traceback) }
            server.publish("error", content: .object([
                ("ename", .string(name)), ("evalue", .string(value)),
                ("traceback", .array(traceback.map(JSONValue.string))),
            ]), parent: running)
        }
    }

    private static func isStructured(_ json: JSONValue) -> Bool {
        switch json {
        case .object, .array: return true
        default: return false
        }
    }

    private func display(_ data: [String: String]) {
        let members = data.keys.sorted().map { ($0, JSONValue.string(data[$0]!)) }
        server.publish("display_data", content: .object([
            ("data", .object(members)), ("metadata", .object([])), ("transient", .object([])),
        ]), parent: running)
    }

    /// A live progress line (what a terminal would redraw with "\r"): the
    /// first one opens a display with an id, later ones update it in place.
    private func showProgress(_ text: String) {
        guard let update = progress.take(text) else { return }
        let content: JSONValue = .object([
            ("data", .object([("text/plain", .string(update.line))])),
            ("metadata", .object([])),
            ("transient", .object([("display_id", .string(update.displayID))])),
        ])
        server.publish(update.isFirst ? "display_data" : "update_display_data", content: content, parent: running)
    }

    // MARK: - complete, inspect, is_complete, history

    /// The text of `code` before `cursor_pos` (counted in code points, as
    /// protocol 5.2+ counts), and that position.
    private static func textBeforeCursor(_ content: JSONValue) -> (text: String, cursor: Int) {
        let code = content["code"]?.stringValue ?? ""
        let scalars = Array(code.unicodeScalars)
        let cursor = min(max(0, content["cursor_pos"]?.intValue ?? scalars.count), scalars.count)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[..<cursor])
        return (String(view), cursor)
    }

    private func complete(_ content: JSONValue) -> JSONValue {
        let (text, cursor) = Self.textBeforeCursor(content)
        let completions = host.interpreter.completions(for: text)
        return .object([
            ("status", .string("ok")),
            ("matches", .array(completions.candidates.map(JSONValue.string))),
            ("cursor_start", .int(cursor - completions.prefix.unicodeScalars.count)),
            ("cursor_end", .int(cursor)),
            ("metadata", .object([])),
        ])
    }

    /// `help COMMAND` for the command on the cursor's line: the longest run
    /// of its first words (up to three) that names a help topic.
    private func inspect(_ content: JSONValue) -> JSONValue {
        let code = content["code"]?.stringValue ?? ""
        let (before, _) = Self.textBeforeCursor(content)
        let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
        let rest = code[lineStart...]
        let line = rest.prefix { $0 != "\n" }
        let words = line.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).prefix(3).map(String.init)
        var text: String?
        for n in stride(from: words.count, through: 1, by: -1) {
            if let help = host.interpreter.registry.helpText(for: words.prefix(n).joined(separator: " ")) {
                text = help
                break
            }
        }
        return .object([
            ("status", .string("ok")),
            ("found", .bool(text != nil)),
            ("data", .object(text.map { [("text/plain", JSONValue.string($0))] } ?? [])),
            ("metadata", .object([])),
        ])
    }

    /// `incomplete` while a `{`, `[`, `(` or string is open; `invalid` for
    /// another syntax error; else `complete`.
    private func isComplete(_ content: JSONValue) -> JSONValue {
        let code = content["code"]?.stringValue ?? ""
        let diagnostics = host.interpreter.check(source: code, name: "<is_complete>")
        if diagnostics.count == 1, diagnostics[0].isIncompleteInput {
            return .object([("status", .string("incomplete")), ("indent", .string("    "))])
        }
        if diagnostics.contains(where: { $0.kind == .syntax || $0.kind == .incompleteInput }) {
            return .object([("status", .string("invalid"))])
        }
        return .object([("status", .string("complete"))])
    }

    /// This session's cells: `tail` (the last n), `range` (execution counts
    /// start..<stop) or `search` (a glob over the code).
    private func historyReply(_ content: JSONValue) -> JSONValue {
        var cells = history
        switch content["hist_access_type"]?.stringValue ?? "tail" {
        case "range":
            let start = content["start"]?.intValue ?? 0
            let stop = content["stop"]?.intValue ?? Int.max
            cells = cells.filter { $0.0 >= start && $0.0 < stop }
        case "search":
            let pattern = content["pattern"]?.stringValue ?? "*"
            cells = cells.filter { fnmatch(pattern, $0.1, 0) == 0 }
            if let n = content["n"]?.intValue { cells = Array(cells.suffix(n)) }
        default:
            if let n = content["n"]?.intValue { cells = Array(cells.suffix(n)) }
        }
        return .object([
            ("status", .string("ok")),
            ("history", .array(cells.map { .array([.int(0), .int($0.0), .string($0.1)]) })),
        ])
    }
}

/// The one progress display of a running cell: the last line of what a
/// live progress bar wrote (its text after the last "\r"), blank lines
/// skipped; the first becomes a display with an id, the rest update it.
struct KernelProgress {
    private var displayID: String?
    private var shown = ""

    /// What to publish for `text` written by a live sink, or nil (nothing new).
    mutating func take(_ text: String) -> (displayID: String, line: String, isFirst: Bool)? {
        let line = text.split(separator: "\r", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed != shown else { return nil }
        shown = trimmed
        if let displayID { return (displayID, trimmed, false) }
        let id = "kungfu-progress-" + UUID().uuidString.lowercased()
        displayID = id
        return (id, trimmed, true)
    }
}
