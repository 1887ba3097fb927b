// InceptionV3ArchitectureTests.swift — the layer table, weight order,
// parameter totals and configuration errors against Keras itself.
//
// Oracle: Fixtures/keras-layers/layers.json, written by generate.py beside it
// from keras.applications.InceptionV3 (Keras 3.15.1) for four configurations;
// the error texts are Keras' own (imagenet_utils.obtain_input_shape).
import XCTest
@testable import Vision

final class InceptionV3ArchitectureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Model: Decodable {
            let include_top: Bool
            let pooling: String
            let input_height: Int
            let input_width: Int
            let total_params: Int
            let trainable_params: Int
            let non_trainable_params: Int
            let layers: [Layer]
        }
        struct Layer: Decodable {
            let index: Int
            let name: String
            let `class`: String
            let output_shape: [Int]
            let params: Int
            let trainable: Int
            let non_trainable: Int
            let inbound: [String]
            let weights: [Weight]
        }
        struct Weight: Decodable {
            let name: String
            let shape: [Int]
            init(from decoder: Decoder) throws {
                var pair = try decoder.unkeyedContainer()
                name = try pair.decode(String.self)
                shape = try pair.decode([Int].self)
            }
        }
        let keras_version: String
        let models: [Model]
    }

    /// The parsed fixture; a missing file fails the test with what and where.
    func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/keras-layers/layers.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw MissingFixture(path: url.path, generator: "Fixtures/keras-layers/generate.py")
        }
        return try JSONDecoder().decode(Fixture.self, from: data)
    }

    func configuration(_ model: Fixture.Model) throws -> InceptionV3.Configuration {
        try InceptionV3.Configuration(includeTop: model.include_top,
                                      pooling: InceptionV3.Pooling(rawValue: model.pooling)!,
                                      inputHeight: model.input_height, inputWidth: model.input_width)
    }

    /// Every layer: position, name, class, output shape, parameter counts and
    /// inbound layers, for with-top, no-top avg/max and no-top none at 75×75.
    func testLayerTablesMatchKeras() throws {
        let fixture = try fixture()
        XCTAssertEqual(fixture.models.count, 4)
        for model in fixture.models {
            let config = try configuration(model)
            let layers = InceptionV3.layers(for: config)
            XCTAssertEqual(layers.count, model.layers.count, "\(config): layer count")
            for (ours, keras) in zip(layers, model.layers) {
                let place = "\(config) layer \(keras.index) \(keras.name)"
                XCTAssertEqual(ours.index, keras.index, place)
                XCTAssertEqual(ours.name, keras.name, place)
                XCTAssertEqual(ours.type, keras.class, place)
                XCTAssertEqual(ours.outputShape, keras.output_shape, place)
                XCTAssertEqual(ours.parameterCount, keras.params, place)
                XCTAssertEqual(ours.trainableParameterCount, keras.trainable, place)
                XCTAssertEqual(ours.nonTrainableParameterCount, keras.non_trainable, place)
                XCTAssertEqual(ours.inbound, keras.inbound, place)
            }
        }
    }

    /// weightSpecs lists the weighted layers of `model.layers` in order, with
    /// each array's name and shape, as Keras' load_weights reads them.
    func testWeightSpecsMatchKeras() throws {
        for model in try fixture().models {
            let config = try configuration(model)
            let specs = InceptionV3.weightSpecs(for: config)
            let keras = model.layers.filter { !$0.weights.isEmpty }
            XCTAssertEqual(specs.count, keras.count, "\(config): weighted layers")
            for (spec, layer) in zip(specs, keras) {
                XCTAssertEqual(spec.layerName, layer.name)
                XCTAssertEqual(spec.layerType, layer.class, layer.name)
                XCTAssertEqual(spec.tensors.map(\.name), layer.weights.map(\.name), layer.name)
                XCTAssertEqual(spec.tensors.map(\.shape), layer.weights.map(\.shape), layer.name)
            }
        }
    }

    /// The totals Keras' summary prints (and DESIGN.md states).
    func testParameterTotals() throws {
        for model in try fixture().models {
            let layers = InceptionV3.layers(for: try configuration(model))
            XCTAssertEqual(layers.map(\.parameterCount).reduce(0, +), model.total_params)
            XCTAssertEqual(layers.map(\.trainableParameterCount).reduce(0, +), model.trainable_params)
            XCTAssertEqual(layers.map(\.nonTrainableParameterCount).reduce(0, +), model.non_trainable_params)
        }
        let top = InceptionV3.layers(for: try .init())
        XCTAssertEqual(top.map(\.parameterCount).reduce(0, +), 23_851_784)
        XCTAssertEqual(top.map(\.trainableParameterCount).reduce(0, +), 23_817_352)
        XCTAssertEqual(top.map(\.nonTrainableParameterCount).reduce(0, +), 34_432)
        let noTop = InceptionV3.layers(for: try .init(includeTop: false))
        XCTAssertEqual(noTop.map(\.parameterCount).reduce(0, +), 21_802_784)
        XCTAssertEqual([top.count, noTop.count], [313, 311])
    }

    /// Keras' texts, from keras/src/applications/imagenet_utils.py (and what
    /// Keras 3.15.1 printed for these shapes).
    func testConfigurationErrorsAreKerasOwn() {
        func message(_ make: () throws -> InceptionV3.Configuration) -> String? {
            do { _ = try make(); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(message { try .init(inputHeight: 224, inputWidth: 224) },
                       "When setting `include_top=True` and loading `imagenet` weights, `input_shape` should be "
                       + "(299, 299, 3).  Received: input_shape=(224, 224, 3)")
        XCTAssertEqual(message { try .init(includeTop: false, inputHeight: 74, inputWidth: 80) },
                       "Input size must be at least 75x75; Received: input_shape=(74, 80, 3)")
        XCTAssertEqual(message { try .init(includeTop: false, inputHeight: 300, inputWidth: 10) },
                       "Input size must be at least 75x75; Received: input_shape=(300, 10, 3)")
        XCTAssertNil(message { try .init(includeTop: false, pooling: .avg, inputHeight: 75, inputWidth: 75) })
        XCTAssertNil(message { try .init(includeTop: false, inputHeight: 640, inputWidth: 480) })
        // kungfu's own bound (not Keras'): the shapes of a 20000×20000 input
        // sized tens of GB of activations; Int.max overflowed them.
        XCTAssertNil(message { try .init(includeTop: false, inputHeight: 1024, inputWidth: 1024) })
        XCTAssertEqual(message { try .init(includeTop: false, inputHeight: 1025, inputWidth: 75) },
                       "Input size must be at most 1024x1024 (kungfu's limit: memory grows with the square of the side); "
                       + "Received: input_shape=(1025, 75, 3)")
        XCTAssertNotNil(message { try .init(includeTop: false, inputHeight: Int.max, inputWidth: Int.max) })
    }
}

/// A fixture file a test needs is not there: the test fails with this message.
struct MissingFixture: Error, CustomStringConvertible {
    let path: String
    let generator: String
    var description: String { "missing fixture \(path): make it with \(generator) (see its header)" }
}
