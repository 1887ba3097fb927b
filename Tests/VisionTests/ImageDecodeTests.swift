// ImageDecodeTests.swift — JPEG and PNG decoding against Pillow, ImageInfo
// against the sources' known headers, and the fixture loader the other
// Image*Tests share. Oracle: Fixtures/pillow/expected.json, written by
// generate.py beside it from Pillow 13's `Image.open(f).convert("RGB")`.

import CCrypto
import Foundation
import XCTest
@testable import Vision

/// Paths and the Pillow fixture, found from this file's location.
enum PillowFixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let folder = repositoryRoot + "/Tests/VisionTests/Fixtures/pillow"

    struct Decode: Decodable {
        let file: String
        let pillowMode: String
        let width: Int
        let height: Int
        let sha256: String
        let pixels: String?
    }

    struct Resize: Decodable {
        let file: String
        let width: Int
        let height: Int
        let filter: String
        let keepAspectRatio: Bool
        let box: [Float]?
        let sha256: String
        let pixels: String?
    }

    struct IndexMap: Decodable {
        let input: Int
        let output: Int
        let indices: [Int]
    }

    struct Expected: Decodable {
        let pillow: String
        let libjpegTurbo: String
        let decode: [Decode]
        let resize: [Resize]
        let nearestIndexMaps: [IndexMap]
    }

    /// The parsed expected.json; fails the calling test if it is missing.
    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> Expected {
        let path = folder + "/expected.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing Pillow fixture \(path): run Tests/VisionTests/Fixtures/pillow/generate.py",
                    file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    static func path(_ relative: String) -> String { repositoryRoot + "/" + relative }
}

/// SHA-256 through OpenSSL's EVP API, as lowercase hex.
func sha256Hex(_ bytes: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
    precondition(ok == 1, "EVP_Digest failed")
    return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
}

/// Largest absolute difference between two equally long byte arrays, with its index.
func maxDifference(_ a: [UInt8], _ b: [UInt8]) -> (difference: Int, index: Int) {
    precondition(a.count == b.count, "maxDifference: \(a.count) vs \(b.count) bytes")
    var worst = (difference: 0, index: 0)
    for i in a.indices where abs(Int(a[i]) - Int(b[i])) > worst.difference {
        worst = (abs(Int(a[i]) - Int(b[i])), i)
    }
    return worst
}

/// Asserts `image` has Pillow's size and pixels; on a mismatch reports the
/// worst pixel when the fixture stores pixels.
func assertMatchesPillow(_ image: Image, width: Int, height: Int, sha256: String, pixels: String?,
                         _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(image.width, width, "\(what): width", file: file, line: line)
    XCTAssertEqual(image.height, height, "\(what): height", file: file, line: line)
    guard image.width == width && image.height == height else { return }
    let digest = sha256Hex(image.pixels)
    if digest == sha256 { return }
    if let pixels, let expected = Data(base64Encoded: pixels).map(Array.init) {
        let worst = maxDifference(image.pixels, expected)
        if worst.difference == 0 && expected.count == image.pixels.count {
            XCTFail("\(what): pixels equal the fixture's but its SHA-256 \(sha256) does not: fixture is inconsistent",
                    file: file, line: line)
            return
        }
        let pixel = worst.index / 3
        XCTFail("\(what): differs from Pillow by up to \(worst.difference) at pixel (\(pixel % width), "
                + "\(pixel / width)) channel \(worst.index % 3): \(image.pixels[worst.index]) vs \(expected[worst.index])",
                file: file, line: line)
    } else {
        XCTFail("\(what): SHA-256 \(digest) differs from Pillow's \(sha256)", file: file, line: line)
    }
}

final class ImageDecodeTests: XCTestCase {
    /// Every source kind (JPEG 4:2:0/4:2:2/4:4:4, progressive, gray, CMYK,
    /// YCCK, restart markers, Exif orientation; PNG of every colour type and
    /// bit depth, palette + tRNS, Adam7, gAMA, split IDAT) and every photo
    /// under examples/ decode to Pillow's exact RGB bytes.
    func testDecodingMatchesPillowExactly() throws {
        let expected = try PillowFixture.load()
        XCTAssertGreaterThan(expected.decode.count, 150, "fixture lists too few images")
        for entry in expected.decode {
            let image = try Image(contentsOfFile: PillowFixture.path(entry.file))
            assertMatchesPillow(image, width: entry.width, height: entry.height, sha256: entry.sha256,
                                pixels: entry.pixels, "\(entry.file) (Pillow mode \(entry.pillowMode))")
        }
    }

    /// The same bytes decode the same from memory, and the name only appears in errors.
    func testEncodedBytesDecodeLikeTheFile() throws {
        let path = PillowFixture.folder + "/sources/rgb420-17x13.jpg"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(try Image(encoded: bytes, name: "memory.jpg"), try Image(contentsOfFile: path))
    }

    /// The format comes from the signature: a PNG named .jpg decodes as PNG.
    /// Oracle: the same file under its right name.
    func testFormatComesFromSignatureNotExtension() throws {
        let path = PillowFixture.folder + "/sources/rgb8-17x13.png"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(try Image(encoded: bytes, name: "really-a-png.jpg"), try Image(contentsOfFile: path))
    }

    /// ImageInfo reads format, size, channels and bit depth from headers.
    /// Oracle: the parameters generate.py wrote the sources with, and Pillow's
    /// sizes for the photos.
    func testInfoReadsHeaders() throws {
        let cases: [(String, ImageFormat, Int, Int, Int, Int)] = [
            ("rgb420-64x48.jpg", .jpeg, 64, 48, 3, 8),
            ("progressive-45x31.jpg", .jpeg, 45, 31, 3, 8),
            ("gray-23x19.jpg", .jpeg, 23, 19, 1, 8),
            ("cmyk-29x17.jpg", .jpeg, 29, 17, 4, 8),
            ("ycck-26x18.jpg", .jpeg, 26, 18, 4, 8),
            ("exif-orientation6-24x16.jpg", .jpeg, 24, 16, 3, 8),
            ("rgb8-17x13.png", .png, 17, 13, 3, 8),
            ("rgba16-10x7.png", .png, 10, 7, 4, 16),
            ("gray-alpha8-13x9.png", .png, 13, 9, 2, 8),
            ("gray1-13x11.png", .png, 13, 11, 1, 1),
            ("palette4-11x7.png", .png, 11, 7, 3, 4),
            ("rgb8-adam7-1x1.png", .png, 1, 1, 3, 8),
        ]
        for (file, format, width, height, channels, bits) in cases {
            let path = PillowFixture.folder + "/sources/" + file
            let expected = ImageInfo(format: format, width: width, height: height, channels: channels, bitsPerSample: bits)
            XCTAssertEqual(try ImageInfo(contentsOfFile: path), expected, file)
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            XCTAssertEqual(try ImageInfo(encoded: bytes, name: file), expected, file)
        }
        let photo = try ImageInfo(contentsOfFile: PillowFixture.path("examples/testset/1.jpg"))
        XCTAssertEqual([photo.width, photo.height, photo.channels], [451, 300, 3])
    }

    /// A JPEG whose frame header sits behind a 60 KB APP segment: ImageInfo
    /// seeks past it. Oracle: the size written into the crafted header.
    func testInfoSkipsLargeSegmentsWithoutReadingThem() throws {
        var bytes: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0xEA, 0x62]
        bytes += [UInt8](repeating: 0x41, count: 0xEA62 - 2)
        bytes += [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x01, 0xC3, 0x03,
                  0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        let path = NSTemporaryDirectory() + "kungfu-info-\(getpid()).jpg"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try ImageInfo(contentsOfFile: path),
                       ImageInfo(format: .jpeg, width: 451, height: 300, channels: 3, bitsPerSample: 8))
    }
}
