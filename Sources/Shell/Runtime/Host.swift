// Host.swift — one kungfu session at run time: the Session, its interpreter
// and command table, and where everything goes. Text output and results go
// to stdout, diagnostics to stderr; with --json stdout holds only JSON lines
// (results, pictures, errors) and human text moves to stderr. Every event is
// also recorded as notebook cells (for --notebook and `save notebook`).
import Common
import Foundation
import Lang
import Vision

/// How results are written on stdout.
enum OutputMode: Sendable, Equatable {
    /// Human text: results as their `resultText`.
    case text
    /// One JSON object per line: `{"type":"result","value":…}` and others.
    case json
}

/// Where a host writes: stdout and stderr (injectable for tests).
struct OutputStreams: Sendable {
    /// Writes to stdout.
    var out: @Sendable (String) -> Void
    /// Writes to stderr.
    var err: @Sendable (String) -> Void

    /// The process's standard streams, written unbuffered with write(2)
    /// (`StandardStream`), so stdout and stderr interleave in the order things
    /// happened and a failed write never traps.
    static let standard = OutputStreams(
        out: { text in
            LiveLine.close()
            StandardStream.output.write(text)
        },
        err: { text in
            LiveLine.close()
            StandardStream.error.write(text)
        })
}

/// The runtime of one session: runs scripts and REPL inputs and routes what
/// they produce.
final class Host {
    /// The state the commands share.
    let session: Session
    /// The interpreter, with the command table registered.
    let interpreter: Interpreter
    /// Text or JSON results.
    let mode: OutputMode
    /// How `show` draws a picture in text mode.
    let pictureMode: TerminalImage.Mode
    /// True when results show as `Out[n]: value` (a REPL showing prompts).
    var numbersResults = false
    /// The `In [n]` of the input being run (0 outside the REPL).
    var executionCount = 0
    /// A second Ctrl-C within this many seconds exits the process (see
    /// `Interrupts.whileArmed`); nil in the Jupyter kernel, which must outlive
    /// any number of interrupts.
    var forceExitWindow: Double? = 1.0
    /// Whether a Ctrl-C stopped an input (a script run then exits 130).
    private(set) var wasInterrupted = false
    private let streams: OutputStreams

    /// A session reading `environment`; pictures drawn in `pictureMode`.
    init(environment: [String: String], mode: OutputMode, pictureMode: TerminalImage.Mode,
         streams: OutputStreams = .standard) {
        let session = Session(environment: environment)
        self.session = session
        self.mode = mode
        self.pictureMode = pictureMode
        self.streams = streams
        // Linked to the flag the SIGINT handler sets: Ctrl-C reaches the
        // interpreter and its commands directly (Interrupts.swift).
        interpreter = Interpreter(registry: CommandTable.registry(for: session),
                                  interruptFlag: CancellationFlag(linkedTo: .processInterrupt))
        wire()
    }

    private var recorder: NotebookRecorder { session.notebook }

    private func wire() {
        // Text for the terminal passes through TerminalText.escaped: names
        // from files (class names, file names) may hold control characters.
        // The notebook keeps the raw text (its JSON escapes them).
        interpreter.output = { [unowned self] text in
            recorder.stream(text)
            let shown = TerminalText.escaped(text, keepingLines: true)
            if mode == .json { streams.err(shown) } else { streams.out(shown) }
        }
        interpreter.onResult = { [unowned self] value, _ in
            recorder.result(value.resultText)
            switch mode {
            case .json:
                streams.out(Self.line([("type", Self.quoted("result")), ("value", value.json.rendered)]))
            case .text:
                streams.out((numbersResults ? "Out[\(executionCount)]: " : "")
                            + TerminalText.escaped(value.resultText, keepingLines: true) + "\n")
            }
        }
        interpreter.onNarration = { [unowned self] text, location in
            recorder.narrate(text, line: location.line)
            let shown = TerminalText.escaped(text, keepingLines: true) + "\n"
            if mode == .json { streams.err(shown) } else { streams.out(shown) }
        }
        interpreter.onStatement = { [unowned self] source, location in recorder.beginCell(source, line: location.line) }
        interpreter.onStatementSyntax = { [unowned self] syntax in
            session.keras.record(syntax, model: session.model, bound: Set(interpreter.variables.keys))
        }
        interpreter.completionProvider = { [unowned self] request in
            HostCompletion.candidates(for: request, layerNames: session.model?.network.layerNames ?? [])
        }
        session.show = { [unowned self] picture in show(picture) }
        let notebook = recorder
        Warnings.record(to: { [weak notebook] line in notebook?.stream(line, to: .stderr) })
    }

    /// Runs a whole script (all syntax errors first, nothing run then).
    /// Returns false when it failed or was interrupted.
    func run(source: String, name: String) -> Bool {
        recorder.beginInput(source)
        session.keras.beginInput()
        return report(whileCatchingCtrlC { interpreter.run(source: source, name: name) })
    }

    /// Evaluates one complete REPL input. Returns nil when the input is
    /// incomplete (nothing ran), else whether it succeeded.
    func evaluate(_ input: String) -> Bool? {
        recorder.beginInput(input)
        session.keras.beginInput()
        let outcome = whileCatchingCtrlC { interpreter.evaluate(input: input) }
        if case .incomplete = outcome { return nil }
        return report(outcome)
    }

    /// Reports an input that ended while incomplete (end of file inside `{`).
    func reportIncomplete(_ input: String) {
        recorder.beginInput(input)
        if case .incomplete(let diagnostic) = interpreter.evaluate(input: input) {
            reportErrors([diagnostic])
        }
    }

    /// Writes diagnostics: rendered on stderr, as error cells, and in JSON
    /// mode as `{"type":"error",…}` lines.
    func reportErrors(_ diagnostics: [Diagnostic]) {
        if !diagnostics.isEmpty { session.keras.markFailed() }
        for diagnostic in diagnostics {
            recorder.error(diagnostic)
            streams.err(TerminalText.escaped(diagnostic.render(), keepingLines: true) + "\n")
            if mode == .json {
                // Diagnostic.json is an object; the line puts "type" first.
                streams.out("{\"type\":\"error\"," + diagnostic.json.rendered.dropFirst() + "\n")
            }
        }
    }

    /// Writes a one-line message on stderr, `kungfu: MESSAGE`.
    func warn(_ message: String) {
        streams.err("kungfu: \(TerminalText.escaped(message))\n")
    }

    /// Runs `body` with SIGINT caught (it sets the flag the interpreter's
    /// flag is linked to), then clears that flag for the next input.
    private func whileCatchingCtrlC(_ body: () -> Outcome) -> Outcome {
        let outcome = Interrupts.whileArmed(forceExitWindow: forceExitWindow, body)
        CancellationFlag.processInterrupt.reset()
        return outcome
    }

    private func report(_ outcome: Outcome) -> Bool {
        switch outcome {
        case .completed:
            return true
        case .incomplete(let diagnostic):
            reportErrors([diagnostic])
            return false
        case .failed(let diagnostics):
            reportErrors(diagnostics)
            return false
        case .interrupted(let location):
            reportInterrupt(at: location)
            return false
        }
    }

    private func reportInterrupt(at location: SourceLocation) {
        wasInterrupted = true
        recorder.interrupted(at: location)
        streams.err("interrupted at \(location)\n")
        if mode == .json {
            streams.out(Self.line([("type", Self.quoted("interrupted")), ("source", Self.quoted(location.source)),
                                   ("line", String(location.line)), ("column", String(location.column))]))
        }
    }

    // MARK: - Pictures

    /// What `session.show` does: records the picture in the notebook, then
    /// draws it (terminal), describes it (not a terminal) or names it (JSON).
    func show(_ picture: Picture) {
        let image = picture.image
        let description = Self.describe(picture)
        var png: [UInt8]?
        var notebookOutput: NotebookWriter.Output?
        do {
            let full = try image.pngData()
            png = full
            let small = Self.notebookSized(image)
            let resized = small.width != image.width || small.height != image.height
            if picture.isPhoto {
                notebookOutput = .photo(jpeg: try small.jpegData(), text: description)
            } else {
                notebookOutput = .image(png: resized ? try small.pngData() : full, text: description)
            }
        } catch {
            warn("picture not encoded: \(error)")
        }
        switch notebookOutput {
        case .photo(let jpeg, let text)?: recorder.photo(jpeg: jpeg, text: text)
        case .image(let data, let text)?: recorder.image(png: data, text: text)
        default: recorder.stream(description + "\n")
        }
        switch mode {
        case .json:
            let path = picture.path.map(Self.quoted) ?? "null"
            streams.out(Self.line([("type", Self.quoted("picture")), ("title", Self.quoted(picture.title)),
                                   ("path", path), ("width", String(image.width)), ("height", String(image.height))]))
        case .text where pictureMode == .description:
            streams.out(description + "\n")
        case .text:
            let pixels = TerminalImage.Pixels(width: image.width, height: image.height, rgb: image.pixels)
            streams.out(TerminalImage.render(pixels, png: png, mode: pictureMode, columns: TerminalImage.defaultColumns()))
            streams.out(picture.title + "\n")
        }
    }

    /// The longest side of a picture embedded in a notebook: larger ones
    /// are scaled down (bilinear) so a notebook of photos stays small; saved
    /// PNG files keep their full size.
    static let notebookPictureSide = 1024

    /// `image`, scaled down to fit `notebookPictureSide` if it is larger.
    static func notebookSized(_ image: Image) -> Image {
        let side = max(image.width, image.height)
        guard side > notebookPictureSide else { return image }
        let scale = Double(notebookPictureSide) / Double(side)
        let width = max(1, Int((Double(image.width) * scale).rounded()))
        let height = max(1, Int((Double(image.height) * scale).rounded()))
        return image.resized(width: width, height: height, filter: .bilinear)
    }

    /// `[image 299×299: title]`, the plain text of a picture.
    /// A photo (`show image`) is `[image: title]`: its result line, right
    /// after, says the size and format, so the size is said once.
    static func describe(_ picture: Picture) -> String {
        if picture.isPhoto { return "[image: " + picture.title + "]" }
        let size = TerminalImage.description(width: picture.image.width, height: picture.image.height)
        return String(size.dropLast()) + ": " + picture.title + "]"
    }

    /// One JSON line for stdout: an object with these keys in this order,
    /// each value already JSON text (compact style, as `JSONValue.rendered`).
    static func line(_ fields: [(key: String, json: String)]) -> String {
        "{" + fields.map { quoted($0.key) + ":" + $0.json }.joined(separator: ",") + "}\n"
    }

    /// A string as JSON text.
    static func quoted(_ text: String) -> String { JSONValue.quoted(text) }
}
