// StandardStreams.swift — stdout and stderr, written with write(2). A write
// that fails (a full disk, /dev/full, a closed descriptor, a pipe whose reader
// left while SIGPIPE is ignored) never traps: the stream remembers the first
// failure, stops writing, and the failure is reported once on the other
// stream as GNU tools do ("kungfu: write error: No space left on device").
// `Kungfu.main` then exits 1. With SIGPIPE at its default, a closed pipe
// (`kungfu … | head -1`) ends the process quietly, as it ends `cat`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation
import Lang

/// One of the process's standard output streams.
public final class StandardStream: @unchecked Sendable {
    // @unchecked Sendable: `failure` is only touched while `lock` is held.

    /// The process's stdout.
    public static let output = StandardStream(fd: STDOUT_FILENO, name: "stdout")
    /// The process's stderr.
    public static let error = StandardStream(fd: STDERR_FILENO, name: "stderr")

    /// True when results are JSON lines: a failure of stderr is then
    /// reported on stdout as a JSON error object, not as text.
    nonisolated(unsafe) static var reportsAsJSON = false

    let fd: Int32
    let name: String
    private let lock = NSLock()
    private var failureCode: Int32?
    private var closedAtStart = false

    init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    /// Run first in `main`: a standard descriptor that was closed (`2>&-`)
    /// is reopened on /dev/null so that no file kungfu opens later takes its
    /// number (and receives its output); the stream counts as failed with
    /// EBADF, reported at its first write.
    static func guardClosedDescriptors() {
        for (fd, stream) in [(STDIN_FILENO, nil), (STDOUT_FILENO, output), (STDERR_FILENO, error)] {
            guard fcntl(fd, F_GETFD) == -1, errno == EBADF else { continue }
            let null = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0, null != fd {
                dup2(null, fd)
                close(null)
            }
            stream?.lock.withLock { stream?.closedAtStart = true }
        }
    }

    /// The errno of the first failed write, if any.
    var failure: Int32? { lock.withLock { failureCode } }

    /// Writes all of `text`; after a failure, nothing more is written.
    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        let failed: Int32? = lock.withLock {
            guard failureCode == nil else { return nil }
            let code: Int32? = closedAtStart ? EBADF : bytes.withUnsafeMutableBytes { writeAll($0) }
            failureCode = code
            return code
        }
        if let failed { reportFailure(failed) }
    }

    /// Writes the whole buffer; returns errno on failure, nil on success.
    private func writeAll(_ buffer: UnsafeMutableRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < buffer.count {
            let n = systemWrite(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            let code = n == 0 ? EIO : errno
            switch code {
            case EINTR:
                continue
            case EAGAIN:
                // A non-blocking descriptor we inherited: wait until it takes more.
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, -1)
            default:
                return code
            }
        }
        return nil
    }

    /// Says once, on the other stream, that this one failed.
    private func reportFailure(_ code: Int32) {
        let reason = systemMessage(code)
        if fd == STDOUT_FILENO {
            StandardStream.error.write("kungfu: write error: \(reason)\n")
        } else if Self.reportsAsJSON {
            let message = Value.string("write error on stderr: \(reason)").json.rendered
            StandardStream.output.write("{\"type\":\"error\",\"error\":\(message)}\n")
        } else {
            StandardStream.output.write("kungfu: write error on stderr: \(reason)\n")
        }
    }

    /// Whether stdout or stderr failed: the run then exits 1.
    static var anyFailed: Bool { output.failure != nil || error.failure != nil }
}

/// write(2), named so that `StandardStream.write` does not shadow it.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// Warnings a command gives while it runs (`warning: … (skipped)`, names
/// left out of a training folder): written on stderr as always, and also
/// recorded as the running cell's stderr in the session's notebook, so a
/// notebook written with --notebook and a cell run in the Jupyter kernel
/// show them where they happened.
enum Warnings {
    private static let lock = NSLock()
    // Only touched while `lock` is held.
    nonisolated(unsafe) private static var recorder: ((String) -> Void)?

    /// Where warnings are recorded besides stderr: the notebook of the host
    /// that runs commands now (the last one wired), or nowhere (nil).
    static func record(to sink: ((String) -> Void)?) {
        lock.withLock { recorder = sink }
    }

    /// Writes `line` and a newline on stderr, and records it.
    static func emit(_ line: String) {
        StandardStream.error.write(line + "\n")
        let sink = lock.withLock { recorder }
        sink?(line + "\n")
    }
}
