// CommandsFiltersTests.swift — `show filters` and `save weights`. Oracles:
// the model's own weight arrays (Keras' get_weights() order and HWIO layout,
// checked elsewhere against Keras-made files) read back by numpy; FilterGrid's
// selection for what was drawn; golden error text.
import Foundation
import Lang
import Plot
import Vision
import XCTest
@testable import Shell

final class CommandsFiltersTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("cmds-filters")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testShowFiltersFirstLayerAndDeeper() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let first = try CommandHarness.host(kf.run("show filters conv2d to \"\(folder)\""), as: FiltersValue.self)
        XCTAssertEqual(first.shape, [3, 3, 3, 32])
        XCTAssertTrue(first.isRGB)
        XCTAssertEqual([first.drawn, first.leftOut], [32, 0])
        XCTAssertEqual(first.path, folder + "/conv2d-filters.png")
        XCTAssertEqual(kf.pictures.first?.image, try Image(contentsOfFile: first.path))
        let deep = try CommandHarness.host(kf.run("show filters conv2d_5 to \"\(folder)\" pairs 100"), as: FiltersValue.self)
        XCTAssertEqual([deep.drawn, deep.leftOut], [100, 192 * 64 - 100])
        XCTAssertTrue(deep.text.contains("100 grey input–output patches (12188 pairs left out"), deep.text)
        let notConv = kf.failure("show filters batch_normalization")
        XCTAssertTrue(notConv.contains("'batch_normalization' is not a convolution: its weights are beta (32,)"), notConv)
        let typo = kf.failure("show filters conv2d_500")
        XCTAssertTrue(typo.contains("has no layer 'conv2d_500'"), typo)
        XCTAssertTrue(typo.contains("^^^^^^^^^^"), typo)
    }

    func testSaveWeightsReadByNumpy() throws {
        let model = try SharedModel.withTop()
        let kf = CommandHarness(model: model)
        let conv = try CommandHarness.host(kf.run("save weights conv2d to \"\(folder)/k.npy\""), as: LayerWeightsFilesValue.self)
        XCTAssertEqual(conv.files.map(\.path), [folder + "/k.npy"])
        let norm = try CommandHarness.host(kf.run("save weights batch_normalization to \"\(folder)/bn.npy\""),
                                           as: LayerWeightsFilesValue.self)
        XCTAssertEqual(norm.files.map(\.name), ["beta", "moving_mean", "moving_variance"])
        XCTAssertEqual(norm.files.map(\.path), [folder + "/bn.npy", folder + "/bn-moving_mean.npy", folder + "/bn-moving_variance.npy"])
        let paths = conv.files.map(\.path) + norm.files.map(\.path)
        let expected = model.network.weights.first { $0.layerName == "conv2d" }!.tensors
            + model.network.weights.first { $0.layerName == "batch_normalization" }!.tensors
        let out = try runPython("""
            import sys, json
            import numpy as np
            for path in sys.argv[1:]:
                a = np.load(path)
                print(json.dumps({"shape": list(a.shape), "dtype": a.dtype.str, "first": repr(float(a.flat[0])),
                                  "sum": float(a.astype(np.float64).sum())}))
            """, arguments: paths, modules: ["numpy"])
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        for (tensor, line) in zip(expected, lines) {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(json["shape"] as? [Int], tensor.shape)
            XCTAssertEqual(json["dtype"] as? String, "<f4")
            XCTAssertEqual((json["first"] as? String).flatMap(Double.init), Double(tensor.scalars[0]))
            let sum = tensor.scalars.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(json["sum"] as! Double, sum, accuracy: 1e-9 * max(1, abs(sum)))
        }
        let none = kf.failure("save weights mixed7 to \"\(folder)/x.npy\"")
        XCTAssertTrue(none.contains("'mixed7' (Concatenate) has no weights; layers with weights: conv2d, batch_normalization"), none)
        XCTAssertTrue(kf.failure("save weights conv2d").contains("to"))
    }

    func testSaveWeightsOfHeadLayer() throws {
        var model = try SharedModel.withTop()
        model.transfer.head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: nil, dropout: 0, seed: 2)
        let kf = CommandHarness(model: model)
        let value = try CommandHarness.host(kf.run("save weights \(model.head!.output.name) to \"\(folder)/d.npy\""),
                                            as: LayerWeightsFilesValue.self)
        XCTAssertEqual(value.files.map(\.shape), [[2048, 2], [2]])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/d-bias.npy")).count,
                       NPYWriter.encode(shape: [2], scalars: model.head!.output.bias).count)
    }
}
