// TrainingLoopTests.swift — `train head` (HeadTrainer) and `fine tune`
// (FineTuner) run one loop and one loss: with nothing trainable in the base,
// the same head on the same features gets the same history, and both
// val_loss values are the logits-form cross-entropy. Oracle: that definition,
// log Σ exp z − z_label, computed in Float64 by a scalar reference below.
import XCTest
@testable import Vision

final class TrainingLoopTests: XCTestCase {
    /// Mean over `labels` of log Σ_j exp z_j − z_label, z = head(features) in
    /// Float64 (hidden relu layer if any, no dropout).
    private func referenceLoss(_ head: Head, features: [Float], labels: [Int]) -> Double {
        func affine(_ x: [Double], _ layer: DenseLayer) -> [Double] {
            (0..<layer.units).map { j in
                (0..<layer.inputs).reduce(Double(layer.bias[j])) { $0 + x[$1] * Double(layer.kernel[$1 * layer.units + j]) }
            }
        }
        let width = head.inputs
        var total = 0.0
        for (r, label) in labels.enumerated() {
            let x = features[(r * width)..<((r + 1) * width)].map(Double.init)
            let a = head.hidden.map { affine(x, $0).map { max($0, 0) } } ?? x
            let z = affine(a, head.output)
            let top = z.max()!
            total += log(z.map { exp($0 - top) }.reduce(0, +)) + top - z[label]
        }
        return total / Double(labels.count)
    }

    func testTrainHeadAndFineTuneReportTheSameValLoss() throws {
        let model = FineTunerTests.model
        let frozen = [Bool](repeating: false, count: model.layers.count)
        let head = Head(inputs: 2048, classes: ["a", "b", "c"], hidden: 8, dropout: 0.5, seed: 5)
        var tuner = try FineTuner(model: model, trainable: frozen, head: head, optimizer: .sgd(rate: 0.05, momentum: 0.9))
        XCTAssertEqual(tuner.boundaryLayerNames, ["mixed10"], "nothing trains in the base: the head reads mixed10")
        let images = Tensor.random([9, 139, 139, 3], seed: 21)
        let all = try tuner.boundary(for: images)
        let (trainRows, validationRows) = (Array(0..<6), Array(6..<9))
        let train = LabelledBoundary(values: FineTuner.rows(all, trainRows), labels: [0, 1, 2, 0, 1, 2])
        let validation = LabelledBoundary(values: FineTuner.rows(all, validationRows), labels: [2, 0, 1])
        let pooled = Kernels.globalAveragePool2D(all[0]).scalars                 // (9, 2048): train head's features
        func features(_ rows: [Int], _ labels: [Int]) -> LabelledFeatures {
            LabelledFeatures(features: rows.flatMap { pooled[($0 * 2048)..<(($0 + 1) * 2048)] }, labels: labels, width: 2048)
        }

        var trainer = HeadTrainer(head: head, optimizer: .sgd(rate: 0.05, momentum: 0.9), batchSize: 4, seed: 7)
        let byHead = trainer.fit(features(trainRows, train.labels), validation: features(validationRows, validation.labels),
                                 epochs: 2, shouldStop: { false }, onBatch: { _ in }, onEpoch: { _ in }).history
        var loop = TrainingLoop(batchSize: 4, seed: 7)
        let byTuner = loop.fit(&tuner, train: train, validation: validation, epochs: 2,
                               shouldStop: { false }, onBatch: { _ in }, onEpoch: { _ in }).history

        XCTAssertEqual(byHead.count, 2)
        XCTAssertEqual(byTuner.count, 2)
        for (h, t) in zip(byHead, byTuner) {
            XCTAssertEqual(h.loss, t.loss, accuracy: 1e-5 * h.loss, "loss, epoch \(h.epoch)")
            XCTAssertEqual(h.accuracy, t.accuracy, "accuracy, epoch \(h.epoch)")
            XCTAssertEqual(h.validationLoss!, t.validationLoss!, accuracy: 1e-5 * h.validationLoss!, "val_loss, epoch \(h.epoch)")
            XCTAssertEqual(h.validationAccuracy, t.validationAccuracy, "val_accuracy, epoch \(h.epoch)")
        }
        let heldOut = features(validationRows, validation.labels).features
        XCTAssertEqual(byHead.last!.validationLoss!, referenceLoss(trainer.head, features: heldOut, labels: validation.labels),
                       accuracy: 1e-5, "train head's val_loss is the logits form")
        XCTAssertEqual(byTuner.last!.validationLoss!, referenceLoss(tuner.head, features: heldOut, labels: validation.labels),
                       accuracy: 1e-5, "fine tune's val_loss is the logits form")

        // Confident mistakes, beyond where exp underflows in Float (p < 1e-38,
        // logit gaps > 87): a bias of 200 on class a makes the two held-out
        // images of b and c wrong by about 200 each. A loss from clipped
        // probabilities would stop near 87 (fine-tuning's old −log max(p,
        // leastNormal)) or 16.1 (Keras' 1e-7 clip); the logits form does not.
        var sharp = trainer.head
        sharp.output.bias = [200, 0, 0]
        let sharpTuner = try FineTuner(model: model, trainable: frozen, head: sharp, optimizer: .kerasFineTuning)
        let expected = referenceLoss(sharp, features: heldOut, labels: validation.labels)
        XCTAssertGreaterThan(expected, 87, "the case must reach past Float's exp underflow")
        let headLoss = sharp.evaluate(features(validationRows, validation.labels)).loss
        let tunerLoss = sharpTuner.evaluate(validation).loss
        XCTAssertEqual(headLoss, expected, accuracy: 1e-4 * expected, "train head / evaluate")
        XCTAssertEqual(tunerLoss, expected, accuracy: 1e-4 * expected, "fine tune")
    }
}
