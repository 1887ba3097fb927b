// Evaluation.swift — a head's verdict on labelled features in inference mode
// (dropout off), as Keras' `model.evaluate` (loss from the logits, categorical
// accuracy) plus the confusion matrix and per-class precision and recall.
import Foundation

/// What `Head.evaluate` found.
public struct Evaluation: Sendable, Equatable {
    /// Mean categorical cross-entropy (Keras' `evaluate` loss).
    public var loss: Double
    /// Fraction of samples whose most probable class is the label.
    public var accuracy: Double
    /// [true class][predicted class] counts.
    public var confusion: [[Int]]
    /// Per predicted class: right / predicted; nil when nothing was predicted as it.
    public var precision: [Double?]
    /// Per true class: right / samples of that class; nil when it has no samples.
    public var recall: [Double?]
    /// Most probable class per sample (the first on ties, as tf.argmax).
    public var predicted: [Int]
    /// (count, classes), row-major.
    public var probabilities: [Float]
    /// Cross-entropy per sample.
    public var losses: [Double]
}

extension Head {
    /// Loss, accuracy, confusion, precision and recall of this head on
    /// `data`, in inference mode. Labels must be below the class count.
    public func evaluate(_ data: LabelledFeatures) -> Evaluation {
        precondition(data.width == inputs, "Head.evaluate: features of width \(data.width) for a head of \(inputs) inputs")
        precondition(data.labels.allSatisfy { $0 < classes.count }, "Head.evaluate: a label is not below the \(classes.count) classes")
        let classCount = classes.count
        var probabilities = [Float](repeating: 0, count: data.count * classCount)   // (count, classes)
        var losses = [Double](repeating: 0, count: data.count)
        var predicted = [Int](repeating: 0, count: data.count)
        let chunk = 256                                        // bounds the hidden activations' memory
        for start in stride(from: 0, to: data.count, by: chunk) {
            let rows = min(chunk, data.count - start)
            let x = Array(data.features[(start * data.width)..<((start + rows) * data.width)])   // (rows, width)
            let a = hidden.map { HeadTrainer.reluForward($0.affine(x, count: rows)) } ?? x          // (rows, H)
            let z = output.affine(a, count: rows)                                                    // (rows, classes)
            for r in 0..<rows {
                let sample = start + r
                let loss = z.withUnsafeBufferPointer { z in
                    probabilities.withUnsafeMutableBufferPointer { p in
                        CrossEntropy.fromLogits(z.baseAddress! + r * classCount, width: classCount,
                                                label: data.labels[sample],
                                                probabilities: p.baseAddress! + sample * classCount)
                    }
                }
                losses[sample] = Double(loss)
                predicted[sample] = HeadTrainer.argmax(probabilities, row: sample, width: classCount)
            }
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (label, guess) in zip(data.labels, predicted) { confusion[label][guess] += 1 }
        let right = (0..<classCount).map { confusion[$0][$0] }
        let precision: [Double?] = (0..<classCount).map { c in
            let predictedAs = confusion.map { $0[c] }.reduce(0, +)
            return predictedAs == 0 ? nil : Double(right[c]) / Double(predictedAs)
        }
        let recall: [Double?] = (0..<classCount).map { c in
            let samples = confusion[c].reduce(0, +)
            return samples == 0 ? nil : Double(right[c]) / Double(samples)
        }
        let count = Double(max(data.count, 1))
        return Evaluation(loss: losses.reduce(0, +) / count,
                          accuracy: Double(right.reduce(0, +)) / count,
                          confusion: confusion, precision: precision, recall: recall,
                          predicted: predicted, probabilities: probabilities, losses: losses)
    }
}
