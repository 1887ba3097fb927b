// KernelConv2DTests.swift — the packed SIMD convolution against
// Reference.conv2D (oracle: the scalar definition in Reference.swift).
import XCTest
@testable import Vision

final class KernelConv2DTests: XCTestCase {
    /// Every kernel shape Inception V3 uses, both paddings, strides 1 and 2,
    /// odd channel counts (SIMD tails, and 1, 2, 3 and 4 panels of the
    /// AVX-512 64-wide tile) and pixel counts not divisible by the 6-row
    /// tile, on every SIMD path this CPU runs.
    func testAgreesWithReferenceOnEveryKernelShape() {
        let cases: [(n: Int, h: Int, w: Int, cin: Int, cout: Int, kh: Int, kw: Int, s: Int, p: Padding)] = [
            (1, 17, 19, 3, 32, 3, 3, 2, .valid),  // the stem's first convolution
            (2, 13, 11, 5, 19, 3, 3, 1, .valid),
            (1, 9, 10, 7, 35, 3, 3, 1, .same),
            (2, 11, 12, 17, 16, 1, 1, 1, .valid),
            (1, 7, 5, 33, 1, 1, 1, 1, .same),
            (1, 8, 9, 6, 33, 5, 5, 1, .same),
            (1, 9, 7, 10, 21, 1, 7, 1, .same),
            (1, 7, 9, 10, 21, 7, 1, 1, .same),
            (2, 5, 6, 9, 40, 1, 3, 1, .same),
            (1, 6, 5, 9, 40, 3, 1, 1, .same),
            (1, 14, 15, 8, 24, 3, 3, 2, .valid),
            (1, 10, 11, 4, 12, 3, 3, 2, .same),   // stride 2 'same': the extra pad goes after
            (1, 4, 4, 3, 5, 5, 5, 1, .same),      // kernel larger than the image
            (1, 5, 6, 11, 64, 1, 1, 1, .same),    // exactly one 64-wide tile
            (1, 5, 5, 9, 130, 3, 3, 1, .same),    // two 64-wide tiles and a 2-channel tail
            (1, 4, 7, 13, 100, 1, 3, 1, .same),   // 64 + 36: a 3-panel tail
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.random([c.n, c.h, c.w, c.cin], seed: UInt64(10 + i))
            let k = Tensor.random([c.kh, c.kw, c.cin, c.cout], seed: UInt64(100 + i))
            let bias = Tensor.random([c.cout], seed: UInt64(200 + i)).scalars
            for relu in [false, true] {
                let slow = Reference.conv2D(x, k, bias: bias, strides: (c.s, c.s), padding: c.p, relu: relu)
                for path in SIMDPath.supported {
                    let fast = Kernels.conv2D(x, kernel: k, bias: bias, strides: (c.s, c.s), padding: c.p,
                                              relu: relu, path: path)
                    assertClose(fast, slow, tolerance: 1e-5, "case \(i) \(c) relu \(relu) \(path)")
                }
            }
        }
    }

    /// A per-channel scale (batch norm's inv) is applied as the tile is
    /// stored: conv · scale + bias, then ReLU (oracle: `Reference.conv2D`
    /// without bias, then the scale and the bias per channel), on every
    /// SIMD path, for tails of 1 to 4 panels.
    func testScaleAndBiasFollowTheConvolution() {
        let cases: [(h: Int, w: Int, cin: Int, cout: Int, k: Int, s: Int)] = [
            (9, 10, 7, 35, 3, 1), (7, 5, 33, 1, 1, 1), (6, 7, 9, 130, 3, 2), (5, 4, 13, 100, 1, 1), (8, 8, 6, 64, 5, 1),
        ]
        for (i, c) in cases.enumerated() {
            let x = Tensor.random([2, c.h, c.w, c.cin], seed: UInt64(60 + i))
            let k = Tensor.random([c.k, c.k, c.cin, c.cout], seed: UInt64(70 + i))
            let scale = Tensor.random([c.cout], seed: UInt64(80 + i)).scalars.map { 0.5 + abs($0) * 4 }
            let bias = Tensor.random([c.cout], seed: UInt64(90 + i)).scalars
            let conv = Reference.conv2D(x, k, strides: (c.s, c.s), padding: .same)
            let scaled = Tensor(shape: conv.shape, scalars: conv.scalars.enumerated().map { j, v in
                v * scale[j % c.cout] + bias[j % c.cout]
            })
            for relu in [false, true] {
                let slow = relu ? Reference.relu(scaled) : scaled
                for path in SIMDPath.supported {
                    let packed = k.scalars.withUnsafeBufferPointer {
                        PackedConv2D(kernel: $0, shape: k.shape, bias: bias, scale: scale, strides: (c.s, c.s),
                                     padding: .same, path: path)
                    }
                    let (oh, ow) = packed.outputSize(height: c.h, width: c.w)
                    var fast = Tensor(zeros: [2, oh, ow, c.cout])
                    withFeatureMap(x) { input in fast.withFeatureMap { packed.apply(input, $0, relu: relu) } }
                    assertClose(fast, slow, tolerance: 1e-5, "case \(i) \(c) relu \(relu) \(path)")
                }
            }
        }
    }

    /// Without a scale the store is exactly conv + bias: a scale of ones
    /// gives the same bits as none (oracle: the unscaled convolution).
    func testScaleOfOnesGivesTheBitsOfNoScale() {
        let x = Tensor.random([1, 9, 8, 21], seed: 11)
        let k = Tensor.random([3, 3, 21, 70], seed: 12)
        let bias = Tensor.random([70], seed: 13).scalars
        for path in SIMDPath.supported {
            let plain = Kernels.conv2D(x, kernel: k, bias: bias, padding: .same, relu: true, path: path)
            let ones = k.scalars.withUnsafeBufferPointer {
                PackedConv2D(kernel: $0, shape: k.shape, bias: bias, scale: [Float](repeating: 1, count: 70),
                             padding: .same, path: path)
            }
            var y = Tensor(zeros: plain.shape)
            withFeatureMap(x) { input in y.withFeatureMap { ones.apply(input, $0, relu: true) } }
            XCTAssertEqual(y, plain, "\(path)")
        }
    }

    /// The panels are the kernel unscaled, so `kernel()` gives it back bit
    /// for bit, whatever the scale (oracle: the array packed), for channel
    /// counts with and without a partial block, including -0, NaN and
    /// subnormal values.
    func testKernelComesBackBitForBit() throws {
        for (i, shape) in [[3, 3, 5, 35], [1, 1, 2048, 1000], [1, 7, 3, 16], [5, 5, 1, 1]].enumerated() {
            var k = Tensor.random(shape, seed: UInt64(30 + i))
            k.scalars[0] = -0.0
            k.scalars[k.count - 1] = Float(bitPattern: 0x7fc0_1234)
            k.scalars[k.count / 2] = Float.leastNonzeroMagnitude
            let packed = k.scalars.withUnsafeBufferPointer {
                PackedConv2D(kernel: $0, shape: shape, scale: [Float](repeating: 3, count: shape[3]), padding: .same)
            }
            let back = try XCTUnwrap(packed.kernel())
            XCTAssertEqual(back.map(\.bitPattern), k.scalars.map(\.bitPattern), "shape \(shape)")
        }
    }

    /// A depth large enough that the schedule splits both the pixels and the
    /// channel blocks into several cache-sized units.
    func testAgreesWithReferenceWhenTheScheduleSplitsBothWays() {
        let x = Tensor.random([1, 12, 12, 300], seed: 1)
        let k = Tensor.random([3, 3, 300, 160], seed: 2, scale: 0.1)
        let schedule = PackedConv2D.Schedule(pixels: 144, panelBytes: 2700 * 64, blocks: 10,
                                             inputBytes: 144 * 300 * 4 * 9, threads: 2)
        XCTAssertGreaterThan(schedule.chunks, 1)
        XCTAssertGreaterThan(schedule.groups, 1)
        let slow = Reference.conv2D(x, k, padding: .same)
        for path in SIMDPath.supported {
            assertClose(Kernels.conv2D(x, kernel: k, padding: .same, path: path), slow, tolerance: 1e-5,
                        "3×3×300→160 \(path)")
        }
    }

    /// Writing into a channel slice of a wider tensor (how branches fill a
    /// concatenation) leaves the other channels untouched.
    func testWritesIntoAChannelSlice() {
        let x = Tensor.random([1, 5, 7, 6], seed: 3)
        let k = Tensor.random([3, 3, 6, 20], seed: 4)
        for path in SIMDPath.supported {
            let conv = k.scalars.withUnsafeBufferPointer {
                PackedConv2D(kernel: $0, shape: k.shape, padding: .same, path: path)
            }
            assertWritesIntoChannelSlice(conv, input: x, kernel: k)
        }
    }

    /// Every output element is computed by one thread in a fixed order, so
    /// any thread count gives bit-identical results (oracle: the 1-thread run).
    func testResultIsIndependentOfThreadCount() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let x = Tensor.random([2, 15, 13, 24], seed: 5)
        let k = Tensor.random([3, 3, 24, 48], seed: 6)
        Parallel.threadCount = 1
        let one = Kernels.conv2D(x, kernel: k, padding: .same, relu: true)
        for threads in [2, 3, 7] {
            Parallel.threadCount = threads
            for path in SIMDPath.supported {
                XCTAssertEqual(Kernels.conv2D(x, kernel: k, padding: .same, relu: true, path: path), one,
                               "\(threads) threads, \(path)")
            }
        }
    }

    /// The AVX2 and AVX-512 kernels add the same products in the same order,
    /// so they give the same bits (oracle: the AVX2 path), stem to 1×1.
    func testSIMDPathsGiveTheSameBits() throws {
        guard SIMDPath.avx512.isSupported else {
            throw XCTSkip("this CPU has no AVX-512 (\(SIMDPath.cpuName)): only the AVX2 path can run")
        }
        let shapes: [(cin: Int, cout: Int, k: Int, s: Int)] = [(3, 32, 3, 2), (64, 80, 1, 1), (48, 64, 5, 1),
                                                              (160, 192, 7, 1), (2048, 1000, 1, 1)]
        for (i, c) in shapes.enumerated() {
            let x = Tensor.random([1, 9, 8, c.cin], seed: UInt64(40 + i))
            let k = Tensor.random([c.k, c.k, c.cin, c.cout], seed: UInt64(50 + i))
            XCTAssertEqual(Kernels.conv2D(x, kernel: k, strides: (c.s, c.s), padding: .same, relu: true, path: .avx2),
                           Kernels.conv2D(x, kernel: k, strides: (c.s, c.s), padding: .same, relu: true, path: .avx512),
                           "case \(i) \(c)")
        }
    }

    /// The cpuid probe agrees with the kernel's own account of the CPU
    /// (oracle: the flags line of /proc/cpuinfo on Linux x86-64).
    func testProbeAgreesWithProcCpuinfo() throws {
        #if os(Linux) && arch(x86_64)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?
            .split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
        XCTAssertFalse(flags.isEmpty, "no flags line in /proc/cpuinfo")
        let avx512 = ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains)
        XCTAssertEqual(SIMDPath.avx512.isSupported, avx512, "cpuid and /proc/cpuinfo disagree on AVX-512")
        XCTAssertEqual(SIMDPath.active, avx512 && ProcessInfo.processInfo.environment["KUNGFU_SIMD"] == nil
                       ? .avx512 : SIMDPath.active)
        XCTAssertFalse(SIMDPath.cpuName.isEmpty)
        #else
        throw XCTSkip("the probe's oracle here is /proc/cpuinfo on Linux x86-64")
        #endif
    }

    /// KUNGFU_SIMD: a supported path is followed; an unknown or unsupported
    /// one falls back to the best path with a reason.
    func testEnvironmentRequestIsFollowedOrExplained() {
        XCTAssertEqual(SIMDPath.choose(request: "avx2").path, .avx2)
        XCTAssertNil(SIMDPath.choose(request: " AVX2 ").problem)
        let best: SIMDPath = SIMDPath.avx512.isSupported ? .avx512 : .avx2
        XCTAssertEqual(SIMDPath.choose(request: nil).path, best)
        XCTAssertEqual(SIMDPath.choose(request: "").path, best)
        let unknown = SIMDPath.choose(request: "sse")
        XCTAssertEqual(unknown.path, best)
        XCTAssertEqual(unknown.problem, "KUNGFU_SIMD=sse is not avx2 or avx512; using \(best.rawValue)")
        let wide = SIMDPath.choose(request: "avx512")
        if SIMDPath.avx512.isSupported {
            XCTAssertEqual(wide.path, .avx512)
            XCTAssertNil(wide.problem)
        } else {
            XCTAssertEqual(wide.path, .avx2)
            XCTAssertEqual(wide.problem, "KUNGFU_SIMD=avx512: this CPU has no AVX-512; using avx2")
        }
    }

    /// TF's padding rule (oracle: TensorFlow's documented formula, worked by hand).
    func testPaddingFollowsTensorFlow() {
        XCTAssertTrue(Padding.valid.window(input: 299, kernel: 3, stride: 2) == (149, 0, 0))
        XCTAssertTrue(Padding.same.window(input: 147, kernel: 3, stride: 1) == (147, 1, 1))
        XCTAssertTrue(Padding.same.window(input: 10, kernel: 3, stride: 2) == (5, 0, 1))
        XCTAssertTrue(Padding.same.window(input: 17, kernel: 7, stride: 1) == (17, 3, 3))
        XCTAssertTrue(Padding.same.window(input: 8, kernel: 4, stride: 1) == (8, 1, 2))
        XCTAssertTrue(Padding.same.window(input: 2, kernel: 5, stride: 3) == (1, 1, 2))
    }
}
