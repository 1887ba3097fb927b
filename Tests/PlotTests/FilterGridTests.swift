// FilterGridTests.swift — Plot/FilterGrid. Oracles: the patch order and
// counts written out for small kernels; levels 255·(w − min)/(max − min)
// computed by hand at known pixels.
import XCTest
@testable import Plot

final class FilterGridTests: XCTestCase {
    func testSelection() {
        let rgb = FilterGrid.selection(shape: [3, 3, 3, 32], maxPairs: 256)
        XCTAssertTrue(rgb.isRGB)
        XCTAssertEqual(rgb.patches.count, 32)
        XCTAssertEqual(rgb.leftOut, 0)
        let grey = FilterGrid.selection(shape: [1, 1, 4, 3], maxPairs: 5)
        XCTAssertFalse(grey.isRGB)
        XCTAssertEqual(grey.patches.map(\.input), [0, 1, 2, 3, 0])
        XCTAssertEqual(grey.patches.map(\.output), [0, 0, 0, 0, 1])
        XCTAssertEqual(grey.leftOut, 7)
    }

    func testLevelsScaledTogether() {
        // (1, 2, 2, 1) kernel HWIO: in 0 = [0, 4], in 1 = [2, 1]; min 0, max 4.
        let kernel: [Float] = [0, 2, 4, 1]
        let canvas = FilterGrid.render(kernel: kernel, shape: [1, 2, 2, 1], maxPairs: 10, caption: "")
        let top = FilterGrid.captionHeight + FilterGrid.gap, s = FilterGrid.scale, g = FilterGrid.gap
        // Patch 0 (input 0): x 0 → 0, x 1 → 255. Patch 1 (input 1) to its right: 2 → 127.5 → 128, 1 → 63.75 → 64.
        XCTAssertTrue(canvas.pixel(x: g, y: top) == (0, 0, 0))
        XCTAssertTrue(canvas.pixel(x: g + s, y: top) == (255, 255, 255))
        XCTAssertTrue(canvas.pixel(x: g + 2 * s + g, y: top + s - 1) == (128, 128, 128))
        XCTAssertTrue(canvas.pixel(x: g + 3 * s + g, y: top) == (64, 64, 64))
    }

    func testRGBPatchUsesInputsAsChannels() {
        // (1, 1, 3, 2): output 0 = (r, g, b) = (0, 1, 2), output 1 = (3, 4, 5)... as HWIO [in][out].
        let kernel: [Float] = [0, 3, 1, 4, 2, 5]
        let canvas = FilterGrid.render(kernel: kernel, shape: [1, 1, 3, 2], maxPairs: 10, caption: "x")
        let top = FilterGrid.captionHeight + FilterGrid.gap, g = FilterGrid.gap
        XCTAssertTrue(canvas.pixel(x: g, y: top) == (0, 51, 102))
        XCTAssertTrue(canvas.pixel(x: g + FilterGrid.scale + g, y: top) == (153, 204, 255))
    }
}
