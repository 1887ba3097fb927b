// CommandsFineTuneTests.swift — `fine tune` in-process on random weights over
// a small folder of real photos. Oracles: the model before the command (which
// weights may change: exactly the unfrozen layers' kernels and betas, and the
// head), the command's own determinism (same seed → identical numbers), and
// the refusals the issue asks for.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsFineTuneTests: XCTestCase {
    private var root = ""
    private var data: String { root + "/data" }

    override func setUpWithError() throws {
        root = try makeTemporaryFolder("finetune")
        for (name, files) in [("fish", ["fish1.jpg", "fish2.jpg", "fish3.jpg"]),
                              ("windmill", ["windmill1.jpg", "windmill2.jpg", "windmill3.jpg"])] {
            try FileManager.default.createDirectory(atPath: "\(data)/\(name)", withIntermediateDirectories: true)
            for file in files {
                try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/objects/\(name)/\(file)",
                                                 toPath: "\(data)/\(name)/\(file)")
            }
        }
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A session with a head trained on the folder and the base unfrozen from mixed9.
    private func prepared(seed: Int = 2) throws -> CommandHarness {
        let harness = CommandHarness(model: try SharedModel.withTop())
        harness.run("set seed \(seed)")
        harness.run("freeze layers all")
        harness.run("train head on \"\(data)\" epochs 1 batch 4 validation 0")
        harness.run("unfreeze layers from mixed9")
        return harness
    }

    func testRefusesWithoutAHeadOrWithNothingUnfrozen() throws {
        let harness = CommandHarness(model: try SharedModel.withTop())
        XCTAssertTrue(harness.failure("fine tune on \"\(data)\"").contains("fine tune continues from a trained head, and there is none yet"))
        harness.run("freeze layers all")
        harness.run("train head on \"\(data)\" epochs 1 validation 0")
        XCTAssertTrue(harness.failure("fine tune on \"\(data)\"").contains("nothing in the base is unfrozen, so there is nothing to fine-tune"))
        harness.run("unfreeze layers from mixed9")
        XCTAssertTrue(harness.failure("fine tune on \"\(data)\" optimizer adam momentum 0.5").contains("momentum is an sgd setting"))
        XCTAssertTrue(harness.failure("fine tune on \"\(data)\" epochs 0").contains("epochs must be between 1 and 10000, got 0"))
    }

    // Oracle: mixed8 is 8×8×1280 floats (Keras' InceptionV3), 320 KB per
    // image; 7,000 images kept twice are 4,375 MB, past the 4,096 MB limit,
    // and the refusal comes before any image is read.
    func testRefusesABoundaryCacheLargerThanTheLimit() throws {
        let harness = try prepared()
        let model = try XCTUnwrap(harness.session.model)
        let tuner = try FineTuner(model: model.network, trainable: model.trainable, head: model.head!,
                                  optimizer: .sgd(rate: 0.0001, momentum: 0.9), dropoutSeed: 0)
        XCTAssertEqual(tuner.boundaryScalarsPerImage, 8 * 8 * 1280)
        XCTAssertNoThrow(try FineTuneCommand.checkMemory(images: 6_000, tuner))
        XCTAssertThrowsError(try FineTuneCommand.checkMemory(images: 7_000, tuner)) { error in
            XCTAssertEqual("\(error)", "fine tune would keep 7000 images' mixed8 outputs, 320 KB each: 4,375 MB while they"
                           + " are joined, more than the limit of 4096 MB")
        }
        XCTAssertThrowsError(try FineTuneCommand.checkMemory(images: Int.max, tuner))
    }

    func testTrainsExactlyTheUnfrozenLayersAndTheHead() throws {
        let harness = try prepared()
        let before = try XCTUnwrap(harness.session.model)
        let history = try CommandHarness.host(harness.run("fine tune on \"\(data)\" epochs 2 batch 3 validation 0"),
                                              as: TrainingHistoryValue.self)
        XCTAssertEqual(history.history.count, 2)
        XCTAssertEqual(history.kind, .fineTune)
        XCTAssertTrue(history.text.hasPrefix("head and unfrozen base fine-tuned on \(data) (2 classes: fish, windmill) for 2 epochs"))
        XCTAssertTrue(harness.printed.contains("fine-tuning 36 weighted layers of the base (conv2d_80 … batch_normalization_93) with the head; they start from mixed8"),
                      harness.printed)
        XCTAssertTrue(harness.printed.contains("batch norm stays in inference mode"))
        let after = try XCTUnwrap(harness.session.model)
        XCTAssertNotEqual(after.head, before.head, "the head trains too")
        // Keras' layers[249:] are trainable: the weighted layers from conv2d_80 on change
        // (kernels, betas), the ones before and every moving statistic stay.
        let names = before.network.weights.map(\.layerName)
        let first = try XCTUnwrap(names.firstIndex(of: "conv2d_80"))
        XCTAssertEqual(Array(after.network.weights.prefix(first)), Array(before.network.weights.prefix(first)))
        for (old, new) in zip(before.network.weights, after.network.weights).dropFirst(first) {
            for (a, b) in zip(old.tensors, new.tensors) {
                // The set-aside ImageNet top and the moving statistics never train.
                let fixed = old.layerName == "predictions" || a.name == "moving_mean" || a.name == "moving_variance"
                XCTAssertEqual(a == b, fixed, "\(old.layerName)/\(a.name) " + (fixed ? "changed" : "did not train"))
            }
        }
        XCTAssertTrue(after.weightsDescription.hasSuffix(", fine-tuned from conv2d_80 on \(data)"), after.weightsDescription)
        // The base changed: evaluate computes the features again.
        let mark = harness.printed.count
        harness.run("evaluate on \"\(data)\"")
        XCTAssertTrue(String(harness.printed.dropFirst(mark)).contains("computing base features of 6 images"))
    }

    func testSameSeedSameNumbersAndCtrlCKeepsTheLastEpoch() throws {
        let a = try CommandHarness.host(try prepared(seed: 4).run("fine tune on \"\(data)\" epochs 2 batch 4 validation 0.34"),
                                        as: TrainingHistoryValue.self)
        let b = try CommandHarness.host(try prepared(seed: 4).run("fine tune on \"\(data)\" epochs 2 batch 4 validation 0.34"),
                                        as: TrainingHistoryValue.self)
        XCTAssertEqual(a.history.map(\.loss), b.history.map(\.loss))
        XCTAssertEqual(a.history.map(\.validationLoss), b.history.map(\.validationLoss))
        XCTAssertEqual(a.validationCounts, [1, 1])

        let harness = try prepared()
        var printed = ""
        harness.interpreter.output = { text in
            printed += text
            if text.hasPrefix("Epoch 1/") { harness.interpreter.requestInterrupt() }
        }
        let outcome = harness.interpreter.run(source: "fine tune on \"\(data)\" epochs 3 batch 2 validation 0", name: "<test>")
        guard case .interrupted = outcome else { return XCTFail("expected an interrupted run, got \(outcome)") }
        XCTAssertFalse(printed.contains("stopped"), "said once, by the result: \(printed)")
        XCTAssertTrue(try XCTUnwrap(harness.results.last).text
            .hasPrefix("stopped by Ctrl-C after epoch 1 of 3: kept the weights of epoch 1 (head and unfrozen base fine-tuned on"))
        XCTAssertEqual(harness.session.model?.training?.history.count, 1)
        harness.run("predict \"\(data)/fish/fish1.jpg\"")
    }

    // Oracle: Tutorial 03's out/history.png, which fine-tuning's curves must not replace.
    func testFineTuningHistoryGetsItsOwnFile() throws {
        let harness = try prepared()
        let out = root + "/out"
        let head = try CommandHarness.host(harness.run("show history to \"\(out)\""), as: ChartValue.self)
        XCTAssertEqual(head.path, out + "/history.png")
        harness.run("fine tune on \"\(data)\" epochs 1 batch 3 validation 0")
        let tuned = try CommandHarness.host(harness.run("show history to \"\(out)\""), as: ChartValue.self)
        XCTAssertEqual(tuned.path, out + "/history-fine-tune.png")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/history.png"))
    }
}
