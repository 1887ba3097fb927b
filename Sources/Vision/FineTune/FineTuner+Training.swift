// FineTuner+Training.swift — fine-tuning on the shared `TrainingLoop`: the
// samples are cached boundary values with labels, a batch is `step`, and
// validation is `Head.evaluate` on the pooled features of the current base,
// so `val_loss` is the head trainer's (cross-entropy from the logits).

/// Cached boundary values with one class index per image: what `fine tune`
/// trains on. `values` are in `FineTuner.boundaryLayerNames` order, each (N, …).
public struct LabelledBoundary: Sendable {
    /// One tensor per boundary layer, N images each.
    public var values: [Tensor]
    /// One class index per image.
    public var labels: [Int]

    /// Boundary values and their labels; every tensor must have one row per label.
    public init(values: [Tensor], labels: [Int]) {
        precondition(values.allSatisfy { $0.shape.first == labels.count },
                     "LabelledBoundary: tensors of \(values.map { $0.shape.first ?? 0 }) images for \(labels.count) labels")
        self.values = values
        self.labels = labels
    }
}

extension FineTuner: EpochTrainable {
    /// Images in `data`.
    public static func count(of data: LabelledBoundary) -> Int { data.labels.count }

    /// One `step` on the images `rows` of `data`.
    public mutating func trainBatch(_ data: LabelledBoundary, rows: [Int],
                                    masks: inout SeededGenerator) -> (meanLoss: Double, correct: Int) {
        step(boundary: FineTuner.rows(data.values, rows), labels: rows.map { data.labels[$0] }, masks: &masks)
    }

    /// Keras' `val_loss` and `val_accuracy`: `evaluate`.
    public func validate(_ data: LabelledBoundary) -> (loss: Double, accuracy: Double) {
        let verdict = evaluate(data)
        return (verdict.loss, verdict.accuracy)
    }

    /// The head's verdict on `data` in inference mode: the current base's
    /// pooled features (16 images per pass), then `Head.evaluate`.
    public func evaluate(_ data: LabelledBoundary) -> Evaluation {
        var features: [Float] = []                                           // (N, 2048)
        features.reserveCapacity(data.labels.count * head.inputs)
        for start in stride(from: 0, to: data.labels.count, by: 16) {
            let rows = Array(start..<min(data.labels.count, start + 16))
            features += pooledFeatures(boundary: FineTuner.rows(data.values, rows)).scalars
        }
        return head.evaluate(LabelledFeatures(features: features, labels: data.labels, width: head.inputs))
    }
}
