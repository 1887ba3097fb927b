// ImageErrorTests.swift — bad files give one clear error naming the file and the
// cause, never a crash or a half-decoded image. Oracle: the message expected
// for each crafted case (cut at a known place, a header claiming a known
// size), and for the mutation sweep the property "decodes or throws".

import Foundation
import XCTest
@testable import Vision

final class ImageErrorTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "kungfu-image-errors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func source(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: PillowFixture.folder + "/sources/" + name)))
    }

    /// Asserts decoding `bytes` under `name` throws exactly `message`.
    private func assertError(_ bytes: [UInt8], _ name: String, _ message: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Image(encoded: bytes, name: name), file: file, line: line) { error in
            XCTAssertEqual((error as? ImageError)?.description, message, file: file, line: line)
        }
    }

    /// Asserts opening the file at `path` throws exactly `message`, both for
    /// decoding and for ImageInfo.
    private func assertFileError(_ path: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Image(contentsOfFile: path), file: file, line: line) { error in
            XCTAssertEqual((error as? ImageError)?.description, message, file: file, line: line)
        }
        XCTAssertThrowsError(try ImageInfo(contentsOfFile: path), file: file, line: line) { error in
            XCTAssertEqual((error as? ImageError)?.description, message, file: file, line: line)
        }
    }

    // MARK: files that are not images

    func testMissingFile() {
        assertFileError(folder + "/missing.jpg", folder + "/missing.jpg: no such file")
    }

    func testDirectory() {
        assertFileError(folder, folder + ": is a directory, not an image file")
    }

    func testUnreadablePath() throws {
        // A path through a regular file: the system refuses it (ENOTDIR), even
        // for root, for whom permission bits would not.
        let plain = folder + "/plain.jpg"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: plain))
        assertFileError(plain + "/x.jpg", plain + "/x.jpg: cannot read (Not a directory)")
        assertFileError("/dev/zero", "/dev/zero: cannot read (a character device, not a regular file)")
    }

    func testEmptyFile() throws {
        let path = folder + "/empty.jpg"
        try Data().write(to: URL(fileURLWithPath: path))
        assertFileError(path, path + ": empty file (0 bytes)")
        assertError([], "empty.png", "empty.png: empty file (0 bytes)")
    }

    func testWrongSignature() throws {
        let text = Array("just some notes, not a picture\n".utf8)
        let path = folder + "/notes.jpg"
        try Data(text).write(to: URL(fileURLWithPath: path))
        assertFileError(path, path + ": not a JPEG (bad SOI marker)")
        assertError(text, "notes.png", "notes.png: not a PNG (bad signature)")
        assertError(text, "notes.txt", "notes.txt: not a JPEG or PNG image (unrecognised signature)")
        assertError(Array("GIF89a".utf8) + [0, 0, 0, 0], "cat.gif", "cat.gif: GIF images are not supported (only JPEG and PNG)")
        assertError(Array("RIFF".utf8) + [0, 0, 0, 0] + Array("WEBPVP8 ".utf8), "cat.webp",
                    "cat.webp: WebP images are not supported (only JPEG and PNG)")
    }

    func testFileOverTheSizeLimit() throws {
        let path = folder + "/big.jpg"
        try Data(try source("rgb420-64x48.jpg")).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try FileBytes.read(path, limit: 1000)) { error in
            XCTAssertEqual((error as? ImageError)?.description,
                           path + ": file is 2752 bytes, more than the limit of 1000 bytes (Image.maxFileBytes)")
        }
    }

    // MARK: truncated files

    func testTruncatedJPEG() throws {
        let jpeg = try source("rgb420-64x48.jpg")
        assertError(Array(jpeg.prefix(jpeg.count / 2)), "x.jpg", "x.jpg: truncated (file ends inside the data of scan 1)")
        // Only the EOI marker missing: the scan's data runs to the end of the file.
        assertError(Array(jpeg.prefix(jpeg.count - 2)), "x.jpg", "x.jpg: truncated (file ends inside the data of scan 1)")
        assertError(Array(jpeg.prefix(100)), "x.jpg", "x.jpg: truncated (file ends before the frame header)")
        assertError(Array(jpeg.prefix(3)), "x.jpg", "x.jpg: truncated (file ends inside a marker)")
        let progressive = try source("progressive-45x31.jpg")
        assertError(Array(progressive.prefix(progressive.count * 2 / 3)), "p.jpg",
                    "p.jpg: truncated (file ends inside the data of scan 6)")
        // Cut inside the scan but closed with an EOI marker: libjpeg runs out
        // of data mid-scan; that is damage, not a picture.
        assertError(Array(jpeg.prefix(jpeg.count / 2)) + [0xFF, 0xD9], "x.jpg",
                    "x.jpg: corrupt JPEG (premature end of data segment)")
    }

    func testTruncatedPNG() throws {
        let png = try source("rgb8-17x13.png")
        assertError(Array(png.prefix(png.count - 40)), "x.png", "x.png: truncated (file ends inside an IDAT chunk)")
        assertError(Array(png.prefix(20)), "x.png", "x.png: truncated (file ends inside the PNG header)")
        assertError(Array(png.prefix(37)), "x.png", "x.png: truncated (file ends inside a chunk header)")
        // Pixel data complete, only IEND missing: Pillow loads it, and so do we.
        XCTAssertEqual(try Image(encoded: Array(png.prefix(png.count - 12)), name: "x.png"),
                       try Image(encoded: png, name: "x.png"))
        // IDAT data cut at a chunk boundary, then IEND: the zlib stream ends early.
        let split = try source("rgb8-trns-split-17x13.png")
        let lastIDAT = try XCTUnwrap(lastChunk("IDAT", in: split))
        assertError(Array(split[..<lastIDAT]) + pngChunk("IEND", []), "s.png",
                    "s.png: corrupt PNG (compressed image data ends early)")
    }

    // MARK: corrupt and hostile headers

    func testHugeClaimedDimensions() throws {
        var ihdr = [UInt8]()
        for value in [30000, 30000] { ihdr += bigEndian(value) }
        ihdr += [8, 2, 0, 0, 0]
        let png = PNG.signature + pngChunk("IHDR", ihdr) + pngChunk("IDAT", zlibStored([0, 1, 2, 3])) + pngChunk("IEND", [])
        assertError(png, "huge.png", "huge.png: 30000×30000 pixels is more than the limit of 100 megapixels (Image.maxPixels)")
        let path = folder + "/huge.png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ImageInfo(contentsOfFile: path),
                       ImageInfo(format: .png, width: 30000, height: 30000, channels: 3, bitsPerSample: 8))

        let sof: [UInt8] = [0xFF, 0xC0, 0x00, 0x11, 0x08, 0x75, 0x30, 0x75, 0x30, 0x03,
                            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        assertError([0xFF, 0xD8] + sof + [0xFF, 0xD9], "huge.jpg",
                    "huge.jpg: 30000×30000 pixels is more than the limit of 100 megapixels (Image.maxPixels)")
        // Just over the limit along one axis and within it along the other.
        var wide = sof
        (wide[5], wide[6], wide[7], wide[8]) = (0x00, 0x02, 0xFF, 0xFF)  // 2 rows × 65535: fine
        XCTAssertThrowsError(try Image(encoded: [0xFF, 0xD8] + wide + [0xFF, 0xD9], name: "wide.jpg")) { error in
            XCTAssertFalse((error as? ImageError)?.description.contains("megapixels") ?? true,
                           "131070 pixels are within the limit: \(error)")
        }
    }

    func testUnsupportedJPEGKinds() {
        // A 12-bit frame header (SOF1) followed by EOI.
        let sof12: [UInt8] = [0xFF, 0xC1, 0x00, 0x0B, 0x0C, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]
        assertError([0xFF, 0xD8] + sof12 + [0xFF, 0xD9], "deep.jpg", "deep.jpg: unsupported JPEG (12-bit samples)")
        assertError([0xFF, 0xD8, 0xFF, 0xD9], "bare.jpg", "bare.jpg: corrupt JPEG (EOI marker before any frame header)")
    }

    func testCorruptPNG() throws {
        let png = try source("rgb8-17x13.png")
        let idat = try XCTUnwrap(lastChunk("IDAT", in: png))
        var flipped = png
        flipped[idat + 20] ^= 0x55
        assertError(flipped, "x.png", "x.png: corrupt PNG (CRC mismatch in the IDAT chunk)")

        let header = Array(png[16..<29])
        func withData(_ raw: [UInt8]) -> [UInt8] {
            PNG.signature + pngChunk("IHDR", header) + pngChunk("IDAT", raw) + pngChunk("IEND", [])
        }
        // 17×13 RGB: rows of 1 + 51 bytes; row 0 announces filter type 7.
        var rows = [UInt8](repeating: 0, count: 13 * 52)
        rows[0] = 7
        assertError(withData(zlibStored(rows)), "f.png", "f.png: corrupt PNG (invalid filter type 7 in row 0)")
        assertError(withData([0x78, 0x01, 0x07, 0x00]), "b.png",
                    "b.png: corrupt PNG (image data: invalid block type)")
        assertError(withData([0x78, 0x02] + zlibStored(rows).dropFirst(2)), "z.png",
                    "z.png: corrupt PNG (image data: incorrect header check)")
        assertError(withData(zlibStored(Array(rows.prefix(100)))), "short.png",
                    "short.png: corrupt PNG (image data has 100 of 676 bytes)")
        var palette = header
        palette[9] = 3  // palette colour type, no PLTE chunk
        assertError(PNG.signature + pngChunk("IHDR", palette) + pngChunk("IDAT", zlibStored(rows)) + pngChunk("IEND", []),
                    "p.png", "p.png: corrupt PNG (palette image without a PLTE chunk before IDAT)")
        var depth = header
        depth[8] = 3
        assertError(PNG.signature + pngChunk("IHDR", depth) + pngChunk("IEND", []), "d.png",
                    "d.png: corrupt PNG (bit depth 3 with colour type 2)")
    }

    /// Every source file cut at many places and with bytes overwritten at
    /// many places either decodes or throws an ImageError: no trap, no hang.
    func testMutatedFilesNeverCrash() throws {
        var generator = SplitMix(seed: 2024)
        let names = try FileManager.default.contentsOfDirectory(atPath: PillowFixture.folder + "/sources").sorted()
        XCTAssertGreaterThan(names.count, 30)
        var thrown = 0, decoded = 0
        for name in names {
            let bytes = try source(name)
            var variants: [[UInt8]] = (1...12).map { Array(bytes.prefix(bytes.count * $0 / 13)) }
            for _ in 0..<24 {
                var damaged = bytes
                for _ in 0..<Int(generator.next() % 4 + 1) {
                    damaged[Int(generator.next() % UInt64(damaged.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
                variants.append(damaged)
            }
            for variant in variants {
                do {
                    let image = try Image(encoded: variant, name: name)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3)
                    decoded += 1
                } catch is ImageError {
                    thrown += 1
                }
            }
        }
        XCTAssertGreaterThan(thrown, 500, "most mutations should be caught")
        XCTAssertGreaterThan(decoded, 0, "some damage (e.g. in ancillary data) is harmless")
    }

    // MARK: helpers

    private func bigEndian(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 255), UInt8(value >> 16 & 255), UInt8(value >> 8 & 255), UInt8(value & 255)]
    }

    private func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(data.count) + body + bigEndian(Int(PNG.crc32(body[...])))
    }

    /// A zlib stream of stored (uncompressed) blocks.
    private func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out += [0x01, UInt8(data.count & 255), UInt8(data.count >> 8), UInt8(~data.count & 255), UInt8(~data.count >> 8 & 255)]
        out += data
        var a = 1, b = 0
        for byte in data { a = (a + Int(byte)) % 65521; b = (b + a) % 65521 }
        return out + bigEndian(b << 16 | a)
    }

    /// Offset of the last chunk of `type`.
    private func lastChunk(_ type: String, in png: [UInt8]) -> Int? {
        var position = 8, found: Int?
        while position + 8 <= png.count {
            let length = PNG.be32(png, position)
            if png[position + 4..<position + 8].elementsEqual(type.utf8) { found = position }
            position += 12 + length
        }
        return found
    }
}

/// A small deterministic generator (SplitMix64) for the mutation sweep.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
