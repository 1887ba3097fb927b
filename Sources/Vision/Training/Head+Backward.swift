// Head+Backward.swift — one training-mode forward and backward pass of a head
// over a batch, up to the gradients each Dense layer needs for its update.
//
//   z1 = x·K1 + b1 (rows, H)   a = relu(z1)·keep   z2 = a·K2 + b2 (rows, C)
//   loss_r = CE(z2_r, label_r)   mean over rows
//   dz2 = (softmax(z2) − onehot) / rows   da = dz2·K2ᵀ   dz1 = da·keep·[z1 > 0]
// Without a hidden layer, a = x. dK = inputᵀ·dz and db = Σ dz follow from
// `DenseLayer.gradients` (or fused into the update by `DenseLayer.train`).

/// The intermediate values of `Head.trainingPass`.
struct TrainingPass {
    /// Labels of the batch rows.
    var labels: [Int]
    /// Hidden pre-activation z1 (rows, H); empty without a hidden layer.
    var hiddenLogits: [Float]
    /// The output layer's input a (rows, H) or x (rows, inputs).
    var outputInput: [Float]
    /// Output logits z2 (rows, classes).
    var logits: [Float]
    /// softmax(z2) (rows, classes).
    var probabilities: [Float]
    /// Cross-entropy per row, from the logits.
    var losses: [Float]
    /// ∂(mean loss)/∂z2 (rows, classes).
    var outputGradient: [Float]
    /// ∂(mean loss)/∂z1 (rows, H); empty without a hidden layer.
    var hiddenGradient: [Float]

    /// The batch's mean loss, summed in Double.
    var meanLoss: Double { losses.map(Double.init).reduce(0, +) / Double(max(labels.count, 1)) }

    /// Rows whose most probable class (the first on ties, as tf.argmax) is the label.
    var correct: Int {
        let width = probabilities.count / max(labels.count, 1)
        return labels.indices.filter { HeadTrainer.argmax(probabilities, row: $0, width: width) == labels[$0] }.count
    }
}

extension Head {
    /// `trainingPass` with this head's dropout: masks (rows, H) drawn from
    /// `masks` when the head has a dropout layer, none otherwise. What
    /// `HeadTrainer` and `FineTuner` both run on a batch.
    func trainingPass(_ x: [Float], labels: [Int], masks: inout SeededGenerator) -> TrainingPass {
        let keep = hidden.flatMap { hidden in
            dropout > 0 ? HeadTrainer.dropoutMask(count: labels.count * hidden.units, rate: dropout, generator: &masks) : nil
        }
        return trainingPass(x, labels: labels, keep: keep)
    }

    /// Forward and backward over `x` (rows, inputs) with `labels`; `keep`
    /// holds the dropout multipliers (rows, H), nil for none (all ones).
    func trainingPass(_ x: [Float], labels: [Int], keep: [Float]?) -> TrainingPass {
        let rows = labels.count, classes = output.units
        precondition(x.count == rows * inputs, "Head.trainingPass: \(x.count) features are not \(rows)×\(inputs)")
        var z1: [Float] = []                                                   // (rows, H)
        var a = x                                                              // (rows, H) or (rows, inputs)
        if let hidden {
            z1 = hidden.affine(x, count: rows)
            let activated = HeadTrainer.reluForward(z1)
            a = keep.map { HeadTrainer.dropoutForward(activated, keep: $0) } ?? activated
        }
        let z2 = output.affine(a, count: rows)                                // (rows, classes)
        var p = [Float](repeating: 0, count: rows * classes)                  // (rows, classes)
        var losses = [Float](repeating: 0, count: rows)
        z2.withUnsafeBufferPointer { z in
            p.withUnsafeMutableBufferPointer { q in
                for r in 0..<rows {
                    losses[r] = CrossEntropy.fromLogits(z.baseAddress! + r * classes, width: classes, label: labels[r],
                                                        probabilities: q.baseAddress! + r * classes)
                }
            }
        }
        // The gradient of the batch mean: (p − onehot) / rows.
        let scale = 1 / Float(rows)
        var dz2 = p                                                            // (rows, classes)
        for r in 0..<rows {
            dz2[r * classes + labels[r]] -= 1
            for j in 0..<classes { dz2[r * classes + j] *= scale }
        }
        var dz1: [Float] = []                                                  // (rows, H)
        if hidden != nil {
            let da = output.inputGradient(dz2, count: rows)                   // (rows, H)
            dz1 = HeadTrainer.reluBackward(keep.map { HeadTrainer.dropoutBackward(da, keep: $0) } ?? da, input: z1)
        }
        return TrainingPass(labels: labels, hiddenLogits: z1, outputInput: a, logits: z2, probabilities: p,
                            losses: losses, outputGradient: dz2, hiddenGradient: dz1)
    }
}
