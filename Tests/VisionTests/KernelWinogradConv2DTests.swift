// KernelWinogradConv2DTests.swift — the Winograd F(2×2, 3×3) convolution
// against Reference.conv2D (oracle: the scalar definition in Reference.swift).
import XCTest
@testable import Vision

final class KernelWinogradConv2DTests: XCTestCase {
    /// Runs `conv` on `x` into a fresh (or the given) output tensor.
    private func apply(_ conv: WinogradConv2D, _ x: Tensor, relu: Bool) -> Tensor {
        let (oh, ow) = conv.outputSize(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], oh, ow, conv.outputChannels])
        withFeatureMap(x) { input in y.withFeatureMap { conv.apply(input, $0, relu: relu) } }
        return y
    }

    private func make(_ k: Tensor, bias: [Float]? = nil, scale: [Float]? = nil, _ padding: Padding,
                      path: SIMDPath = .active) -> WinogradConv2D {
        k.scalars.withUnsafeBufferPointer {
            WinogradConv2D(kernel: $0, shape: k.shape, bias: bias, scale: scale, padding: padding, path: path)
        }
    }

    /// Odd and even sizes (tiles cut by the right and bottom edges), both
    /// paddings, channel counts that leave SIMD tails, a batch of two, and
    /// more tiles than one chunk holds; batch-norm scale and bias folded in.
    func testAgreesWithReference() {
        let cases: [(n: Int, h: Int, w: Int, cin: Int, cout: Int, p: Padding)] = [
            (1, 9, 10, 7, 35, .same),
            (2, 11, 8, 17, 16, .valid),
            (1, 6, 6, 3, 5, .same),
            (1, 3, 3, 16, 33, .valid),    // one output pixel
            (2, 37, 35, 33, 40, .same),   // the 35×35 blocks' shape, with tails
            (1, 75, 74, 5, 19, .valid),
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.random([c.n, c.h, c.w, c.cin], seed: UInt64(30 + i))
            let k = Tensor.random([3, 3, c.cin, c.cout], seed: UInt64(300 + i))
            let bias = Tensor.random([c.cout], seed: UInt64(400 + i)).scalars
            let scale = Tensor.random([c.cout], seed: UInt64(500 + i)).scalars.map { 0.5 + abs($0) }
            var scaled = k
            for j in 0..<k.count { scaled.scalars[j] *= scale[j % c.cout] }
            for path in SIMDPath.supported {
                let conv = make(k, bias: bias, scale: scale, c.p, path: path)
                for relu in [false, true] {
                    let slow = Reference.conv2D(x, scaled, bias: bias, padding: c.p, relu: relu)
                    assertClose(apply(conv, x, relu: relu), slow, tolerance: 1e-5,
                                "case \(i) \(c) relu \(relu) \(path)")
                }
            }
        }
    }

    /// Writing into a channel slice of a wider tensor (how branches fill a
    /// concatenation) leaves the other channels untouched.
    func testWritesIntoAChannelSlice() {
        let x = Tensor.random([1, 7, 5, 6], seed: 7)
        let k = Tensor.random([3, 3, 6, 20], seed: 8)
        for path in SIMDPath.supported {
            assertWritesIntoChannelSlice(make(k, .same, path: path), input: x, kernel: k)
        }
    }

    /// Each tile is computed by the same code whatever chunk or thread takes
    /// it, so results are bit-identical for any thread count and either SIMD
    /// path (oracle: the 1-thread AVX2 run), and an image's result does not depend on its batch
    /// (oracle: the image run alone).
    func testResultIsIndependentOfThreadsAndBatch() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = Tensor.random([2, 23, 21, 24], seed: 9)
        let k = Tensor.random([3, 3, 24, 48], seed: 10), bias = Tensor.random([48], seed: 11).scalars
        Parallel.threadCount = 1
        let one = apply(make(k, bias: bias, .same, path: .avx2), x, relu: true)
        for path in SIMDPath.supported {
            let conv = make(k, bias: bias, .same, path: path)
            for threads in [1, 2, 3, 7] {
                Parallel.threadCount = threads
                XCTAssertEqual(apply(conv, x, relu: true), one, "\(threads) threads, \(path)")
            }
            let second = Tensor(shape: [1, 23, 21, 24], scalars: Array(x.scalars[(23 * 21 * 24)...]))
            XCTAssertEqual(apply(conv, second, relu: true).scalars, Array(one.scalars[(23 * 21 * 48)...]),
                           "image alone, \(path)")
        }
    }

    /// Only 3×3 stride-1 convolutions with enough output pixels take this
    /// path (oracle: the rule as documented on `suits`).
    func testSuitsOnlyLarge3x3Stride1() {
        XCTAssertTrue(WinogradConv2D.suits(kernel: [3, 3, 64, 96], strides: (1, 1), pixels: 35 * 35))
        XCTAssertFalse(WinogradConv2D.suits(kernel: [3, 3, 448, 384], strides: (1, 1), pixels: 8 * 8))
        XCTAssertFalse(WinogradConv2D.suits(kernel: [3, 3, 32, 32], strides: (2, 2), pixels: 149 * 149))
        XCTAssertFalse(WinogradConv2D.suits(kernel: [1, 3, 384, 384], strides: (1, 1), pixels: 35 * 35))
    }
}
