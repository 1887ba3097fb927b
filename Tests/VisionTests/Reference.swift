// Reference.swift — scalar definitions of every Vision kernel, written for
// clarity, not speed: the oracle the fast SIMD kernels are tested against.
//
// Sums run in Double so the reference is more precise than any Float32 path.
// TF padding is restated here rather than borrowed from the code under test.
import XCTest
@testable import Vision

enum Reference {
    /// TF padding along one axis: (output, before). `same`: out = ceil(in/s),
    /// total = max((out-1)·s + k - in, 0), floor(total/2) before.
    static func window(_ size: Int, _ k: Int, _ s: Int, _ padding: Padding) -> (output: Int, before: Int) {
        if padding == .valid { return ((size - k) / s + 1, 0) }
        let out = (size + s - 1) / s
        return (out, max((out - 1) * s + k - size, 0) / 2)
    }

    /// y[n,oy,ox,co] = bias[co] + Σ_{ky,kx,ci} x[n, oy·sh+ky-pt, ox·sw+kx-pl, ci] · k[ky,kx,ci,co]
    static func conv2D(_ x: Tensor, _ k: Tensor, bias: [Float]? = nil, strides: (Int, Int) = (1, 1),
                       padding: Padding, relu: Bool = false) -> Tensor {
        let (n, h, w, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (kh, kw, cout) = (k.shape[0], k.shape[1], k.shape[3])
        let (oh, pt) = window(h, kh, strides.0, padding), (ow, pl) = window(w, kw, strides.1, padding)
        var y = Tensor(zeros: [n, oh, ow, cout])
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for co in 0..<cout {
            var sum = Double(bias?[co] ?? 0)
            for ky in 0..<kh { for kx in 0..<kw {
                let iy = oy * strides.0 + ky - pt, ix = ox * strides.1 + kx - pl
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                for ci in 0..<cin {
                    sum += Double(x[b, iy, ix, ci]) * Double(k.scalars[((ky * kw + kx) * cin + ci) * cout + co])
                }
            } }
            y.scalars[((b * oh + oy) * ow + ox) * cout + co] = Float(relu ? max(sum, 0) : sum)
        } } } }
        return y
    }

    /// Max or average over the in-bounds cells of each window (TF: padded
    /// cells take no part, so the average divides by the in-bounds count).
    static func pool2D(_ x: Tensor, max isMax: Bool, size: (Int, Int), strides: (Int, Int),
                       padding: Padding) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (oh, pt) = window(h, size.0, strides.0, padding), (ow, pl) = window(w, size.1, strides.1, padding)
        var y = Tensor(zeros: [n, oh, ow, c])
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
            var values: [Double] = []
            for ky in 0..<size.0 { for kx in 0..<size.1 {
                let iy = oy * strides.0 + ky - pt, ix = ox * strides.1 + kx - pl
                if iy >= 0 && iy < h && ix >= 0 && ix < w { values.append(Double(x[b, iy, ix, ch])) }
            } }
            let v = isMax ? values.max()! : values.reduce(0, +) / Double(values.count)
            y.scalars[((b * oh + oy) * ow + ox) * c + ch] = Float(v)
        } } } }
        return y
    }

    /// (N, H, W, C) → (N, C): mean or max over H × W.
    static func globalPool(_ x: Tensor, max isMax: Bool) -> Tensor {
        let (n, h, w, c) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        var y = Tensor(zeros: [n, c])
        for b in 0..<n { for ch in 0..<c {
            let values = (0..<(h * w)).map { Double(x.scalars[(b * h * w + $0) * c + ch]) }
            y.scalars[b * c + ch] = Float(isMax ? values.max()! : values.reduce(0, +) / Double(h * w))
        } }
        return y
    }

    /// Channels of each input side by side, in order.
    static func concatenate(_ xs: [Tensor]) -> Tensor {
        let pixels = xs[0].count / xs[0].shape.last!
        var scalars: [Float] = []
        for p in 0..<pixels {
            for x in xs { let c = x.shape.last!; scalars += x.scalars[(p * c)..<((p + 1) * c)] }
        }
        return Tensor(shape: Array(xs[0].shape.dropLast()) + [xs.map { $0.shape.last! }.reduce(0, +)], scalars: scalars)
    }

    /// y[n, j] = bias[j] + Σ_i x[n, i] · k[i, j]
    static func dense(_ x: Tensor, _ k: Tensor, bias: [Float]) -> Tensor {
        let (n, inputs, units) = (x.shape[0], k.shape[0], k.shape[1])
        var y = Tensor(zeros: [n, units])
        for b in 0..<n { for j in 0..<units {
            var sum = Double(bias[j])
            for i in 0..<inputs { sum += Double(x.scalars[b * inputs + i]) * Double(k.scalars[i * units + j]) }
            y.scalars[b * units + j] = Float(sum)
        } }
        return y
    }

    /// exp(x - max) / Σ exp(x - max) over the last axis.
    static func softmax(_ x: Tensor) -> Tensor {
        let width = x.shape.last!
        var y = x
        for r in 0..<(x.count / width) {
            let row = x.scalars[(r * width)..<((r + 1) * width)].map(Double.init)
            let e = row.map { Foundation.exp($0 - row.max()!) }
            for i in 0..<width { y.scalars[r * width + i] = Float(e[i] / e.reduce(0, +)) }
        }
        return y
    }

    /// max(x, 0)
    static func relu(_ x: Tensor) -> Tensor { Tensor(shape: x.shape, scalars: x.scalars.map { max($0, 0) }) }

    /// Keras' inference batch norm without scale, as TF computes it:
    /// inv = 1/sqrt(var + eps); y = x · inv + (beta - mean · inv), per channel.
    static func batchNorm(_ x: Tensor, beta: [Float], mean: [Float], variance: [Float],
                          epsilon: Float = 0.001) -> Tensor {
        let c = x.shape.last!
        var y = x
        for i in 0..<x.count {
            let ch = i % c, inv = 1 / (variance[ch] + epsilon).squareRoot()
            y.scalars[i] = x.scalars[i] * inv + (beta[ch] - mean[ch] * inv)
        }
        return y
    }
}

extension Tensor {
    /// Element at (n, y, x, c) of an NHWC tensor (tests only).
    subscript(n: Int, y: Int, x: Int, c: Int) -> Float {
        scalars[((n * shape[1] + y) * shape[2] + x) * shape[3] + c]
    }

    /// A tensor of uniform values in [-1, 1) from a seeded generator (tests only).
    static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
        var g = SeededGenerator(seed: seed)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in g.nextUniform(limit: scale) })
    }
}

/// Fails with the worst element's index and both values unless every
/// |actual - expected| <= tolerance · max(1, |expected|).
func assertClose(_ actual: Tensor, _ expected: Tensor, tolerance: Float = 1e-5, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.shape == expected.shape else {
        return XCTFail("\(what): shape \(actual.shape) != expected \(expected.shape)", file: file, line: line)
    }
    var worst = 0, worstError: Float = -1
    for i in 0..<actual.count {
        let error = abs(actual.scalars[i] - expected.scalars[i]) / max(1, abs(expected.scalars[i]))
        let comparable = error.isNaN ? Float.infinity : error
        if comparable > worstError { worst = i; worstError = comparable }
    }
    if worstError > tolerance {
        XCTFail("\(what): worst at flat index \(worst) of shape \(actual.shape): \(actual.scalars[worst]) "
                + "vs expected \(expected.scalars[worst]) (scaled error \(worstError) > \(tolerance))",
                file: file, line: line)
    }
}

/// Checks that `conv` (made from kernel `k`, 'same' padding, no bias) writes
/// `Reference.conv2D(x, k)` into channels 13..<33 of a 50-channel tensor
/// (how branches fill a concatenation) and leaves the other channels as they
/// were. `x` must hold 35 pixels and `k` 20 output channels.
func assertWritesIntoChannelSlice(_ conv: any PreparedConvolution, input x: Tensor, kernel k: Tensor,
                                  file: StaticString = #filePath, line: UInt = #line) {
    precondition(x.shape[0] * x.shape[1] * x.shape[2] == 35 && k.shape[3] == 20, "assertWritesIntoChannelSlice: sizes")
    var wide = Tensor(shape: [1, x.shape[1], x.shape[2], 50], scalars: [Float](repeating: 7, count: 35 * 50))
    withFeatureMap(x) { input in wide.withFeatureMap { conv.apply(input, $0.channels(13..<33), relu: false) } }
    let expected = Reference.conv2D(x, k, padding: .same)
    for p in 0..<35 {
        for c in 0..<50 {
            let value = wide.scalars[p * 50 + c]
            if (13..<33).contains(c) {
                XCTAssertEqual(value, expected.scalars[p * 20 + c - 13], accuracy: 1e-5, "pixel \(p) channel \(c)",
                               file: file, line: line)
            } else {
                XCTAssertEqual(value, 7, "pixel \(p) channel \(c) outside the slice was overwritten", file: file, line: line)
            }
        }
    }
}
