// HeadTrainer.swift — trains a `Head` on cached pooled features, as Keras'
// `model.fit(x, y, batch_size, epochs, shuffle, validation_data)` with
// categorical cross-entropy and a softmax output.
//
// The epochs are the shared `TrainingLoop` (TrainingLoop.swift), fine-tuning's
// too; a batch here is `Head.trainingPass` (Head+Backward.swift) and one
// optimizer update of the head's four variables on the fused Dense kernels.
import Foundation

/// Features with one integer label per sample: `count` rows of `width`.
public struct LabelledFeatures: Sendable {
    /// (count, width), row-major.
    public var features: [Float]
    /// One class index per row.
    public var labels: [Int]
    /// Features per sample (2048 for Inception V3's pooled output).
    public var width: Int
    /// Samples.
    public var count: Int { labels.count }

    /// Rows of `features` with their labels; the counts must fit.
    public init(features: [Float], labels: [Int], width: Int) {
        precondition(width > 0, "LabelledFeatures: width \(width) must be positive")
        precondition(features.count == labels.count * width,
                     "LabelledFeatures: \(features.count) scalars are not \(labels.count) samples × \(width)")
        precondition(labels.allSatisfy { $0 >= 0 }, "LabelledFeatures: negative label")
        self.features = features
        self.labels = labels
        self.width = width
    }
}

/// One finished epoch, as a line of Keras' History.
public struct EpochRecord: Sendable, Equatable, Codable {
    /// 1-based within the `fit` call.
    public var epoch: Int
    /// Batches in the epoch.
    public var steps: Int
    /// Keras' `loss`: mean training-mode loss over the epoch, each batch measured before its update.
    public var loss: Double
    /// Keras' `accuracy`: categorical accuracy of the same training-mode outputs.
    public var accuracy: Double
    /// Keras' `val_loss` (inference mode, after the epoch), if validation data was given.
    public var validationLoss: Double?
    /// Keras' `val_accuracy`.
    public var validationAccuracy: Double?
    /// Wall time of the epoch, validation included.
    public var seconds: Double

    /// A record with the given values.
    public init(epoch: Int, steps: Int, loss: Double, accuracy: Double, validationLoss: Double?,
                validationAccuracy: Double?, seconds: Double) {
        self.epoch = epoch
        self.steps = steps
        self.loss = loss
        self.accuracy = accuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.seconds = seconds
    }
}

/// Where a run is after one batch: what a Keras progress bar shows.
public struct BatchProgress: Sendable {
    /// 1-based epoch within the `fit` call.
    public var epoch: Int
    /// Epochs asked for.
    public var epochs: Int
    /// 1-based batch within the epoch.
    public var step: Int
    /// Batches per epoch.
    public var steps: Int
    /// Running mean loss so far this epoch.
    public var loss: Double
    /// Running accuracy so far this epoch.
    public var accuracy: Double

    /// Progress with the given values.
    public init(epoch: Int, epochs: Int, step: Int, steps: Int, loss: Double, accuracy: Double) {
        self.epoch = epoch
        self.epochs = epochs
        self.step = step
        self.steps = steps
        self.loss = loss
        self.accuracy = accuracy
    }
}

/// Trains a head with one optimizer; keeps the optimizer's slots and its
/// iteration count between `fit` calls, as a compiled Keras model does.
///
///     var trainer = HeadTrainer(head: head, optimizer: .adam(rate: 0.001), batchSize: 16, seed: 7)
///     let (history, _) = trainer.fit(train, validation: valid, epochs: 5,
///                                    shouldStop: { false }, onBatch: { _ in }, onEpoch: { print($0) })
public struct HeadTrainer {
    /// The largest batch: 4096 rows of 2048 features and of a widest hidden
    /// layer (`Head.maxHiddenUnits`) are 32 + 134 MB, so any batch is cheap
    /// next to the base; larger ones only change the step count.
    public static let maxBatchSize = 4096
    /// The head as trained so far.
    public private(set) var head: Head
    /// The update rule.
    public let optimizer: Optimizer
    /// Samples per batch (the last batch of an epoch may be smaller).
    public var batchSize: Int { loop.batchSize }
    /// Seeds the shuffles and the dropout masks.
    public var seed: UInt64 { loop.seed }
    /// Whether every epoch visits the samples in a fresh seeded order.
    public var shuffle: Bool { loop.shuffle }
    /// The epoch loop, shared with fine-tuning; it counts the epochs done over
    /// all `fit` calls, so a second `fit` does not repeat the first one's orders.
    private var loop: TrainingLoop

    /// Optimizer slots of the four variables.
    private struct States {
        var hiddenKernel, hiddenBias, outputKernel, outputBias: OptimizerState
    }
    private var states: States
    /// Updates applied so far (Keras' `optimizer.iterations`).
    private var iterations = 0

    /// A trainer starting from `head`, with fresh optimizer slots.
    public init(head: Head, optimizer: Optimizer, batchSize: Int, seed: UInt64, shuffle: Bool = true) {
        precondition((1...Self.maxBatchSize).contains(batchSize),
                     "HeadTrainer: batch size \(batchSize) must be 1…\(Self.maxBatchSize)")
        self.head = head
        self.optimizer = optimizer
        self.loop = TrainingLoop(batchSize: batchSize, seed: seed, shuffle: shuffle)
        let hidden = head.hidden
        states = States(hiddenKernel: optimizer.initialState(count: hidden?.kernel.count ?? 0),
                        hiddenBias: optimizer.initialState(count: hidden?.bias.count ?? 0),
                        outputKernel: optimizer.initialState(count: head.output.kernel.count),
                        outputBias: optimizer.initialState(count: head.output.bias.count))
    }

    /// Runs `epochs` epochs of the shared `TrainingLoop`. `shouldStop` is
    /// polled before every batch: when it returns true the run stops, the
    /// head (and optimizer state) go back to those of the last completed
    /// epoch (or the start if none completed), and `stopped` is true.
    /// `onBatch` runs after every batch, `onEpoch` after every completed
    /// epoch (validation included).
    public mutating func fit(_ train: LabelledFeatures, validation: LabelledFeatures?, epochs: Int,
                             shouldStop: () -> Bool, onBatch: (BatchProgress) -> Void,
                             onEpoch: (EpochRecord) -> Void) -> (history: [EpochRecord], stopped: Bool) {
        for data in [train] + (validation.map { [$0] } ?? []) {
            precondition(data.width == head.inputs, "HeadTrainer.fit: features of width \(data.width) for a head of \(head.inputs) inputs")
            precondition(data.labels.allSatisfy { $0 < head.classes.count },
                         "HeadTrainer.fit: a label is not below the \(head.classes.count) classes")
        }
        var loop = self.loop
        defer { self.loop = loop }
        return loop.fit(&self, train: train, validation: validation, epochs: epochs,
                        shouldStop: shouldStop, onBatch: onBatch, onEpoch: onEpoch)
    }

    /// The head, slots and iteration count at the start of the current
    /// epoch, for a stop to return to. Kept in buffers of its own that are
    /// overwritten in place each epoch: sharing the live arrays would make
    /// the epoch's first update re-allocate and copy them (24 MB for Adam
    /// on a 2048×1024 kernel, page faults included).
    private var checkpoint: (head: Head, states: States, iterations: Int)?

    /// Copies the head, slots and iteration count into the checkpoint's own buffers.
    public mutating func saveCheckpoint() {
        var saved = checkpoint ?? (head, states, iterations)
        checkpoint = nil                       // so `saved` owns its buffers and is overwritten in place
        Self.copy(head, into: &saved.head)
        Self.copy(states, into: &saved.states)
        saved.iterations = iterations
        checkpoint = saved
    }

    /// Copies the checkpoint back, in place.
    public mutating func restoreCheckpoint() {
        guard let saved = checkpoint else { return }
        Self.copy(saved.head, into: &head)
        Self.copy(saved.states, into: &states)
        iterations = saved.iterations
    }

    private static func copy(_ source: Head, into target: inout Head) {
        if let hidden = source.hidden {
            copy(hidden.kernel, into: &target.hidden!.kernel)
            copy(hidden.bias, into: &target.hidden!.bias)
        }
        copy(source.output.kernel, into: &target.output.kernel)
        copy(source.output.bias, into: &target.output.bias)
    }

    private static func copy(_ source: States, into target: inout States) {
        for path in [\States.hiddenKernel, \States.hiddenBias, \States.outputKernel, \States.outputBias] {
            copy(source[keyPath: path].first, into: &target[keyPath: path].first)
            copy(source[keyPath: path].second, into: &target[keyPath: path].second)
        }
    }

    /// Overwrites `target`'s scalars with `source`'s, in place once `target`
    /// owns its buffer (the first call after sharing makes it unique).
    private static func copy(_ source: [Float], into target: inout [Float]) {
        precondition(source.count == target.count, "HeadTrainer: checkpoint of \(target.count) scalars for \(source.count)")
        if source.isEmpty { return }
        target.withUnsafeMutableBufferPointer { t in
            source.withUnsafeBufferPointer { s in t.baseAddress!.update(from: s.baseAddress!, count: s.count) }
        }
    }

    /// One batch: forward in training mode, loss, backward, one optimizer
    /// update of every variable. Returns the batch's mean loss (before the
    /// update) and how many samples the training-mode outputs got right.
    public mutating func trainBatch(_ data: LabelledFeatures, rows indices: [Int],
                                    masks: inout SeededGenerator) -> (meanLoss: Double, correct: Int) {
        let rows = indices.count, width = data.width
        var x = [Float](repeating: 0, count: rows * width)                 // (rows, width)
        data.features.withUnsafeBufferPointer { source in
            x.withUnsafeMutableBufferPointer { batch in
                for (r, sample) in indices.enumerated() {
                    (batch.baseAddress! + r * width).update(from: source.baseAddress! + sample * width, count: width)
                }
            }
        }
        let pass = head.trainingPass(x, labels: indices.map { data.labels[$0] }, masks: &masks)
        let step = optimizer.step(iteration: iterations)
        head.output.train(input: pass.outputInput, outputGradient: pass.outputGradient, count: rows, step: step,
                          kernelState: &states.outputKernel, biasState: &states.outputBias)
        if head.hidden != nil {
            head.hidden!.train(input: x, outputGradient: pass.hiddenGradient, count: rows, step: step,
                               kernelState: &states.hiddenKernel, biasState: &states.hiddenBias)
        }
        iterations += 1
        return (pass.meanLoss, pass.correct)
    }

    /// Keras' `val_loss` and `val_accuracy`: `Head.evaluate`, inference mode.
    public func validate(_ data: LabelledFeatures) -> (loss: Double, accuracy: Double) {
        let verdict = head.evaluate(data)
        return (verdict.loss, verdict.accuracy)
    }

    /// Rows of `data`.
    public static func count(of data: LabelledFeatures) -> Int { data.count }

    /// max(z, 0), NaN kept (`Elementwise.relu`).
    static func reluForward(_ z: [Float]) -> [Float] { z.map(Elementwise.relu) }

    /// The gradient through ReLU: dy where the input was positive, else 0
    /// (TensorFlow's ReluGrad: 0 at exactly 0).
    static func reluBackward(_ dy: [Float], input z: [Float]) -> [Float] {
        precondition(dy.count == z.count, "reluBackward: \(dy.count) gradients for \(z.count) inputs")
        return zip(dy, z).map { $1 > 0 ? $0 : 0 }
    }

    /// Inverted dropout's multipliers: each element is kept (1/(1−rate)) when
    /// a uniform draw is ≥ rate, else dropped (0). All ones for rate 0.
    static func dropoutMask(count: Int, rate: Float, generator: inout SeededGenerator) -> [Float] {
        precondition(rate >= 0 && rate < 1, "dropoutMask: rate \(rate) is outside [0, 1)")
        if rate == 0 { return [Float](repeating: 1, count: count) }
        let kept = 1 / (1 - rate)
        return (0..<count).map { _ in generator.nextUniform() >= rate ? kept : 0 }
    }

    /// x·mask.
    static func dropoutForward(_ x: [Float], keep: [Float]) -> [Float] {
        precondition(x.count == keep.count, "dropoutForward: \(x.count) values for a mask of \(keep.count)")
        return zip(x, keep).map { $0 * $1 }
    }

    /// dy·mask: the same multipliers scale the gradient.
    static func dropoutBackward(_ dy: [Float], keep: [Float]) -> [Float] {
        dropoutForward(dy, keep: keep)
    }

    /// The first index of the largest value in row `row` (tf.argmax's tie
    /// rule; a NaN wins, as in numpy): `firstArgmax` of that row.
    static func argmax(_ values: [Float], row: Int, width: Int) -> Int {
        firstArgmax(values[row * width..<(row + 1) * width])
    }
}

extension HeadTrainer: EpochTrainable {}
