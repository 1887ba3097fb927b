// KernelPoolingTests.swift — window and global pooling against
// Reference.pool2D and Reference.globalPool (oracle: the scalar definitions).
import XCTest
@testable import Vision

final class KernelPoolingTests: XCTestCase {
    /// Inception's pools (3×3 stride 2 valid max, 3×3 stride 1 same average)
    /// plus even windows whose 'same' padding is uneven; channel counts that
    /// hit the 16-wide loop, its tail, and both.
    func testWindowPoolsAgreeWithReference() {
        let cases: [(n: Int, h: Int, w: Int, c: Int, k: (Int, Int), s: (Int, Int), p: Padding)] = [
            (1, 15, 17, 37, (3, 3), (2, 2), .valid),
            (2, 9, 8, 16, (3, 3), (1, 1), .same),
            (1, 7, 9, 5, (3, 3), (1, 1), .same),
            (1, 9, 11, 33, (2, 2), (2, 2), .same),
            (2, 6, 7, 19, (2, 3), (1, 2), .valid),
            (1, 5, 5, 48, (4, 4), (3, 3), .same),
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.random([c.n, c.h, c.w, c.c], seed: UInt64(300 + i))
            assertClose(Kernels.maxPool2D(x, size: c.k, strides: c.s, padding: c.p),
                        Reference.pool2D(x, max: true, size: c.k, strides: c.s, padding: c.p),
                        tolerance: 0, "max case \(i)")
            assertClose(Kernels.averagePool2D(x, size: c.k, strides: c.s, padding: c.p),
                        Reference.pool2D(x, max: false, size: c.k, strides: c.s, padding: c.p),
                        tolerance: 1e-6, "average case \(i)")
        }
    }

    /// Average pooling divides a corner window by the 4 cells inside the
    /// image, not by 9 (oracle: worked by hand).
    func testAverageExcludesPaddingFromTheDivisor() {
        let x = Tensor(shape: [1, 2, 2, 1], scalars: [1, 2, 3, 4])
        let y = Kernels.averagePool2D(x, size: (3, 3), strides: (1, 1), padding: .same)
        XCTAssertEqual(y.scalars, [2.5, 2.5, 2.5, 2.5])
    }

    func testGlobalPoolsAgreeWithReference() {
        for (i, shape) in [[2, 5, 7, 37], [1, 8, 8, 16], [3, 1, 1, 3]].enumerated() {
            let x = Tensor.random(shape, seed: UInt64(400 + i))
            assertClose(Kernels.globalAveragePool2D(x), Reference.globalPool(x, max: false),
                        tolerance: 1e-6, "average \(shape)")
            assertClose(Kernels.globalMaxPool2D(x), Reference.globalPool(x, max: true),
                        tolerance: 0, "max \(shape)")
        }
    }
}
