// SHA256Hasher.swift — SHA-256 through OpenSSL's libcrypto EVP interface
// (module CCrypto), fed incrementally so a download is hashed as it arrives.
import CCrypto
import Foundation

/// An incremental SHA-256 hash.
///
///     let hasher = SHA256Hasher()
///     hasher.update(Array("abc".utf8))
///     hasher.finalizeHex()   // "ba7816bf…f20015ad"
///
/// Not thread-safe: one hasher belongs to one caller.
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var finished = false

    /// A hasher with nothing hashed yet.
    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            preconditionFailure("SHA256Hasher: OpenSSL could not set up SHA-256")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds `bytes` to the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!finished, "SHA256Hasher: update after finalizeHex")
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(EVP_DigestUpdate(context, base, bytes.count) == 1, "SHA256Hasher: EVP_DigestUpdate failed")
    }

    /// Adds `bytes` to the hash.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest as 64 lowercase hex digits; the hasher takes no more input.
    public func finalizeHex() -> String {
        precondition(!finished, "SHA256Hasher: finalizeHex called twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        precondition(EVP_DigestFinal_ex(context, &digest, &length) == 1 && length == 32,
                     "SHA256Hasher: EVP_DigestFinal_ex failed")
        return digest.prefix(32).map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of `bytes`, as lowercase hex.
    public static func hex(of bytes: [UInt8]) -> String {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalizeHex()
    }

    /// The SHA-256 of the file at `path`, read in 1 MiB blocks.
    ///
    /// Throws `WeightsError(.unreadable)` naming the file and the system's reason.
    public static func hex(ofFileAt path: String) throws -> String {
        let (fd, _) = try KerasWeightsFile.openRegular(path)   // a FIFO or a folder is refused, never waited on
        defer { close(fd) }
        return try hex(ofDescriptor: fd, path: path).sha256
    }

    /// The size and SHA-256 of everything in the open file `fd`, read from
    /// offset 0 with pread (the descriptor's offset is not moved). `path`
    /// only names the file in errors.
    public static func hex(ofDescriptor fd: Int32, path: String) throws -> (size: Int64, sha256: String) {
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset)) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw WeightsError(.unreadable, "\(path): cannot read (\(String(cString: strerror(errno))))")
            }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            offset += Int64(count)
        }
        return (offset, hasher.finalizeHex())
    }
}
