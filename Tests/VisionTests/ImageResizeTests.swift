// ImageResizeTests.swift — NEAREST, BILINEAR, BICUBIC and keras load_img
// against Pillow. Oracle: Fixtures/pillow/expected.json from generate.py
// (Pillow 13's Image.resize with boxes, keras.utils.load_img 3.15 checked
// against the generator's replica, Pillow's NEAREST source-index maps).

import Foundation
import XCTest
@testable import Vision

final class ImageResizeTests: XCTestCase {
    /// Every resize case (photos to 299×299, small sources down to 7×5, to
    /// odd sizes, up to 61×80, keep_aspect_ratio crops, fractional boxes)
    /// gives Pillow's exact bytes, for all three filters.
    func testResizingMatchesPillowExactly() throws {
        let expected = try PillowFixture.load()
        var decoded: [String: Image] = [:]
        var counts: [String: Int] = [:]
        for entry in expected.resize {
            let source = try decoded[entry.file] ?? Image(contentsOfFile: PillowFixture.path(entry.file))
            decoded[entry.file] = source
            let filter = try XCTUnwrap(ResizeFilter(rawValue: entry.filter), entry.filter)
            let result: Image
            if let box = entry.box {
                result = source.resized(width: entry.width, height: entry.height, filter: filter,
                                        box: ResizeBox(left: box[0], top: box[1], right: box[2], bottom: box[3]))
            } else {
                result = try KerasImage.load(PillowFixture.path(entry.file), targetSize: (entry.height, entry.width),
                                             interpolation: filter, keepAspectRatio: entry.keepAspectRatio)
            }
            assertMatchesPillow(result, width: entry.width, height: entry.height, sha256: entry.sha256,
                                pixels: entry.pixels,
                                "\(entry.file) → \(entry.width)×\(entry.height) \(entry.filter)"
                                + (entry.keepAspectRatio ? " keep_aspect_ratio" : "")
                                + (entry.box.map { " box \($0)" } ?? ""))
            counts[entry.filter, default: 0] += 1
            let info = try ImageInfo(contentsOfFile: PillowFixture.path(entry.file))
            if entry.filter != "nearest" && info.height - entry.height > 2 * max(0, info.width - entry.width) {
                counts["vertical first", default: 0] += 1
            }
        }
        XCTAssertGreaterThan(counts["vertical first"] ?? 0, 20, "too few cases where Pillow runs the vertical pass first")
        for filter in ResizeFilter.allCases {
            XCTAssertGreaterThan(counts[filter.rawValue] ?? 0, 100, "too few \(filter) cases in the fixture")
        }
    }

    /// NEAREST picks Pillow's source index for every output pixel, including
    /// lengths where the closed form floor((i + 0.5) · in / out) disagrees.
    func testNearestIndexMapsMatchPillow() throws {
        let expected = try PillowFixture.load()
        var closedFormDisagrees = false
        for map in expected.nearestIndexMaps {
            // A 1-pixel-high image whose red/green channels encode the column.
            let pixels: [UInt8] = (0..<map.input).flatMap { i -> [UInt8] in [UInt8(i & 255), UInt8(i >> 8), 0] }
            let row = Image(width: map.input, height: 1, pixels: pixels)
            let resized = row.resized(width: map.output, height: 1, filter: .nearest)
            let columns = Self.encodedIndices(resized)
            XCTAssertEqual(columns, map.indices, "columns \(map.input) → \(map.output)")
            let column = Image(width: 1, height: map.input, pixels: pixels)
            let resizedColumn = column.resized(width: 1, height: map.output, filter: .nearest)
            let rows = Self.encodedIndices(resizedColumn)
            XCTAssertEqual(rows, map.indices, "rows \(map.input) → \(map.output)")
            let closedForm = (0..<map.output).map { Int((Double($0) + 0.5) * Double(map.input) / Double(map.output)) }
            if closedForm != map.indices { closedFormDisagrees = true }
        }
        XCTAssertTrue(closedFormDisagrees, "the fixture should include sizes where the closed form is wrong")
    }

    /// The source indices a resized index-encoding image holds (red + 256 · green).
    private static func encodedIndices(_ image: Image) -> [Int] {
        stride(from: 0, to: image.pixels.count, by: 3).map { i -> Int in
            Int(image.pixels[i]) + 256 * Int(image.pixels[i + 1])
        }
    }

    /// Same size and no box returns the image itself; a whole-pixel box of
    /// the target size is a plain crop. Oracle: the pixels themselves.
    func testIdentityAndCrop() {
        let pixels = (0..<(5 * 4 * 3)).map { UInt8($0) }
        let image = Image(width: 5, height: 4, pixels: pixels)
        for filter in ResizeFilter.allCases {
            XCTAssertEqual(image.resized(width: 5, height: 4, filter: filter), image)
            let crop = image.resized(width: 2, height: 3, filter: filter, box: ResizeBox(left: 1, top: 1, right: 3, bottom: 4))
            XCTAssertEqual(crop.pixels, [18, 19, 20, 21, 22, 23, 33, 34, 35, 36, 37, 38, 48, 49, 50, 51, 52, 53])
        }
    }

    /// load without a target size, or with the image's own size, returns the
    /// decoded image unchanged (Keras resizes only when the size differs).
    func testLoadWithoutResizeIsTheDecodedImage() throws {
        let path = PillowFixture.path("examples/testset/1.jpg")
        let image = try Image(contentsOfFile: path)
        XCTAssertEqual(try KerasImage.load(path), image)
        XCTAssertEqual(try KerasImage.load(path, targetSize: (300, 451), interpolation: .bicubic, keepAspectRatio: true), image)
    }
}
