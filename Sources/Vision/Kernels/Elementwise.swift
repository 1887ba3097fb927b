// Elementwise.swift — ReLU, softmax over the last axis, and channel
// concatenation by copy.
//
//   relu:        y = max(x, 0)
//   softmax:     y = exp(x - max(x)) / sum(exp(x - max(x))), per row of `width`
//   concatenate: NHWC inputs with equal N, H, W → channels side by side, in order
//
// The definitions are `Reference.relu`, `Reference.softmax` and
// `Reference.concatenate` in Tests/VisionTests.
import Foundation

public enum Elementwise {
    /// In place: x = max(x, 0) over `count` values.
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            UnsafeMutableRawPointer(x + i).storeBytes(of: v.maximum(SIMD16()), as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            x[i] = relu(x[i])
            i += 1
        }
    }

    /// max(x, 0) that keeps NaN, as TensorFlow's relu and the SIMD path
    /// (`maximum`) do: Swift's `max(0, .nan)` is 0, which would hide a broken
    /// input behind a normal-looking answer.
    @inline(__always)
    public static func relu(_ x: Float) -> Float { x < 0 ? 0 : x }

    /// In place, per row: softmax over `width` consecutive values, `rows` rows.
    static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for r in 0..<rows { _ = softmax(x + r * width, width: width, into: x + r * width) }
    }

    /// kungfu's one softmax: y = exp(z − max z) / Σ exp(z − max z) over
    /// `width` values (`y` may be `z`). Returns max z and the sum, from
    /// which the cross-entropy's log-sum-exp follows (`CrossEntropy.fromLogits`).
    @discardableResult
    static func softmax(_ z: UnsafePointer<Float>, width: Int, into y: UnsafeMutablePointer<Float>)
        -> (largest: Float, sum: Float) {
        var largest = -Float.infinity
        for i in 0..<width { largest = max(largest, z[i]) }
        var sum: Float = 0
        for i in 0..<width {
            y[i] = Foundation.exp(z[i] - largest)
            sum += y[i]
        }
        for i in 0..<width { y[i] /= sum }
        return (largest, sum)
    }

    /// Copies each input view into its channel slice of `output`, in order.
    static func concatenate(_ inputs: [FeatureMap], into output: FeatureMap) {
        precondition(inputs.map(\.channels).reduce(0, +) == output.channels,
                     "concatenate: inputs have \(inputs.map(\.channels)) channels, output \(output.channels)")
        var offset = 0
        for input in inputs {
            precondition(input.pixels == output.pixels,
                         "concatenate: input of \(input.pixels) pixels into \(output.pixels)")
            for p in 0..<output.pixels {
                (output.base + p * output.pixelStride + offset)
                    .update(from: input.base + p * input.pixelStride, count: input.channels)
            }
            offset += input.channels
        }
    }
}

extension SIMD16 where Scalar == Float {
    /// Lane-wise max(self, other) as one compare and blend per half (vmaxps);
    /// the standard library's `pointwiseMax` goes lane by lane through memory.
    @inline(__always)
    func maximum(_ other: SIMD16<Float>) -> SIMD16<Float> {
        replacing(with: other, where: self .< other)
    }
}
