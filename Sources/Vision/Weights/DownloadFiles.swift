// DownloadFiles.swift — the files a download touches in the cache folder:
//
//   <file>.lock            DownloadLock: held (flock) from before the transfer
//                          until the verified file is in place; never written
//   <file>.<random>.part   FileSink: created new (O_EXCL | O_NOFOLLOW), so it
//                          is never a link, never an existing file, never
//                          shared with another downloader
//
// Neither path is ever opened through a symbolic link, and no fixed name is
// ever truncated: a link or file planted at `<file>.part` is left alone.
import Foundation

/// Where downloaded bytes go. The default is `FileSink`; tests inject sinks
/// whose writes fail, to check the full-disk path.
public protocol DownloadSink: AnyObject {
    /// Stores the next bytes; throws (with the system's reason) if it cannot.
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Makes everything durable and closes; called once, after the last write.
    func finish() throws
}

/// A `DownloadSink` writing a new file: `path` must not exist yet, and a
/// symbolic link there is refused rather than followed.
public final class FileSink: DownloadSink {
    private var fd: Int32
    private let path: String

    /// Creates `path` (mode 0644). Throws if it exists (as a file or a link)
    /// or cannot be created.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SinkFailure("cannot create \(path) (\(systemReason()))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Appends `bytes`, retrying short writes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SinkFailure("cannot write \(path) (\(systemReason()))")
            }
            offset += written
        }
    }

    /// fsyncs and closes the file.
    public func finish() throws {
        let synced = fsync(fd) == 0
        let reason = systemReason()
        close(fd)
        fd = -1
        guard synced else { throw SinkFailure("cannot write \(path) to disk (\(reason))") }
    }
}

/// An exclusive lock on `<file>.lock`, so that one download of a file runs at
/// a time, held until the verified file has been renamed into place.
///
/// The lock file is removed when released. Because of that, a lock taken on
/// a file that its previous holder had already removed is worthless; `init`
/// checks that the locked file is still the one at the path and tries again
/// if not.
final class DownloadLock {
    private var fd: Int32
    let path: String

    /// Takes the lock without waiting. Throws `SinkFailure` if another
    /// download holds it, or the lock file cannot be made.
    init(path: String, busy: @autoclosure () -> String) throws {
        self.path = path
        fd = -1
        for _ in 0..<100 {
            let candidate = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard candidate >= 0 else { throw SinkFailure("cannot create the lock \(path) (\(systemReason()))") }
            guard flock(candidate, LOCK_EX | LOCK_NB) == 0 else {
                close(candidate)
                throw SinkFailure(busy())
            }
            var held = stat(), current = stat()
            if fstat(candidate, &held) == 0, lstat(path, &current) == 0,
               held.st_dev == current.st_dev, held.st_ino == current.st_ino {
                fd = candidate
                return
            }
            close(candidate)  // its holder removed it after we opened it: take the new one
        }
        throw SinkFailure("cannot lock \(path) (it keeps being replaced)")
    }

    /// Removes the lock file and releases the lock (in that order, so a
    /// waiting downloader sees a removed file and starts over).
    func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    deinit { release() }
}

/// `<destination>.<6 random letters>.part`: a name no other downloader uses.
func uniquePartPath(for destination: String) -> String {
    let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
    var generator = SystemRandomNumberGenerator()
    let tag = String((0..<6).map { _ in letters[Int(generator.next(upperBound: UInt64(letters.count)))] })
    return "\(destination).\(tag).part"
}

/// write(2), named apart from `DownloadSink.write`.
private func posixWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// strerror(errno), read at once.
func systemReason() -> String {
    String(cString: strerror(errno))
}

/// A sink's (or lock's) failure, already phrased for the user.
struct SinkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
