// ModelFileTests.swift — ModelFile: a whole Inception V3 with its head in one
// Keras legacy file, and back. Oracles: the written network's own weights
// (compared bit for bit after reading), Keras' layer names of
// InceptionV3(include_top=False) (Vision's layer table, itself checked
// against a Keras-made fixture) and Keras' count of 188 weighted base
// layers, and the full error texts documented in docs/weights.md.
import Foundation
import XCTest
@testable import Vision

final class ModelFileTests: XCTestCase {
    /// One random network with its top (seed 5) for the whole class: packing 23.9 M weights takes a second.
    nonisolated(unsafe) private static var cached: InceptionV3?   // only touched from XCTest's main thread

    private func network() throws -> InceptionV3 {
        if let cached = Self.cached { return cached }
        let config = try InceptionV3.Configuration()
        let made = try InceptionV3(configuration: config, weights: InceptionV3.randomWeights(for: config, seed: 5))
        Self.cached = made
        return made
    }

    // Oracle: the network's weights and the head, bit for bit; Keras' layer
    // names (base through mixed10, then the head's).
    func testModelWithHeadRoundTrips() throws {
        let network = try network()
        let head = HeadFixtures.hiddenHead()
        let path = "\(try temporaryFolder())/model.h5"
        try ModelFile.write(network, head: head, to: path)
        let contents = try KerasWeightsFile.read(path)
        XCTAssertTrue(HeadFile.isKungfuFile(contents))
        let baseNames = InceptionV3.layers(for: try ModelFile.baseConfiguration(inputSize: 299)).map(\.name)
        XCTAssertEqual(baseNames.first, "input_layer")
        XCTAssertEqual(baseNames.last, "mixed10")
        XCTAssertEqual(contents.layerNames, baseNames + ["global_average_pooling2d", "dense", "dropout", "dense_1"])
        XCTAssertEqual(contents.layers.count, 188 + 2)

        let config = try ModelFile.baseConfiguration(inputSize: 299)
        let (base, again) = try ModelFile.split(contents, fileName: path, for: config)
        XCTAssertEqual(base.count, 188)
        XCTAssertEqual(base.map(\.layerName), network.weights.prefix(188).map(\.layerName))
        for (read, written) in zip(base, network.weights) {
            XCTAssertEqual(read.tensors.map { $0.scalars.map(\.bitPattern) },
                           written.tensors.map { $0.scalars.map(\.bitPattern) }, read.layerName)
        }
        assertBitIdentical(again, head)
        XCTAssertNoThrow(try InceptionV3(configuration: config, weights: base))
    }

    // Oracle: the same, for a head without a hidden layer, at another input size.
    func testModelWithPlainHeadAtInput150() throws {
        let config = try ModelFile.baseConfiguration(inputSize: 150)
        let small = try InceptionV3(configuration: config, weights: try network().weights.prefix(188).map { $0 })
        let path = "\(try temporaryFolder())/small.h5"
        try ModelFile.write(small, head: HeadFixtures.plainHead(), to: path)
        let (base, head) = try ModelFile.split(KerasWeightsFile.read(path), fileName: path, for: config)
        XCTAssertEqual(base, small.weights)
        assertBitIdentical(head, HeadFixtures.plainHead())
    }

    // Oracle: Keras' own loading rule: a file without a head is the network
    // as Keras' save_weights writes it (189 weighted layers with the top),
    // which the plain loader takes back for the same configuration.
    func testModelWithoutHeadIsAPlainKerasFile() throws {
        let network = try network()
        let path = "\(try temporaryFolder())/whole.h5"
        try ModelFile.write(network, head: nil, to: path)
        let contents = try KerasWeightsFile.read(path)
        XCTAssertFalse(HeadFile.isKungfuFile(contents))
        XCTAssertEqual(contents.layerNames, network.layerNames)
        XCTAssertEqual(contents.attributes, ["backend": "tensorflow", "keras_version": "2.21.0"])
        XCTAssertEqual(try KerasWeightsFile.load(path, for: InceptionV3.weightSpecs(for: network.configuration)),
                       network.weights)
    }

    // Oracle: the documented error texts, compared whole.
    func testSplitErrors() throws {
        let folder = try temporaryFolder()
        let config = try ModelFile.baseConfiguration(inputSize: 299)
        let headPath = "\(folder)/head.h5"
        try HeadFile.write(HeadFixtures.hiddenHead(), to: headPath)
        XCTAssertThrowsWeightsError(try ModelFile.split(KerasWeightsFile.read(headPath), fileName: headPath, for: config),
                                    .mismatch, "\(headPath) is a kungfu head file (2 Dense layers, no base)\n"
                                        + "load a model first, then the head: load head \"\(headPath)\"")

        let head = HeadFixtures.plainHead()
        let odd = try network().weights.prefix(100).map { $0 } + HeadFile.layerWeights(of: head)
        let oddPath = "\(folder)/odd.h5"
        try KerasWeightsFile.writeLegacy(odd, allLayerNames: nil, to: oddPath, attributes: HeadFile.attributes(of: head))
        XCTAssertThrowsWeightsError(try ModelFile.split(KerasWeightsFile.read(oddPath), fileName: oddPath, for: config),
                                    .mismatch, "\(oddPath): the file has 101 weighted layers and class names; a kungfu"
                                        + " model file holds inception_v3's 188 base layers, then 1 or 2 Dense layers")

        var narrow = HeadFixtures.plainHead()
        narrow.output = DenseLayer(name: "dense", inputs: 64, units: 2, kernel: [Float](repeating: 0.5, count: 128),
                                   bias: [0, 0], activation: .softmax)
        let narrowPath = "\(folder)/narrow.h5"
        try KerasWeightsFile.writeLegacy(try network().weights.prefix(188).map { $0 } + HeadFile.layerWeights(of: narrow),
                                         allLayerNames: nil, to: narrowPath, attributes: HeadFile.attributes(of: narrow))
        XCTAssertThrowsWeightsError(try ModelFile.split(KerasWeightsFile.read(narrowPath), fileName: narrowPath,
                                                        for: config),
                                    .mismatch, "\(narrowPath): the head takes 64 features, inception_v3's mixed10 gives 2048")
    }

    // Oracle: the destination folder's listing and the writer's message.
    func testFailedWriteLeavesNothing() throws {
        let folder = try temporaryFolder()
        XCTAssertThrowsWeightsError(try ModelFile.write(network(), head: HeadFixtures.plainHead(),
                                                        to: "\(folder)/missing/m.h5"),
                                    .write, "\(folder)/missing/m.h5: cannot write weights (folder '\(folder)/missing' does not exist)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), [])
    }
}
