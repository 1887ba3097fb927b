// CommandsActivationsTests.swift — `show image`, `show activations` and
// `save activations`. Oracles: the network's own `output(of:for:)` on the
// same preprocessed image (numpy reads the .npy back: shape and float32 bits);
// FeatureMapGrid's layout for the PNG's size (decoded back with Vision's
// PNG reader); the image file's own header for `show image`.
import Foundation
import Lang
import Plot
import Vision
import XCTest
@testable import Shell

final class CommandsActivationsTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("cmds-act")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private var cat: String { repositoryRoot + "/examples/testset/1.jpg" }

    func testShowImage() throws {
        let kf = CommandHarness()
        let info = try CommandHarness.host(kf.run("show image \"\(cat)\""), as: ImageInfoValue.self)
        let header = try ImageInfo(contentsOfFile: cat)
        XCTAssertEqual([info.width, info.height], [header.width, header.height])
        XCTAssertEqual(info.format, "JPEG")
        XCTAssertEqual(kf.pictures.count, 1)
        XCTAssertEqual(kf.pictures.first?.image, try Image(contentsOfFile: cat))
        XCTAssertEqual(kf.pictures.first?.path, cat)
        XCTAssertEqual(kf.pictures.first?.title, cat, "the size is said once, by the result line")
        XCTAssertEqual(info.text, "\(cat): \(header.width)×\(header.height) JPEG")
        XCTAssertTrue(kf.failure("show image \"\(folder)/none.png\"").contains("\(folder)/none.png"))
    }

    func testShowActivationsWritesTheGrid() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let value = try CommandHarness.host(kf.run("show activations mixed10 of \"\(cat)\" to \"\(folder)/out\" channels 10"),
                                           as: ActivationsValue.self)
        XCTAssertEqual(value.path, folder + "/out/mixed10-1.png")
        XCTAssertEqual(value.shape, [1, 8, 8, 2048])
        XCTAssertEqual(value.maps, 10)
        let png = try Image(contentsOfFile: value.path)
        let caption = FeatureMapGrid.caption(layer: "mixed10", shape: [1, 8, 8, 2048], maxMaps: 10)
        let layout = FeatureMapGrid.layout(count: 10, mapWidth: 8, mapHeight: 8, caption: caption)
        XCTAssertEqual([png.width, png.height], [layout.width, layout.height])
        XCTAssertEqual(layout.columns, 4)
        XCTAssertEqual(layout.rows, 3)
        XCTAssertEqual(kf.pictures.map(\.path), [value.path])
        XCTAssertEqual(kf.pictures.first?.image, png)
        // The first cell is map 0 normalised on its own.
        let model = try SharedModel.withTop()
        let x = Preprocessing.inceptionV3([try KerasImage.load(cat, targetSize: (299, 299))])
        let maps = try model.network.output(of: "mixed10", for: x)
        let channel0 = (0..<64).map { maps.scalars[$0 * 2048] }
        let levels = FeatureMapGrid.normalised(channel0)
        let origin = layout.origin(ofMap: 0)
        for (i, level) in levels.enumerated() {
            let px = origin.x + (i % 8) * layout.scale, py = origin.y + (i / 8) * layout.scale
            XCTAssertEqual(png.pixels[3 * (py * png.width + px)], level, "map 0 pixel \(i)")
        }
        // Default folder and channel count, a 2-D layer as a strip.
        let strip = try CommandHarness.host(kf.run("show activations avg_pool of \"\(cat)\" to \"\(folder)\""),
                                           as: ActivationsValue.self)
        XCTAssertEqual(strip.shape, [1, 2048])
        XCTAssertEqual(try Image(contentsOfFile: strip.path).width, strip.pictureSize?.width)
    }

    func testUnknownLayerSuggests() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let message = kf.failure("show activations mixd5 of \"\(cat)\"")
        XCTAssertTrue(message.contains("inception_v3 has no layer 'mixd5' (did you mean 'mixed5'?)"), message)
        XCTAssertTrue(kf.failure("show activations mixed5 of \"\(folder)/x.jpg\"").contains("\(folder)/x.jpg"))
        XCTAssertTrue(kf.failure("show activations mixed5 of \"\(cat)\" channels 0").contains("channels must be between 1 and 2048, got 0"))
    }

    // Oracle: `layers` with a head lists its layers, so they work as base
    // layers do; their values are the head's own inference (the pooled
    // features through its dense layers; dropout passes them on).
    func testHeadLayersWorkAsBaseLayers() throws {
        var model = try SharedModel.withTop()
        let head = Head(inputs: 2048, classes: ["a", "b", "c"], hidden: 5, dropout: 0.5, seed: 1)
        model.head = head
        let kf = CommandHarness(model: model)
        let features = try model.transfer.pooledFeatures([try KerasImage.load(cat, targetSize: (299, 299))])
        let hidden = head.hidden!.forward(features.scalars, count: 1)
        for (layer, expected) in [("global_average_pooling2d", features.scalars), ("dense", hidden), ("dropout", hidden),
                                  ("dense_1", head.probabilities(features.scalars, count: 1))] {
            let value = try CommandHarness.host(kf.run("save activations \(layer) of \"\(cat)\" to \"\(folder)/\(layer).npy\""),
                                               as: ActivationsValue.self)
            XCTAssertEqual(value.shape, [1, expected.count], layer)
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(layer).npy"))
            let scalars = data.suffix(expected.count * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            XCTAssertEqual(scalars, expected, layer)
        }
        kf.run("show activations dense_1 of \"\(cat)\" to \"\(folder)\"")
        XCTAssertTrue(kf.failure("show activations predictions of \"\(cat)\"")
            .contains("has no layer 'predictions' while a head is on it"))
    }

    // Oracle: the two source photos: each grid keeps its own file.
    func testTwoPhotosWithTheSameNameDoNotOverwriteEachOther() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        for (sub, n) in [("a", 1), ("b", 2)] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/testset/\(n).jpg", toPath: "\(folder)/\(sub)/1.jpg")
        }
        var paths: [String] = []
        for sub in ["a", "b", "a"] {
            let value = try CommandHarness.host(kf.run("show activations mixed0 of \"\(folder)/\(sub)/1.jpg\" to \"\(folder)/out\" channels 4"),
                                                as: ActivationsValue.self)
            paths.append(value.path)
        }
        XCTAssertEqual(paths, ["\(folder)/out/mixed0-1.png", "\(folder)/out/mixed0-1-2.png", "\(folder)/out/mixed0-1.png"],
                       "a second photo gets a new name; the same photo again reuses its own")
        XCTAssertNotEqual(try Image(contentsOfFile: paths[0]), try Image(contentsOfFile: paths[1]))
    }

    // Oracle: NumPy's .npy format, which a .png name would misdescribe.
    func testSaveActivationsRefusesAnotherExtensionAndCreatesTheFolder() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let message = kf.failure("save activations mixed0 of \"\(cat)\" to \"\(folder)/m5.png\"")
        XCTAssertTrue(message.contains("save activations writes NumPy .npy data, not .png"), message)
        XCTAssertTrue(message.contains("write it as \"\(folder)/m5.npy\""), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/m5.png"))
        XCTAssertTrue(kf.failure("save activations mixed0 of \"\(cat)\" to \"\(folder)/m5\"").contains("give the file a .npy name"))
        kf.run("save activations avg_pool of \"\(cat)\" to \"\(folder)/new/deeper/f.npy\"")
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(folder)/new/deeper/f.npy"))
    }

    func testSaveActivationsNumpyReadsIt() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let model = try SharedModel.withTop()
        let x = Preprocessing.inceptionV3([try KerasImage.load(cat, targetSize: (299, 299))])
        var paths: [String] = []
        var expected: [Tensor] = []
        for layer in ["mixed0", "avg_pool"] {
            let path = folder + "/\(layer).npy"
            let value = try CommandHarness.host(kf.run("save activations \(layer) of \"\(cat)\" to \"\(path)\""),
                                               as: ActivationsValue.self)
            XCTAssertEqual(value.path, path)
            paths.append(path)
            expected.append(try model.network.output(of: layer, for: x))
        }
        let out = try runPython("""
            import sys, json
            import numpy as np
            for path in sys.argv[1:]:
                a = np.load(path)
                print(json.dumps({"shape": list(a.shape), "dtype": a.dtype.str, "sum": float(a.astype(np.float64).sum()),
                                  "first": repr(float(a.flat[0])), "last": repr(float(a.flat[-1]))}))
            """, arguments: paths, modules: ["numpy"])
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for (tensor, line) in zip(expected, lines) {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(json["shape"] as? [Int], tensor.shape)
            XCTAssertEqual(json["dtype"] as? String, "<f4")
            // first and last travel as text: Foundation's JSON parser on Linux
            // can miss a double by one ulp (0.01678653433918953 reads as
            // 0.016786534339189536), Double(String) does not.
            XCTAssertEqual((json["first"] as? String).flatMap(Double.init), Double(tensor.scalars.first!))
            XCTAssertEqual((json["last"] as? String).flatMap(Double.init), Double(tensor.scalars.last!))
            let sum = tensor.scalars.reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(json["sum"] as! Double, sum, accuracy: 1e-9 * max(1, abs(sum)))
        }
    }
}
