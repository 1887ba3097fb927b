// CommandsHeadFilesTests.swift — `save head`, `load head`, `save model` and
// `load model … weights` of a saved model, run through the Lang interpreter
// (CommandHarness) on random weights (KUNGFU_WEIGHTS=none style, no download).
// Oracles are named per test: the head and weights the session held before
// saving (compared exactly), the brief's and docs/commands.md's texts, and
// the destination folder's listing after a failed write.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsHeadFilesTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("cmds-head")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A small head over 2048 features with a hidden layer and odd class names.
    private func head() -> Head {
        var head = Head(inputs: 2048, classes: ["cat", "hot dog 🌭"], hidden: 8, dropout: 0.5, seed: 4)
        head.output.bias = [0.25, -0.25]
        return head
    }

    /// The shared random model (with top) carrying `head()`.
    private func modelWithHead() throws -> LoadedModel {
        var model = try SharedModel.withTop()
        model.head = head()
        return model
    }

    // Oracle: the brief's message for a session without a head.
    func testSaveHeadWithoutHeadSaysTrainFirst() throws {
        let message = "no head has been trained yet; train one first: train head on \"examples/objects\""
        XCTAssertTrue(CommandHarness().failure("save head \"\(folder)/h.h5\"").hasPrefix(message))
        let kf = CommandHarness(model: try SharedModel.withTop())
        XCTAssertTrue(kf.failure("save head \"\(folder)/h.h5\"").hasPrefix(message))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }

    // Oracle: the head the session held, read back by HeadFile and by `load
    // head` (exact equality), and the JSON field order of docs/commands.md.
    func testSaveHeadThenLoadHead() throws {
        let path = "\(folder)/pets.h5"
        let saver = CommandHarness(model: try modelWithHead())
        let saved = try CommandHarness.host(saver.run("save head \"\(path)\""), as: HeadFileValue.self)
        XCTAssertEqual(saved.text, """
            saved head to \(path): 2 classes (cat, hot dog 🌭)
            dense 2048→8 relu, dropout 0.5, dense_1 8→2 softmax: 16,410 parameters
            """)
        XCTAssertEqual(try HeadFile.read(path), head())
        guard case .object(let members) = Value.host(saved).json else { return XCTFail("head file JSON is not an object") }
        XCTAssertEqual(members.map(\.0), ["type", "action", "path", "classes", "hidden", "dropout", "inputs", "parameters"])

        let loader = CommandHarness(model: try SharedModel.withTop())
        let loaded = try CommandHarness.host(loader.run("load head \"\(path)\""), as: HeadFileValue.self)
        XCTAssertEqual(loader.session.model?.head, head())
        XCTAssertEqual(loaded.text, """
            loaded head from \(path): 2 classes (cat, hot dog 🌭)
            dense 2048→8 relu, dropout 0.5, dense_1 8→2 softmax: 16,410 parameters
            it replaces inception_v3's ImageNet top (avg_pool, predictions)
            """)
        XCTAssertEqual(loader.run("let h = load head \"\(path)\"\nh.classes\n").map { $0.resultText },
                       "[\"cat\", \"hot dog 🌭\"]")
        let again = try CommandHarness.host(loader.run("load head \"\(path)\""), as: HeadFileValue.self)
        XCTAssertEqual(again.notes, ["it replaces the previous head for 2 classes (cat, hot dog 🌭)"])
    }

    // Oracle: mixed10's 2048 channels (Keras' InceptionV3); a failed load
    // leaves the session's head as it was (nil).
    func testLoadHeadChecksItFitsTheBase() throws {
        let narrow = Head(inputs: 64, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 1)
        let path = "\(folder)/narrow.h5"
        try HeadFile.write(narrow, to: path)
        let kf = CommandHarness(model: try SharedModel.withTop())
        let message = kf.failure("load head \"\(path)\"")
        XCTAssertTrue(message.hasPrefix("\(path): the head takes 64 features, but inception_v3's mixed10 gives 2048"),
                      message)
        XCTAssertNil(kf.session.model?.head)
        XCTAssertTrue(CommandHarness().failure("load head \"\(path)\"").hasPrefix("no model is loaded"))
    }

    // Oracle: HeadFile's documented message and note for a file without class names.
    func testLoadHeadOfAPlainWeightsFileSuggestsLoadModel() throws {
        let path = "\(folder)/plain.h5"
        try KerasWeightsFile.writeLegacy(HeadFile.layerWeights(of: head()), allLayerNames: nil, to: path, attributes: [:])
        let message = CommandHarness(model: try SharedModel.withTop()).failure("load head \"\(path)\"")
        XCTAssertTrue(message.hasPrefix("\(path) is not a kungfu head file (no class_names attribute)"), message)
        XCTAssertTrue(message.contains("= it may be a whole model: load model inception_v3 weights \"\(path)\""), message)
    }

    // Oracle: the session's model before saving: its base weights (the
    // first 188 weighted layers, exactly) and its head come back, on a base
    // without top and pooling, as docs/commands.md says.
    func testSaveModelWithHeadThenLoadModel() throws {
        let original = try modelWithHead()
        let path = "\(folder)/pets-model.h5"
        let saver = CommandHarness(model: original)
        let saved = try CommandHarness.host(saver.run("save model \"\(path)\""), as: ModelFileValue.self)
        XCTAssertEqual(saved.weightedLayerCount, 190)
        XCTAssertEqual(saved.layerCount, 311 + 4)
        XCTAssertEqual(saved.parameters, 21_802_784 + 16_410)
        XCTAssertTrue(saved.text.hasSuffix("load it back with: load model inception_v3 weights \"\(path)\""), saved.text)
        guard case .object(let members) = Value.host(saved).json else { return XCTFail("model file JSON is not an object") }
        XCTAssertEqual(members.map(\.0), ["type", "path", "layers", "weighted_layers", "parameters", "top", "head",
                                          "classes"])

        let loader = CommandHarness()
        let info = try CommandHarness.host(loader.run("load model inception_v3 weights \"\(path)\" top true"),
                                           as: ModelInfoValue.self)
        let model = try XCTUnwrap(loader.session.model)
        XCTAssertEqual(model.head, head())
        XCTAssertEqual(model.network.configuration, try ModelFile.baseConfiguration(inputSize: 299))
        XCTAssertEqual(model.network.weights, Array(original.network.weights.prefix(188)))
        XCTAssertEqual(model.trainable.count, model.network.layers.count)
        XCTAssertEqual(info.notes, [
            "\(path) holds a base and a head (saved by `save model`): loaded without the ImageNet top",
            "top true is ignored: the file's head replaces the ImageNet top",
            "head: 2 classes (cat, hot dog 🌭); dense 2048→8 relu, dropout 0.5, dense_1 8→2 softmax: 16,410 parameters",
        ])
        XCTAssertEqual(info.weights, "\(path) (base and head for 2 classes)")
        XCTAssertEqual(info.parameters.total, 21_802_784 + 16_410, "base and head, as Keras counts the model")
    }

    // Oracle: the session's model before saving (weights exactly, with its
    // top: 189 weighted layers, Keras' count), read back by plain `load model`.
    func testSaveModelWithoutHeadIsThePlainModel() throws {
        let original = try SharedModel.withTop()
        let path = "\(folder)/whole.h5"
        let saved = try CommandHarness.host(CommandHarness(model: original).run("save model \"\(path)\""),
                                            as: ModelFileValue.self)
        XCTAssertEqual(saved.text, """
            saved inception_v3 (top) to \(path): 313 layers (189 weighted), 23,851,784 parameters
            load it back with: load model inception_v3 weights "\(path)"
            """)
        let loader = CommandHarness()
        loader.run("load model inception_v3 weights \"\(path)\"")
        XCTAssertNil(loader.session.model?.head)
        XCTAssertEqual(loader.session.model?.network.weights, original.network.weights)
        let message = loader.failure("load model inception_v3 weights \"\(path)\" top false")
        XCTAssertTrue(message.contains("the file has 189 weighted layers, the model expects 188"), message)
    }

    // Oracle: the destination folder's listing: a failed write leaves neither
    // the file nor a temporary, and the error names the path.
    func testFailedWritesLeaveNoFile() throws {
        let kf = CommandHarness(model: try modelWithHead())
        let missing = "\(folder)/no/such/m.h5"
        let message = kf.failure("save model \"\(missing)\"")
        XCTAssertTrue(message.hasPrefix("\(missing): cannot write weights (folder '\(folder)/no/such' does not exist)"), message)
        let taken = "\(folder)/taken.h5"
        try FileManager.default.createDirectory(atPath: "\(taken)/inside", withIntermediateDirectories: true)
        let head = kf.failure("save head \"\(taken)\"")
        XCTAssertTrue(head.hasPrefix("\(taken): cannot write weights (is a folder, not a file)"), head)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken.h5"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: taken), ["inside"])
    }

    // Oracle: the command table (help comes from it): each command has its
    // summary, example, Keras line and result type.
    func testCommandsAreRegisteredWithHelp() throws {
        let registry = CommandTable.registry(for: Session(environment: [:]))
        for (name, returns) in [("save head", "head file"), ("load head", "head file"), ("save model", "model file")] {
            let spec = try XCTUnwrap(registry.command(named: name), name)
            XCTAssertEqual(spec.returns, returns)
            XCTAssertFalse(spec.keras.isEmpty)
            XCTAssertTrue(spec.example.hasPrefix(name + " \""), spec.example)
        }
    }
}
