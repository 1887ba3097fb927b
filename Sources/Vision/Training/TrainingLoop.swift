// TrainingLoop.swift — the one epoch loop of `train head` (HeadTrainer) and
// `fine tune` (FineTuner), as Keras' `model.fit(x, y, batch_size, epochs,
// shuffle, validation_data)`:
//
//   per epoch: checkpoint → order (seeded Fisher–Yates, or as given) → batches (last one partial)
//     per batch: Ctrl-C? back to the checkpoint, stop → one step (loss before the update) → running metrics
//   → val_loss, val_accuracy in inference mode (`Head.evaluate`: cross-entropy from the logits) → EpochRecord
//
// Reported loss/accuracy are Keras 3's running metrics: the mean of per-batch
// mean losses weighted by batch size, measured before each batch's update.
import Foundation

/// What the training loop trains: a head alone (`HeadTrainer`) or a head
/// with the top of the base (`FineTuner`).
public protocol EpochTrainable {
    /// Labelled training data: pooled features, or cached boundary values.
    associatedtype Samples
    /// How many samples `data` holds.
    static func count(of data: Samples) -> Int
    /// One optimizer step on the samples `rows` of `data`, dropout masks
    /// drawn from `masks`: the batch's mean loss before the update and how
    /// many samples the training-mode outputs put in their class.
    mutating func trainBatch(_ data: Samples, rows: [Int], masks: inout SeededGenerator) -> (meanLoss: Double, correct: Int)
    /// Keras' `val_loss` (cross-entropy from the logits) and `val_accuracy`
    /// on `data`, in inference mode.
    func validate(_ data: Samples) -> (loss: Double, accuracy: Double)
    /// Remembers the current weights and optimizer slots (start of an epoch).
    mutating func saveCheckpoint()
    /// Goes back to what `saveCheckpoint` remembered (a stop mid-epoch).
    mutating func restoreCheckpoint()
}

/// The epoch loop with its seed: keeps the count of epochs done so that a
/// second `fit` continues with new orders instead of repeating the first's.
///
///     var loop = TrainingLoop(batchSize: 16, seed: 42)
///     let (history, stopped) = loop.fit(&tuner, train: train, validation: valid, epochs: 2,
///                                       shouldStop: { false }, onBatch: { _ in }, onEpoch: { print($0) })
public struct TrainingLoop: Sendable {
    /// Samples per batch (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Seeds the shuffles and the dropout masks.
    public let seed: UInt64
    /// Whether every epoch visits the samples in a fresh seeded order.
    public let shuffle: Bool
    /// Epochs completed over all `fit` calls: keys the orders and masks.
    public private(set) var epochsDone = 0

    /// A loop with the given batch size and seed.
    public init(batchSize: Int, seed: UInt64, shuffle: Bool = true) {
        precondition(batchSize >= 1, "TrainingLoop: batch size \(batchSize) must be at least 1")
        self.batchSize = batchSize
        self.seed = seed
        self.shuffle = shuffle
    }

    /// Runs `epochs` epochs of `model` over `train`. `shouldStop` is polled
    /// before and after every batch: when it returns true the model goes back to the
    /// start of the current epoch (the end of the last completed one) and
    /// `stopped` is true. `onBatch` runs after every batch, `onEpoch` after
    /// every completed epoch (validation included).
    public mutating func fit<Model: EpochTrainable>(
        _ model: inout Model, train: Model.Samples, validation: Model.Samples?, epochs: Int,
        shouldStop: () -> Bool, onBatch: (BatchProgress) -> Void, onEpoch: (EpochRecord) -> Void
    ) -> (history: [EpochRecord], stopped: Bool) {
        precondition(epochs >= 0, "TrainingLoop.fit: negative epoch count \(epochs)")
        let count = Model.count(of: train)
        precondition(count > 0, "TrainingLoop.fit: no training samples")
        guard epochs > 0 else { return ([], false) }
        let steps = (count + batchSize - 1) / batchSize
        var history: [EpochRecord] = []
        for epoch in 1...epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            model.saveCheckpoint()
            let epochKey = UInt64(epochsDone)
            let order = shuffle ? Self.shuffled(count: count, seed: Self.derive(seed, 1, epochKey)) : Array(0..<count)
            var lossSum = 0.0, correct = 0, seen = 0
            for step in 0..<steps {
                if shouldStop() {
                    model.restoreCheckpoint()
                    return (history, true)
                }
                let rows = Array(order[(step * batchSize)..<min((step + 1) * batchSize, count)])
                var masks = SeededGenerator(seed: Self.derive(seed, 2 + epochKey, UInt64(step)))
                let result = model.trainBatch(train, rows: rows, masks: &masks)
                if shouldStop() {   // asked during the batch (a model may cut a long batch short)
                    model.restoreCheckpoint()
                    return (history, true)
                }
                lossSum += result.meanLoss * Double(rows.count)
                correct += result.correct
                seen += rows.count
                onBatch(BatchProgress(epoch: epoch, epochs: epochs, step: step + 1, steps: steps,
                                      loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen)))
            }
            epochsDone += 1
            let checked = validation.map { model.validate($0) }
            let record = EpochRecord(epoch: epoch, steps: steps, loss: lossSum / Double(seen),
                                     accuracy: Double(correct) / Double(seen),
                                     validationLoss: checked?.loss, validationAccuracy: checked?.accuracy,
                                     seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            history.append(record)
            onEpoch(record)
        }
        return (history, false)
    }

    /// 0..<count in a Fisher–Yates order drawn from `seed` (written out, not
    /// the standard library's `shuffle(using:)`, whose algorithm may change
    /// between Swift versions). kungfu's one shuffle: the epochs' orders and
    /// the validation split (`ImageFolder.split` in Shell) both use it.
    public static func shuffled(count: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<count)
        var generator = SeededGenerator(seed: seed)
        var i = count - 1
        while i > 0 {
            // An index in 0...i from the high half of a 64×64-bit product.
            let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// A seed for one purpose (`a`, `b`) of a run seeded with `seed`.
    public static func derive(_ seed: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
        var generator = SeededGenerator(seed: seed ^ (a &* 0x9E37_79B9_7F4A_7C15) ^ (b &* 0xC2B2_AE3D_27D4_EB4F))
        return generator.next()
    }
}
