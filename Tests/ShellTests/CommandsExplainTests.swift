// CommandsExplainTests.swift — `explain`. Oracles: Vision's GradCAM on the
// same preprocessed image (itself checked against Keras' Grad-CAM example,
// GradCAMParityTests); the model's own probabilities for the top class;
// ImageNet's class index for labels and wnids; numpy reading the .npy back;
// the overlay's size from the photo's header; golden error text.
import Foundation
import Lang
import Plot
import Vision
import XCTest
@testable import Shell

final class CommandsExplainTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("cmds-explain")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private var cat: String { repositoryRoot + "/examples/testset/1.jpg" }

    func testExplainTopClassWritesOverlayAndNPY() throws {
        let model = try SharedModel.withTop()
        let kf = CommandHarness(model: model)
        let value = try CommandHarness.host(
            kf.run("explain \"\(cat)\" layer mixed7 to \"\(folder)/out\" save \"\(folder)/heat.npy\""),
            as: ExplanationValue.self)
        let input = try KerasImage.load(cat, targetSize: (299, 299))
        let expected = try GradCAM.explain(model.transfer, image: input, layer: "mixed7", classIndex: nil)
        let probabilities = try model.transfer.probabilities([input]).scalars
        XCTAssertEqual(value.index, predictionRanking(probabilities[...]).first)
        XCTAssertEqual(value.className, ImageNetLabels.classes[value.index].label)
        XCTAssertEqual(value.probability, probabilities[value.index], accuracy: 1e-5)
        XCTAssertEqual(value.heatmap, expected.heatmap)
        XCTAssertEqual([value.height, value.width], [17, 17])
        XCTAssertEqual(value.file, "\(folder)/out/1-\(value.className)-mixed7.png")
        let photo = try ImageInfo(contentsOfFile: cat)
        let png = try Image(contentsOfFile: value.file)
        XCTAssertEqual(png.width, photo.width)
        XCTAssertEqual(png.height, photo.height + HeatmapOverlay.captionHeight)
        XCTAssertEqual(kf.pictures.map(\.path), [value.file])
        XCTAssertTrue(value.text.hasPrefix("\(value.file): \(value.className) ("), value.text)
        if case .object(let members) = Value.host(value).json {
            XCTAssertEqual(members.map(\.0), ["type", "image", "class", "index", "probability", "layer", "shape",
                                              "heatmap", "file", "npy"])
        } else {
            XCTFail("explanation JSON is not an object")
        }
        let out = try runPython("""
            import sys
            import numpy as np
            a = np.load(sys.argv[1])
            print(a.dtype.str, a.shape[0], a.shape[1], repr(float(a.astype(np.float64).sum())))
            """, arguments: [folder + "/heat.npy"], modules: ["numpy"])
        let sum = expected.heatmap.reduce(0.0) { $0 + Double($1) }
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        XCTAssertEqual(Array(parts.prefix(3)), ["<f4", "17", "17"])
        XCTAssertEqual(Double(parts[3])!, sum, accuracy: 1e-9 * max(1, sum))
    }

    func testClassByLabelWnidIndexAndHeadName() throws {
        let model = try SharedModel.withTop()
        let kf = CommandHarness(model: model)
        for spelling in ["tabby", "\"tabby\"", "n02123045", "281"] {
            let value = try CommandHarness.host(kf.run("explain \"\(cat)\" as \(spelling) to \"\(folder)\""),
                                               as: ExplanationValue.self)
            XCTAssertEqual(value.index, 281, spelling)
            XCTAssertEqual(value.className, "tabby", spelling)
        }
        var headModel = model
        headModel.transfer.head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: 4, dropout: 0.5, seed: 3)
        let kh = CommandHarness(model: headModel)
        let dog = try CommandHarness.host(kh.run("explain \"\(cat)\" as dog to \"\(folder)\""), as: ExplanationValue.self)
        XCTAssertEqual(dog.index, 1)
        let input = try KerasImage.load(cat, targetSize: (299, 299))
        XCTAssertEqual(dog.heatmap, try GradCAM.explain(headModel.transfer, image: input, classIndex: 1).heatmap)
        XCTAssertTrue(kh.failure("explain \"\(cat)\" as cow").contains("the trained head has no class 'cow'"))
    }

    func testErrorsUnderlineTheArgument() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let wrongClass = kf.failure("explain \"\(cat)\" as tabbby")
        XCTAssertTrue(wrongClass.contains("ImageNet has no class 'tabbby' (did you mean 'tabby'?)"), wrongClass)
        XCTAssertTrue(wrongClass.contains("^^^^^^"), wrongClass)
        XCTAssertTrue(kf.failure("explain \"\(cat)\" as 1000").contains("class 1000 is out of range: the classifier has classes 0…999"))
        let conv = kf.failure("explain \"\(cat)\" layer conv2d_5")
        XCTAssertTrue(conv.contains("cannot explain at 'conv2d_5'") && conv.contains("mixed10"), conv)
        XCTAssertTrue(conv.contains("^^^^^^^^"), conv)
        let typo = kf.failure("explain \"\(cat)\" layer mixd7")
        XCTAssertTrue(typo.contains("has no layer 'mixd7' (did you mean 'mixed7'?)"), typo)
        let missing = kf.failure("explain \"\(folder)/none.jpg\"")
        XCTAssertTrue(missing.contains("\(folder)/none.jpg"), missing)
        XCTAssertTrue(CommandHarness().failure("explain \"\(cat)\"").contains("no model is loaded"))
    }

    /// The `--json` lines of the binary: a picture line, then the result with
    /// the documented keys; an error line names the argument's column.
    func testJSONLinesFromTheBinary() throws {
        let script = "load model inception_v3 weights none; explain \"\(cat)\" as 281 to \"\(folder)\"; "
            + "show filters conv2d to \"\(folder)\"; save weights conv2d to \"\(folder)/k.npy\"; explain \"\(cat)\" as tabbby"
        let run = try runKungfu(["--json", "-c", script])
        let rows = try run.stdout.split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        let results = rows.compactMap { $0["value"] as? [String: Any] }.filter { $0["type"] as? String != "model" }
        XCTAssertEqual(results.map { $0["type"] as? String }, ["explanation", "filters", "layer weights"], run.stdout)
        XCTAssertEqual(results.first?["class"] as? String, "tabby")
        XCTAssertEqual((results.first?["heatmap"] as? [[Double]])?.count, 8)
        XCTAssertEqual(rows.filter { $0["type"] as? String == "picture" }.count, 2)
        let error = rows.last!
        XCTAssertEqual(error["type"] as? String, "error")
        XCTAssertTrue((error["error"] as? String ?? "").contains("ImageNet has no class 'tabbby' (did you mean 'tabby'?)"))
        XCTAssertEqual(run.status, 1)
    }
}
