// ImagePreprocessingTests.swift — Inception V3 input preprocessing.
//
// Oracle: keras.applications.inception_v3.preprocess_input (Keras 3.15,
// numpy float32) on [0, 1, 64, 127, 128, 191, 254, 255], bit patterns
// printed by: preprocess_input(np.array([...], np.float32).reshape(1, 1, 8, 1)).

import XCTest
@testable import Vision

final class ImagePreprocessingTests: XCTestCase {
    func testInceptionV3MatchesKerasBitForBit() {
        let expected: [(UInt8, UInt32)] = [
            (0, 0xBF80_0000), (1, 0xBF7D_FDFE), (64, 0xBEFE_FEFE), (127, 0xBB80_8080),
            (128, 0x3B80_8100), (191, 0x3EFE_FF00), (254, 0x3F7D_FDFE), (255, 0x3F80_0000),
        ]
        // One 8×1 image holding each value in all three channels.
        let pixels = expected.flatMap { [$0.0, $0.0, $0.0] }
        let tensor = Preprocessing.inceptionV3([Image(width: 8, height: 1, pixels: pixels)])
        XCTAssertEqual(tensor.shape, [1, 1, 8, 3])
        for (i, (value, bits)) in expected.enumerated() {
            for c in 0..<3 {
                XCTAssertEqual(tensor.scalars[3 * i + c].bitPattern, bits,
                               "pixel value \(value): \(tensor.scalars[3 * i + c]) vs \(Float(bitPattern: bits))")
            }
        }
    }

    /// A batch stacks images in order, NHWC. Oracle: the pixel bytes placed
    /// by hand.
    func testBatchLayout() {
        let a = Image(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
        let b = Image(width: 2, height: 1, pixels: [255, 0, 0, 0, 0, 255])
        let tensor = Preprocessing.inceptionV3([a, b])
        XCTAssertEqual(tensor.shape, [2, 1, 2, 3])
        XCTAssertEqual(tensor.scalars, [-1, -1, -1, 1, 1, 1, 1, -1, -1, -1, -1, 1])
    }
}
