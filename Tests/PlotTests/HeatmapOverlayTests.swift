// HeatmapOverlayTests.swift — Plot/HeatmapOverlay. Oracles: matplotlib's jet
// at its knots written out; the bilinear weights and the alpha blend
// (0.6·photo + 0.4·jet, rounded) computed by hand at known pixels.
import XCTest
@testable import Plot
import Vision

final class HeatmapOverlayTests: XCTestCase {
    func testJetKnots() {
        XCTAssertTrue(HeatmapOverlay.jet(0) == (0, 0, 128))        // 0.5 blue
        XCTAssertTrue(HeatmapOverlay.jet(0.5) == (128, 255, 128))  // green-ish middle
        XCTAssertTrue(HeatmapOverlay.jet(1) == (128, 0, 0))        // dark red
        XCTAssertTrue(HeatmapOverlay.jet(0.375) == (0, 255, 255))  // cyan
    }

    func testBlendAtKnownPixels() {
        // A 4×2 grey photo (100) under a 2×1 map [0, 1]: cell centres at photo x = 0.5 and 2.5.
        let photo = Image(width: 4, height: 2, pixels: [UInt8](repeating: 100, count: 4 * 2 * 3))
        let canvas = HeatmapOverlay.render(photo: photo, map: [0, 1], mapWidth: 2, mapHeight: 1, caption: "")
        XCTAssertEqual(canvas.height, 2 + HeatmapOverlay.captionHeight)
        // x = 0: clamped to the first cell, t = 0 → jet (0, 0, 128): 0.6·100 + 0.4·(0, 0, 128) = (60, 60, 111.2)
        XCTAssertTrue(canvas.pixel(x: 0, y: 0) == (60, 60, 111))
        // x = 3: clamped to the last cell, t = 1 → (128, 0, 0): (111.2, 60, 60)
        XCTAssertTrue(canvas.pixel(x: 3, y: 1) == (111, 60, 60))
        // x = 1: u = 1.5·2/4 − 0.5 = 0.25 → t = 0.25 → jet (0, 128, 255): (60, 111.2, 162)
        XCTAssertEqual(HeatmapOverlay.sample([0, 1], mapWidth: 2, mapHeight: 1, x: 1, y: 0, width: 4, height: 2), 0.25)
        XCTAssertTrue(canvas.pixel(x: 1, y: 0) == (60, 111, 162))
        // Below the photo: the white caption strip.
        XCTAssertTrue(canvas.pixel(x: 0, y: 2) == (255, 255, 255))
    }

    func testCaptionWidensNarrowPhotos() {
        let photo = Image(width: 3, height: 3, pixels: [UInt8](repeating: 0, count: 27))
        let canvas = HeatmapOverlay.render(photo: photo, map: [1], mapWidth: 1, mapHeight: 1, caption: "tabby (0.91)")
        XCTAssertEqual(canvas.width, BitmapFont.width(of: "tabby (0.91)", scale: 2) + 10)
        XCTAssertTrue((0..<canvas.width).contains { canvas.pixel(x: $0, y: 3 + 5 + 3) == (0, 0, 0) })
    }
}
