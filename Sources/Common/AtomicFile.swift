// AtomicFile.swift — write a file so that readers see the old contents or
// the new, never a half: a temporary file beside the target, written in full,
// fsync'ed, then renamed over it. On any failure the temporary file is removed
// and the error names the path and the cause (`out/f.npy: No space left on
// device`). Character devices and FIFOs (/dev/stdout, /dev/full) are written
// in place, since they cannot be renamed over. Every file kungfu writes (PNG,
// .npy, .h5 heads and models, notebooks, the history file) goes through here.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A file that could not be written: the path as the user gave it, and why.
///
///     out/f.npy: No space left on device
///     out/f.npy: folder 'out' does not exist
public struct FileWriteError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path the caller asked to write, as given.
    public let path: String
    /// What went wrong, in words (usually the system's strerror text).
    public let reason: String

    /// Creates an error for `path` with the cause `reason`.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, the form a Unix tool prints.
    public var description: String { "\(path): \(reason)" }
}

/// Caseless namespace for atomic file writes.
///
/// The contract, for a target path P:
/// - P is a regular file, or does not exist: the bytes go to a new file
///   `.NAME.PID.RANDOM.tmp` in P's folder (created with mode 0644 masked by the
///   umask, or with P's own permission bits when P exists), are fsync'ed, and
///   the file is renamed over P. A symbolic link at P is followed, so the link
///   survives and its target is replaced.
/// - P is a character device or a FIFO (/dev/null, /dev/full, /dev/stdout, a
///   named pipe): the bytes are written to it directly.
/// - P is a folder, a block device or a socket: refused.
/// - On any error, nothing is left behind and a `FileWriteError` is thrown;
///   errors thrown by the caller's producer are rethrown unchanged after the
///   temporary file is removed.
///
/// - A FIFO with no reader is refused at once ("a FIFO with no reader")
///   instead of blocking until one comes.
///
/// Temporary files of this process are removed when it is ended by SIGTERM,
/// SIGHUP or a forced Ctrl-C (`installSignalCleanup`); one left by a process
/// killed outright (SIGKILL) is removed the next time the same file is
/// written, once its process is gone. SIGXFSZ is ignored, so a file-size limit
/// is an ordinary write error ("File too large").
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    ///
    ///     try AtomicFile.write(Array("hello\n".utf8), to: "out/hello.txt")
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { writer in try writer.write(bytes) }
    }

    /// Writes the UTF-8 encoding of `text` to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes what `produce` hands to its writer to `path` atomically.
    ///
    /// Use it to stream a large file without building it in memory first. If
    /// `produce` throws, the target is left untouched and the error is
    /// rethrown.
    public static func write(to path: String, _ produce: (inout Writer) throws -> Void) throws {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "empty file name") }
        switch try classify(path) {
        case .device:
            try writeInPlace(path, produce)
        case .regular(let resolved, let mode):
            try writeReplacing(path, resolvedPath: resolved, mode: mode, produce)
        case .missing:
            try writeReplacing(path, resolvedPath: path, mode: nil, produce)
        }
    }

    /// The sink a producer writes to: an open file descriptor and the path the
    /// caller gave (for error messages).
    public struct Writer {
        fileprivate let fd: Int32
        fileprivate let path: String

        /// Writes all of `bytes`, retrying short writes and EINTR.
        public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            try writeAll(fd, bytes, path: path)
        }

        /// Writes all of `bytes`.
        public mutating func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        /// Writes the UTF-8 encoding of `text`.
        public mutating func write(_ text: String) throws {
            try write(Array(text.utf8))
        }
    }

    // MARK: - What the target is

    private enum Target {
        case missing
        case regular(resolvedPath: String, mode: mode_t)
        case device
    }

    private static func classify(_ path: String) throws -> Target {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            switch code {
            case ENOENT:
                return .missing
            case ENOTDIR:
                throw FileWriteError(path: path, reason: "'\(parentFolder(of: path))' is not a folder")
            default:
                throw FileWriteError(path: path, reason: systemMessage(code))
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            // Follow a symbolic link so the link itself survives the rename.
            let resolved = realpath(path, nil).map { pointer -> String in
                defer { free(pointer) }
                return String(cString: pointer)
            } ?? path
            return .regular(resolvedPath: resolved, mode: info.st_mode & 0o7777)
        case S_IFCHR, S_IFIFO:
            return .device
        case S_IFDIR:
            throw FileWriteError(path: path, reason: "is a folder, not a file")
        default:
            throw FileWriteError(path: path, reason: "not a regular file (a block device or a socket)")
        }
    }

    // MARK: - Writing

    private static func writeInPlace(_ path: String, _ produce: (inout Writer) throws -> Void) throws {
        // O_NONBLOCK: opening a FIFO that nobody reads fails with ENXIO
        // instead of waiting forever; writes then block as usual.
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw FileWriteError(path: path, reason: code == ENXIO ? "a FIFO with no reader" : systemMessage(code))
        }
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        var writer = Writer(fd: fd, path: path)
        do {
            try produce(&writer)
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw FileWriteError(path: path, reason: systemMessage(errno)) }
    }

    private static func writeReplacing(_ path: String, resolvedPath: String, mode: mode_t?,
                                       _ produce: (inout Writer) throws -> Void) throws {
        let folder = parentFolder(of: resolvedPath)
        TemporaryFiles.sweepStale(in: folder, for: resolvedPath)
        let (fd, temporary) = try createTemporary(in: folder, for: resolvedPath, userPath: path)
        let slot = TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(slot) }
        var writer = Writer(fd: fd, path: path)
        func abandon() {
            close(fd)
            unlink(temporary)
        }
        if let mode, fchmod(fd, mode) != 0 {
            let code = errno
            abandon()
            throw FileWriteError(path: path, reason: systemMessage(code))
        }
        do {
            try produce(&writer)
        } catch {
            abandon()
            throw error
        }
        // Data must be on disk before the rename publishes it: otherwise a
        // crash can leave an empty file under the final name.
        if fsync(fd) != 0 {
            let code = errno
            abandon()
            throw FileWriteError(path: path, reason: systemMessage(code))
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw FileWriteError(path: path, reason: systemMessage(code))
        }
        if rename(temporary, resolvedPath) != 0 {
            let code = errno
            unlink(temporary)
            throw FileWriteError(path: path, reason: systemMessage(code))
        }
        // Make the rename itself durable. Some file systems refuse fsync on a
        // folder; the file is already complete, so that is not an error.
        let folderFD = open(folder, O_RDONLY | O_CLOEXEC)
        if folderFD >= 0 {
            _ = fsync(folderFD)
            close(folderFD)
        }
    }

    /// Creates `.NAME.PID.RANDOM.tmp` in `folder` with O_EXCL|O_NOFOLLOW, so
    /// two writers never share a temporary file and a planted link is never
    /// followed.
    private static func createTemporary(in folder: String, for target: String,
                                        userPath: String) throws -> (Int32, String) {
        let name = fileName(of: target)
        for _ in 0..<100 {
            let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let temporary = (folder == "." && !target.hasPrefix("./") ? "" : folder + "/")
                + ".\(name).\(getpid()).\(random).tmp"
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            if fd >= 0 { return (fd, temporary) }
            let code = errno
            switch code {
            case EEXIST, EINTR:
                continue
            case ENOENT where !folderExists(folder):
                throw FileWriteError(path: userPath, reason: "folder '\(folder)' does not exist")
            case ENOTDIR:
                throw FileWriteError(path: userPath, reason: "'\(folder)' is not a folder")
            case ENOENT, EACCES, EPERM, EROFS:
                // ENOENT from an existing folder: /proc and /sys refuse new files so.
                throw FileWriteError(path: userPath, reason: "\(systemMessage(code)) (cannot create a file in '\(folder)')")
            default:
                throw FileWriteError(path: userPath, reason: systemMessage(code))
            }
        }
        throw FileWriteError(path: userPath, reason: "could not pick a free temporary name in '\(folder)'")
    }

    private static func folderExists(_ folder: String) -> Bool {
        var info = stat()
        return stat(folder, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// The last component of `path`.
    static func fileName(of path: String) -> String {
        String(path.split(separator: "/", omittingEmptySubsequences: false).last ?? "file")
    }

    /// The folder part of `path`: "out" for "out/f.npy", "." for "f.npy", "/"
    /// for "/f.npy".
    public static func parentFolder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = path[..<slash]
        return folder.isEmpty ? "/" : String(folder)
    }
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR; a failure
/// throws `FileWriteError` naming `path` and the system's reason.
public func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0 {
            if errno == EINTR { continue }
            throw FileWriteError(path: path, reason: systemMessage(errno))
        }
        if n == 0 { throw FileWriteError(path: path, reason: "the device accepted no more bytes") }
        offset += n
    }
}

/// write(2), named so that `Writer.write` does not shadow it.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// The system's text for an errno value, e.g. "No space left on device".
public func systemMessage(_ code: Int32) -> String {
    String(cString: strerror(code))
}
