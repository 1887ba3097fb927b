// RenderTests.swift — Vision/Render: font, canvas, feature-map grid. Oracles:
// glyphs drawn by hand pixel by pixel; the layout arithmetic written out for
// known sizes; per-map normalisation against a Double scalar reference.
import XCTest
@testable import Plot
import Vision

final class RenderTests: XCTestCase {
    // Oracle: a '1' and an 'L' drawn by hand, pixel by pixel ('#' set).
    func testGlyphPixels() {
        var canvas = Canvas(width: 14, height: 9, fill: (0, 0, 0))
        BitmapFont.draw("1l", on: &canvas, x: 1, y: 1, scale: 1, colour: (255, 255, 255))
        let expected = [
            "..............",
            "...#...#......",
            "..##...#......",
            "...#...#......",
            "...#...#......",
            "...#...#......",
            "...#...#......",
            "..###..#####..",
            "..............",
        ]
        var drawn: [String] = []
        for y in 0..<canvas.height {
            drawn.append(String((0..<canvas.width).map { canvas.pixel(x: $0, y: y).0 == 255 ? "#" : "." }))
        }
        XCTAssertEqual(drawn, expected)
        XCTAssertEqual(BitmapFont.width(of: "1l"), 11)
        XCTAssertEqual(BitmapFont.width(of: "ab", scale: 2), 22)
        XCTAssertTrue(BitmapFont.hasGlyph("m"))
        XCTAssertFalse(BitmapFont.hasGlyph("é"))
        XCTAssertEqual(BitmapFont.rows(of: "é"), BitmapFont.rows(of: "?"))
    }

    // Oracle: scale 2 makes each font pixel a 2×2 block, clipped at the edge.
    func testScaledGlyphClips() {
        var canvas = Canvas(width: 4, height: 4, fill: (0, 0, 0))
        BitmapFont.draw("-", on: &canvas, x: -2, y: -4, scale: 2, colour: (9, 8, 7))
        // '-' is row 3 (y 6…7 at scale 2, so 2…3 after the −4 offset), columns 0…4 (x −2…7).
        for y in 0..<4 {
            for x in 0..<4 {
                XCTAssertEqual(canvas.pixel(x: x, y: y).0, y >= 2 ? 9 : 0, "(\(x), \(y))")
            }
        }
    }

    // Oracle: the layout arithmetic written out: 10 maps → 4 columns, 3 rows;
    // 8×8 maps upscaled ×6 to 48; separators of 2 around every cell.
    func testLayoutSizes() {
        let layout = FeatureMapGrid.layout(count: 10, mapWidth: 8, mapHeight: 8, caption: [])
        XCTAssertEqual([layout.columns, layout.rows, layout.scale], [4, 3, 6])
        XCTAssertEqual(layout.width, 4 * 48 + 5 * 2)
        XCTAssertEqual(layout.height, 3 * 48 + 4 * 2)
        XCTAssertEqual(layout.origin(ofMap: 5).x, 2 + 1 * 50)
        XCTAssertEqual(layout.origin(ofMap: 5).y, 2 + 1 * 50)
        let big = FeatureMapGrid.layout(count: 64, mapWidth: 147, mapHeight: 147, caption: ["A"])
        XCTAssertEqual([big.columns, big.rows, big.scale, big.captionScale], [8, 8, 1, 2])
        XCTAssertEqual(big.captionHeight, (7 + 2) * 2 + 2 * 4)
        XCTAssertEqual(big.height, big.captionHeight + 8 * 147 + 9 * 2)
        XCTAssertEqual(FeatureMapGrid.layout(count: 1, mapWidth: 3, mapHeight: 2, caption: []).scale, 16)
        // A caption wider than the grid widens the picture.
        let narrow = FeatureMapGrid.layout(count: 1, mapWidth: 48, mapHeight: 48, caption: ["0123456789"])
        XCTAssertEqual(narrow.width, BitmapFont.width(of: "0123456789") + 2 * 4)
    }

    // Oracle: the min–max formula in Double, rounded half away from zero;
    // Float arithmetic may land one level off at a .5 boundary, hence ±1.
    func testNormalisationAgainstScalarReference() {
        for count in [1, 2, 7, 64, 289] {
            // A fixed, irregular sequence in [-3, 5) (no randomness: reproducible failures).
            let values: [Float] = (0..<count).map { (i: Int) -> Float in
                let step: Int = (i * 7919 + 13) % 1000
                return Float(step) / 125 - 3
            }
            let lo = Double(values.min()!), hi = Double(values.max()!)
            let expected: [UInt8] = values.map { v in
                hi > lo ? UInt8(((Double(v) - lo) / (hi - lo) * 255).rounded()) : 0
            }
            let got = FeatureMapGrid.normalised(values)
            for (i, (g, e)) in zip(got, expected).enumerated() {
                XCTAssertLessThanOrEqual(abs(Int(g) - Int(e)), 1, "count \(count) index \(i)")
            }
            if count > 1 {
                XCTAssertEqual(got.min(), 0)
                XCTAssertEqual(got.max(), 255)
            }
        }
        XCTAssertEqual(FeatureMapGrid.normalised([2, 2, 2]), [0, 0, 0], "a constant map is black")
        XCTAssertEqual(FeatureMapGrid.normalised([0, .nan, 1]), [0, 0, 255], "NaN is black, ignored for the range")
    }

    // Oracle: each map drawn at its layout origin equals its own
    // normalisation, upscaled; channel k of an NHWC tensor is every C-th value.
    func testRenderPlacesEachMap() {
        let (h, w, c) = (3, 2, 5)
        let scalars = (0..<(h * w * c)).map { i in Float((i * 37) % 11) - Float(i % c) }
        let tensor = Tensor(shape: [1, h, w, c], scalars: scalars)
        let image = FeatureMapGrid.render(tensor, layer: "t", maxMaps: 4)
        let caption = FeatureMapGrid.caption(layer: "t", shape: [1, h, w, c], maxMaps: 4)
        XCTAssertEqual(caption[1], "4 of 5 maps, each scaled to its own min-max (constant: black)")
        let layout = FeatureMapGrid.layout(count: 4, mapWidth: w, mapHeight: h, caption: caption)
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        for k in 0..<4 {
            let levels = FeatureMapGrid.normalised((0..<(h * w)).map { scalars[$0 * c + k] })
            let origin = layout.origin(ofMap: k)
            for y in 0..<(h * layout.scale) {
                for x in 0..<(w * layout.scale) {
                    let i = 3 * ((origin.y + y) * image.width + origin.x + x)
                    let level = levels[(y / layout.scale) * w + x / layout.scale]
                    XCTAssertEqual(Array(image.pixels[i..<(i + 3)]), [level, level, level], "map \(k) (\(x), \(y))")
                }
            }
        }
        // The separator between cells keeps its colour.
        let origin = layout.origin(ofMap: 0)
        let i = 3 * (origin.y * image.width + origin.x - 1)
        let sep = FeatureMapGrid.separatorColour
        XCTAssertEqual(Array(image.pixels[i..<(i + 3)]), [sep.0, sep.1, sep.2])
    }

    // Oracle: a (1, C) vector is one map of ⌈√C⌉ columns, 8+ pixels per value.
    func testVectorStrip() {
        let tensor = Tensor(shape: [1, 10], scalars: (0..<10).map(Float.init))
        let image = FeatureMapGrid.render(tensor, layer: "avg_pool", maxMaps: 64)
        XCTAssertEqual(FeatureMapGrid.stripColumns(10), 4)
        let caption = FeatureMapGrid.caption(layer: "avg_pool", shape: [1, 10], maxMaps: 64)
        XCTAssertEqual(caption, ["avg_pool (1, 10)", "10 values in rows of 4, scaled together to min-max"])
        let layout = FeatureMapGrid.layout(count: 1, mapWidth: 4, mapHeight: 3, caption: caption, minimumSide: 32)
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        let origin = layout.origin(ofMap: 0)
        // Value 9 (the maximum) is white, at column 1 of row 2.
        let x = origin.x + 1 * layout.scale, y = origin.y + 2 * layout.scale
        XCTAssertEqual(image.pixels[3 * (y * image.width + x)], 255)
        XCTAssertEqual(image.pixels[3 * (origin.y * image.width + origin.x)], 0)
    }
}
