// PlainLineReader.swift — the REPL's input without libedit: raw lines from a
// file descriptor, no editing, no terminal control. Piped, it prints no
// prompts, so `echo 'predict "x.jpg"' | kungfu` prints only results. Lines end at
// "\n" (a "\r" before it is dropped, for files saved on Windows); a last line
// without "\n" still counts; invalid UTF-8 becomes U+FFFD.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads lines from a file descriptor (standard input by default).
public final class PlainLineReader: LineEditor {
    /// What is written around each line read.
    public enum Prompting: Equatable, Sendable {
        /// Nothing: piped output holds only results (the default).
        case silent
        /// After each line, `PROMPT LINE\n`, so a piped session's output reads
        /// like the same session typed at a terminal (`KUNGFU_PROMPTS=1`).
        case transcript
        /// The prompt before reading, for a person typing at a terminal whose
        /// output goes elsewhere (`kungfu > log.txt`): prompts go to stderr.
        case beforeReading
    }

    private let fd: Int32
    private let prompting: Prompting
    private let output: (String) -> Void
    private var buffer: [UInt8] = []
    private var atEnd = false

    /// Reads from `fileDescriptor`; prompts, if any, go to `output`.
    public init(fileDescriptor: Int32 = STDIN_FILENO, prompting: Prompting = .silent,
                output: @escaping (String) -> Void = { StandardStream.output.write($0) }) {
        self.fd = fileDescriptor
        self.prompting = prompting
        self.output = output
    }

    /// Reads the next line; `.endOfInput` at the end of the input or on a read
    /// error. Never returns `.interrupted`: without libedit, Ctrl-C is a
    /// signal, not input.
    public func readLine(prompt: String) -> LineInput {
        if prompting == .beforeReading { output(prompt) }
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var bytes = buffer[..<newline]
                if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
                let line = String(decoding: bytes, as: UTF8.self)
                buffer.removeSubrange(...newline)
                return deliver(line, prompt: prompt)
            }
            if atEnd {
                guard !buffer.isEmpty else { return .endOfInput }
                let line = String(decoding: buffer, as: UTF8.self)
                buffer.removeAll()
                return deliver(line, prompt: prompt)
            }
            fill()
        }
    }

    /// Plain input has no history.
    public func addHistory(_ entry: String) {}

    private func deliver(_ line: String, prompt: String) -> LineInput {
        if prompting == .transcript { output(prompt + line + "\n") }
        return .line(line)
    }

    private func fill() {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                buffer += chunk[..<n]
                return
            }
            if n < 0 && errno == EINTR { continue }
            atEnd = true
            return
        }
    }
}
