// CommandsTrainingTests.swift — `train head`, `predict` with a head,
// `evaluate`, `show history`, `show confusion`, run in-process on random
// weights over a small folder of real photos (copied from examples/objects)
// plus a corrupt file. Oracles: the folder's known contents (counts, class
// order, which file is unreadable), the trainer's own determinism (same seed
// → identical numbers), Keras' epoch-line format, and the head the command
// stored (its probabilities reproduce what `predict` prints).
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsTrainingTests: XCTestCase {
    private var root = ""
    private var data: String { root + "/data" }

    override func setUpWithError() throws {
        root = try makeTemporaryFolder("training")
        let fm = FileManager.default
        for (name, files) in [("windmill", ["windmill1.jpg", "windmill2.jpg", "windmill3.jpg"]),
                              ("fish", ["fish1.jpg", "fish2.jpg", "fish3.jpg"])] {
            try fm.createDirectory(atPath: "\(data)/\(name)", withIntermediateDirectories: true)
            for file in files {
                try fm.copyItem(atPath: "\(repositoryRoot)/examples/objects/\(name)/\(file)", toPath: "\(data)/\(name)/\(file)")
            }
        }
        XCTAssertTrue(fm.createFile(atPath: "\(data)/fish/broken.jpg", contents: Data("not a picture".utf8)))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func harness(seed: Int = 3) throws -> CommandHarness {
        let harness = CommandHarness(model: try SharedModel.withTop())
        harness.run("set seed \(seed)")
        harness.run("freeze layers all")
        return harness
    }

    private func train(_ harness: CommandHarness, _ options: String = "epochs 3 batch 2 validation 0.34") throws
        -> TrainingHistoryValue {
        try CommandHarness.host(harness.run("train head on \"\(data)\" \(options)"), as: TrainingHistoryValue.self)
    }

    func testTrainHeadReportsTheDataTheSplitAndOneLinePerEpoch() throws {
        let harness = try harness()
        let history = try train(harness, "epochs 3 batch 2 validation 0.34 hidden 8 dropout 0.5")
        let lines = harness.printed.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "found 7 files in 2 classes: fish 4, windmill 3")
        XCTAssertTrue(lines[1].hasPrefix("computing base features of 7 images (inception_v3 through mixed10"), lines[1])
        // 4 fish files, one unreadable; round(0.34 × 4) = 1 and round(0.34 × 3) = 1 held out per class.
        let split = lines[2]
        XCTAssertTrue(split == "split (seed 3, validation 0.34 of each class): train 4 (fish 2, windmill 2), validation 2 (fish 1, windmill 1)"
                      || split == "split (seed 3, validation 0.34 of each class): train 5 (fish 3, windmill 2), validation 1 (fish 0, windmill 1)",
                      split)
        XCTAssertEqual(lines[3], "head: global_average_pooling2d → dense (8, relu) → dropout (0.5) → dense_1 (2, softmax), "
                       + "16,410 parameters; adam, rate 0.001, batch 2, 3 epochs")
        let epochLines = lines.filter { $0.hasPrefix("Epoch ") }
        XCTAssertEqual(epochLines.count, 3)
        let pattern = #"^Epoch 2/3 (\d)/\1 \[={30}\] - loss: \d+\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d+\.\d{4} - val_accuracy: (\d\.\d{4}|0\.0000e\+00) - (\d+\.\d\ds|\d\.\dms)$"#
        XCTAssertNotNil(epochLines[1].range(of: pattern, options: .regularExpression), epochLines[1])

        XCTAssertEqual(history.classes, ["fish", "windmill"])
        XCTAssertEqual(history.history.count, 3)
        XCTAssertFalse(history.stopped)
        XCTAssertEqual(history.trainCounts.reduce(0, +) + history.validationCounts.reduce(0, +), 6, "the broken file is skipped")
        let json = history.json.rendered
        XCTAssertTrue(json.hasPrefix(#"{"type":"history","trained":"head","folder":"\#(data)","classes":["fish","windmill"],"train_images":["#), json)
        XCTAssertTrue(json.contains(#""epochs":3,"completed":3,"stopped":false,"loss":["#), json)

        let head = try XCTUnwrap(harness.session.model?.head)
        XCTAssertEqual(head.classes, ["fish", "windmill"])
        XCTAssertEqual(head.hidden?.units, 8)
        XCTAssertEqual(harness.session.model?.training?.history, history.history)
        XCTAssertNotNil(harness.session.model?.training?.confusion, "the validation images' confusion matrix is kept")
    }

    func testSameSeedSameNumbersAndFeaturesAreReused() throws {
        let first = try harness(seed: 5)
        let a = try train(first)
        let b = try train(try harness(seed: 5))
        XCTAssertEqual(a.history.map(\.loss), b.history.map(\.loss))
        XCTAssertEqual(a.history.map(\.validationLoss), b.history.map(\.validationLoss))
        let c = try train(try harness(seed: 6))
        XCTAssertNotEqual(a.history.map(\.loss), c.history.map(\.loss), "the seed sets the head's first weights")

        let before = first.printed.count
        _ = try train(first)
        let again = String(first.printed.dropFirst(before))
        XCTAssertFalse(again.contains("computing base features"), again)
        XCTAssertTrue(again.contains("reusing the base features of 6 images computed before with this model"), again)
    }

    func testPredictAnswersWithTheHeadsClasses() throws {
        let harness = try harness()
        _ = try train(harness, "epochs 2 batch 4 validation 0")
        let image = "\(data)/windmill/windmill1.jpg"
        let value = try CommandHarness.host(harness.run("predict \"\(image)\""), as: ImagePredictionsValue.self)
        XCTAssertEqual(value.classes.count, 2, "top defaults to the head's 2 classes")
        XCTAssertEqual(Set(value.classes.map(\.prediction.label)), ["fish", "windmill"])
        XCTAssertFalse(value.text.contains("wnid"), value.text)
        // The same numbers as the stored head on the model's pooled features.
        let model = try XCTUnwrap(harness.session.model)
        let loaded = try KerasImage.load(image, targetSize: (299, 299))
        let features = try model.transfer.pooledFeatures([loaded])
        let probabilities = model.head!.probabilities(features.scalars, count: 1)
        for c in value.classes {
            XCTAssertEqual(c.prediction.probability, probabilities[c.prediction.index], accuracy: 1e-6)
        }
        XCTAssertTrue(harness.failure("predict \"\(image)\" top 3").contains("top must be between 1 and 2, got 3"))
    }

    func testEvaluateReportsScoresConfusionAndWorstFiles() throws {
        let harness = try harness()
        XCTAssertTrue(harness.failure("evaluate on \"\(data)\"").contains("no head to evaluate"))
        _ = try train(harness, "epochs 2 batch 4 validation 0")
        let value = try CommandHarness.host(harness.run("evaluate on \"\(data)\" worst 2"), as: EvaluationValue.self)
        XCTAssertEqual(value.paths.count, 6)
        XCTAssertEqual(value.skipped, 1)
        XCTAssertEqual(value.evaluation.confusion.flatMap { $0 }.reduce(0, +), 6)
        XCTAssertEqual(value.support, [3, 3])
        let correct = value.evaluation.confusion[0][0] + value.evaluation.confusion[1][1]
        XCTAssertEqual(value.evaluation.accuracy, Double(correct) / 6, accuracy: 1e-12)
        XCTAssertEqual(value.mistakes.count, 6 - correct)
        XCTAssertTrue(value.text.hasPrefix("\(data): 6 images (1 unreadable skipped), loss "), value.text)
        XCTAssertTrue(value.text.contains("\nclass     precision   recall  images\n--------  ---------  -------  ------\n"), value.text)
        XCTAssertTrue(value.text.contains("most confidently wrong (2 of 3):") || correct != 3, value.text)
        XCTAssertEqual(harness.session.model?.training?.confusion?.source, "images of \(data)")

        // A class folder the head does not know.
        try FileManager.default.createDirectory(atPath: "\(data)/tool", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/objects/tool/hammer1.jpg", toPath: "\(data)/tool/hammer1.jpg")
        XCTAssertTrue(harness.failure("evaluate on \"\(data)\"").contains("\(data)/tool is not one of the head's classes"))
    }

    func testShowHistoryAndConfusionDrawSaveAndDescribe() throws {
        let harness = try harness()
        XCTAssertTrue(harness.failure("show history").contains("there is no training history yet"))
        XCTAssertTrue(harness.failure("show confusion").contains("there is no confusion matrix yet"))
        _ = try train(harness)
        let plots = root + "/plots"
        let history = try CommandHarness.host(harness.run("show history to \"\(plots)\""), as: ChartValue.self)
        XCTAssertEqual(history.path, plots + "/history.png")
        let png = try Image(contentsOfFile: history.path)
        XCTAssertEqual(png.width, history.size.width)
        XCTAssertEqual(harness.pictures.last?.path, history.path)
        XCTAssertFalse(history.text.isEmpty)
        let confusion = try CommandHarness.host(harness.run("show confusion to \"\(plots)\""), as: ChartValue.self)
        XCTAssertEqual(try Image(contentsOfFile: confusion.path).height, confusion.size.height)
        XCTAssertTrue(harness.pictures.last?.title.hasPrefix("confusion: validation images of ") ?? false)
    }

    func testASavedHeadPredictsTheSameAfterLoadingAndDropsTheOldHistory() throws {
        let harness = try harness()
        _ = try train(harness, "epochs 2 batch 4 validation 0 hidden 4")
        let image = "\(data)/fish/fish2.jpg"
        let before = try CommandHarness.host(harness.run("predict \"\(image)\""), as: ImagePredictionsValue.self)
        harness.run("save head \"\(root)/head.h5\"")
        let other = try self.harness()
        other.run("load head \"\(root)/head.h5\"")
        let after = try CommandHarness.host(other.run("predict \"\(image)\""), as: ImagePredictionsValue.self)
        XCTAssertEqual(after.classes.map(\.prediction), before.classes.map(\.prediction), "the file round-trips the head exactly")
        _ = try train(harness, "epochs 1 batch 4 validation 0")
        harness.run("load head \"\(root)/head.h5\"")
        XCTAssertTrue(harness.failure("show history").contains("there is no training history yet"),
                      "the history of the replaced head is not shown for the loaded one")
    }

    func testCtrlCKeepsTheHeadOfTheLastCompletedEpoch() throws {
        let harness = try harness()
        var printed = ""
        harness.interpreter.output = { text in
            printed += text
            // Ctrl-C as epoch 2's line appears: training stops within epoch 3.
            if text.hasPrefix("Epoch 2/") { harness.interpreter.requestInterrupt() }
        }
        let outcome = harness.interpreter.run(source: "train head on \"\(data)\" epochs 5 batch 2 validation 0", name: "<test>")
        guard case .interrupted = outcome else { return XCTFail("expected an interrupted run, got \(outcome)") }
        XCTAssertFalse(printed.contains("stopped"), "said once, by the result: \(printed)")
        let result = try XCTUnwrap(harness.results.last).text
        XCTAssertTrue(result.hasPrefix("stopped by Ctrl-C after epoch 2 of 5: kept the head of epoch 2 (head trained on \(data) "),
                      result)
        XCTAssertFalse(result.contains("for 2 epochs"), result)
        XCTAssertEqual(harness.session.model?.training?.history.count, 2)
        XCTAssertNotNil(harness.session.model?.head)
        // The session stays usable.
        harness.run("predict \"\(data)/fish/fish1.jpg\"")
    }

    /// The weights of `layer` in a model's network.
    private func weights(_ model: LoadedModel?, _ layer: String) throws -> [Float] {
        let network = try XCTUnwrap(model?.network)
        return try XCTUnwrap(network.weights.first { $0.layerName == layer }).tensors[0].scalars
    }

    // Oracle: Keras' fit, which trains every layer whose `trainable` is true
    // (the model before the command: which layers may change), and the issue's
    // warning. A 75×75 model keeps the whole-network steps cheap.
    func testATrainableBaseTrainsWithTheHeadAfterAWarning() throws {
        let harness = CommandHarness()
        harness.run("set seed 4")
        harness.run("load model inception_v3 weights none input 75 top false")
        let before = harness.session.model
        let history = try train(harness, "epochs 1 batch 4 validation 0")
        XCTAssertEqual(history.kind, .headAndBase)
        XCTAssertTrue(history.json.rendered.hasPrefix(#"{"type":"history","trained":"head-and-base","#), history.json.rendered)
        XCTAssertTrue(history.text.hasPrefix("head and trainable base trained on \(data)"), history.text)
        XCTAssertTrue(harness.printed.contains("warning: all 311 base layers are trainable (nothing is frozen), "
                                               + "so train head trains them together with the new head"), harness.printed)
        XCTAssertTrue(harness.printed.contains("per epoch over 7 images and about "), harness.printed)
        XCTAssertTrue(harness.printed.contains("usually hurts"), harness.printed)
        XCTAssertTrue(harness.printed.contains("freeze the base first: freeze layers all"), harness.printed)
        let after = harness.session.model
        for layer in ["conv2d", "conv2d_93", "batch_normalization_93"] {
            XCTAssertNotEqual(try weights(before, layer), try weights(after, layer), "\(layer) trains")
        }
        XCTAssertNotNil(after?.head)
        XCTAssertTrue(after?.weightsDescription.hasSuffix("trained from conv2d with a head on \(data)") ?? false)
        harness.run("predict \"\(data)/fish/fish1.jpg\"")   // the trained model answers

        // Frozen through mixed8: only mixed9 … mixed10 and the head change.
        let partial = CommandHarness()
        partial.run("load model inception_v3 weights none input 75 top false")
        partial.run("freeze layers through mixed8")
        let start = partial.session.model
        _ = try train(partial, "epochs 1 batch 4 validation 0")
        XCTAssertTrue(partial.printed.contains("warning: 62 of the 311 base layers are trainable (conv2d_80 … mixed10)"),
                      partial.printed)
        XCTAssertEqual(try weights(start, "conv2d"), try weights(partial.session.model, "conv2d"), "frozen")
        XCTAssertNotEqual(try weights(start, "conv2d_93"), try weights(partial.session.model, "conv2d_93"))
    }

    // Oracle: numbers recorded with the cached-feature path before trainable
    // flags mattered; a frozen base also gives no warning and an unchanged network.
    func testAFrozenBaseKeepsTheCachedFeaturePathAndItsNumbers() throws {
        let harness = try harness(seed: 6)
        let network = harness.session.model?.network
        let history = try train(harness, "epochs 2 batch 2 validation 0.34 hidden 4")
        XCTAssertEqual(history.kind, .head)
        XCTAssertFalse(harness.printed.contains("warning"), harness.printed)
        XCTAssertTrue(harness.printed.contains("computing base features of 7 images"), harness.printed)
        XCTAssertEqual(harness.session.model?.network.weights, network?.weights)

        // Recorded with the cached-feature path (its code unchanged since 211dd67),
        // re-recorded when the split moved to the training loop's Fisher–Yates
        // (other held-out images); the tolerance covers other CPUs' kernels.
        let expected = [0.693166583776474, 0.6931170076131821], expectedValidation = [0.6931600570678711, 0.6931707561016083]
        for (got, want) in zip(history.history.map(\.loss), expected) { XCTAssertEqual(got, want, accuracy: 2e-6) }
        for (got, want) in zip(history.history.map { $0.validationLoss ?? -1 }, expectedValidation) {
            XCTAssertEqual(got, want, accuracy: 2e-6)
        }
    }

    // Oracle: the Keras model a user builds for `hidden 4` without dropout:
    // pooling → Dense(4) → Dense(2), no Dropout layer.
    func testAHiddenLayerWithoutDropoutHasNoDropoutLayerAnywhere() throws {
        let harness = try harness()
        _ = try train(harness, "epochs 1 batch 4 validation 0 hidden 4")
        XCTAssertTrue(harness.printed.contains("head: global_average_pooling2d → dense (4, relu) → dense_1 (2, softmax)"),
                      harness.printed)
        let layers = try CommandHarness.host(harness.run("layers"), as: LayerListValue.self)
        XCTAssertEqual(layers.layers.suffix(3).map(\.layer.name), ["global_average_pooling2d", "dense", "dense_1"])
        let saved = try XCTUnwrap(harness.run("save head \"\(root)/head.h5\"")).text
        XCTAssertFalse(saved.contains("dropout"), saved)
        XCTAssertEqual(try KerasWeightsFile.read("\(root)/head.h5").layerNames,
                       ["global_average_pooling2d", "dense", "dense_1"])
    }

    func testOptionErrorsNameTheArgument() throws {
        let harness = try harness()
        let cases = [
            ("epochs 0", "epochs must be between 1 and 10000, got 0"),
            ("batch 0", "batch must be between 1 and 4096, got 0"),
            ("validation 1", "validation must be from 0 to below 1, got 1"),
            ("rate -1", "rate must be above 0 and at most 100, got -1"),
            ("momentum 0.9", "momentum is an sgd setting; adam keeps its own moving averages"),
            ("optimizer sgd momentum 1", "momentum must be from 0 to below 1, got 1"),
            ("hidden 0", "hidden must be between 1 and 8192, got 0"),
            ("dropout 0.5", "dropout needs a hidden layer to act on"),
            ("hidden 4 dropout 1", "dropout must be from 0 to below 1, got 1"),
            // Oracle: Float32 itself — 1e308 overflows to inf, 5e-324 underflows
            // to 0 and 0.9999999999 rounds to 1, so each would train a broken head.
            ("rate 1e308", "rate must be above 0 and at most 100, got 1e+308 (inf as the 32-bit float training uses)"),
            ("rate 5e-324", "rate must be above 0 and at most 100, got 5e-324 (0 as the 32-bit float training uses)"),
            ("optimizer sgd momentum 0.9999999999",
             "momentum must be from 0 to below 1, got 0.9999999999 (1 as the 32-bit float training uses)"),
            ("hidden 8 dropout 0.99999999999", "dropout must be from 0 to below 1, got 0.99999999999 (1 as the 32-bit float"),
            // Sizes that would overflow or allocate gigabytes after the base features.
            ("batch 9223372036854775807", "batch must be between 1 and 4096, got 9223372036854775807"),
            ("hidden 1000000", "hidden must be between 1 and 8192, got 1000000"),
            ("epochs -9223372036854775807", "epochs must be between 1 and 10000, got -9223372036854775807"),
        ]
        for (options, expected) in cases {
            let message = harness.failure("train head on \"\(data)\" \(options)")
            XCTAssertTrue(message.contains(expected), "\(options): \(message)")
        }
        XCTAssertTrue(harness.failure("train head on \"\(data)/fish\"").contains("has 0 class folders; training needs at least 2"))
        XCTAssertNil(harness.session.model?.head, "failed runs leave no head")
        XCTAssertTrue(CommandHarness().failure("train head on \"\(data)\"").contains("no model is loaded"))
    }
}

/// The real binary's streams during `train head`: the warning for an
/// unreadable file and the feature progress bar go to stderr, the epoch lines
/// to stdout. Oracle: the folder's known broken file and the documented streams.
final class TrainHeadStreamsTests: XCTestCase {
    func testWarningsAndProgressGoToStderrEpochLinesToStdout() throws {
        let root = try makeTemporaryFolder("train-streams")
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, file) in [("fish", "fish1.jpg"), ("fish", "fish2.jpg"), ("tool", "hammer1.jpg"), ("tool", "hammer2.jpg")] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(name)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/objects/\(name)/\(file)", toPath: "\(root)/\(name)/\(file)")
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(root)/tool/notes.txt", contents: Data("a list of tools".utf8)))
        let run = try runKungfu(["-c", "load model inception_v3; freeze layers all; train head on \"\(root)\" epochs 2 batch 2 validation 0"],
                                environment: ["KUNGFU_WEIGHTS": "none"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let warnings = run.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: ") }
        XCTAssertEqual(warnings.count, 1, run.stderr)
        XCTAssertTrue(warnings.first?.hasPrefix("warning: \(root)/tool/notes.txt: ") ?? false, run.stderr)
        XCTAssertTrue(warnings.first?.hasSuffix(" (skipped)") ?? false, run.stderr)
        XCTAssertTrue(run.stderr.contains("5/5 [==============================]"), "the feature progress bar: \(run.stderr)")
        XCTAssertEqual(run.stdout.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.count, 2, run.stdout)
        XCTAssertFalse(run.stdout.contains("warning"), run.stdout)
    }
}

/// The epoch lines' live bar on a terminal and the finished line. Oracle:
/// Keras' progress-bar format (ETA from the elapsed time per step, running
/// metrics) with a fake clock, and the finished line's fixed layout.
final class EpochLinesTests: XCTestCase {
    final class Recorder: @unchecked Sendable {   // one test thread only
        var live = "", printed: [String] = []
    }

    func testLiveBarRedrawsInPlaceThenGivesWayToTheFinishedLine() {
        let recorder = Recorder()
        var now = 100.0
        let lines = EpochLines(epochs: 2, output: { recorder.printed.append($0) },
                               live: ProgressSink(isTerminal: true) { recorder.live += $0 }, clock: { now })
        now += 1
        lines.batch(BatchProgress(epoch: 1, epochs: 2, step: 1, steps: 4, loss: 0.69314, accuracy: 0.5))
        XCTAssertEqual(recorder.live, "\rEpoch 1/2 1/4 [======>.......................] - ETA: 3s - loss: 0.6931 - accuracy: 0.5000")
        now += 0.01   // under 50 ms: not redrawn
        lines.batch(BatchProgress(epoch: 1, epochs: 2, step: 2, steps: 4, loss: 0.6, accuracy: 0.5))
        XCTAssertEqual(recorder.live.filter { $0 == "\r" }.count, 1)
        lines.epoch(EpochRecord(epoch: 1, steps: 4, loss: 0.5, accuracy: 0.75, validationLoss: 0.0004,
                                validationAccuracy: 1, seconds: 0.0015))
        XCTAssertTrue(recorder.live.hasSuffix("\r" + String(repeating: " ", count: 90) + "\r"), "the bar is erased")
        XCTAssertEqual(recorder.printed, ["Epoch 1/2 4/4 [==============================] - loss: 0.5000 - accuracy: 0.7500"
                                          + " - val_loss: 4.0000e-04 - val_accuracy: 1.0000 - 1.5ms"])
    }

    func testNothingLiveWhenNotATerminal() {
        let recorder = Recorder()
        let lines = EpochLines(epochs: 1, output: { recorder.printed.append($0) },
                               live: ProgressSink(isTerminal: false) { recorder.live += $0 })
        lines.batch(BatchProgress(epoch: 1, epochs: 1, step: 1, steps: 1, loss: 1, accuracy: 0))
        lines.epoch(EpochRecord(epoch: 1, steps: 1, loss: 1, accuracy: 0, validationLoss: nil, validationAccuracy: nil,
                                seconds: 12.5))
        XCTAssertEqual(recorder.live, "")
        XCTAssertEqual(recorder.printed, ["Epoch 1/1 1/1 [==============================] - loss: 1.0000 - accuracy: 0.0000e+00 - 12.5s"])
    }
}
