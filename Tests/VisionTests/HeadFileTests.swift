// HeadFileTests.swift — HeadFile and ModelFile: round trips, attributes,
// every error a file can cause, and the committed Keras-checked fixtures.
//
// Oracles are named per test: the original values (round trips compare bit
// patterns), Python's json.dumps text, full error texts, and
// Fixtures/keras-head-files/keras-predictions.json, which Keras produced from
// the committed head files (verify.py, run by hand).
import CHDF5
import Foundation
import XCTest
@testable import Vision

/// The heads of Fixtures/keras-head-files and the features Keras ran them on.
enum HeadFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-head-files").path

    /// 2048 → dense 16 (relu) → dropout 0.25 → dense_1 3 (softmax), odd class names, non-zero biases.
    static func hiddenHead() -> Head {
        var head = Head(inputs: 2048, classes: ["fish", "monument", "café au lait 🐟"], hidden: 16, dropout: 0.25,
                        seed: 7)
        head.hidden!.bias = (0..<16).map { Float($0 - 8) / 64 }
        head.output.bias = [0.125, -0.25, 0.0625]
        return head
    }

    /// 2048 → dense 2 (softmax), no hidden layer.
    static func plainHead() -> Head {
        var head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: nil, dropout: 0, seed: 8)
        head.output.bias = [0.5, -0.5]
        return head
    }

    /// Four rows of 2048 pooled features: ((37 i + 11 n) mod 101) / 50 in
    /// Float32, the same formula verify.py uses.
    static func features() -> [Float] {
        var features: [Float] = []   // (4, 2048)
        for n in 0..<4 {
            for i in 0..<2048 { features.append(Float((37 * i + 11 * n) % 101) / 50) }
        }
        return features
    }

    static func path(_ name: String) throws -> String {
        let path = folder + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw MissingFixture(path: path, generator: "HeadFileTests with KUNGFU_WRITE_HEAD_FIXTURES=\(folder),"
                                     + " then verify.py beside it")
        }
        return path
    }
}

/// Asserts two heads are equal with every float bit for bit (== would let -0 equal 0).
func assertBitIdentical(_ a: Head, _ b: Head, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a, b, file: file, line: line)
    for (x, y) in zip(a.denseLayers, b.denseLayers) {
        XCTAssertEqual(x.kernel.map(\.bitPattern), y.kernel.map(\.bitPattern), "\(x.name) kernel", file: file, line: line)
        XCTAssertEqual(x.bias.map(\.bitPattern), y.bias.map(\.bitPattern), "\(x.name) bias", file: file, line: line)
    }
    XCTAssertEqual(a.dropout.bitPattern, b.dropout.bitPattern, "dropout", file: file, line: line)
}

final class HeadFileTests: XCTestCase {
    // Oracle: the head that was written (bit patterns, names, dropout, classes).
    func testRoundTripWithHiddenLayer() throws {
        var head = HeadFixtures.hiddenHead()
        head.classes = ["a \"quoted\" \\ name", "tab\there", "über 🐟 fish"]
        head.hidden!.kernel[0] = -0.0
        head.hidden!.kernel[1] = .leastNonzeroMagnitude
        head.dropout = 0.3
        let path = "\(try temporaryFolder())/head.h5"
        try HeadFile.write(head, to: path)
        assertBitIdentical(try HeadFile.read(path), head)
        XCTAssertEqual(try KerasWeightsFile.read(path).layerNames,
                       ["global_average_pooling2d", "dense", "dropout", "dense_1"])
    }

    // Oracle: the head that was written.
    func testRoundTripWithoutHiddenLayer() throws {
        var head = HeadFixtures.plainHead()
        head.classes = ["über 🐟 fish", "  spaces  "]
        let path = "\(try temporaryFolder())/plain.h5"
        try HeadFile.write(head, to: path)
        let again = try HeadFile.read(path)
        assertBitIdentical(again, head)
        XCTAssertNil(again.hidden)
        XCTAssertEqual(try KerasWeightsFile.read(path).layerNames, ["global_average_pooling2d", "dense"])
    }

    // Oracle: Python's json.dumps(names, ensure_ascii=False) for the same names
    // (printed by /work/.venv-keras/bin/python), and the documented kungfu_head text.
    func testAttributesAreThePythonJSONText() throws {
        var head = HeadFixtures.hiddenHead()
        head.classes = ["a \"quoted\" \\ name", "tab\there", "bell\u{07}", "new\nline"]
        var generator = SeededGenerator(seed: 3)
        head.output = DenseLayer(name: "dense_1", inputs: 16, units: 4, activation: .softmax,
                                 generator: &generator)
        let attributes = HeadFile.attributes(of: head)
        XCTAssertEqual(attributes["class_names"], #"["a \"quoted\" \\ name", "tab\there", "bell\u0007", "new\nline"]"#)
        XCTAssertEqual(attributes["kungfu_head"], #"{"dropout": 0.25, "hidden": 16, "inputs": 2048}"#)
        XCTAssertEqual(HeadFile.attributes(of: HeadFixtures.plainHead())["kungfu_head"],
                       #"{"dropout": 0.0, "hidden": null, "inputs": 2048}"#)
        XCTAssertEqual(HeadFile.attributes(of: HeadFixtures.hiddenHead())["class_names"],
                       #"["fish", "monument", "café au lait 🐟"]"#)
    }

    // Oracle: bit equality of 2000 random dropout rates through the attribute text and back.
    func testDropoutRateRoundTripsBitForBit() throws {
        var head = HeadFixtures.hiddenHead()
        let layers = HeadFile.layerWeights(of: head).map {
            KerasWeightsFile.StoredLayer(path: $0.layerName, name: $0.layerName, tensors: $0.tensors)
        }
        var random = SeededGenerator(seed: 11)
        for k in 0..<2000 {
            head.dropout = k < 1000 ? abs(random.nextUniform(limit: 1)) : Float(k - 1000) / 1000
            if head.dropout >= 1 { continue }
            let again = try HeadFile.head(from: layers, attributes: HeadFile.attributes(of: head), fileName: "x.h5")
            XCTAssertEqual(again.dropout.bitPattern, head.dropout.bitPattern, "dropout \(head.dropout)")
        }
    }

    // Oracle: the documented error texts (docs/weights.md), compared whole.
    func testErrorsNameTheFileAndWhatWasExpected() throws {
        let folder = try temporaryFolder()
        let text = "\(folder)/text.h5"
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsWeightsError(try HeadFile.read(text), .notHDF5, "\(text): not an HDF5 file (no HDF5 signature)")

        let good = "\(folder)/good.h5"
        try HeadFile.write(HeadFixtures.hiddenHead(), to: good)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = "\(folder)/truncated.h5"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
        XCTAssertThrowsError(try HeadFile.read(truncated)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .damaged)
            XCTAssertTrue(error.message.hasPrefix("\(truncated): truncated or damaged HDF5 file"), error.message)
        }

        let weights = HeadFile.layerWeights(of: HeadFixtures.hiddenHead())
        let attributes = HeadFile.attributes(of: HeadFixtures.hiddenHead())
        func file(_ name: String, _ layers: [LayerWeights], _ attributes: [String: String]) throws -> String {
            let path = "\(folder)/\(name)"
            try KerasWeightsFile.writeLegacy(layers, allLayerNames: nil, to: path, attributes: attributes)
            return path
        }
        let plain = try file("plain.h5", weights, [:])
        XCTAssertThrowsWeightsError(try HeadFile.read(plain), .notKerasWeights,
                                    "\(plain) is not a kungfu head file (no class_names attribute)\n"
                                        + "it may be a whole model: load model inception_v3 weights \"\(plain)\"")

        var fourClasses = attributes
        fourClasses["class_names"] = #"["a", "b", "c", "d"]"#
        let count = try file("count.h5", weights, fourClasses)
        XCTAssertThrowsWeightsError(try HeadFile.read(count), .mismatch,
                                    "\(count): 4 class names for 3 output units of 'dense_1'")

        let unchained = [weights[0], LayerWeights(layerName: "dense_1", tensors: [
            WeightTensor(name: "kernel", shape: [8, 3], scalars: [Float](repeating: 0, count: 24)),
            WeightTensor(name: "bias", shape: [3], scalars: [0, 0, 0]),
        ])]
        let chain = try file("chain.h5", unchained, attributes)
        XCTAssertThrowsWeightsError(try HeadFile.read(chain), .mismatch,
                                    "\(chain): the Dense layers do not chain: 'dense' gives 16 features,"
                                        + " 'dense_1' takes 8")

        let three = weights + [LayerWeights(layerName: "dense_2", tensors: weights[1].tensors)]
        let tooMany = try file("three.h5", three, attributes)
        XCTAssertThrowsWeightsError(try HeadFile.read(tooMany), .mismatch,
                                    "\(tooMany): a kungfu head file has 1 or 2 Dense layers, this file has 3 weighted"
                                        + " layers\nit may be a whole model saved by `save model`: load model"
                                        + " inception_v3 weights \"\(tooMany)\"")

        let biasOnly = [LayerWeights(layerName: "dense", tensors: [weights[1].tensors[1]])]
        let notDense = try file("bias.h5", biasOnly, attributes)
        XCTAssertThrowsWeightsError(try HeadFile.read(notDense), .mismatch,
                                    "\(notDense): layer 'dense' is not a Dense layer: expected a kernel (inputs, units)"
                                        + " and a bias (units,), found 1 arrays of shapes (3,)")

        var badJSON = attributes
        badJSON["class_names"] = "fish,monument,café"
        let json = try file("json.h5", weights, badJSON)
        XCTAssertThrowsWeightsError(try HeadFile.read(json), .notKerasWeights,
                                    "\(json): attribute class_names is not a JSON array of strings: fish,monument,café")

        var noHidden = attributes
        noHidden["kungfu_head"] = #"{"dropout": 0.0, "hidden": null, "inputs": 2048}"#
        let disagree = try file("disagree.h5", weights, noHidden)
        XCTAssertThrowsWeightsError(try HeadFile.read(disagree), .mismatch,
                                    "\(disagree): kungfu_head says hidden null, the file has a hidden layer of 16 units")

        var badDropout = attributes
        badDropout["kungfu_head"] = #"{"dropout": 1.5, "hidden": 16, "inputs": 2048}"#
        let dropout = try file("dropout.h5", weights, badDropout)
        XCTAssertThrowsWeightsError(try HeadFile.read(dropout), .notKerasWeights,
                                    "\(dropout): kungfu_head dropout 1.5 is not in [0, 1)")

        var oneClass = attributes
        oneClass["class_names"] = #"["fish"]"#
        let oneUnit = LayerWeights(layerName: "dense", tensors: [
            WeightTensor(name: "kernel", shape: [16, 1], scalars: [Float](repeating: 0, count: 16)),
            WeightTensor(name: "bias", shape: [1], scalars: [0]),
        ])
        let single = try file("single.h5", [oneUnit], oneClass)
        XCTAssertThrowsWeightsError(try HeadFile.read(single), .mismatch,
                                    "\(single): class_names lists 1 classes; a head needs at least 2")

        let missing = "\(folder)/missing.h5"
        XCTAssertThrowsWeightsError(try HeadFile.read(missing), .unreadable,
                                    "\(missing): cannot open (No such file or directory)")
    }

    // Oracle: a head file without kungfu_head (as a Keras user could make
    // one) reads with dropout 0 and the layers the file has.
    func testHeadWithoutDescriptionReadsWithDropoutZero() throws {
        let head = HeadFixtures.hiddenHead()
        let path = "\(try temporaryFolder())/keras-made.h5"
        try KerasWeightsFile.writeLegacy(HeadFile.layerWeights(of: head), allLayerNames: head.layerNames, to: path,
                                         attributes: ["class_names": HeadFile.attributes(of: head)["class_names"]!])
        let again = try HeadFile.read(path)
        XCTAssertEqual(again.dropout, 0)
        XCTAssertEqual(again.denseLayers, head.denseLayers)
        XCTAssertEqual(again.classes, head.classes)
    }

    // Oracle: the destination folder's listing (no file, no temporary) and
    // the writer's documented message.
    func testFailedWriteLeavesNothing() throws {
        let folder = try temporaryFolder()
        let target = "\(folder)/taken.h5"
        try FileManager.default.createDirectory(atPath: "\(target)/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try HeadFile.write(HeadFixtures.plainHead(), to: target)) { error in
            XCTAssertEqual((error as? WeightsError)?.kind, .write)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["taken.h5"])
        XCTAssertThrowsWeightsError(try HeadFile.write(HeadFixtures.plainHead(), to: "\(folder)/no/such/h.h5"), .write,
                                    "\(folder)/no/such/h.h5: cannot write weights (folder '\(folder)/no/such' does not exist)")
    }

    // MARK: Committed fixtures, checked by Keras

    // Oracle: the files verify.py loaded into Keras (Keras 3.15 load_weights);
    // the writer must still produce them byte for byte (libhdf5 1.10.8; with
    // another libhdf5, what the reader sees). KUNGFU_WRITE_HEAD_FIXTURES=folder
    // writes them there to regenerate.
    func testWriterReproducesTheFilesKerasLoaded() throws {
        let folder = try temporaryFolder()
        let heads: [(String, Head)] = [("head-hidden.h5", HeadFixtures.hiddenHead()),
                                       ("head-plain.h5", HeadFixtures.plainHead())]
        for (name, head) in heads {
            let path = "\(folder)/\(name)"
            try HeadFile.write(head, to: path)
            if let keep = ProcessInfo.processInfo.environment["KUNGFU_WRITE_HEAD_FIXTURES"] {
                try? FileManager.default.removeItem(atPath: "\(keep)/\(name)")
                try FileManager.default.copyItem(atPath: path, toPath: "\(keep)/\(name)")
            }
            let committed = try HeadFixtures.path(name)
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            _ = H5get_libversion(&major, &minor, &release)
            if (major, minor, release) == (1, 10, 8) {
                XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)),
                               try Data(contentsOf: URL(fileURLWithPath: committed)),
                               "\(name): the writer's output changed; rerun verify.py on the new file")
            } else {
                XCTAssertEqual(try KerasWeightsFile.read(path), try KerasWeightsFile.read(committed))
            }
            assertBitIdentical(try HeadFile.read(committed), head)
        }
    }

    // Oracle: keras-predictions.json, Keras' own predict() of the committed
    // head files on HeadFixtures.features() (verify.py); kungfu's head
    // forward pass on the same file must agree to 1e-5.
    func testPredictionsEqualKeras() throws {
        let url = URL(fileURLWithPath: try HeadFixtures.path("keras-predictions.json"))
        let keras = try JSONDecoder().decode([String: [[Double]]].self, from: Data(contentsOf: url))
        for name in ["head-hidden.h5", "head-plain.h5"] {
            let head = try HeadFile.read(try HeadFixtures.path(name))
            let ours = head.probabilities(HeadFixtures.features(), count: 4)   // (4, classes)
            guard let rows = keras[name] else { return XCTFail("keras-predictions.json has no '\(name)'") }
            XCTAssertEqual(rows.count, 4)
            var worst = (difference: 0.0, index: 0)
            for (index, value) in rows.flatMap({ $0 }).enumerated() {
                let difference = abs(Double(ours[index]) - value)
                if difference > worst.difference { worst = (difference, index) }
            }
            XCTAssertEqual(rows.flatMap { $0 }.count, ours.count)
            XCTAssertLessThanOrEqual(worst.difference, 1e-5, "\(name): worst at \(worst.index)")
        }
    }
}
