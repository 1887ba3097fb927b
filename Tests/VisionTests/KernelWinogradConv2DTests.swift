// KernelWinogradConv2DTests.swift — the Winograd convolutions (F(2×2, 3×3),
// F(4×4, 3×3), F(6×6, 3×3), F(2×2, 5×5), F(4×4, 5×5), F(1×2, 1×7), F(2×1, 7×1),
// F(1×3, 1×7), F(3×1, 7×1), F(1×6, 1×7), F(6×1, 7×1), F(1×2, 1×3), F(2×1, 3×1),
// F(1×4, 1×3), F(4×1, 3×1)) against Reference.conv2D (oracle: the scalar
// definition in Reference.swift, summed in Double).
import XCTest
@testable import Vision

final class KernelWinogradConv2DTests: XCTestCase {
    /// Every kernel shape and tile the convolution has code for, with the
    /// tolerance it is held to (scaled error, as `assertClose`, on outputs of
    /// a unit-scale sum: see `kernel`). Larger tiles use larger transform
    /// constants (F(4, 3): up to 8 in Aᵀ; F(6, 3): 32; F(2, 7): up to 21 in Bᵀ; F(3, 7):
    /// up to 68; F(6, 7): 3125 in Aᵀ), so their Float32 rounding is larger; the measured worst cases are in
    /// `testErrorOnInceptionLayerShapes`' output.
    private static let variants: [(kernel: (Int, Int), tile: WinogradConv2D.Tile, tolerance: Float)] = [
        ((3, 3), .init(rows: 2, columns: 2), 1e-5), ((3, 3), .init(rows: 4, columns: 4), 5e-5),
        ((3, 3), .init(rows: 6, columns: 6), 2e-4),
        ((5, 5), .init(rows: 2, columns: 2), 5e-5), ((5, 5), .init(rows: 4, columns: 4), 5e-5),
        ((1, 7), .init(rows: 1, columns: 2), 1e-5), ((7, 1), .init(rows: 2, columns: 1), 1e-5),
        ((1, 7), .init(rows: 1, columns: 3), 5e-5), ((7, 1), .init(rows: 3, columns: 1), 5e-5),
        ((1, 7), .init(rows: 1, columns: 6), 1e-4), ((7, 1), .init(rows: 6, columns: 1), 1e-4),
        ((1, 3), .init(rows: 1, columns: 2), 1e-5), ((3, 1), .init(rows: 2, columns: 1), 1e-5),
        ((1, 3), .init(rows: 1, columns: 4), 5e-5), ((3, 1), .init(rows: 4, columns: 1), 5e-5),
    ]

    /// A random kernel whose taps have scale 2/√(kh·kw·cin), so that a sum
    /// over a window of inputs in [-1, 1] is of order 1 whatever the depth
    /// (as with trained weights), and an error is comparable across shapes.
    private func kernel(_ shape: [Int], seed: UInt64) -> Tensor {
        Tensor.random(shape, seed: seed, scale: 2 / Float(shape[0] * shape[1] * shape[2]).squareRoot())
    }

    /// Runs `conv` on `x` into a fresh output tensor.
    private func apply(_ conv: WinogradConv2D, _ x: Tensor, relu: Bool) -> Tensor {
        let (oh, ow) = conv.outputSize(height: x.shape[1], width: x.shape[2])
        var y = Tensor(zeros: [x.shape[0], oh, ow, conv.outputChannels])
        withFeatureMap(x) { input in y.withFeatureMap { conv.apply(input, $0, relu: relu) } }
        return y
    }

    private func make(_ k: Tensor, bias: [Float]? = nil, scale: [Float]? = nil, _ padding: Padding,
                      tile: WinogradConv2D.Tile, path: SIMDPath = .active) -> WinogradConv2D {
        k.scalars.withUnsafeBufferPointer {
            WinogradConv2D(kernel: $0, shape: k.shape, bias: bias, scale: scale, padding: padding, tile: tile, path: path)
        }
    }

    /// For every variant: odd and even sizes (tiles cut by the right and
    /// bottom edges), both paddings, channel counts that leave SIMD tails, a
    /// batch of two, and more tiles than one chunk holds; batch-norm scale
    /// and bias folded in; every SIMD path this CPU runs.
    func testAgreesWithReference() {
        let sizes: [(n: Int, h: Int, w: Int, cin: Int, cout: Int, p: Padding)] = [
            (1, 9, 10, 7, 35, .same),
            (2, 11, 8, 17, 16, .valid),
            (1, 6, 6, 3, 5, .same),
            (1, 7, 7, 16, 33, .valid),    // one output pixel along a 7-tap axis, a few along a 3-tap one
            (2, 37, 35, 33, 40, .same),   // the 35×35 blocks' shape, with tails
            (1, 19, 17, 130, 70, .same),  // the 17×17 blocks' shape: two 64-wide tiles and tails
            (1, 75, 74, 5, 19, .valid),
        ]
        for variant in Self.variants {
            for (i, c) in sizes.enumerated() {
                let (kh, kw) = variant.kernel
                let x = Tensor.random([c.n, c.h, c.w, c.cin], seed: UInt64(30 + i))
                let k = kernel([kh, kw, c.cin, c.cout], seed: UInt64(300 + i))
                let bias = Tensor.random([c.cout], seed: UInt64(400 + i)).scalars
                let scale = Tensor.random([c.cout], seed: UInt64(500 + i)).scalars.map { 0.5 + abs($0) }
                var scaled = k
                for j in 0..<k.count { scaled.scalars[j] *= scale[j % c.cout] }
                for path in SIMDPath.supported {
                    let conv = make(k, bias: bias, scale: scale, c.p, tile: variant.tile, path: path)
                    for relu in [false, true] {
                        let slow = Reference.conv2D(x, scaled, bias: bias, padding: c.p, relu: relu)
                        assertClose(apply(conv, x, relu: relu), slow, tolerance: variant.tolerance,
                                    "\(kh)×\(kw) tiles \(variant.tile) case \(i) \(c) relu \(relu) \(path)")
                    }
                }
            }
        }
    }

    /// The worst error of each variant on Inception V3's own layer shapes
    /// (channels as in the network, a 23×21 crop of the image, inputs in
    /// [0, 1] as after a ReLU), printed for docs/performance.md and held to
    /// the variant's tolerance (oracle: Reference.conv2D, summed in Double).
    func testErrorOnInceptionLayerShapes() {
        let layers: [(kernel: (Int, Int), cin: Int, cout: Int, name: String)] = [
            ((3, 3), 32, 32, "stem 147×147"), ((3, 3), 32, 64, "stem 147×147"), ((3, 3), 80, 192, "stem 71×71"),
            ((3, 3), 64, 96, "35×35 blocks"), ((3, 3), 96, 96, "35×35 blocks"), ((5, 5), 48, 64, "mixed0–2"),
            ((1, 7), 128, 128, "mixed4"), ((7, 1), 128, 192, "mixed4"), ((1, 7), 160, 160, "mixed5–6"),
            ((7, 1), 160, 192, "mixed5–6"), ((1, 7), 192, 192, "mixed7"), ((7, 1), 192, 192, "mixed7"),
            ((3, 3), 448, 384, "mixed9–10"), ((1, 3), 384, 384, "mixed9–10"), ((3, 1), 384, 384, "mixed9–10"),
        ]
        for (i, layer) in layers.enumerated() {
            let x = Tensor(shape: [1, 23, 21, layer.cin],
                           scalars: Tensor.random([1, 23, 21, layer.cin], seed: UInt64(600 + i)).scalars.map { abs($0) })
            let k = kernel([layer.kernel.0, layer.kernel.1, layer.cin, layer.cout], seed: UInt64(700 + i))
            let slow = Reference.conv2D(x, k, padding: .same)
            for variant in Self.variants where variant.kernel == layer.kernel {
                let fast = apply(make(k, .same, tile: variant.tile), x, relu: false)
                let worst = zip(fast.scalars, slow.scalars).map { abs($0 - $1) }.max() ?? 0
                let largest = slow.scalars.map(abs).max() ?? 0
                print("winograd-error \(layer.kernel.0)×\(layer.kernel.1) \(layer.cin)→\(layer.cout) (\(layer.name)) "
                      + "tiles \(variant.tile): max |fast − reference| = \(worst) (largest |y| \(largest))")
                assertClose(fast, slow, tolerance: variant.tolerance, "\(layer) tiles \(variant.tile)")
            }
        }
    }

    /// Writing into a channel slice of a wider tensor (how branches fill a
    /// concatenation) leaves the other channels untouched.
    func testWritesIntoAChannelSlice() {
        let x = Tensor.random([1, 7, 5, 6], seed: 7)
        for variant in Self.variants {
            let k = kernel([variant.kernel.0, variant.kernel.1, 6, 20], seed: 8)
            for path in SIMDPath.supported {
                assertWritesIntoChannelSlice(make(k, .same, tile: variant.tile, path: path), input: x, kernel: k)
            }
        }
    }

    /// Each tile is computed by the same code whatever chunk or thread takes
    /// it, so results are bit-identical for any thread count and either SIMD
    /// path (oracle: the 1-thread AVX2 run), and an image's result does not
    /// depend on its batch (oracle: the image run alone).
    func testResultIsIndependentOfThreadsAndBatch() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = Tensor.random([2, 23, 21, 24], seed: 9)
        let second = Tensor(shape: [1, 23, 21, 24], scalars: Array(x.scalars[(23 * 21 * 24)...]))
        let bias = Tensor.random([48], seed: 11).scalars
        for variant in Self.variants {
            let k = Tensor.random([variant.kernel.0, variant.kernel.1, 24, 48], seed: 10)
            Parallel.threadCount = 1
            let one = apply(make(k, bias: bias, .same, tile: variant.tile, path: .avx2), x, relu: true)
            for path in SIMDPath.supported {
                let conv = make(k, bias: bias, .same, tile: variant.tile, path: path)
                for threads in [1, 2, 3, 7] {
                    Parallel.threadCount = threads
                    XCTAssertEqual(apply(conv, x, relu: true), one, "\(variant.tile), \(threads) threads, \(path)")
                }
                XCTAssertEqual(apply(conv, second, relu: true).scalars, Array(one.scalars[(23 * 21 * 48)...]),
                               "\(variant.tile), image alone, \(path)")
            }
        }
    }

    /// Which layers take which tile (oracle: the rule as documented on `tile`).
    func testTileFollowsTheRule() {
        typealias Tile = WinogradConv2D.Tile
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 64, 96], strides: (1, 1), pixels: 35 * 35),
                       Tile(rows: 6, columns: 6))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 64, 96], strides: (1, 1), pixels: 34 * 35),
                       Tile(rows: 4, columns: 4))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 64, 96], strides: (1, 1), pixels: 16 * 16),
                       Tile(rows: 4, columns: 4))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 32, 64], strides: (1, 1), pixels: 147 * 147),
                       Tile(rows: 6, columns: 6))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 80, 192], strides: (1, 1), pixels: 71 * 71),
                       Tile(rows: 6, columns: 6))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 448, 384], strides: (1, 1), pixels: 8 * 8),
                       Tile(rows: 2, columns: 2))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 3, 448, 384], strides: (1, 1), pixels: 15 * 17),
                       Tile(rows: 2, columns: 2))
        XCTAssertNil(WinogradConv2D.tile(kernel: [3, 3, 448, 384], strides: (1, 1), pixels: 7 * 9))
        XCTAssertNil(WinogradConv2D.tile(kernel: [3, 3, 32, 32], strides: (2, 2), pixels: 149 * 149))
        XCTAssertNil(WinogradConv2D.tile(kernel: [3, 3, 192, 320], strides: (2, 2), pixels: 8 * 8))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [1, 3, 384, 384], strides: (1, 1), pixels: 8 * 8),
                       Tile(rows: 1, columns: 2))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [3, 1, 384, 384], strides: (1, 1), pixels: 8 * 8),
                       Tile(rows: 2, columns: 1))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [1, 3, 384, 384], strides: (1, 1), pixels: 35 * 35),
                       Tile(rows: 1, columns: 2))
        XCTAssertNil(WinogradConv2D.tile(kernel: [1, 3, 384, 384], strides: (1, 1), pixels: 3 * 3))
        XCTAssertNil(WinogradConv2D.tile(kernel: [1, 1, 2048, 448], strides: (1, 1), pixels: 8 * 8))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [1, 7, 160, 160], strides: (1, 1), pixels: 17 * 17),
                       Tile(rows: 1, columns: 6))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [7, 1, 192, 192], strides: (1, 1), pixels: 17 * 17),
                       Tile(rows: 6, columns: 1))
        XCTAssertNil(WinogradConv2D.tile(kernel: [7, 1, 192, 192], strides: (1, 1), pixels: 8 * 8))
        XCTAssertEqual(WinogradConv2D.tile(kernel: [5, 5, 48, 64], strides: (1, 1), pixels: 35 * 35),
                       Tile(rows: 4, columns: 4))
        XCTAssertNil(WinogradConv2D.tile(kernel: [5, 5, 48, 64], strides: (1, 1), pixels: 15 * 15))
        XCTAssertTrue(WinogradConv2D.suits(kernel: [3, 3, 80, 192], strides: (1, 1), pixels: 71 * 71))
    }
}
