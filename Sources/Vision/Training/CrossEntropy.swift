// CrossEntropy.swift — categorical cross-entropy for one sample, forward and
// gradient, in the two forms Keras 3 (TensorFlow backend) computes it.
//
//   logits form:       loss = log Σ exp(z) − z[label]     ∂loss/∂z = softmax(z) − onehot
//   probability form:  loss = −log clip(p[label] / Σp, ε, 1 − ε), ε = 1e-7
//
// `model.fit` and `model.evaluate` use the logits form: Keras' softmax keeps its
// input (`_keras_logits`) and `categorical_crossentropy` uses it, so the clip
// never applies there (a sample at z = 40 costs 40, not −log 1e-7 ≈ 16.1; see
// Tests/VisionTests/Fixtures/keras-head-training). The probability form is
// what the loss gives when called on bare probabilities.
import Foundation

/// Categorical cross-entropy of one sample with an integer label.
public enum CrossEntropy {
    /// Keras' `backend.epsilon()`: the clip of the probability form.
    public static let epsilon: Float = 1e-7

    /// The logits form (Keras' `fit`/`evaluate` for a softmax output):
    /// fills `probabilities` with softmax(logits) and returns
    /// `log Σ exp(z − max) − (z[label] − max)`. The gradient with respect to
    /// the logits is `probabilities − onehot(label)`.
    ///
    ///     CrossEntropy.fromLogits([40, 0, 0], label: 1, probabilities: &p)   // 40
    @discardableResult
    public static func fromLogits(_ logits: UnsafePointer<Float>, width: Int, label: Int,
                                  probabilities: UnsafeMutablePointer<Float>) -> Float {
        precondition(label >= 0 && label < width, "CrossEntropy: label \(label) outside 0..<\(width)")
        let (largest, sum) = Elementwise.softmax(logits, width: width, into: probabilities)
        return Foundation.log(sum) - (logits[label] - largest)
    }

    /// `fromLogits` on arrays: (loss, softmax(logits)).
    public static func fromLogits(_ logits: [Float], label: Int) -> (loss: Float, probabilities: [Float]) {
        var probabilities = [Float](repeating: 0, count: logits.count)
        let loss = logits.withUnsafeBufferPointer { z in
            probabilities.withUnsafeMutableBufferPointer { p in
                fromLogits(z.baseAddress!, width: z.count, label: label, probabilities: p.baseAddress!)
            }
        }
        return (loss, probabilities)
    }

    /// The gradient of `fromLogits` with respect to the logits, given the
    /// softmax it filled in: `probabilities − onehot(label)`.
    public static func logitsGradient(probabilities: [Float], label: Int) -> [Float] {
        precondition(label >= 0 && label < probabilities.count, "CrossEntropy: label \(label) outside 0..<\(probabilities.count)")
        var gradient = probabilities
        gradient[label] -= 1
        return gradient
    }

    /// The probability form, as Keras' `categorical_crossentropy(onehot, p)`
    /// on a plain tensor: p is renormalised to sum 1, clipped to [ε, 1 − ε],
    /// and the loss is −log of the label's entry.
    public static func fromProbabilities(_ probabilities: [Float], label: Int) -> Float {
        precondition(label >= 0 && label < probabilities.count, "CrossEntropy: label \(label) outside 0..<\(probabilities.count)")
        let sum = probabilities.reduce(0, +)
        let clipped = min(max(probabilities[label] / sum, epsilon), 1 - epsilon)
        return -Foundation.log(clipped)
    }

    /// The gradient of `fromProbabilities` with respect to the probabilities,
    /// as TensorFlow differentiates it: with q = p / Σp, ∂loss/∂p_k =
    /// −(1/q_label)·(δ_k,label − q_label)/Σp while q_label is inside the clip
    /// range, and 0 for every k once the clip holds it (`clip_by_value` passes
    /// no gradient to a value outside its bounds).
    public static func probabilitiesGradient(_ probabilities: [Float], label: Int) -> [Float] {
        precondition(label >= 0 && label < probabilities.count, "CrossEntropy: label \(label) outside 0..<\(probabilities.count)")
        let sum = probabilities.reduce(0, +)
        let q = probabilities[label] / sum
        guard q >= epsilon && q <= 1 - epsilon else { return [Float](repeating: 0, count: probabilities.count) }
        return probabilities.indices.map { k in -((k == label ? 1 : 0) - q) / (q * sum) }
    }
}
