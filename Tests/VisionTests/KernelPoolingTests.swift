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

    /// Every square window 1…9 (odd and even, so 'same' pads unevenly),
    /// 'same' and 'valid', strides 1 and 2, on odd and even images, with
    /// channel counts 1, 15, 16, 17, 48 (tail only, one block, block + tail,
    /// three blocks) and batch 2 (oracle: Reference.pool2D, exact for max).
    func testWindowSizesPaddingsStridesAndChannelsAgreeWithReference() {
        var seed: UInt64 = 500
        for k in 1...9 {
            for padding in [Padding.same, .valid] {
                for stride in [1, 2] {
                    for (h, w, c) in [(9, 10, 1), (10, 9, 15), (11, 12, 16), (9, 11, 17), (12, 13, 48)]
                    where padding == .same || (h >= k && w >= k) {
                        seed += 1
                        let x = Tensor.random([2, h, w, c], seed: seed)
                        let what = "k \(k) stride \(stride) \(padding) \(h)×\(w)×\(c)"
                        assertClose(Kernels.maxPool2D(x, size: (k, k), strides: (stride, stride), padding: padding),
                                    Reference.pool2D(x, max: true, size: (k, k), strides: (stride, stride),
                                                     padding: padding),
                                    tolerance: 0, "max " + what)
                        assertClose(Kernels.averagePool2D(x, size: (k, k), strides: (stride, stride),
                                                          padding: padding),
                                    Reference.pool2D(x, max: false, size: (k, k), strides: (stride, stride),
                                                     padding: padding),
                                    tolerance: 1e-6, "average " + what)
                    }
                }
            }
        }
    }

    /// Inception's pool shapes at reduced size, batch 2: the results with
    /// 2 and 3 threads are bit-identical to those with 1 (oracle: the
    /// one-thread run, itself checked against Reference.pool2D).
    func testPoolsAreBitIdenticalAcrossThreadCounts() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let cases: [(shape: [Int], k: Int, s: Int, p: Padding)] = [
            ([2, 15, 15, 64], 3, 2, .valid), ([2, 9, 9, 48], 3, 1, .same),
            ([2, 8, 8, 17], 3, 1, .same), ([2, 11, 10, 33], 2, 2, .same),
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.random(c.shape, seed: UInt64(700 + i))
            for kind in [true, false] {
                func pool() -> Tensor {
                    kind ? Kernels.maxPool2D(x, size: (c.k, c.k), strides: (c.s, c.s), padding: c.p)
                         : Kernels.averagePool2D(x, size: (c.k, c.k), strides: (c.s, c.s), padding: c.p)
                }
                Parallel.threadCount = 1
                let one = pool()
                assertClose(one, Reference.pool2D(x, max: kind, size: (c.k, c.k), strides: (c.s, c.s), padding: c.p),
                            tolerance: kind ? 0 : 1e-6, "case \(i) max \(kind) against the reference")
                for threads in [2, 3] {
                    Parallel.threadCount = threads
                    XCTAssertEqual(pool().scalars, one.scalars, "case \(i) max \(kind): \(threads) threads vs 1")
                }
            }
        }
    }

    /// A pool with an affine epilogue stores bias + pooled · scale (one fused
    /// multiply-add), then the ReLU if asked, per channel, into a channel
    /// slice (oracle: Reference.pool2D, then that formula in Float; the pool
    /// itself to 1e-6 as above, the epilogue exactly): 16-lane blocks and a
    /// tail, borders, both kinds.
    func testAffineEpilogueScalesShiftsAndRectifies() {
        let (n, h, w, c) = (2, 7, 6, 21)
        let x = Tensor.random([n, h, w, c], seed: 710)
        let scale = AlignedBuffer(count: 32), bias = AlignedBuffer(count: 32)
        for i in 0..<c {
            scale.base[i] = 0.5 + Float(i) / 8
            bias.base[i] = Float(i % 5) / 4 - 0.6
        }
        for max in [false, true] {
            for relu in [false, true] {
                let pooled = Reference.pool2D(x, max: max, size: (3, 3), strides: (1, 1), padding: .same)
                var expected = pooled
                for j in 0..<expected.count {
                    let value = bias.base[j % c].addingProduct(pooled.scalars[j], scale.base[j % c])
                    expected.scalars[j] = relu ? Swift.max(value, 0) : value
                }
                var wide = Tensor(zeros: [n, h, w, c + 5])
                withFeatureMap(x) { input in
                    wide.withFeatureMap { out in
                        Pool2D.apply(max ? .max : .average, input, out.channels(2..<(2 + c)), size: (3, 3),
                                     strides: (1, 1), padding: .same,
                                     affine: .init(scale: scale.base, bias: bias.base, relu: relu))
                    }
                }
                var got = Tensor(zeros: [n, h, w, c]), others: [Float] = []
                for p in 0..<(n * h * w) {
                    for k in 0..<(c + 5) {
                        let value = wide.scalars[p * (c + 5) + k]
                        if (2..<(2 + c)).contains(k) { got.scalars[p * c + k - 2] = value } else { others.append(value) }
                    }
                }
                assertClose(got, expected, tolerance: max ? 0 : 1e-5, "max \(max) relu \(relu)")
                XCTAssertTrue(others.allSatisfy { $0 == 0 }, "channels outside the slice were written")
                if relu { XCTAssertTrue(got.scalars.allSatisfy { $0 >= 0 }) }
                XCTAssertTrue(!relu && got.scalars.contains { $0 < 0 } || relu, "the test reaches negative values")
            }
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
