// GradientsTests.swift — every backward kernel (Gradients) against central
// finite differences of a scalar forward in Double (oracle), and that Double
// forward against the fast Kernels forward (so the differences differentiate
// the real layer).
//
// Loss L = Σ y · r with fixed random r, so ∂L/∂y = r is what each backward
// kernel receives. Tolerance 1e-4 (scaled by max(1, |expected|)): the kernels
// sum ≤ 7·7·19 products of magnitude ≤ 1 in Float32 (relative error ≲ 1e-5),
// while the differences of these piecewise-linear maps in Double are exact to
// ~1e-10 (step 1e-3, inputs kept ≥ 4e-3 from any kink: see `distinct`).
import XCTest
@testable import Vision

/// The forward layers, scalar, in Double, on NHWC arrays with explicit shapes.
enum DoubleForward {
    typealias Shape = (n: Int, h: Int, w: Int, c: Int)

    /// y[b,oy,ox,co] = Σ x[b, oy·sh+ky−pt, ox·sw+kx−pl, ci] · k[ky,kx,ci,co]
    static func conv(_ x: [Double], _ s: Shape, _ k: [Double], _ ks: [Int], _ st: (Int, Int), _ p: Padding) -> [Double] {
        let (oh, pt) = Reference.window(s.h, ks[0], st.0, p), (ow, pl) = Reference.window(s.w, ks[1], st.1, p)
        let cout = ks[3]
        var y = [Double](repeating: 0, count: s.n * oh * ow * cout)
        for b in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for ky in 0..<ks[0] { for kx in 0..<ks[1] {
            let iy = oy * st.0 + ky - pt, ix = ox * st.1 + kx - pl
            if iy < 0 || iy >= s.h || ix < 0 || ix >= s.w { continue }
            for ci in 0..<s.c { for co in 0..<cout {
                y[((b * oh + oy) * ow + ox) * cout + co] += x[((b * s.h + iy) * s.w + ix) * s.c + ci]
                    * k[((ky * ks[1] + kx) * s.c + ci) * cout + co]
            } }
        } } } } }
        return y
    }

    /// Max or mean over each window's in-bounds cells.
    static func pool(_ x: [Double], _ s: Shape, max isMax: Bool, _ size: (Int, Int), _ st: (Int, Int), _ p: Padding) -> [Double] {
        let (oh, pt) = Reference.window(s.h, size.0, st.0, p), (ow, pl) = Reference.window(s.w, size.1, st.1, p)
        var y: [Double] = []
        for b in 0..<s.n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<s.c {
            var cells: [Double] = []
            for iy in max(oy * st.0 - pt, 0)..<min(oy * st.0 - pt + size.0, s.h) {
                for ix in max(ox * st.1 - pl, 0)..<min(ox * st.1 - pl + size.1, s.w) {
                    cells.append(x[((b * s.h + iy) * s.w + ix) * s.c + ch])
                }
            }
            y.append(isMax ? cells.max()! : cells.reduce(0, +) / Double(cells.count))
        } } } }
        return y
    }

    /// (N, H, W, C) → (N, C) mean.
    static func globalAverage(_ x: [Double], _ s: Shape) -> [Double] {
        (0..<(s.n * s.c)).map { i in
            let (b, ch) = (i / s.c, i % s.c)
            return (0..<(s.h * s.w)).map { x[(b * s.h * s.w + $0) * s.c + ch] }.reduce(0, +) / Double(s.h * s.w)
        }
    }
}

final class GradientsTests: XCTestCase {
    /// Central differences of f at x, every element, step 1e-3.
    func numericGradient(_ x: [Double], _ f: ([Double]) -> Double) -> [Double] {
        let h = 1e-3
        var probe = x
        return x.indices.map { i in
            probe[i] = x[i] + h; let up = f(probe)
            probe[i] = x[i] - h; let down = f(probe)
            probe[i] = x[i]
            return (up - down) / (2 * h)
        }
    }

    /// `count` distinct values in [−1, 1) at least 2/count apart (a seeded
    /// shuffle of an even grid, offset half a step so none is 0): no max-pool
    /// tie and no ReLU kink lies within the difference step.
    func distinct(_ count: Int, seed: UInt64) -> [Float] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { (Float($0) + 0.5) * 2 / Float(count) - 1 }.shuffled(using: &g)
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { $0 * $1 }.reduce(0, +) }
    func doubles(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }
    func tensor(_ values: [Double], _ shape: [Int]) -> Tensor { Tensor(shape: shape, scalars: values.map(Float.init)) }

    func testConvolutionInputAndKernelGradients() {
        // Inception's kernel shapes, both strides, both paddings; 3 and 5
        // channels hit the 16-wide tails, 17 → 19 a full block plus tails.
        let cases: [(h: Int, w: Int, cin: Int, cout: Int, k: (Int, Int), s: (Int, Int), p: Padding)] = [
            (7, 5, 3, 5, (1, 1), (1, 1), .same), (7, 5, 3, 5, (3, 3), (1, 1), .same),
            (7, 5, 3, 5, (1, 3), (1, 1), .same), (7, 5, 3, 5, (3, 1), (1, 1), .same),
            (7, 5, 3, 5, (1, 7), (1, 1), .same), (7, 5, 3, 5, (7, 1), (1, 1), .same),
            (7, 5, 3, 5, (3, 3), (2, 2), .valid), (7, 5, 5, 3, (3, 3), (1, 1), .valid),
            (7, 9, 3, 5, (1, 7), (1, 1), .valid), (7, 5, 3, 5, (3, 3), (2, 2), .same),
            (7, 5, 3, 5, (1, 1), (2, 2), .valid), (5, 7, 17, 19, (3, 3), (1, 1), .same),
        ]
        for (i, c) in cases.enumerated() {
            let shape = (n: 2, h: c.h, w: c.w, c: c.cin), ks = [c.k.0, c.k.1, c.cin, c.cout]
            let x = Tensor.random([2, c.h, c.w, c.cin], seed: UInt64(10 + i))
            let k = Tensor.random(ks, seed: UInt64(50 + i))
            let y = Kernels.conv2D(x, kernel: k, strides: c.s, padding: c.p)
            let yD = DoubleForward.conv(doubles(x), shape, doubles(k), ks, c.s, c.p)
            assertClose(y, tensor(yD, y.shape), tolerance: 1e-5, "forward case \(i)")
            let r = Tensor.random(y.shape, seed: UInt64(90 + i))
            let dx = Gradients.conv2DInput(r, kernel: k, inputHeight: c.h, inputWidth: c.w, strides: c.s, padding: c.p)
            let dxFD = numericGradient(doubles(x)) { dot(DoubleForward.conv($0, shape, doubles(k), ks, c.s, c.p), doubles(r)) }
            assertClose(dx, tensor(dxFD, x.shape), tolerance: 1e-4, "∂x case \(i) \(c)")
            let dk = Gradients.conv2DKernel(x, r, kernelHeight: c.k.0, kernelWidth: c.k.1, strides: c.s, padding: c.p)
            let dkFD = numericGradient(doubles(k)) { dot(DoubleForward.conv(doubles(x), shape, $0, ks, c.s, c.p), doubles(r)) }
            assertClose(dk, tensor(dkFD, ks), tolerance: 1e-4, "∂kernel case \(i) \(c)")
        }
    }

    func testPoolingGradients() {
        let cases: [(h: Int, w: Int, c: Int, k: (Int, Int), s: (Int, Int), p: Padding)] = [
            (7, 5, 3, (3, 3), (2, 2), .valid), (7, 5, 5, (3, 3), (1, 1), .same),
            (7, 5, 3, (3, 3), (2, 2), .same), (8, 6, 17, (2, 2), (2, 2), .same),
        ]
        for (i, c) in cases.enumerated() {
            let shape = (n: 2, h: c.h, w: c.w, c: c.c), dims = [2, c.h, c.w, c.c]
            let x = Tensor(shape: dims, scalars: distinct(dims.reduce(1, *), seed: UInt64(200 + i)))
            for isMax in [true, false] {
                let fast = isMax ? Kernels.maxPool2D(x, size: c.k, strides: c.s, padding: c.p)
                                 : Kernels.averagePool2D(x, size: c.k, strides: c.s, padding: c.p)
                assertClose(fast, tensor(DoubleForward.pool(doubles(x), shape, max: isMax, c.k, c.s, c.p), fast.shape),
                            tolerance: 1e-6, "forward max=\(isMax) case \(i)")
                let r = Tensor.random(fast.shape, seed: UInt64(300 + i))
                let dx = isMax ? Gradients.maxPool(r, input: x, size: c.k, strides: c.s, padding: c.p)
                               : Gradients.averagePool(r, inputShape: dims, size: c.k, strides: c.s, padding: c.p)
                let fd = numericGradient(doubles(x)) {
                    dot(DoubleForward.pool($0, shape, max: isMax, c.k, c.s, c.p), doubles(r))
                }
                assertClose(dx, tensor(fd, dims), tolerance: 1e-4, "∂x max=\(isMax) case \(i)")
            }
        }
    }

    /// Ties: the first maximal cell in row-major window order takes it all
    /// (oracle: TF's rule, stated in Gradients.maxPool).
    func testMaxPoolTieGoesToFirstCell() {
        let x = Tensor(shape: [1, 2, 2, 1], scalars: [1, 3, 3, 3])
        let dx = Gradients.maxPool(Tensor(shape: [1, 1, 1, 1], scalars: [5]), input: x,
                                   size: (2, 2), strides: (2, 2), padding: .valid)
        XCTAssertEqual(dx.scalars, [0, 5, 0, 0])
    }

    func testBatchNormReluGlobalPoolAndConcatenateGradients() {
        let dims = [2, 7, 5, 5], shape = (n: 2, h: 7, w: 5, c: 5), count = dims.reduce(1, *)
        let x = Tensor(shape: dims, scalars: distinct(count, seed: 400))
        let beta = (0..<5).map { Double($0) * 0.1 - 0.2 }, mean = [0.1, -0.2, 0.3, 0, 0.05]
        let variance = [0.5, 1, 1.5, 0.9, 1.2]
        let inv = variance.map { 1 / ($0 + 0.001).squareRoot() }
        func bn(_ v: [Double], _ b: [Double]) -> [Double] { v.indices.map { v[$0] * inv[$0 % 5] + b[$0 % 5] - mean[$0 % 5] * inv[$0 % 5] } }
        let r = Tensor.random(dims, seed: 401)
        assertClose(tensor(bn(doubles(x), beta), dims),
                    Reference.batchNorm(x, beta: beta.map(Float.init), mean: mean.map(Float.init),
                                        variance: variance.map(Float.init)), tolerance: 1e-6, "bn forward")
        let (dx, dbeta) = Gradients.batchNorm(r, inv: inv.map(Float.init))
        assertClose(dx, tensor(numericGradient(doubles(x)) { dot(bn($0, beta), doubles(r)) }, dims),
                    tolerance: 1e-4, "bn ∂x")
        assertClose(Tensor(shape: [5], scalars: dbeta),
                    tensor(numericGradient(beta) { dot(bn(doubles(x), $0), doubles(r)) }, [5]), tolerance: 1e-4, "bn ∂beta")

        let relu: ([Double]) -> [Double] = { $0.map { max($0, 0) } }
        assertClose(Kernels.relu(x), tensor(relu(doubles(x)), dims), tolerance: 0, "relu forward")
        assertClose(Gradients.relu(r, output: Kernels.relu(x)),
                    tensor(numericGradient(doubles(x)) { dot(relu($0), doubles(r)) }, dims), tolerance: 1e-4, "relu ∂x")

        let rg = Tensor.random([2, 5], seed: 402)
        assertClose(Kernels.globalAveragePool2D(x), tensor(DoubleForward.globalAverage(doubles(x), shape), [2, 5]),
                    tolerance: 1e-6, "global pool forward")
        assertClose(Gradients.globalAveragePool(rg, height: 7, width: 5),
                    tensor(numericGradient(doubles(x)) { dot(DoubleForward.globalAverage($0, shape), doubles(rg)) }, dims),
                    tolerance: 1e-4, "global pool ∂x")

        let a = Tensor.random([2, 7, 5, 3], seed: 403), rc = Tensor.random([2, 7, 5, 8], seed: 404)
        let joined = Kernels.concatenate([a, x])
        assertClose(joined, Reference.concatenate([a, x]), tolerance: 0, "concatenate forward")
        let parts = Gradients.concatenate(rc, channels: [3, 5])
        // Concatenation is a permutation: ∂L/∂input is r at the input's channels.
        let joinedFD = numericGradient(doubles(joined)) { dot($0, doubles(rc)) }
        assertClose(Kernels.concatenate(parts), tensor(joinedFD, rc.shape), tolerance: 1e-4, "concatenate ∂x")
        XCTAssertEqual(parts.map(\.shape), [[2, 7, 5, 3], [2, 7, 5, 5]])
    }

    /// The same gradients with 1 and with 2 threads, bit for bit (oracle:
    /// the fixed-order contract in Parallel.swift).
    func testGradientsDoNotDependOnThreadCount() {
        let x = Tensor.random([3, 9, 7, 21], seed: 500), k = Tensor.random([3, 3, 21, 18], seed: 501)
        let r = Tensor.random([3, 4, 3, 18], seed: 502), rp = Tensor.random([3, 4, 3, 21], seed: 503)
        func run() -> [Tensor] {
            [Gradients.conv2DInput(r, kernel: k, inputHeight: 9, inputWidth: 7, strides: (2, 2), padding: .valid),
             Gradients.conv2DKernel(x, r, kernelHeight: 3, kernelWidth: 3, strides: (2, 2), padding: .valid),
             Gradients.maxPool(rp, input: x, size: (3, 3), strides: (2, 2), padding: .valid),
             Tensor(shape: [21], scalars: Gradients.channelSums(x))]
        }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = run()
        Parallel.threadCount = 2
        XCTAssertEqual(run(), one)
    }
}
