// WeightsSHA256Tests.swift — SHA-256 through libcrypto.
//
// Oracle: the FIPS 180-2 test vectors (empty string, "abc", the 448-bit
// message, one million 'a').
import Foundation
import XCTest
@testable import Vision

final class WeightsSHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256Hasher.hex(of: []),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256Hasher.hex(of: Array("abc".utf8)),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256Hasher.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testIncrementalUpdatesAndFilesGiveTheSameDigest() throws {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let hasher = SHA256Hasher()
        for start in stride(from: 0, to: million.count, by: 7919) {
            hasher.update(Array(million[start..<min(start + 7919, million.count)]))
        }
        XCTAssertEqual(hasher.finalizeHex(), expected)
        let path = "\(try temporaryFolder())/a.bin"
        try Data(million).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try SHA256Hasher.hex(ofFileAt: path), expected)
    }

    func testUnreadableFile() throws {
        let path = "\(try temporaryFolder())/absent"
        XCTAssertThrowsWeightsError(try SHA256Hasher.hex(ofFileAt: path), .unreadable,
                                    "\(path): cannot open (No such file or directory)")
    }
}
