// HistoryFile.swift — the REPL's history as plain text, one entry per line
// plus the continuation lines of a block (`   ...: print i`) (~/.kungfu_history). Loading keeps the last `limit` non-blank lines and
// compacts the file when it holds more; each new entry is appended with one
// write(2), so concurrent sessions interleave whole lines. New files are
// private (0600), like a shell's history.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation

/// A plain-text history file.
public struct HistoryFile: Sendable {
    /// Where the history lives.
    public let path: String
    /// The most entries kept.
    public let limit: Int

    /// A history file at `path` keeping at most `limit` entries.
    public init(path: String, limit: Int = LineEditors.historyLimit) {
        precondition(limit > 0, "HistoryFile: limit must be positive, got \(limit)")
        self.path = path
        self.limit = limit
    }

    /// The last `limit` entries, oldest first; [] when the file does not
    /// exist. An entry is a non-blank line and the continuation lines after
    /// it (`   ...: print i`, a block typed over several lines). When the
    /// file holds more entries than that (or blank lines), it is rewritten
    /// atomically with just these. Invalid UTF-8 becomes U+FFFD.
    public func load() throws -> [String] {
        guard let data = try HistoryFile.contents(of: path) else { return [] }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var entries: [String] = []
        for line in lines.map(String.init) where !HistoryFile.isBlank(line) {
            if LineEditors.isContinuation(line), let last = entries.popLast() {
                entries.append(last + "\n" + line)
            } else {
                entries.append(line)
            }
        }
        let kept = Array(entries.suffix(limit))
        let tidy = kept.isEmpty ? "" : kept.joined(separator: "\n") + "\n"
        if data != Array(tidy.utf8) {
            try AtomicFile.write(tidy, to: path)
        }
        return kept
    }

    /// Appends one entry: a non-blank line, then any continuation lines
    /// (each starting with `...: ` after spaces), as `LineEditors.historyEntry` makes them.
    public func append(_ entry: String) throws {
        let lines = entry.split(separator: "\n", omittingEmptySubsequences: false)
        precondition(!HistoryFile.isBlank(String(lines[0])) && !LineEditors.isContinuation(lines[0])
                     && lines.dropFirst().allSatisfy { LineEditors.isContinuation($0) },
                     "HistoryFile.append: an entry is a line and its continuation lines, got \(entry.debugDescription)")
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            let code = errno
            throw FileWriteError(path: path, reason: code == ENXIO ? "a FIFO with no reader" : systemMessage(code))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw FileWriteError(path: path, reason: "not a regular file")
        }
        try Array((entry + "\n").utf8).withUnsafeBytes { try writeAll(fd, $0, path: path) }
    }

    /// The bytes of the file at `path`, or nil when it does not exist.
    private static func contents(of path: String) throws -> [UInt8]? {
        // O_NONBLOCK: a FIFO in its place must not hang the REPL's start.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileWriteError(path: path, reason: systemMessage(errno))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FileWriteError(path: path, reason: systemMessage(errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw FileWriteError(path: path, reason: "not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return bytes }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileWriteError(path: path, reason: systemMessage(errno))
            }
            bytes += chunk[..<n]
        }
    }

    /// Whether `line` holds nothing but spaces and tabs.
    static func isBlank(_ line: String) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
    }
}
