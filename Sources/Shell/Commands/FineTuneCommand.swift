// FineTuneCommand.swift — `fine tune on DIR [epochs E] [rate R] [batch B]
// [validation V] [optimizer sgd|adam] [momentum M]`: trains the trained
// head together with every unfrozen base layer (Keras' recipe: freeze
// through mixed8, SGD(1e-4, momentum 0.9)). The frozen bottom runs once per
// image and its output (the trainable part's input) is kept for the epochs;
// batch norm stays in inference mode. Same split, epoch lines, history,
// Ctrl-C and reproducibility as `train head`.
import Common
import Foundation
import Lang
import Vision

/// `fine tune`: for l in model.layers[:249]: l.trainable = False; model.compile(SGD(1e-4, momentum=0.9), …); model.fit(…).
struct FineTuneCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "fine tune",
        summary: "Train the head together with the unfrozen top of the base (after train head and unfreeze).",
        parameters: [
            .keyword("folder", .string, keyword: "on", required: true, placeholder: "folder",
                     summary: "the folder of class sub-folders the head was trained on"),
            .keyword("epochs", .integer, default: .int(5), range: RunOptions.epochsRange, summary: "passes over the training images"),
            .keyword("rate", .number, placeholder: "number", range: RunOptions.rateRange,
                     summary: "learning rate (default 0.0001 for sgd, 0.00001 for adam: small, to adapt, not overwrite)"),
            .keyword("batch", .integer, default: .int(16), range: .integers(1...FineTuner.maxBatchSize), summary: "images per gradient step"),
            .keyword("validation", .number, default: .float(0.2), range: RunOptions.validationRange,
                     summary: "fraction of each class held out (the same seeded split as train head)"),
            .keyword("optimizer", .choice(["sgd", "adam"]), default: .string("sgd"), summary: "the optimizer"),
            .keyword("momentum", .number, default: .float(0.9), range: RunOptions.fractionRange, summary: "sgd momentum"),
        ],
        example: "fine tune on \"examples/objects\" epochs 3",
        keras: "for layer in model.layers[:249]: layer.trainable = False; for layer in model.layers[249:]: layer.trainable = True; "
            + "model.compile(SGD(learning_rate=0.0001, momentum=0.9), 'categorical_crossentropy', ['accuracy']); model.fit(…)",
        returns: "history")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        guard let head = model.head else {
            throw CommandError("fine tune continues from a trained head, and there is none yet",
                               notes: ["train one first: train head on \"\(arguments.string("folder")!)\"",
                                       "a new head's random weights would send large, random gradients into the base"])
        }
        let options = try RunOptions(arguments, defaultRates: ["sgd": 0.0001, "adam": 0.00001])
        let flags = Array(model.trainable.prefix(model.baseLayerCount))
        guard flags.contains(true) else {
            throw CommandError("nothing in the base is unfrozen, so there is nothing to fine-tune",
                               notes: ["unfreeze the top blocks first: unfreeze layers from mixed9",
                                       "(train head already trains the head alone)"])
        }
        var tuner = try model.transfer.fineTuner(head: head, optimizer: options.optimizer, seed: session.seed)
        tuner.interruption = context.interruptFlag   // a stop between layers, not only between batches
        context.print("fine-tuning \(tuner.trainedLayerNames.count) weighted layers of the base "
                      + "(\(tuner.trainedLayerNames.first ?? "") … \(tuner.trainedLayerNames.last ?? "")) with the head; "
                      + "they start from " + tuner.boundaryLayerNames.joined(separator: ", ") + ", computed once per image")
        context.print("batch norm stays in inference mode: the moving mean and variance are not updated and beta trains, "
                      + "as Keras' guide advises for fine-tuning")

        let shouldStop = { context.isInterruptRequested }
        let folder = try ImageFolder.scan(options.folder, argument: "folder")
        let labelOf = try folder.labels(in: head)
        context.print(folder.foundLine)
        let (trainItems, validationItems) = folder.split(validation: options.validation, seed: session.seed)
        try Self.checkMemory(images: folder.items.count, tuner)
        let train = try TrainingData.boundaries(trainItems, tuner, model: model, labelOf: labelOf, context: context,
                                        shouldStop: shouldStop, what: "training")
        let validation = validationItems.isEmpty ? nil
            : try TrainingData.boundaries(validationItems, tuner, model: model, labelOf: labelOf, context: context,
                                  shouldStop: shouldStop, what: "validation")
        guard !train.labels.isEmpty else {
            throw CommandError("no readable training images in \(options.folder)", argument: "folder")
        }
        if validation != nil {
            context.print("split (seed \(session.seed), validation \(TrainingHistoryValue.number(options.validation)) "
                          + "of each class, as train head): train \(train.labels.count), validation \(validation!.labels.count)")
        }
        context.print("\(options.optimizerDescription), batch \(options.batch), "
                      + "\(options.epochs) epoch\(options.epochs == 1 ? "" : "s")")

        let (history, stopped) = Self.fit(&tuner, train: train, validation: validation, options: options,
                                          seed: session.seed, shouldStop: shouldStop, output: context.print)

        if !history.isEmpty {
            try Self.adopt(tuner, into: &model, history: history, validation: validation, folder: options.folder,
                           classes: head.classes, kind: .fineTune,
                           weightsNote: "fine-tuned from \(tuner.trainedLayerNames.first ?? "") on \(options.folder)",
                           validationSource: "validation images of \(options.folder) after fine-tuning")
            session.model = model
        }
        let trainCounts = folder.classes.indices.map { c in train.labels.filter { $0 == c }.count }
        let validationCounts = folder.classes.indices.map { c in validation?.labels.filter { $0 == c }.count ?? 0 }
        return .host(TrainingHistoryValue(folder: options.folder, classes: head.classes, trainCounts: trainCounts,
                                          validationCounts: validationCounts, history: history,
                                          epochs: options.epochs, stopped: stopped, kind: .fineTune))
    }

    /// Puts a trained tuner's base and head into `model` (its feature cache
    /// cleared: the base changed), notes where the weights came from and
    /// keeps the history with the validation confusion matrix: what `fine
    /// tune` and `train head` over a trainable base both do after training.
    static func adopt(_ tuner: FineTuner, into model: inout LoadedModel, history: [EpochRecord],
                      validation: LabelledBoundary?, folder: String, classes: [String], kind: TrainingHistoryValue.Kind,
                      weightsNote: String, validationSource: String) throws {
        try model.transfer.adopt(tuner)   // the base changed: its cached features are dropped
        model.weightsDescription += ", " + weightsNote
        let confusion = validation.map { v in
            ConfusionRecord(matrix: tuner.evaluate(v).confusion, classes: classes, source: validationSource)
        }
        model.training = TrainingRecord(folder: folder, history: history, confusion: confusion, kind: kind)
    }

    /// Trains `tuner` for `options.epochs` epochs of Vision's `TrainingLoop`
    /// (train head's loop: seeded order, Ctrl-C back to the last completed
    /// epoch, val_loss from the logits), writing Keras' epoch lines. Shared
    /// by `fine tune` and by `train head` over a trainable base.
    static func fit(_ tuner: inout FineTuner, train: LabelledBoundary, validation: LabelledBoundary?, options: RunOptions,
                    seed: UInt64, shouldStop: () -> Bool, output: @escaping (String) -> Void)
        -> (history: [EpochRecord], stopped: Bool) {
        let lines = EpochLines(epochs: options.epochs, output: output)
        var loop = TrainingLoop(batchSize: options.batch, seed: seed)
        let result = loop.fit(&tuner, train: train, validation: validation, epochs: options.epochs,
                              shouldStop: shouldStop, onBatch: lines.batch, onEpoch: lines.epoch)
        lines.clear()
        return result
    }

    /// Refuses, before any image is read, a run whose kept boundary values
    /// would pass `FineTuner.maxBoundaryBytes` (they are held twice while a
    /// part's batches are joined).
    static func checkMemory(images: Int, _ tuner: FineTuner) throws {
        let perImage = tuner.boundaryScalarsPerImage * 4
        let (total, overflow) = perImage.multipliedReportingOverflow(by: images)
        guard overflow || 2 * total > FineTuner.maxBoundaryBytes else { return }
        let names = tuner.boundaryLayerNames.joined(separator: ", ")
        throw CommandError("fine tune would keep \(images) images' \(names) outputs, \(Format.grouped(perImage / 1024)) KB each: "
                           + "\(overflow ? "more than memory holds" : "\(Format.grouped(2 * total / 1_048_576)) MB while they are joined"), "
                           + "more than the limit of \(FineTuner.maxBoundaryBytes >> 20) MB", argument: "folder",
                           notes: ["unfreeze fewer blocks (unfreeze layers from mixed9 keeps 320 KB per image) or use fewer images"])
    }
}
