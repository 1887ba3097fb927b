// Terminal.swift — facts about the terminal the shell runs in: whether each
// standard stream is a terminal, how wide it is, and whether colour is
// allowed. Every question that depends on the environment takes it as a
// parameter, so tests can ask with a made-up one.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Caseless namespace for terminal queries (isatty, TIOCGWINSZ, NO_COLOR).
public enum Terminal {
    /// One of the three standard streams.
    public enum Stream: Sendable, CaseIterable {
        /// Standard input, file descriptor 0.
        case standardInput
        /// Standard output, file descriptor 1.
        case standardOutput
        /// Standard error, file descriptor 2.
        case standardError

        /// The stream's file descriptor.
        public var fileDescriptor: Int32 {
            switch self {
            case .standardInput: return STDIN_FILENO
            case .standardOutput: return STDOUT_FILENO
            case .standardError: return STDERR_FILENO
            }
        }
    }

    /// Whether `stream` is connected to a terminal (isatty).
    ///
    /// A pipe, a file or /dev/null answer false: the shell then reads plain
    /// lines, prints no control characters and draws no pictures.
    public static func isTerminal(_ stream: Stream) -> Bool {
        isTerminal(fileDescriptor: stream.fileDescriptor)
    }

    /// Whether the file descriptor `fd` is a terminal (isatty).
    public static func isTerminal(fileDescriptor fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// The width in columns of the terminal on `fd` (ioctl TIOCGWINSZ), or nil
    /// when `fd` is not a terminal or reports a width of 0 (some serial
    /// consoles and freshly opened pseudo-terminals do).
    public static func width(fileDescriptor fd: Int32) -> Int? {
        var size = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// The number of columns to lay text out in: the width of the first of
    /// stdout, stderr, stdin that is a terminal; else `$COLUMNS` when it is a
    /// positive integer; else `fallback`.
    ///
    ///     Terminal.columns(environment: ["COLUMNS": "100"])   // 100 when no stream is a terminal
    public static func columns(environment: [String: String] = ProcessInfo.processInfo.environment,
                               fallback: Int = 80) -> Int {
        for stream in [Stream.standardOutput, .standardError, .standardInput] {
            if let width = width(fileDescriptor: stream.fileDescriptor) { return width }
        }
        if let text = environment["COLUMNS"], let value = Int(text), value > 0 { return value }
        return fallback
    }

    /// Whether coloured output (ANSI SGR sequences) may be written to a stream.
    ///
    /// Colour needs a terminal (`isTerminal`), a `TERM` other than `dumb`, and
    /// no `NO_COLOR` (https://no-color.org: any non-empty value disables it).
    ///
    ///     Terminal.colorAllowed(isTerminal: true, environment: ["NO_COLOR": "1"])   // false
    public static func colorAllowed(isTerminal: Bool,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isTerminal else { return false }
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
        if environment["TERM"] == "dumb" { return false }
        return true
    }

    /// Whether coloured output may be written to `stream` in this process.
    public static func colorAllowed(on stream: Stream) -> Bool {
        colorAllowed(isTerminal: isTerminal(stream))
    }
}
