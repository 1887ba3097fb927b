// TrainHeadCommand.swift — `train head on DIR [epochs E] [rate R] [batch B]
// [validation V] [optimizer adam|sgd] [momentum M] [hidden H] [dropout P]`:
// sets the ImageNet top aside and trains a new head on the pooled base
// features of a folder of class sub-folders. The base is not trained, so each
// image's features are computed once (and kept for the model); the epochs
// then only run the head. Keras-style epoch lines; Ctrl-C keeps the head of
// the last completed epoch.
import Foundation
import Lang
import Vision

/// `train head`: base.trainable = False; model = Model(base.input, head(GlobalAveragePooling2D()(base.output))); model.fit(…).
struct TrainHeadCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "train head",
        summary: "Train a new classifier head on a folder of class sub-folders, over the frozen base's features.",
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
        let shouldStop = { Interrupts.isRequested || context.isInterruptRequested }

        let folder = try ImageFolder.scan(options.run.folder, argument: "folder")
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
        if stopped {
            context.print(completed
                ? "stopped by Ctrl-C after epoch \(history.count) of \(options.run.epochs): the head of epoch \(history.count) is kept"
                : "stopped by Ctrl-C before the first epoch ended: no head was kept"
                    + (model.head == nil ? "" : " (the previous head stays)"))
        }
        return .host(TrainingHistoryValue(folder: options.run.folder, classes: folder.classes,
                                          trainCounts: data.trainCounts, validationCounts: data.validationCounts,
                                          history: history, epochs: options.run.epochs, stopped: stopped))
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
