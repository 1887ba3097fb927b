// TemporaryFiles.swift — the temporary files AtomicFile has open, so that a
// process ended by SIGTERM, SIGHUP or a forced Ctrl-C removes them on its way
// out, and so that those of a process killed outright are swept the next time
// the same file is written.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// The slots a signal handler reads: a fixed table of C strings, allocated
// once before any handler is installed. A slot is claimed and released under
// `TemporaryFiles.lock`; the handler only loads the pointers (one aligned
// word each) and calls unlink(2), which is async-signal-safe. A path is freed
// only after its slot was cleared.
private let slotCount = 64
@exclusivity(unchecked) nonisolated(unsafe) private var slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil

/// The signals that end the process after the temporary files are removed.
private let cleanupSignals: [Int32] = [SIGTERM, SIGHUP]

/// The handler for `cleanupSignals`: remove the temporary files, then die of
/// the same signal (default disposition), as if nothing had been caught.
private let handleTermination: @convention(c) (Int32) -> Void = { signal in
    removeTemporaryFilesNow()
    SignalAction.install(signal, SIG_DFL)
    raise(signal)
}

/// Unlinks every registered temporary file. Async-signal-safe: call it from a
/// signal handler just before `_exit` (the forced Ctrl-C does).
public func removeTemporaryFilesNow() {
    guard let table = slots else { return }
    for index in 0..<slotCount {
        if let path = table[index] { unlink(path) }
    }
}

/// Caseless namespace for the registry of live temporary files.
public enum TemporaryFiles {
    private static let lock = NSLock()
    // Guarded by `lock` (the handler only reads it, see above).
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
        table.initialize(repeating: nil, count: slotCount)
        slots = table
        return table
    }()

    /// Installs the SIGTERM and SIGHUP handlers that remove this process's
    /// temporary files before it dies, and ignores SIGXFSZ so that exceeding
    /// a file-size limit is a write error (EFBIG) rather than a killed
    /// process. Call once, early in `main`.
    public static func installSignalCleanup() {
        _ = table
        for signal in cleanupSignals { SignalAction.install(signal, handleTermination) }
        SignalAction.install(SIGXFSZ, SIG_IGN)
    }

    /// Registers `path`; returns its slot for `unregister` (nil when the table
    /// is full: the file is then only swept later).
    static func register(_ path: String) -> Int? {
        let copy = strdup(path)
        lock.lock()
        defer { lock.unlock() }
        for index in 0..<slotCount where table[index] == nil {
            table[index] = copy
            return index
        }
        free(copy)
        return nil
    }

    /// Forgets the path in `slot` (after it was renamed or removed).
    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.lock()
        let path = table[slot]
        table[slot] = nil
        lock.unlock()
        free(path)
    }

    /// Removes `.NAME.PID.RANDOM.tmp` files for `target` in `folder` whose
    /// process no longer exists (left by a process killed outright). Files of
    /// living processes, and anything not named so, are never touched.
    static func sweepStale(in folder: String, for target: String) {
        let prefix = "." + AtomicFile.fileName(of: target) + "."
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix), name.hasSuffix(".tmp") else { continue }
            let middle = name.dropFirst(prefix.count).dropLast(4).split(separator: ".")
            guard middle.count == 2, let pid = pid_t(middle[0]), pid > 0, pid != getpid(),
                  UInt32(middle[1], radix: 16) != nil else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH {
                unlink((folder == "." ? "" : folder + "/") + name)
            }
        }
    }
}
