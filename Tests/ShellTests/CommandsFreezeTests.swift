// CommandsFreezeTests.swift — `freeze layers`, `unfreeze layers`, and `layers`
// / `summary` after freezing and with a head. Oracle: Keras itself, through
// Tests/VisionTests/Fixtures/keras-trainable/trainable.json (generator
// beside it): per case, the frozen layers, trainable and non-trainable totals
// and per-layer counts of InceptionV3 with top and of base + head.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsFreezeTests: XCTestCase {
    /// One model of trainable.json ("top" or "head").
    struct KerasModel {
        var layers: Int
        var totalParameters: Int
        var lastRows: [[String: Any]]
        var cases: [String: [String: Any]]
    }

    static func kerasModels() throws -> [String: KerasModel] {
        let path = repositoryRoot + "/Tests/VisionTests/Fixtures/keras-trainable/trainable.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing fixture \(path): run generate.py beside it (see its header)")
            throw XCTSkip("missing fixture")
        }
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var models: [String: KerasModel] = [:]
        for model in try XCTUnwrap(root["models"] as? [[String: Any]]) {
            let cases = try XCTUnwrap(model["cases"] as? [[String: Any]])
            models[try XCTUnwrap(model["model"] as? String)] = KerasModel(
                layers: try XCTUnwrap(model["layers"] as? Int),
                totalParameters: try XCTUnwrap(model["total_params"] as? Int),
                lastRows: try XCTUnwrap(model["last_rows"] as? [[String: Any]]),
                cases: Dictionary(uniqueKeysWithValues: cases.map { ($0["case"] as! String, $0) }))
        }
        return models
    }

    /// The Keras head of the fixture: Dense(1024, relu), Dropout(0.5), Dense(4, softmax).
    static func head(classes: Int = 4, hidden: Int? = 1024) -> Head {
        Head(inputs: 2048, classes: (0..<classes).map { "class\($0)" }, hidden: hidden, dropout: 0.5, seed: 1)
    }

    static func withHead(_ head: Head = CommandsFreezeTests.head()) throws -> LoadedModel {
        var model = try SharedModel.withTop()
        model.head = head
        return model
    }

    /// kungfu statements that give each Keras case, from every layer trainable;
    /// each list is one way, and every way must give Keras' numbers.
    static let recipes: [String: [String]] = [
        "none": ["unfreeze layers all", "freeze layers all\nunfreeze layers all", "freeze layers 0",
                 "freeze layers through 5\nunfreeze layers from 0"],
        "all base": ["freeze layers all", "freeze layers through mixed10\nfreeze layers all"],
        "first 1": ["freeze layers 1", "freeze layers through input_layer", "freeze layers through 0"],
        "first 18": ["freeze layers 18", "freeze layers through max_pooling2d_1",
                     "freeze layers all\nunfreeze layers from mixed0"],
        "first 41": ["freeze layers 41", "freeze layers through mixed0"],
        "first 165": ["freeze layers 165", "freeze layers through mixed5", "freeze layers through 164"],
        "first 249": ["freeze layers 249", "freeze layers through mixed8", "freeze layers through 248"],
        "first 311": ["freeze layers 311", "freeze layers through mixed10"],
        "recipe 249": ["freeze layers through mixed8\nunfreeze layers from mixed9",
                       "freeze layers 249\nunfreeze layers from 249"],
        "all then from 249": ["freeze layers all\nunfreeze layers from mixed9",
                              "freeze layers all\nunfreeze layers from conv2d_80"],
    ]

    /// [start, end) runs of frozen rows, as the generator writes them.
    static func frozenRanges(_ rows: [ModelLayer]) -> [[Int]] {
        var out: [[Int]] = [], start: Int?
        for (i, row) in rows.enumerated() {
            if !row.trainable, start == nil { start = i }
            if row.trainable, let s = start { out.append([s, i]); start = nil }
        }
        if let s = start { out.append([s, rows.count]) }
        return out
    }

    private func checkKerasCases(_ kerasName: String, model: LoadedModel) throws {
        let keras = try XCTUnwrap(try Self.kerasModels()[kerasName])
        XCTAssertEqual(model.layerTable.count, keras.layers)
        XCTAssertFalse(keras.cases.isEmpty)
        for (caseName, expected) in keras.cases {
            let ways = try XCTUnwrap(Self.recipes[caseName], "no kungfu recipe for Keras case '\(caseName)'")
            for way in ways {
                let kf = CommandHarness(model: model)
                let result = try CommandHarness.host(kf.run(way), as: TrainableChangeValue.self)
                let rows = try XCTUnwrap(kf.session.model).layerTable
                let what = "\(kerasName) model, case \(caseName), via \(way.replacingOccurrences(of: "\n", with: "; "))"
                XCTAssertEqual(Self.frozenRanges(rows), expected["frozen"] as? [[Int]], what)
                XCTAssertEqual(result.parameters.trainable, expected["trainable_params"] as? Int, what)
                XCTAssertEqual(result.parameters.nonTrainable, expected["non_trainable_params"] as? Int, what)
                XCTAssertEqual(result.parameters.total, keras.totalParameters, what)
                XCTAssertEqual(rows.map(\.trainableParameterCount), expected["layer_trainable"] as? [Int], what)
                XCTAssertEqual(rows.map(\.nonTrainableParameterCount), expected["layer_non_trainable"] as? [Int], what)
                // summary's footer shows the same totals.
                let summary = try CommandHarness.host(kf.run("summary"), as: SummaryValue.self)
                let footer = summary.text.split(separator: "\n").suffix(4).dropLast().map(String.init)
                XCTAssertEqual(footer, ["Total params: \(Format.grouped(keras.totalParameters))",
                                        "Trainable params: \(Format.grouped(expected["trainable_params"] as! Int))",
                                        "Non-trainable params: \(Format.grouped(expected["non_trainable_params"] as! Int))"],
                               what)
            }
        }
    }

    func testKerasCasesWithTop() throws {
        try checkKerasCases("top", model: try SharedModel.withTop())
    }

    func testKerasCasesWithHead() throws {
        try checkKerasCases("head", model: try Self.withHead())
    }

    // Oracle: the last 5 rows of Keras' model.layers (name, class, shape, parameters, inbound).
    func testLastRowsAreKeras() throws {
        let keras = try Self.kerasModels()
        for (name, model) in [("top", try SharedModel.withTop()), ("head", try Self.withHead())] {
            let rows = model.layerTable.suffix(5)
            let expected = try XCTUnwrap(keras[name]).lastRows
            XCTAssertEqual(rows.map(\.name), expected.map { $0["name"] as! String }, name)
            XCTAssertEqual(rows.map(\.type), expected.map { $0["class"] as! String }, name)
            XCTAssertEqual(rows.map(\.outputShape), expected.map { $0["output_shape"] as! [Int] }, name)
            XCTAssertEqual(rows.map(\.parameterCount), expected.map { $0["params"] as! Int }, name)
            XCTAssertEqual(rows.map(\.inbound), expected.map { $0["inbound"] as! [String] }, name)
            XCTAssertEqual(rows.map(\.index), Array((try XCTUnwrap(keras[name]).layers - 5)..<(try XCTUnwrap(keras[name]).layers)), name)
        }
    }

    // Oracle: Keras' model.layers indexes (keras-layers/layers.json): block
    // mixedK starts right after mixed(K−1); mixed0 right after the stem's
    // max_pooling2d_1 (17).
    func testBlockStartsAreKerasIndexes() throws {
        XCTAssertEqual(try SharedModel.withTop().blockStarts,
                       ["mixed0": 18, "mixed1": 41, "mixed2": 64, "mixed3": 87, "mixed4": 101, "mixed5": 133,
                        "mixed6": 165, "mixed7": 197, "mixed8": 229, "mixed9": 249, "mixed10": 280])
    }

    // Oracle: Keras' totals for layers[:249] frozen (trainable.json "first 249").
    func testResultFieldsTextAndJSON() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        kf.run("let r = freeze layers through mixed8\nprint r.changed, r.frozen, r.trainable, r.first_frozen, r.last_frozen, r.trainable_parameters, r.non_trainable_parameters")
        XCTAssertEqual(kf.printed, "249 249 64 input_layer mixed8 13163880 10687904\n")
        let value = try CommandHarness.host(kf.run("freeze layers through mixed8"), as: TrainableChangeValue.self)
        XCTAssertEqual(Value.host(value).json.rendered,
                       #"{"type":"freeze","changed":0,"layers":313,"frozen":249,"trainable":64,"first_frozen":"input_layer","last_frozen":"mixed8","parameters":23851784,"trainable_parameters":13163880,"non_trainable_parameters":10687904,"notes":["\#(TrainableChangeValue.batchNormNote)"]}"#)
        XCTAssertEqual(value.text.split(separator: "\n").map(String.init), [
            "froze layers 0…248 (input_layer … mixed8): 0 changed",
            "frozen: 249 of 313 layers (input_layer … mixed8); trainable: 64",
            "parameters: 23,851,784 total, 13,163,880 trainable, 10,687,904 non-trainable",
            "note: frozen batch-norm layers run in inference mode: they normalise with their moving mean and "
                + "variance, which training leaves unchanged",
        ])
        let back = try CommandHarness.host(kf.run("unfreeze layers all"), as: TrainableChangeValue.self)
        XCTAssertEqual(Value.host(back).json.rendered,
                       #"{"type":"unfreeze","changed":249,"layers":313,"frozen":0,"trainable":313,"first_frozen":"","last_frozen":"","parameters":23851784,"trainable_parameters":23817352,"non_trainable_parameters":34432,"notes":[]}"#)
        // Freezing only the input layer freezes no batch norm: no note.
        let input = try CommandHarness.host(kf.run("freeze layers 1"), as: TrainableChangeValue.self)
        XCTAssertEqual(input.notes, [])
        XCTAssertEqual(try CommandHarness.host(kf.run("freeze layers 0"), as: TrainableChangeValue.self).text
                           .split(separator: "\n").first, "froze no layers")
    }

    // Oracle: Keras' layer.trainable after layers[:249] frozen (trainable.json
    // "first 249": mixed8 is index 248, the last frozen).
    func testLayersShowsTrainableFlags() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        kf.run("freeze layers through mixed8")
        let list = try CommandHarness.host(kf.run("layers matching \"mixed*\""), as: LayerListValue.self)
        XCTAssertEqual(list.layers.filter { !$0.layer.trainable }.map(\.layer.name),
                       ["mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7", "mixed8"])
        let mixed8 = try XCTUnwrap(list.text.split(separator: "\n").first { $0.contains(" mixed8 ") })
        XCTAssertTrue(mixed8.hasSuffix("false"), String(mixed8))
        kf.run("let b = layers matching \"batch_normalization\"\nprint b[0].trainable, b[0].trainable_parameters, b[0].non_trainable_parameters")
        XCTAssertEqual(kf.printed, "false 0 96\n")
        kf.run("let b = layers matching \"batch_normalization_93\"\nprint b[0].trainable, b[0].trainable_parameters, b[0].non_trainable_parameters")
        XCTAssertEqual(kf.printed, "false 0 96\ntrue 192 384\n")
    }

    // Oracle: the Keras head model (trainable.json "head": 315 layers, its last
    // rows; 23,905,060 parameters, 2,102,276 trainable with the base frozen).
    func testLayersAndSummaryWithHead() throws {
        let kf = CommandHarness(model: try Self.withHead())
        let all = try CommandHarness.host(kf.run("layers"), as: LayerListValue.self)
        XCTAssertEqual(all.layers.count, 315)
        XCTAssertFalse(all.layers.contains { ["avg_pool", "predictions"].contains($0.layer.name) })
        let dense = try CommandHarness.host(kf.run("layers matching \"d*\""), as: LayerListValue.self)
        XCTAssertEqual(dense.layers.map(\.layer.name), ["dense", "dropout", "dense_1"])
        XCTAssertEqual(dense.layers.map(\.layer.index), [312, 313, 314])
        kf.run("freeze layers all")
        let summary = try CommandHarness.host(kf.run("summary"), as: SummaryValue.self)
        let lines = summary.text.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("Total params: 23,905,060"), summary.text)
        XCTAssertTrue(lines.contains("Trainable params: 2,102,276"), summary.text)
        XCTAssertTrue(lines.contains("Non-trainable params: 21,802,784"), summary.text)
        XCTAssertTrue(lines.contains { $0.hasPrefix(" dense_1 (Dense)") && $0.contains("(None, 4)")
                          && $0.contains("4100") && $0.contains("['dropout[0][0]']") }, summary.text)
        XCTAssertTrue(lines.contains { $0.hasPrefix(" global_average_pooling2d (GlobalAveragePooling2D)")
                          && $0.contains("(None, 2048)") && $0.contains("['mixed10[0][0]']") }, summary.text)
        XCTAssertEqual(summary.field("layers")?.json, .int(315))
        let frozen = try CommandHarness.host(kf.run("layers matching \"d*\""), as: LayerListValue.self)
        XCTAssertEqual(frozen.layers.map(\.layer.trainable), [true, true, true])
    }

    // Oracle: Keras' Dense parameter count (2048·2 + 2 = 4098) and layer names
    // for Dense(2, softmax) straight on the pooled features.
    func testHeadWithoutHiddenLayer() throws {
        let model = try Self.withHead(Self.head(classes: 2, hidden: nil))
        let rows = model.layerTable.suffix(2)
        XCTAssertEqual(rows.map(\.name), ["global_average_pooling2d", "dense"])
        XCTAssertEqual(rows.map(\.inbound), [["mixed10"], ["global_average_pooling2d"]])
        XCTAssertEqual(rows.map(\.trainableParameterCount), [0, 4098])
        XCTAssertEqual(model.parameterCounts.total, 21_802_784 + 4098)
    }

    // Oracle: Keras' InceptionV3(include_top=False, pooling="max") ends with
    // global_max_pooling2d after mixed10 (keras-layers/layers.json); the head
    // replaces it, so the model is 311 base layers + 4 head layers, as the
    // Keras head model (trainable.json "head": 23,905,060 parameters).
    func testPoolingLayerIsSetAsideWithHead() throws {
        let config = try InceptionV3.Configuration(includeTop: false, pooling: .max)
        let network = try InceptionV3(configuration: config, weights: InceptionV3.randomWeights(for: config, seed: 0))
        var model = LoadedModel(network: network, name: "inception_v3", weightsDescription: "none")
        XCTAssertEqual(model.layerTable.last?.name, "global_max_pooling2d")
        model.head = Self.head()
        XCTAssertEqual(model.layerTable.count, 315)
        XCTAssertEqual(model.layerTable.suffix(4).map(\.name), ["global_average_pooling2d", "dense", "dropout", "dense_1"])
        XCTAssertEqual(model.parameterCounts.total, 23_905_060)
        let kf = CommandHarness(model: model)
        XCTAssertTrue(kf.failure("unfreeze layers from global_max_pooling2d")
                          .contains("'global_max_pooling2d' is set aside while the head is in place"))
        let all = try CommandHarness.host(kf.run("freeze layers all"), as: TrainableChangeValue.self)
        XCTAssertEqual(all.changed, 311)
        XCTAssertEqual(all.parameters.trainable, 2_102_276)
    }

    func testErrors() throws {
        let kf = CommandHarness(model: try Self.withHead())
        let cases: [(String, String)] = [
            ("freeze layers through mixd8", "inception_v3 has no layer 'mixd8' (did you mean 'mixed8'?)"),
            ("unfreeze layers from mixed_9", "inception_v3 has no layer 'mixed_9' (did you mean 'mixed9'?)"),
            ("freeze layers through 311", "layer index 311 is out of range: the base has layers 0…310 (the head's layers after it are always trainable)"),
            ("unfreeze layers from -1", "layer index -1 is out of range"),
            ("freeze layers -1", "cannot freeze the first -1 layers: N must be 0…311, the base's layers (the head is always trainable)"),
            ("freeze layers 312", "cannot freeze the first 312 layers"),
            ("freeze layers", "say which layers to freeze"),
            ("unfreeze layers", "say which layers to unfreeze"),
            ("freeze layers 3 through mixed1", "give either a count or 'through', not both"),
            ("unfreeze layers all from mixed1", "give either 'all' or 'from', not both"),
            ("freeze layers through dense_1", "'dense_1' is a layer of the head, which is always trainable"),
            ("freeze layers through predictions", "'predictions' is set aside while the head is in place"),
            ("freeze layers alll", "wrong value for 'count': expected all or a whole number"),
            ("unfreeze layers some", "wrong value for 'which': expected all"),
        ]
        for (source, message) in cases {
            XCTAssertTrue(kf.failure(source).contains(message), "\(source): \(kf.failure(source))")
        }
        // A failed command changes nothing.
        XCTAssertEqual(kf.session.model?.trainable.allSatisfy { $0 }, true)
        // Without a head, the top is part of the base: index 312 is predictions.
        let top = CommandHarness(model: try SharedModel.withTop())
        XCTAssertTrue(top.failure("freeze layers through 313").contains("the base has layers 0…312"))
        XCTAssertTrue(top.failure("freeze layers 314").contains("N must be 0…313, the base's layers"))
        XCTAssertEqual(try CommandHarness.host(top.run("freeze layers through 312"), as: TrainableChangeValue.self).changed, 313)
        let none = CommandHarness()
        for source in ["freeze layers all", "unfreeze layers all", "freeze layers through mixed8"] {
            XCTAssertTrue(none.failure(source).contains("no model is loaded"), source)
        }
    }
}

/// The real binary with stdin piped. Oracle: Keras' recipe numbers for
/// layers[:249] frozen (trainable.json "recipe 249": 13,163,880 trainable,
/// 10,687,904 non-trainable) and the error rendering of docs/commands.md.
final class FreezeTranscriptTests: XCTestCase {
    func testPipedRecipe() throws {
        let run = try runKungfu([], stdin: """
            load model inception_v3 weights none
            let f = freeze layers all
            let u = unfreeze layers from mixed9
            print f.frozen, u.changed, u.first_frozen, u.last_frozen, u.trainable_parameters, u.non_trainable_parameters
            freeze layers through mixed_8

            """)
        XCTAssertEqual(run.stdout.split(separator: "\n").last, "313 64 input_layer mixed8 13163880 10687904")
        XCTAssertTrue(run.stderr.contains("error: inception_v3 has no layer 'mixed_8' (did you mean 'mixed8'?)"),
                      run.stderr)
    }
}
