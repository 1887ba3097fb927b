// WeightsWriteTests.swift — writing the Keras 2 legacy layout.
//
// Oracles: reading back with the reader (itself checked against Keras-written
// files), Keras' own chunking rule for long lists, and kungfu-written.h5: the
// file this writer produced for the fixture model, which Keras 3.15 and
// tf_keras 2.21 loaded with `load_weights` (Fixtures/keras-h5/verify_written.py,
// run by hand); the writer must still produce it byte for byte.
import Foundation
import CHDF5
import XCTest
@testable import Vision

final class WeightsWriteTests: XCTestCase {
    private func modelWeights() throws -> [LayerWeights] {
        try KerasH5Fixtures.expected().model.map(\.layerWeights)
    }

    func testRoundTripKeepsLayersNamesAndAttributes() throws {
        let folder = try temporaryFolder()
        let path = "\(folder)/head.h5"
        try KerasWeightsFile.writeLegacy(try modelWeights(), allLayerNames: KerasH5Fixtures.kerasLayerNames, to: path,
                                         attributes: ["class_names": "cat\ndog", "note": "café"])
        let contents = try KerasWeightsFile.read(path)
        XCTAssertEqual(contents.layout, .legacy)
        XCTAssertEqual(contents.layerNames, KerasH5Fixtures.kerasLayerNames)
        XCTAssertEqual(contents.attributes, ["backend": "tensorflow", "keras_version": "2.21.0",
                                             "class_names": "cat\ndog", "note": "café"])
        try KerasH5Fixtures.assertStored(contents.layers, equal: KerasH5Fixtures.expected().model, pathPrefix: "")
        XCTAssertEqual(try KerasWeightsFile.load(path, for: KerasH5Fixtures.expected().model.map(\.spec)),
                       try modelWeights())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["head.h5"])
    }

    func testWriterReproducesTheFileKerasLoaded() throws {
        let folder = try temporaryFolder()
        let path = "\(folder)/kungfu-written.h5"
        try KerasWeightsFile.writeLegacy(try modelWeights(), allLayerNames: KerasH5Fixtures.kerasLayerNames, to: path,
                                         attributes: ["class_names": "cat,dog"])
        if let keep = ProcessInfo.processInfo.environment["KUNGFU_WRITE_FIXTURE"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: path, toPath: keep)
        }
        let verifiedPath = try KerasH5Fixtures.path("kungfu-written.h5")
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        _ = H5get_libversion(&major, &minor, &release)
        if (major, minor, release) == (1, 10, 8) {
            // The fixture was written with Debian's libhdf5 1.10.8: same library, same bytes.
            let written = try Data(contentsOf: URL(fileURLWithPath: path))
            let verified = try Data(contentsOf: URL(fileURLWithPath: verifiedPath))
            XCTAssertEqual(written, verified, "the writer's output changed; rerun verify_written.py on the new file")
        } else {
            // Another libhdf5 may lay bytes out differently: compare what a reader sees.
            XCTAssertEqual(try KerasWeightsFile.read(path), try KerasWeightsFile.read(verifiedPath))
        }
    }

    func testWithoutAllLayerNamesListsWeightedLayersOnly() throws {
        let path = "\(try temporaryFolder())/w.h5"
        try KerasWeightsFile.writeLegacy(try modelWeights(), allLayerNames: nil, to: path, attributes: [:])
        XCTAssertEqual(try KerasWeightsFile.read(path).layerNames, try modelWeights().map(\.layerName))
    }

    func testLongLayerListIsChunkedAsKerasDoes() throws {
        // 3000 names of 30 bytes = 90,000 bytes > 64,512: Keras writes layer_names0 and layer_names1.
        let names = (0..<3000).map { "layer_" + String(repeating: "x", count: 24 - String($0).count) + String($0) }
        XCTAssertTrue(names.allSatisfy { $0.utf8.count == 30 })
        let weighted = [LayerWeights(layerName: names[2999],
                                     tensors: [WeightTensor(name: "bias", shape: [2], scalars: [1, 2])])]
        let path = "\(try temporaryFolder())/long.h5"
        try KerasWeightsFile.writeLegacy(weighted, allLayerNames: names, to: path, attributes: [:])
        let attributes = try HDF5.serialized {
            let file = try HDF5File.openReadOnly(path)
            return try withExtendedLifetime(file) { try file.root().attributeNames() }
        }
        XCTAssertEqual(attributes, ["backend", "keras_version", "layer_names0", "layer_names1"])
        let contents = try KerasWeightsFile.read(path)
        XCTAssertEqual(contents.layerNames, names)
        XCTAssertEqual(contents.layers.map(\.name), [names[2999]])
    }

    func testOverwriteReplacesTheFileWhole() throws {
        let path = "\(try temporaryFolder())/w.h5"
        try KerasWeightsFile.writeLegacy(try modelWeights(), allLayerNames: nil, to: path, attributes: [:])
        let one = [LayerWeights(layerName: "dense", tensors: [WeightTensor(name: "bias", shape: [1], scalars: [9])])]
        try KerasWeightsFile.writeLegacy(one, allLayerNames: nil, to: path, attributes: [:])
        XCTAssertEqual(try KerasWeightsFile.read(path).layers.map(\.tensors), [[WeightTensor(name: "bias", shape: [1],
                                                                                             scalars: [9])]])
    }

    func testFailedWriteLeavesNoFile() throws {
        // The destination is an existing non-empty folder, so the final rename fails after a complete temp file.
        let folder = try temporaryFolder()
        let target = "\(folder)/taken"
        try FileManager.default.createDirectory(atPath: "\(target)/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try KerasWeightsFile.writeLegacy(try modelWeights(), allLayerNames: nil, to: target,
                                                              attributes: [:])) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .write)
            XCTAssertTrue(error.message.hasPrefix("\(target): cannot write weights (is a folder, not a file)"),
                          error.message)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken"])
        XCTAssertThrowsWeightsError(try KerasWeightsFile.writeLegacy([], allLayerNames: nil,
                                                                     to: "\(folder)/no/such/folder/w.h5",
                                                                     attributes: [:]), .write,
                                    "\(folder)/no/such/folder/w.h5: cannot write weights (folder '\(folder)/no/such/folder' does not exist)")
    }
}
