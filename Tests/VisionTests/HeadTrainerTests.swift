// HeadTrainerTests.swift — HeadTrainer's run semantics (determinism, thread
// independence, stopping, shuffling, resuming, progress) and Head.evaluate on
// a hand-made case. Oracles: a second run of the same code (bit identity),
// Keras' documented fit semantics, and hand-computed counts and losses.
import XCTest
@testable import Vision

final class HeadTrainerTests: XCTestCase {
    /// 40 samples of 512 features in 3 classes, each class shifted along its
    /// own direction; with 16 per batch an epoch has 3 steps (16, 16, 8), and
    /// 16×512×64 multiply-adds take the kernels' parallel path.
    private func data(count: Int = 40, seed: UInt64 = 30) -> LabelledFeatures {
        let width = 512
        var generator = SeededGenerator(seed: seed)
        let labels = (0..<count).map { $0 % 3 }
        var features = [Float](repeating: 0, count: count * width)
        for r in 0..<count {
            for i in 0..<width {
                features[r * width + i] = generator.nextUniform(limit: 1) + (i % 3 == labels[r] ? 0.3 : 0)
            }
        }
        return LabelledFeatures(features: features, labels: labels, width: width)
    }

    private func head(seed: UInt64 = 31) -> Head {
        Head(inputs: 512, classes: ["a", "b", "c"], hidden: 64, dropout: 0.3, seed: seed)
    }

    private func fit(_ trainer: inout HeadTrainer, epochs: Int, validation: LabelledFeatures? = nil)
        -> (history: [EpochRecord], stopped: Bool) {
        trainer.fit(data(), validation: validation, epochs: epochs, shouldStop: { false }, onBatch: { _ in }, onEpoch: { _ in })
    }

    /// The history without wall times, which differ between runs.
    private func timeless(_ history: [EpochRecord]) -> [EpochRecord] {
        history.map { var r = $0; r.seconds = 0; return r }
    }

    /// Oracle: a second run. Same seed, data and settings give the same
    /// bits (weights and history); another seed gives other weights.
    func testSameSeedGivesIdenticalResults() {
        var first = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 5)
        var second = first
        var other = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 6)
        let a = fit(&first, epochs: 3, validation: data(count: 10, seed: 32))
        let b = fit(&second, epochs: 3, validation: data(count: 10, seed: 32))
        _ = fit(&other, epochs: 3)
        XCTAssertEqual(first.head, second.head, "same seed, different weights")
        XCTAssertEqual(timeless(a.history), timeless(b.history), "same seed, different history")
        XCTAssertNotEqual(first.head, other.head, "the seed changes nothing (shuffle and dropout ignore it?)")
        XCTAssertNotEqual(first.head, head(), "training changed nothing")
    }

    /// Oracle: a run with one thread. 2 and 3 threads split the kernels'
    /// work differently but every element is summed in one fixed order.
    func testThreadCountDoesNotChangeResults() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [Head] = []
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            var trainer = HeadTrainer(head: head(), optimizer: .sgd(rate: 0.01, momentum: 0.9), batchSize: 16, seed: 7)
            _ = fit(&trainer, epochs: 2)
            results.append(trainer.head)
        }
        XCTAssertEqual(results[0], results[1], "1 vs 2 threads")
        XCTAssertEqual(results[0], results[2], "1 vs 3 threads")
    }

    /// Oracle: a 1-epoch run. The loop polls before and after each batch
    /// (3 per epoch here), so poll 9 comes before batch 2 of epoch 2. A stop there returns
    /// the epoch-1 head, a history of one epoch, stopped = true; a stop before
    /// the first batch returns the initial head and no history.
    func testStopMidEpochTwoKeepsEpochOne() {
        var oneEpoch = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 8)
        let reference = fit(&oneEpoch, epochs: 1)

        var trainer = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 8)
        var polls = 0, batches = 0, epochs = 0
        let result = trainer.fit(data(), validation: nil, epochs: 5, shouldStop: { polls += 1; return polls == 9 },
                                 onBatch: { _ in batches += 1 }, onEpoch: { _ in epochs += 1 })
        XCTAssertTrue(result.stopped, "stopped")
        XCTAssertEqual(result.history.count, 1, "history of the completed epoch only")
        XCTAssertEqual(timeless(result.history), timeless(reference.history), "epoch-1 record")
        XCTAssertEqual([batches, epochs], [4, 1], "3 batches of epoch 1 and 1 of epoch 2 ran")
        XCTAssertEqual(trainer.head, oneEpoch.head, "the head is that of the last completed epoch")

        // After a stop the trainer continues from epoch 1's state, as if epoch 2 never began.
        _ = fit(&trainer, epochs: 1)
        _ = fit(&oneEpoch, epochs: 1)
        XCTAssertEqual(trainer.head, oneEpoch.head, "optimizer state rolled back with the head")

        var never = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 8)
        let none = never.fit(data(), validation: nil, epochs: 2, shouldStop: { true }, onBatch: { _ in }, onEpoch: { _ in })
        XCTAssertTrue(none.stopped && none.history.isEmpty, "stop before any batch")
        XCTAssertEqual(never.head, head(), "initial head when no epoch completed")
    }

    /// Oracle: Keras, whose compiled model keeps optimizer state and
    /// iteration count across fit calls: 2 × fit(1 epoch) = fit(2 epochs).
    func testTwoFitsEqualOneLongerFit() {
        var once = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 9)
        var twice = once
        _ = fit(&once, epochs: 2)
        _ = fit(&twice, epochs: 1)
        let second = fit(&twice, epochs: 1)
        XCTAssertEqual(once.head, twice.head, "resumed training differs")
        XCTAssertEqual(second.history.map(\.epoch), [1], "epochs are numbered within a fit call, as Keras prints them")
    }

    /// Oracle: Fisher–Yates yields permutations; Keras shuffles every epoch
    /// afresh, and shuffle = false keeps the given order (checked against a
    /// run on data reordered by hand, which must then differ).
    func testShuffling() {
        let orders = (0..<3).map { TrainingLoop.shuffled(count: 40, seed: TrainingLoop.derive(1, 1, UInt64($0))) }
        for order in orders { XCTAssertEqual(order.sorted(), Array(0..<40), "a permutation") }
        XCTAssertNotEqual(orders[0], orders[1], "epochs get different orders")
        XCTAssertEqual(TrainingLoop.shuffled(count: 1, seed: 3), [0], "one sample")

        var shuffled = HeadTrainer(head: head(), optimizer: .sgd(rate: 0.01, momentum: 0), batchSize: 16, seed: 10)
        var ordered = HeadTrainer(head: head(), optimizer: .sgd(rate: 0.01, momentum: 0), batchSize: 16, seed: 10, shuffle: false)
        _ = fit(&shuffled, epochs: 1)
        _ = fit(&ordered, epochs: 1)
        XCTAssertNotEqual(shuffled.head, ordered.head, "shuffle changes the batches")
    }

    /// Oracle: Keras' progress bar semantics. Steps are numbered 1...3 with
    /// the partial last batch; the running loss after the last batch is the
    /// epoch's loss; the batch-size-weighted mean of the per-batch losses
    /// (recovered from the running means) reproduces it.
    func testBatchProgressIsTheRunningMean() {
        var trainer = HeadTrainer(head: head(), optimizer: .adam(rate: 0.001), batchSize: 16, seed: 11)
        var progress: [BatchProgress] = []
        var records: [EpochRecord] = []
        _ = trainer.fit(data(), validation: data(count: 9, seed: 33), epochs: 2, shouldStop: { false },
                        onBatch: { progress.append($0) }, onEpoch: { records.append($0) })
        XCTAssertEqual(progress.map(\.step), [1, 2, 3, 1, 2, 3], "steps")
        XCTAssertEqual(progress.map(\.epoch), [1, 1, 1, 2, 2, 2], "epochs")
        XCTAssertTrue(progress.allSatisfy { $0.steps == 3 && $0.epochs == 2 }, "totals")
        XCTAssertEqual(progress[2].loss, records[0].loss, "epoch loss is the last running mean")
        XCTAssertEqual(progress[5].accuracy, records[1].accuracy, "epoch accuracy is the last running accuracy")
        let sizes = [16.0, 16, 8]
        let batchLosses = [progress[0].loss, (progress[1].loss * 32 - progress[0].loss * 16) / 16,
                           (progress[2].loss * 40 - progress[1].loss * 32) / 8]
        XCTAssertEqual(zip(batchLosses, sizes).map { $0 * $1 }.reduce(0, +) / 40, records[0].loss, accuracy: 1e-12,
                       "weighted by batch size")
        XCTAssertNotNil(records[0].validationLoss, "validation loss reported")
        let validation = trainer.head.evaluate(data(count: 9, seed: 33))
        XCTAssertEqual(records[1].validationLoss, validation.loss, "validation is evaluate at the epoch's end")
        XCTAssertEqual(records[1].validationAccuracy, validation.accuracy, "validation accuracy")
        XCTAssertTrue(records.allSatisfy { $0.seconds >= 0 }, "wall time")
    }

    /// Oracle: counts by hand. Logits are 10·onehot(predicted class) (kernel
    /// 10·I over one-hot features), so each loss is log(e¹⁰ + 3) − 10 when
    /// right and log(e¹⁰ + 3) when wrong; an all-zero row ties everywhere,
    /// predicts class 0 (tf.argmax's first maximum) and costs log 4.
    func testEvaluateOnAHandMadeCase() {
        let classes = 4
        var kernel = [Float](repeating: 0, count: classes * classes)
        for c in 0..<classes { kernel[c * classes + c] = 10 }
        let head = Head(classes: ["a", "b", "c", "d"], hidden: nil, dropout: 0,
                        output: DenseLayer(name: "dense", inputs: classes, units: classes, kernel: kernel,
                                           bias: [0, 0, 0, 0], activation: .softmax))
        let labels = [0, 0, 1, 1, 2, 2, 3]
        let chosen: [Int?] = [0, 1, 1, 1, 0, 1, nil]
        var features = [Float](repeating: 0, count: labels.count * classes)
        for (r, c) in chosen.enumerated() { if let c { features[r * classes + c] = 1 } }
        let evaluation = head.evaluate(LabelledFeatures(features: features, labels: labels, width: classes))

        XCTAssertEqual(evaluation.predicted, [0, 1, 1, 1, 0, 1, 0], "predicted")
        XCTAssertEqual(evaluation.confusion, [[1, 1, 0, 0], [0, 2, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0]], "confusion [true][predicted]")
        XCTAssertEqual(evaluation.accuracy, 3.0 / 7, accuracy: 1e-12, "accuracy")
        XCTAssertEqual(evaluation.precision, [1.0 / 3, 2.0 / 4, nil, nil], "precision: nil where nothing is predicted")
        XCTAssertEqual(evaluation.recall, [1.0 / 2, 2.0 / 2, 0, 0], "recall")
        let base = log(exp(10.0) + 3)
        let losses = [base - 10, base, base - 10, base - 10, base, base, log(4.0)]
        assertClose(evaluation.losses, losses, tolerance: 1e-6, "per-sample losses")
        XCTAssertEqual(evaluation.loss, losses.reduce(0, +) / 7, accuracy: 1e-5, "mean loss")
        XCTAssertEqual(evaluation.probabilities.count, 7 * classes, "probabilities (count, classes)")
        XCTAssertEqual(Array(evaluation.probabilities[24..<28]), [0.25, 0.25, 0.25, 0.25], "a tie")

        let absent = head.evaluate(LabelledFeatures(features: Array(features[0..<8]), labels: [0, 0], width: classes))
        XCTAssertEqual(absent.recall, [0.5, nil, nil, nil], "recall: nil for a class without samples")
    }
}
