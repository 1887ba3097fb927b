// ByteSource.swift — file reading for the image decoders, with the file errors
// (missing, directory, unreadable, empty, too large). `FileBytes.read` loads a
// whole file of at most `Image.maxFileBytes`; `FileByteSource` reads 64 KiB
// windows on demand so `ImageInfo` can walk headers without loading the file.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to the bytes of an encoded image; `nil` past the end.
protocol ByteSource {
    mutating func byte(at offset: Int) throws(ImageError) -> UInt8?
}

/// An in-memory encoded image.
struct MemoryByteSource: ByteSource {
    let bytes: [UInt8]
    @inline(__always) func byte(at offset: Int) -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }
}

/// A file opened for reading; closes itself.
final class OpenFile {
    let path: String
    let descriptor: Int32
    let size: Int

    /// Opens `path`, mapping the system's errors to `ImageError`s that name it.
    init(_ path: String) throws(ImageError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO would otherwise wait forever for a
        // writer; it is refused below, and a regular file ignores the flag.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw Self.error(errno, path) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw Self.error(code, path)
        }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .isDirectory(path: path)
        }
        // Devices and pipes could stream without end (/dev/zero), block or not seek.
        if let kind = FileKind.nonRegular(status.st_mode) {
            close(fd)
            throw .unreadable(path: path, reason: "\(kind.phrase), not a regular file")
        }
        descriptor = fd
        size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    static func error(_ code: Int32, _ path: String) -> ImageError {
        switch code {
        case ENOENT: return .notFound(path: path)
        case EISDIR: return .isDirectory(path: path)
        default: return .unreadable(path: path, reason: String(cString: strerror(code)))
        }
    }

    /// Up to `count` bytes from `offset`; fewer only at the end of the file.
    func read(at offset: Int, count: Int) throws(ImageError) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = result.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Self.error(errno, path)
            }
            if n == 0 { break }
            done += n
        }
        result.removeLast(count - done)
        return result
    }
}

enum FileBytes {
    /// The whole file, refusing directories, empty files and files over `limit` bytes.
    static func read(_ path: String, limit: Int = Image.maxFileBytes) throws(ImageError) -> [UInt8] {
        let file = try OpenFile(path)
        if file.size > limit { throw .fileTooLarge(name: path, bytes: file.size, limit: limit) }
        // Read until the end rather than trusting fstat's size: the file may
        // grow meanwhile, and /proc files report size 0.
        var bytes = [UInt8]()
        bytes.reserveCapacity(file.size + 1)
        while true {
            let want = min(limit + 1 - bytes.count, max(file.size + 1 - bytes.count, 1 << 16))
            let chunk = try file.read(at: bytes.count, count: want)
            if chunk.isEmpty { break }
            bytes += chunk
            if bytes.count > limit { throw .fileTooLarge(name: path, bytes: bytes.count, limit: limit) }
        }
        if bytes.isEmpty { throw .empty(name: path) }
        return bytes
    }
}

/// A file read on demand through a 64 KiB window.
struct FileByteSource: ByteSource {
    let file: OpenFile
    private var windowStart = 0
    private var window: [UInt8] = []
    private static let windowSize = 1 << 16

    init(_ file: OpenFile) { self.file = file }

    mutating func byte(at offset: Int) throws(ImageError) -> UInt8? {
        if offset < windowStart || offset >= windowStart + window.count {
            windowStart = offset
            window = try file.read(at: offset, count: Self.windowSize)
            if window.isEmpty { return nil }
        }
        return window[offset - windowStart]
    }
}
