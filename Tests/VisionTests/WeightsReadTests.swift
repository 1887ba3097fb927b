// WeightsReadTests.swift — reading Keras weights files of both layouts.
//
// Oracle: the files in Fixtures/keras-h5 were written by Keras itself
// (tf_keras 2.21, Keras 3.15) or by h5py exactly as old Keras did, from
// generate.py beside them; expected.json holds the names, classes, shapes
// and values Keras reported for the same model.
import Foundation
import XCTest
@testable import Vision

final class WeightsReadTests: XCTestCase {
    func testLegacyFileWrittenByTFKeras() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-tfkeras.h5"))
        XCTAssertEqual(contents.layout, .legacy)
        XCTAssertEqual(contents.layerNames, KerasH5Fixtures.kerasLayerNames)
        XCTAssertEqual(contents.attributes["backend"], "tensorflow")
        XCTAssertEqual(contents.attributes["keras_version"], "2.21.0")
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().model, pathPrefix: "")
    }

    func testFullModelFileReadsModelWeightsGroup() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("full-model-tfkeras.h5"))
        XCTAssertEqual(contents.layout, .legacy)
        XCTAssertEqual(contents.layerNames, KerasH5Fixtures.kerasLayerNames)
        XCTAssertNotNil(contents.attributes["model_config"], "the root's model_config is kept")
        XCTAssertEqual(contents.attributes["keras_version"], "2.21.0")
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().model, pathPrefix: "")
    }

    func testLegacyFileWrittenByKeras3HasNoTensorSuffix() throws {
        // Keras 3's legacy writer names weights `conv2d/kernel` (no `:0`) and
        // adds a `top_level_model_weights` group that is not a layer.
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-keras3.h5"))
        XCTAssertEqual(contents.layout, .legacy)
        XCTAssertEqual(contents.attributes["backend"], "tensorflow")
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().model, pathPrefix: "")
    }

    func testOfficialStyleFileWithFixedLengthStringsAndOneBasedNames() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-official-names.h5"))
        XCTAssertEqual(contents.layerNames.first, "input_1")
        XCTAssertEqual(contents.attributes["keras_version"], "2.1.2")
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().officialNames,
                                         pathPrefix: "")
    }

    func testChunkedLayerNamesAreJoined() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("legacy-chunked.h5"))
        XCTAssertEqual(contents.layerNames.count, 9)
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().officialNames,
                                         pathPrefix: "")
    }

    func testKeras3WeightsFile() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("keras3.weights.h5"))
        XCTAssertEqual(contents.layout, .keras3)
        XCTAssertEqual(contents.layerNames, [])
        // Stored order: by class name, then number (the file keeps no order).
        XCTAssertEqual(contents.layers.map(\.path), ["layers/batch_normalization", "layers/batch_normalization_1",
                                                     "layers/conv2d", "layers/conv2d_1", "layers/dense"])
        XCTAssertEqual(contents.layers.map(\.name), ["batch_normalization", "batch_normalization_1",
                                                     "conv2d", "conv2d_1", "dense"])
        let byName = Dictionary(uniqueKeysWithValues: contents.layers.map { ($0.name, $0) })
        let expected = try KerasH5Fixtures.expected().model
        try KerasH5Fixtures.assertStored(expected.map { byName[$0.name]! }, equal: expected, pathPrefix: "layers/",
                                         numberedVars: true)
    }

    func testKeras3NestedModelListsInnerModelFirst() throws {
        let contents = try KerasWeightsFile.read(try KerasH5Fixtures.path("keras3-nested.weights.h5"))
        XCTAssertEqual(contents.layers.map(\.path), [
            "layers/functional/layers/batch_normalization", "layers/functional/layers/batch_normalization_1",
            "layers/functional/layers/conv2d", "layers/functional/layers/conv2d_1",
            "layers/functional/layers/dense", "layers/dense",
        ])
        XCTAssertEqual(contents.layers.last?.name, "head")
        let head = try KerasH5Fixtures.expected().nestedHead
        XCTAssertEqual(contents.layers.last?.tensors.map(\.shape), head.weights.map(\.shape))
        XCTAssertEqual(contents.layers.last?.tensors.map(\.scalars), head.weights.map { $0.values.map(Float.init) })
    }

    func testNotHDF5() throws {
        let path = try KerasH5Fixtures.path("not-hdf5.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read(path), .notHDF5,
                                    "\(path): not an HDF5 file (no HDF5 signature)")
    }

    func testTruncatedFile() throws {
        let path = try KerasH5Fixtures.path("truncated.h5")
        XCTAssertThrowsError(try KerasWeightsFile.read(path)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .damaged)
            XCTAssertTrue(error.message.hasPrefix("\(path): truncated or damaged HDF5 file (cannot open: truncated file"),
                          error.message)
        }
    }

    func testMissingFileAndFolderAndEmptyFile() throws {
        let folder = try temporaryFolder()
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read("\(folder)/nope.h5"), .unreadable,
                                    "\(folder)/nope.h5: cannot open (No such file or directory)")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read(folder), .unreadable,
                                    "\(folder): is a folder, not a weights file")
        XCTAssertTrue(FileManager.default.createFile(atPath: "\(folder)/empty.h5", contents: Data()))
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read("\(folder)/empty.h5"), .notHDF5,
                                    "\(folder)/empty.h5: not an HDF5 file (empty)")
    }

    func testHDF5FileThatIsNotKerasWeights() throws {
        let path = try KerasH5Fixtures.path("dtypes.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read(path), .notKerasWeights,
                                    "\(path): an HDF5 file, but not Keras weights (no 'layer_names' attribute,"
                                        + " no 'model_weights' or 'layers' group)")
    }

    func testListedDatasetThatIsMissing() throws {
        let path = try KerasH5Fixtures.path("missing-dataset.h5")
        XCTAssertThrowsWeightsError(try KerasWeightsFile.read(path), .notKerasWeights,
                                    "\(path): layer 'conv2d' lists weight 'conv2d/kernel:0'"
                                        + " but has no dataset 'conv2d/conv2d/kernel:0'")
    }

    func testShortWeightNames() {
        // Oracle: Keras' own weight names and the stripping rule of the brief.
        XCTAssertEqual(KerasWeightsFile.shortWeightName("conv2d_1/kernel:0"), "kernel")
        XCTAssertEqual(KerasWeightsFile.shortWeightName("batch_normalization/moving_mean"), "moving_mean")
        XCTAssertEqual(KerasWeightsFile.shortWeightName("model/dense/bias:12"), "bias")
        XCTAssertEqual(KerasWeightsFile.shortWeightName("odd:name"), "odd:name")
    }
}

/// Asserts that `expression` throws a `WeightsError` of `kind` whose message is `message`.
func XCTAssertThrowsWeightsError<T>(_ expression: @autoclosure () throws -> T, _ kind: WeightsError.Kind,
                                    _ message: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try expression(), file: file, line: line) { error in
        guard let error = error as? WeightsError else {
            return XCTFail("expected a WeightsError, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(error.kind, kind, file: file, line: line)
        XCTAssertEqual(error.message, message, file: file, line: line)
    }
}

extension XCTestCase {
    /// A fresh folder under the system's temporary folder, removed after the test.
    func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kungfu-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }
}

/// The committed fixtures of Fixtures/keras-h5 and their expected values.
enum KerasH5Fixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-h5").path

    /// The small model's layer names, as Keras lists them in `layer_names`.
    static let kerasLayerNames = ["input_1", "conv2d", "batch_normalization", "activation", "conv2d_1",
                                  "batch_normalization_1", "activation_1", "global_average_pooling2d", "dense"]

    /// The path of a fixture; a missing one fails with what and where.
    static func path(_ name: String) throws -> String {
        let path = "\(folder)/\(name)"
        guard FileManager.default.fileExists(atPath: path) else { throw MissingFixture(path: path) }
        return path
    }

    /// A committed fixture that is not there: the test fails and says where.
    struct MissingFixture: Error, CustomStringConvertible {
        var path: String
        var description: String { "missing fixture \(path) (regenerate with generate.py beside it)" }
    }

    struct Weight: Decodable {
        var name: String
        var shape: [Int]
        var values: [Double]
    }

    struct Layer: Decodable {
        var name: String
        var `class`: String
        var weights: [Weight]

        var spec: LayerWeightSpec {
            LayerWeightSpec(layerName: name, layerType: self.class, tensors: weights.map { ($0.name, $0.shape) })
        }

        var layerWeights: LayerWeights {
            LayerWeights(layerName: name, tensors: weights.map {
                WeightTensor(name: $0.name, shape: $0.shape, scalars: $0.values.map(Float.init))
            })
        }
    }

    struct Expected: Decodable {
        var model: [Layer]
        var officialNames: [Layer]
        var nestedHead: Layer
        var wrongShapeSecondConv: Layer
        var dtypes: [String: [Double]]

        enum CodingKeys: String, CodingKey {
            case model, dtypes
            case officialNames = "official_names"
            case nestedHead = "nested_head"
            case wrongShapeSecondConv = "wrong_shape_second_conv"
        }
    }

    static func expected() throws -> Expected {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path("expected.json")))
        return try JSONDecoder().decode(Expected.self, from: data)
    }

    /// Checks stored layers against Keras' description: names, paths, array
    /// names (or var numbers), shapes and exact values.
    static func assertStored(_ stored: [KerasWeightsFile.StoredLayer], equal expected: [Layer], pathPrefix: String,
                             numberedVars: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(stored.map(\.name), expected.map(\.name), file: file, line: line)
        if !numberedVars {
            XCTAssertEqual(stored.map(\.path), expected.map { pathPrefix + $0.name }, file: file, line: line)
        }
        for (layer, reference) in zip(stored, expected) {
            let names = numberedVars ? reference.weights.indices.map(String.init) : reference.weights.map(\.name)
            XCTAssertEqual(layer.tensors.map(\.name), names, "\(layer.name)", file: file, line: line)
            XCTAssertEqual(layer.tensors.map(\.shape), reference.weights.map(\.shape), "\(layer.name)",
                           file: file, line: line)
            XCTAssertEqual(layer.tensors.map(\.scalars), reference.weights.map { $0.values.map(Float.init) },
                           "\(layer.name)", file: file, line: line)
        }
    }
}
