// MessageSigner.swift — HMAC-SHA256 of Jupyter messages with the connection
// file's key (OpenSSL's HMAC, module CCrypto). An empty key means the
// client asked for no signing: the signature is then the empty string.
import CCrypto
import Foundation

/// Signs and checks Jupyter messages: the hex HMAC-SHA256 of the header,
/// parent header, metadata and content frames, in that order.
struct MessageSigner: Sendable {
    /// The connection file's `key`, as bytes.
    let key: [UInt8]

    /// A signer with `key` (`signature_scheme` must be `hmac-sha256`).
    init(key: [UInt8]) {
        self.key = key
    }

    /// The raw 32-byte HMAC-SHA256 of the concatenation of `parts` under `key`.
    static func hmacSHA256(key: [UInt8], _ parts: [[UInt8]]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let data = parts.flatMap { $0 }
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress, d.count, &digest, &length)
            }
        }
        precondition(ok != nil, "MessageSigner: OpenSSL HMAC failed")
        return Array(digest.prefix(Int(length)))
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return text
    }

    /// The signature frame for these four frames: hex HMAC, or "" without a key.
    func signature(_ frames: [[UInt8]]) -> String {
        key.isEmpty ? "" : Self.hex(Self.hmacSHA256(key: key, frames))
    }

    /// Whether `signature` is the right one for `frames`, compared in
    /// constant time; with no key every message is accepted.
    func verify(_ signature: [UInt8], frames: [[UInt8]]) -> Bool {
        guard !key.isEmpty else { return true }
        let expected = Array(self.signature(frames).utf8)
        guard expected.count == signature.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(expected, signature) { difference |= a ^ b }
        return difference == 0
    }
}
