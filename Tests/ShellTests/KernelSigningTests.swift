// KernelSigningTests.swift — the kernel's HMAC-SHA256 (OpenSSL) and message
// signing. Oracle: the test cases of RFC 4231 section 4 (HMAC-SHA-256).
@testable import Shell
import Common
import XCTest

final class KernelSigningTests: XCTestCase {
    private func hmac(_ key: [UInt8], _ data: [UInt8]) -> String {
        MessageSigner.hex(MessageSigner.hmacSHA256(key: key, [data]))
    }

    func testRFC4231Vectors() {
        XCTAssertEqual(hmac([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8)),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(hmac(Array("Jefe".utf8), Array("what do ya want for nothing?".utf8)),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(hmac([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50)),
                       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe")
        XCTAssertEqual(hmac(Array(1...25), [UInt8](repeating: 0xcd, count: 50)),
                       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b")
        XCTAssertEqual(String(hmac([UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8)).prefix(32)),
                       "a3b6167473100ee06e0c796c2955552b")
        XCTAssertEqual(hmac([UInt8](repeating: 0xaa, count: 131),
                            Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8)),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
        XCTAssertEqual(hmac([UInt8](repeating: 0xaa, count: 131),
                            Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                                   + "The key needs to be hashed before being used by the HMAC algorithm.").utf8)),
                       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2")
    }

    func testSignatureCoversTheFourFramesInOrder() {
        let signer = MessageSigner(key: Array("Jefe".utf8))
        let frames = ["what do ", "ya want ", "for ", "nothing?"].map { Array($0.utf8) }
        // The HMAC of the concatenation: RFC 4231 test case 2 split in four.
        XCTAssertEqual(signer.signature(frames), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertTrue(signer.verify(Array(signer.signature(frames).utf8), frames: frames))
        XCTAssertFalse(signer.verify(Array(signer.signature(frames.reversed()).utf8), frames: frames))
        XCTAssertFalse(signer.verify([], frames: frames))
        XCTAssertEqual(MessageSigner(key: []).signature(frames), "")
    }

    func testDecodeRefusesWrongAndMissingSignatures() throws {
        let signer = MessageSigner(key: Array("secret".utf8))
        let message = KernelMessage(identities: [Array("client".utf8)],
                                    header: KernelMessage.header(type: "kernel_info_request", session: "s"),
                                    parentHeader: .object([]), metadata: .object([]), content: .object([]))
        var frames = message.encode(signer: signer)
        let decoded = try KernelMessage.decode(frames, signer: signer)
        XCTAssertEqual(decoded.type, "kernel_info_request")
        XCTAssertEqual(decoded.identities, [Array("client".utf8)])
        XCTAssertThrowsError(try KernelMessage.decode(frames, signer: MessageSigner(key: Array("other".utf8)))) {
            XCTAssertEqual("\($0)", "wrong signature")
        }
        frames[2] = []
        XCTAssertThrowsError(try KernelMessage.decode(frames, signer: signer)) { XCTAssertEqual("\($0)", "unsigned message") }
    }
}
