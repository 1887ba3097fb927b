// KernelFile.swift — kernels kept as given, out of resident memory.
//
// A Winograd layer runs on U = G g Gᵀ with the batch-norm scale folded in,
// which cannot give the kernel g back exactly; but saving, exporting,
// fine-tuning and Grad-CAM need g bit for bit. Nothing reads it during a
// forward pass, so instead of holding it in memory beside U, the layer
// writes it once to a temporary file that is unlinked as soon as it is
// made (nobody else can open it, and the space goes back when the last
// layer holding it is freed) and reads it back when asked.
//
// Where the file cannot be made or written (no writable temporary folder,
// a full disk), the copy stays in memory: the same bits either way, only
// the resident memory differs.
import Foundation

/// An unlinked temporary file that kernels are appended to, shared by the
/// layers one model prepares. Safe to append to from several threads.
final class KernelFile: @unchecked Sendable {
    // Sendable: `end` is only touched under `lock`; pread and pwrite take
    // explicit offsets and never move the descriptor's own.
    private let descriptor: Int32
    private let lock = NSLock()
    private var end = 0

    /// A new file in `directory` (by default the temporary folder, $TMPDIR or
    /// /tmp), unlinked at once; nil if it cannot be made there.
    convenience init?(directory: URL = FileManager.default.temporaryDirectory) {
        var template = Array(directory.appendingPathComponent("kungfu-kernels-XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { return nil }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        self.init(descriptor: descriptor)
    }

    /// A file already open for reading and writing; the object closes it.
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Writes `scalars` after everything written so far; returns where, or
    /// nil if the write failed (disk full, I/O error): the caller keeps its
    /// own copy then.
    func append(_ scalars: UnsafeBufferPointer<Float>) -> Int? {
        let bytes = scalars.count * MemoryLayout<Float>.stride
        let offset = lock.withLock {
            defer { end += bytes }
            return end
        }
        let raw = UnsafeRawBufferPointer(scalars)
        var done = 0
        while done < bytes {
            let written = pwrite(descriptor, raw.baseAddress! + done, bytes - done, off_t(offset + done))
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return nil }
            done += written
        }
        return offset
    }

    /// The `count` scalars written at `offset`. The file is private and
    /// never shrinks, so only an I/O error of the disk can stop this; it
    /// stops the program with that error rather than give wrong weights.
    func read(offset: Int, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            var done = 0
            while done < raw.count {
                let got = pread(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    let reason = got == 0 ? "the file ended early" : String(cString: strerror(errno))
                    preconditionFailure("KernelFile: cannot read back a kernel of \(count) scalars at byte "
                                        + "\(offset + done) of its temporary file: \(reason)")
                }
                done += got
            }
            initialized = count
        }
    }
}

/// A kernel exactly as given, in a `KernelFile` when one is at hand and
/// takes it, in memory otherwise.
struct KernelCopy: Sendable {
    private enum Storage: Sendable {
        case memory([Float])
        case file(KernelFile, offset: Int)
    }

    private let storage: Storage
    /// Number of scalars.
    let count: Int

    init(_ scalars: UnsafeBufferPointer<Float>, file: KernelFile?) {
        count = scalars.count
        if let file, let offset = file.append(scalars) {
            storage = .file(file, offset: offset)
        } else {
            storage = .memory(Array(scalars))
        }
    }

    /// Whether the copy is in a file rather than in memory.
    var isInFile: Bool {
        if case .file = storage { return true }
        return false
    }

    /// The scalars, bit for bit as given.
    var scalars: [Float] {
        switch storage {
        case .memory(let scalars): return scalars
        case .file(let file, let offset): return file.read(offset: offset, count: count)
        }
    }
}
