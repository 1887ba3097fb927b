// ImagePNGWriteTests.swift — PNG encoding and atomic PNG files.
//
// Oracles: libpng's own simplified reader (png_image_*, an independent
// decoder) for every channel count, and this package's PNG decoder, itself
// checked pixel for pixel against Pillow in ImageDecodeTests.

import CPNG
import Foundation
import XCTest
@testable import Vision

final class ImagePNGWriteTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "kungfu-png-write-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Pixels libpng reads back from `png`, in the layout of `channels`.
    private func libpngRead(_ png: [UInt8], channels: Int) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let begun = png.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        XCTAssertNotEqual(begun, 0, "libpng could not read the header")
        image.format = channels == 1 ? UInt32(PNG_FORMAT_GRAY)
            : channels == 3 ? UInt32(PNG_FORMAT_RGB) : UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        var pixels = [UInt8](repeating: 0, count: Int(image.width * image.height) * channels)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        XCTAssertNotEqual(finished, 0, "libpng could not decode the data")
        return (Int(image.width), Int(image.height), pixels)
    }

    private func pattern(_ count: Int) -> [UInt8] {
        var generator = SplitMix(seed: UInt64(count))
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    func testRGBRoundTrip() throws {
        for (width, height) in [(1, 1), (17, 13), (64, 2)] {
            let image = Image(width: width, height: height, pixels: pattern(width * height * 3))
            let png = try image.pngData()
            XCTAssertEqual(try Image(encoded: png, name: "round.png"), image)
            let read = try libpngRead(png, channels: 3)
            XCTAssertEqual([read.width, read.height], [width, height])
            XCTAssertEqual(read.pixels, image.pixels)
        }
    }

    func testGrayAndRGBAEncoding() throws {
        let gray = pattern(9 * 7)
        let grayPNG = try PNGEncoder.encode(pixels: gray, width: 9, height: 7, channels: 1)
        XCTAssertEqual(try libpngRead(grayPNG, channels: 1).pixels, gray)
        XCTAssertEqual(try Image(encoded: grayPNG, name: "gray.png").pixels, gray.flatMap { [$0, $0, $0] })
        XCTAssertEqual(try ImageInfo(encoded: grayPNG, name: "gray.png"),
                       ImageInfo(format: .png, width: 9, height: 7, channels: 1, bitsPerSample: 8))

        let rgba = pattern(5 * 4 * 4)
        let rgbaPNG = try PNGEncoder.encode(pixels: rgba, width: 5, height: 4, channels: 4)
        XCTAssertEqual(try libpngRead(rgbaPNG, channels: 4).pixels, rgba)
        let rgb = stride(from: 0, to: rgba.count, by: 4).flatMap { rgba[$0..<$0 + 3] }
        XCTAssertEqual(try Image(encoded: rgbaPNG, name: "rgba.png").pixels, rgb, "alpha dropped, not composited")
    }

    func testWritePNGReplacesTheFileAtomically() throws {
        let path = folder + "/picture.png"
        let first = Image(width: 3, height: 2, pixels: pattern(18))
        try first.writePNG(toFile: path)
        XCTAssertEqual(try Image(contentsOfFile: path), first)
        let second = Image(width: 4, height: 4, pixels: pattern(48))
        try second.writePNG(toFile: path)
        XCTAssertEqual(try Image(contentsOfFile: path), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["picture.png"],
                       "no temporary file left behind")
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(permissions, 0o644)

        try PNGEncoder.write(pixels: pattern(6), width: 3, height: 2, channels: 1, toFile: folder + "/gray.png")
        XCTAssertEqual(try ImageInfo(contentsOfFile: folder + "/gray.png").channels, 1)
    }

    func testWriteIntoAMissingFolderFailsCleanly() throws {
        let path = folder + "/no/such/folder/x.png"
        XCTAssertThrowsError(try Image(width: 1, height: 1, pixels: [1, 2, 3]).writePNG(toFile: path)) { error in
            XCTAssertEqual((error as? ImageError)?.description, path + ": cannot write (folder '\(folder)/no/such/folder' does not exist)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
