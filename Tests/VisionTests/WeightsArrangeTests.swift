// WeightsArrangeTests.swift — matching stored layers to a model's specs.
//
// Oracle: the specs and values are Keras' own (expected.json, written by
// Fixtures/keras-h5/generate.py), and the broken fixtures were written by
// Keras from a model with a 3×3 second conv or without the second batch norm.
// Keras' `to_snake_case` results were printed by keras.src.utils.naming 3.15.
import XCTest
@testable import Vision

final class WeightsArrangeTests: XCTestCase {
    private var specs: [LayerWeightSpec] { get throws { try KerasH5Fixtures.expected().model.map(\.spec) } }
    private var weights: [LayerWeights] { get throws { try KerasH5Fixtures.expected().model.map(\.layerWeights) } }

    func testEveryLayoutLoadsTheSameWeights() throws {
        for name in ["legacy-tfkeras.h5", "full-model-tfkeras.h5", "legacy-keras3.h5", "keras3.weights.h5",
                     "legacy-official-names.h5", "legacy-chunked.h5"] {
            let loaded = try KerasWeightsFile.load(try KerasH5Fixtures.path(name), for: try specs)
            XCTAssertEqual(loaded, try weights, name)
        }
    }

    func testLegacyMatchesByOrderWhateverTheNumbering() throws {
        // The file's layers are conv2d_1, batch_normalization_1, …; the model's conv2d, batch_normalization, ….
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-official-names.h5"))
        XCTAssertEqual(contents.layers.first?.name, "conv2d_1")
        let arranged = try KerasWeightsFile.arrange(contents, for: try specs, fileName: "official.h5")
        XCTAssertEqual(arranged.map(\.layerName), try specs.map(\.layerName))
        XCTAssertEqual(arranged, try weights)
    }

    func testKeras3NestedModelFallsBackToOrderWithinEachClass() throws {
        let expected = try KerasH5Fixtures.expected()
        let nestedSpecs = expected.model.map(\.spec) + [expected.nestedHead.spec]
        let loaded = try KerasWeightsFile.load(try KerasH5Fixtures.path("keras3-nested.weights.h5"), for: nestedSpecs)
        XCTAssertEqual(loaded, expected.model.map(\.layerWeights) + [expected.nestedHead.layerWeights])
    }

    func testKeras3MatchesByKerasKeyNotByStoredOrder() throws {
        // Stored order is alphabetical (batch_normalization first); the model starts with conv2d.
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("keras3.weights.h5"))
        XCTAssertEqual(contents.layers.first?.path, "layers/batch_normalization")
        XCTAssertEqual(try KerasWeightsFile.arrange(contents, for: try specs, fileName: "k3"), try weights)
    }

    func testLegacyWrongShapeNamesLayerDatasetAndBothShapes() throws {
        let path = try KerasH5Fixtures.path("wrong-shape.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(path, for: try specs), .mismatch,
                                    "\(path): layer 'conv2d_1' (file 'conv2d_1'), dataset 'kernel':"
                                        + " file has shape (3, 3, 4, 2), model expects (1, 1, 4, 2)")
    }

    func testKeras3WrongShapeNamesLayerDatasetAndBothShapes() throws {
        let path = try KerasH5Fixtures.path("keras3-wrong-shape.weights.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(path, for: try specs), .mismatch,
                                    "\(path): layer 'conv2d_1' (file 'layers/conv2d_1'), dataset 'vars/0' (kernel):"
                                        + " file has shape (3, 3, 4, 2), model expects (1, 1, 4, 2)")
    }

    func testLegacyMissingLayerGivesBothCounts() throws {
        let path = try KerasH5Fixtures.path("missing-layer.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(path, for: try specs), .mismatch,
                                    "\(path): the file has 4 weighted layers, the model expects 5")
    }

    func testKeras3MissingLayerGivesCountsPerClass() throws {
        let path = try KerasH5Fixtures.path("keras3-missing-layer.weights.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(path, for: try specs), .mismatch,
                                    "\(path): 'batch_normalization' layers: the file has 1, the model expects 2"
                                        + " (4 weighted layers in the file, 5 in the model)")
    }

    func testFileWithExtraLayerIsRejectedInBothLayouts() throws {
        // A model without the dense top against files that have it (Keras 3 itself would ignore the extra layer).
        let noTop = Array(try specs.dropLast())
        let legacy = try KerasH5Fixtures.path("legacy-tfkeras.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(legacy, for: noTop), .mismatch,
                                    "\(legacy): the file has 5 weighted layers, the model expects 4")
        let keras3 = try KerasH5Fixtures.path("keras3.weights.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.load(keras3, for: noTop), .mismatch,
                                    "\(keras3): 'dense' layers: the file has 1, the model expects 0"
                                        + " (5 weighted layers in the file, 4 in the model)")
    }

    func testArrayCountMismatchNamesTheExpectedArrays() throws {
        var contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-tfkeras.h5"))
        let gamma = WeightTensor(name: "gamma", shape: [4], scalars: [1, 1, 1, 1])
        contents.layers[1].tensors.insert(gamma, at: 0)
        XCTAssertThrowsWeightsError(try KerasWeightsFile.arrange(contents, for: try specs, fileName: "bn.h5"), .mismatch,
                                    "bn.h5: layer 'batch_normalization' (file 'batch_normalization') has 4 arrays"
                                        + " in the file, the model expects 3 (beta, moving_mean, moving_variance)")
    }

    func testSnakeCaseAgreesWithKeras() {
        let keras = ["Conv2D": "conv2d", "BatchNormalization": "batch_normalization", "Dense": "dense",
                     "DepthwiseConv2D": "depthwise_conv2d", "GlobalAveragePooling2D": "global_average_pooling2d",
                     "SeparableConv2D": "separable_conv2d", "PReLU": "p_re_lu", "LSTM": "lstm",
                     "ABCdef": "ab_cdef", "HTTPServer2D": "http_server2d"]
        for (className, snake) in keras {
            XCTAssertEqual(KerasWeightsFile.snakeCase(className), snake, className)
        }
    }

    func testKeras3KeysNumberEachClassSeparately() {
        let specs = ["Conv2D", "BatchNormalization", "Conv2D", "Dense", "BatchNormalization", "Conv2D"].map {
            LayerWeightSpec(layerName: "x", layerType: $0, tensors: [])
        }
        XCTAssertEqual(KerasWeightsFile.keras3Keys(specs), ["conv2d", "batch_normalization", "conv2d_1", "dense",
                                                            "batch_normalization_1", "conv2d_2"])
    }

    func testPythonShapeSpelling() {
        XCTAssertEqual(KerasWeightsFile.pythonShape([3, 3, 64, 80]), "(3, 3, 64, 80)")
        XCTAssertEqual(KerasWeightsFile.pythonShape([80]), "(80,)")
        XCTAssertEqual(KerasWeightsFile.pythonShape([]), "()")
    }
}
