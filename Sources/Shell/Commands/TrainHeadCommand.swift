// TrainHeadCommand.swift — `train head on DIR [epochs E] [rate R] [batch B]
// [validation V] [optimizer adam|sgd] [momentum M] [hidden H] [dropout P]`:
// sets the ImageNet top aside and trains a new head on a folder of class
// sub-folders. With the base frozen, each image's pooled features are computed
// once (and kept for the model) and the epochs only run the head; base layers
// still trainable train with the head, as Keras' fit would (the fine-tuning
// engine), after a warning. Keras-style epoch lines; Ctrl-C keeps the head of
// the last completed epoch.
import Foundation
import Lang
import Vision

/// `train head`: base.trainable = False; model = Model(base.input, head(GlobalAveragePooling2D()(base.output))); model.fit(…).
struct TrainHeadCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "train head",
        summary: "Train a new classifier head on a folder of class sub-folders; trainable base layers train with it, "
            + "as in Keras' fit (freeze layers all first to train the head alone, fast, on cached features).",
        parameters: [
            .keyword("folder", .string, keyword: "on", required: true, placeholder: "folder",
                     summary: "a folder with one sub-folder of images per class, e.g. \"examples/objects\""),
            .keyword("epochs", .integer, default: .int(10), range: RunOptions.epochsRange, summary: "passes over the training images"),
            .keyword("rate", .number, placeholder: "number", range: RunOptions.rateRange,
                     summary: "learning rate (default 0.001 for adam, 0.01 for sgd)"),
            .keyword("batch", .integer, default: .int(32), range: .integers(1...HeadTrainer.maxBatchSize), summary: "images per gradient step"),
            .keyword("validation", .number, default: .float(0.2), range: RunOptions.validationRange,
                     summary: "fraction of each class held out for validation (0 for none)"),
            .keyword("optimizer", .choice(["adam", "sgd"]), default: .string("adam"), summary: "the optimizer"),
            .keyword("momentum", .number, default: .float(0), range: RunOptions.fractionRange, summary: "sgd momentum (Keras' default 0)"),
            .keyword("hidden", .integer, range: .integers(1...Head.maxHiddenUnits), summary: "units of a hidden Dense(relu) layer before the classifier (none by default)"),
            .keyword("dropout", .number, default: .float(0), range: RunOptions.fractionRange, summary: "dropout rate after the hidden layer"),
        ],
        example: "train head on \"examples/objects\" epochs 10 batch 16 hidden 256 dropout 0.5",
        keras: "base.trainable = False; x = GlobalAveragePooling2D()(base.output); x = Dense(H, activation='relu')(x); "
            + "x = Dropout(P)(x); model = Model(base.input, Dense(n, activation='softmax')(x)); "
            + "model.compile(Adam(R), 'categorical_crossentropy', ['accuracy']); model.fit(train, epochs=E, validation_data=val)",
        returns: "history")

    /// The checked options of one run: the shared ones and the head's shape.
    struct Options {
        var run: RunOptions
        var hidden: Int?
        var dropout: Float
    }

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        let options = try Self.options(arguments)
        let shouldStop = { context.isInterruptRequested }

        let folder = try ImageFolder.scan(options.run.folder, argument: "folder")
        if let trainable = model.trainableBaseLayers {
            return try trainWithBase(trainable, model: model, folder: folder, options: options, context: context,
                                     shouldStop: shouldStop)
        }
        let data = try TrainingData.prepare(folder, model: model, validation: options.run.validation, seed: session.seed,
                                            context: context, shouldStop: shouldStop)
        guard data.train.count > 0 else {
            throw CommandError("no readable training images in \(options.run.folder)", argument: "folder")
        }

        let head = Head(inputs: data.width, classes: folder.classes, hidden: options.hidden, dropout: options.dropout,
                        seed: session.seed)
        context.print(Self.describe(head, options))
        var trainer = HeadTrainer(head: head, optimizer: options.run.optimizer, batchSize: options.run.batch, seed: session.seed)
        let lines = EpochLines(epochs: options.run.epochs, output: context.print)
        let (history, stopped) = trainer.fit(data.train, validation: data.validation, epochs: options.run.epochs,
                                             shouldStop: shouldStop, onBatch: lines.batch, onEpoch: lines.epoch)
        lines.clear()

        let completed = !history.isEmpty
        if completed {
            model.head = trainer.head
            let confusion = data.validation.map { validation in
                ConfusionRecord(matrix: trainer.head.evaluate(validation).confusion, classes: folder.classes,
                                source: "validation images of \(options.run.folder)")
            }
            model.training = TrainingRecord(folder: options.run.folder, history: history, confusion: confusion)
            session.model = model
        }
        return .host(TrainingHistoryValue(folder: options.run.folder, classes: folder.classes,
                                          trainCounts: data.trainCounts, validationCounts: data.validationCounts,
                                          history: history, epochs: options.run.epochs, stopped: stopped))
    }

    /// `train head` over a base that is not frozen, as Keras' `fit` does it:
    /// the new head and every trainable base layer train together, through
    /// the fine-tuning engine, with train head's optimizer. Says first what
    /// will change, what it costs here and why it usually hurts.
    private func trainWithBase(_ trainable: [InceptionV3.LayerInfo], model: LoadedModel, folder: ImageFolder, options: Options,
                               context: CommandContext, shouldStop: @escaping () -> Bool) throws -> Value? {
        var model = model
        context.print(folder.foundLine)
        let head = Head(inputs: model.featureWidth, classes: folder.classes, hidden: options.hidden, dropout: options.dropout,
                        seed: session.seed)
        var tuner = try model.transfer.fineTuner(head: head, optimizer: options.run.optimizer, seed: session.seed)
        tuner.interruption = context.interruptFlag   // a stop between layers, not only between batches
        let (trainItems, validationItems) = folder.split(validation: options.run.validation, seed: session.seed)
        context.print(Self.baseWarning(trainable, tuner: tuner, model: model, images: trainItems.count,
                                       batch: options.run.batch, optimizer: options.run.optimizer))
        let identity = Array(folder.classes.indices)
        let train = try TrainingData.boundaries(trainItems, tuner, model: model, labelOf: identity, context: context,
                                                   shouldStop: shouldStop, what: "training")
        let validation = validationItems.isEmpty ? nil
            : try TrainingData.boundaries(validationItems, tuner, model: model, labelOf: identity, context: context,
                                             shouldStop: shouldStop, what: "validation")
        let trainCounts = folder.classes.indices.map { c in train.labels.filter { $0 == c }.count }
        let validationCounts = folder.classes.indices.map { c in validation?.labels.filter { $0 == c }.count ?? 0 }
        for (label, name) in folder.classes.enumerated() where trainCounts[label] == 0 {
            let error = ImageFolderError.noReadableImages(name: name, unreadable: 0)
            throw CommandError(error.description, argument: "folder", notes: error.notes)
        }
        context.print(TrainingData.splitLine(folder.classes, trainCounts, validationCounts,
                                             validation: options.run.validation, seed: session.seed,
                                             held: validation != nil))
        context.print(Self.describe(head, options))

        let (history, stopped) = FineTuneCommand.fit(&tuner, train: train, validation: validation, options: options.run,
                                                     seed: session.seed, shouldStop: shouldStop, output: context.print)
        if !history.isEmpty {
            try FineTuneCommand.adopt(tuner, into: &model, history: history, validation: validation,
                                      folder: options.run.folder, classes: folder.classes, kind: .headAndBase,
                                      weightsNote: "trained from \(tuner.trainedLayerNames.first ?? "") with a head on \(options.run.folder)",
                                      validationSource: "validation images of \(options.run.folder)")
            session.model = model
        }
        return .host(TrainingHistoryValue(folder: options.run.folder, classes: folder.classes, trainCounts: trainCounts,
                                          validationCounts: validationCounts, history: history,
                                          epochs: options.run.epochs, stopped: stopped, kind: .headAndBase))
    }

    /// The warning before training a trainable base: which layers, the cost
    /// here (an epoch's time from one timed forward pass, the memory of a
    /// step and of the cache), why it usually hurts, and the way out.
    static func baseWarning(_ trainable: [InceptionV3.LayerInfo], tuner: FineTuner, model: LoadedModel, images: Int,
                            batch: Int, optimizer: Optimizer) -> String {
        let all = model.featureLayerIndex + 1
        let which = trainable.count == all
            ? "all \(all) base layers are trainable (nothing is frozen)"
            : "\(trainable.count) of the \(all) base layers are trainable (\(trainable.first!.name) … \(trainable.last!.name))"
        // A timed forward pass of one image gives this machine's speed (the
        // second of two: the first also plans its buffers); a training step
        // runs at about 40% of it (measured at input 75 and 150, and the
        // recipe's figures in docs/finetune.md).
        let config = model.network.configuration
        let probe = Tensor(zeros: [1, config.inputHeight, config.inputWidth, 3])
        var seconds = Double.infinity
        for _ in 0..<2 {
            let start = ProgressBar.monotonicSeconds()
            _ = try? model.network.output(of: TransferModel.featureLayer, for: probe)
            seconds = max(min(seconds, ProgressBar.monotonicSeconds() - start), 1e-6)
        }
        let rate = Double(InceptionV3.multiplyAdds(for: config)) / seconds * 0.4
        let epoch = 3 * Double(tuner.multiplyAddsPerImage) * Double(images) / rate
        let time = epoch < 1 ? "under a second" : epoch < 90 ? "\(Int(epoch.rounded())) s" : "\(Int((epoch / 60).rounded())) min"
        // Memory: a batch's values and their gradients, the cached boundary,
        // and per trained parameter its new value, gradient, packed copy and
        // optimizer slots (adam 2, sgd with momentum 1). Measured at input 75
        // and 150: within a fifth of the peak RSS above a frozen run's.
        let trained = Set(tuner.trainedLayerNames)
        let parameters = model.network.layers.filter { trained.contains($0.name) }.map(\.trainableParameterCount).reduce(0, +)
        let slots = switch optimizer {
        case .adam: 2
        case .sgd(_, let momentum): momentum > 0 ? 1 : 0
        }
        let scalars = min(batch, max(images, 1)) * tuner.scalarsPerImage + images * tuner.boundaryScalarsPerImage
            + parameters * (3 + slots)
        let megabytes = scalars * MemoryLayout<Float>.size / 1_048_576
        return "warning: \(which), so train head trains them together with the new head, as Keras' fit does\n"
            + "  cost here: \(epoch < 1 ? "" : "about ")\(time) per epoch over \(images) images and about "
            + "\(Format.grouped(megabytes)) MB of memory (a frozen base: features once, then milliseconds per epoch)\n"
            + "  with few photos this usually hurts: the new head's random gradients overwrite what the base learned from ImageNet\n"
            + "  to train the head alone, freeze the base first: freeze layers all"
    }

    /// Reads and checks the arguments, with Keras' defaults.
    static func options(_ arguments: Arguments) throws -> Options {
        let run = try RunOptions(arguments, defaultRates: ["adam": 0.001, "sgd": 0.01])
        let hidden = arguments.int("hidden")
        let dropout = arguments.double("dropout")!
        if dropout > 0 && hidden == nil {
            throw CommandError("dropout needs a hidden layer to act on", argument: "dropout",
                               notes: ["add one: hidden 256 dropout \(dropout)"])
        }
        return Options(run: run, hidden: hidden, dropout: Float(dropout))
    }

    /// The head and the optimizer in one line, e.g.
    /// `head: global_average_pooling2d → dense (4, softmax), 8,196 parameters; adam, rate 0.001, batch 32, 10 epochs`.
    static func describe(_ head: Head, _ options: Options) -> String {
        var layers = [Head.poolingLayerName]
        if let hidden = head.hidden {
            layers.append("\(hidden.name) (\(hidden.units), relu)")
            if head.dropout > 0 { layers.append("\(Head.dropoutLayerName) (\(TrainingHistoryValue.number(head.dropout)))") }
        }
        layers.append("\(head.output.name) (\(head.output.units), softmax)")
        return "head: " + layers.joined(separator: " → ") + ", \(Format.grouped(head.parameterCount)) parameters; "
            + "\(options.run.optimizerDescription), batch \(options.run.batch), "
            + "\(options.run.epochs) epoch\(options.run.epochs == 1 ? "" : "s")"
    }
}

/// Writes Keras' epoch lines: a live bar on a terminal's stderr while an
/// epoch runs, then the finished line through the interpreter's output
/// (stdout and the notebook):
/// `Epoch 3/10 27/27 [==============================] - loss: 0.4120 - accuracy: 0.8800 - val_loss: 0.5231 - val_accuracy: 0.8333 - 0.02s`.
final class EpochLines {
    let epochs: Int
    private let output: (String) -> Void
    private let live: ProgressSink
    private let clock: () -> Double
    private var drawn = 0
    private var lastDraw = -Double.infinity
    /// When the running epoch began: at creation, then after each epoch line.
    private var epochStart: Double

    /// Lines for a run of `epochs` epochs: finished lines go to `output`
    /// (a command's `context.print`), the live bar to `live` (when it is a
    /// terminal), timed by `clock`.
    init(epochs: Int, output: @escaping (String) -> Void, live: ProgressSink = .standardError,
         clock: @escaping () -> Double = ProgressBar.monotonicSeconds) {
        self.epochs = epochs
        self.output = output
        self.live = live
        self.clock = clock
        epochStart = clock()
    }

    /// Redraws the running epoch's bar with Keras' ETA and running metrics
    /// (terminals only, at most every 50 ms, and always at an epoch's last step).
    func batch(_ progress: BatchProgress) {
        guard live.isTerminal else { return }
        let now = clock()
        guard progress.step == 1 || progress.step == progress.steps || now - lastDraw >= 0.05 else { return }
        lastDraw = now
        let text = "Epoch \(progress.epoch)/\(progress.epochs) "
            + ProgressBar.stepLine(current: progress.step, total: progress.steps, elapsed: now - epochStart,
                                   finished: false, metrics: [("loss", progress.loss), ("accuracy", progress.accuracy)],
                                   width: 30, unit: "step")
        live.write("\r" + text + String(repeating: " ", count: max(0, drawn - text.count)))
        drawn = text.count
    }

    /// Writes the finished epoch's line.
    func epoch(_ record: EpochRecord) {
        clear()
        output(Self.line(record, epochs: epochs))
        epochStart = clock()
    }

    /// Erases the live bar, if one is drawn.
    func clear() {
        guard drawn > 0 else { return }
        live.write("\r" + String(repeating: " ", count: drawn) + "\r")
        drawn = 0
    }

    /// The finished line of one epoch.
    static func line(_ record: EpochRecord, epochs: Int) -> String {
        var text = "Epoch \(record.epoch)/\(epochs) \(record.steps)/\(record.steps) "
            + ProgressBar.bar(fraction: 1, done: true, width: 30, empty: ".")
        text += " - loss: \(ProgressBar.metricValue(record.loss)) - accuracy: \(ProgressBar.metricValue(record.accuracy))"
        if let loss = record.validationLoss, let accuracy = record.validationAccuracy {
            text += " - val_loss: \(ProgressBar.metricValue(loss)) - val_accuracy: \(ProgressBar.metricValue(accuracy))"
        }
        // Under 10 ms (a small head's epoch) in milliseconds, so it never reads "0.00s".
        let time = record.seconds < 0.00995 ? String(format: "%.1fms", record.seconds * 1000)
                                            : ProgressBar.duration(record.seconds)
        return text + " - " + time
    }
}
