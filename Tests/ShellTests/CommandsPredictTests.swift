// CommandsPredictTests.swift — `predict` on a file, a glob, a folder, a
// missing file and a corrupt one. Oracle: the Vision pipeline called directly
// (KerasImage.load → Preprocessing.inceptionV3 → predict → decodePredictions),
// itself checked against Keras in VisionTests; batching must not change a
// result (each image is computed in the same order whatever the batch).
import Common
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsPredictTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("cmds-predict")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func testImage(_ n: Int) throws -> String {
        let path = repositoryRoot + "/examples/testset/\(n).jpg"
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("missing example image \(path)")
            throw XCTSkip("missing \(path)")
        }
        return path
    }

    private func reference(_ path: String, top: Int) throws -> [Prediction] {
        let model = try SharedModel.withTop()
        let image = try KerasImage.load(path, targetSize: (299, 299))
        return try decodePredictions(model.network.predict(Preprocessing.inceptionV3([image])), top: top)[0]
    }

    // Oracle: decode_predictions' rule written out by hand (NaN first, then
    // larger, ties by the higher index), the same function Vision's
    // decodePredictions uses, checked on a head's four classes.
    func testHeadRankingPutsNaNFirstAndBreaksTiesByHigherIndex() {
        let rows: [Float] = [0.2, .nan, 0.4, 0.4,   0.1, 0.7, 0.1, 0.1]
        let ranked = PredictCommand.ranked(rows, classes: ["a", "b", "c", "d"], top: 4)
        XCTAssertEqual(ranked.map { $0.map(\.index) }, [[1, 3, 2, 0], [1, 3, 2, 0]])
        XCTAssertEqual(ranked[1].map(\.label), ["b", "d", "c", "a"])
    }

    func testOneFile() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let path = try testImage(1)
        let p = try CommandHarness.host(kf.run("predict \"\(path)\" top 3"), as: ImagePredictionsValue.self)
        let expected = try reference(path, top: 3)
        XCTAssertEqual(p.classes.map(\.prediction), expected)
        XCTAssertEqual(p.classes.map(\.rank), [1, 2, 3])
        let lines = p.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], path)
        XCTAssertEqual(lines[1].split(separator: " ").map(String.init), ["rank", "label", "wnid", "probability"])
        XCTAssertTrue(lines[3].contains(expected[0].wnid) && lines[3].contains(Format.percent(Double(expected[0].probability))),
                      lines[3])
        XCTAssertTrue(lines[6].hasPrefix("time: "), p.text)
        // Fields for scripts: p.label is the top-1, p[0].label the same, p[2] the third.
        kf.run("""
            let p = predict "\(path)" top 3
            print p.label == p[0].label, p.probability == p[0].probability, p[2].rank, p.top
            print p[1].label
            """)
        XCTAssertEqual(kf.printed, "true true 3 3\n\(expected[1].label)\n")
    }

    func testPercentFormat() {
        XCTAssertEqual(Format.percent(0.451249), "45.12%")
        XCTAssertEqual(Format.percent(0.0001), "0.01%")
        XCTAssertEqual(Format.percent(1), "100.00%")
        XCTAssertEqual(Format.percent(0.07), "7.00%")
    }

    func testGlobAndFolderSkipBadFilesAndKeepOrder() throws {
        for n in [2, 10, 1] {
            try FileManager.default.copyItem(atPath: try testImage(n), toPath: folder + "/\(n).jpg")
        }
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: folder + "/5.jpg"))
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/notes.txt"))
        let kf = CommandHarness(model: try SharedModel.withTop())
        for source in ["predict \"\(folder)/*.jpg\" top 2", "predict \"\(folder)\" top 2"] {
            let batch = try CommandHarness.host(kf.run(source), as: PredictionBatchValue.self)
            XCTAssertEqual(batch.results.map(\.path), ["1", "2", "10"].map { folder + "/\($0).jpg" }, source)
            XCTAssertEqual(batch.skipped, [folder + "/5.jpg"], source)
            for r in batch.results {
                XCTAssertEqual(r.classes.map(\.prediction), try reference(r.path, top: 2), r.path)
            }
            XCTAssertEqual(batch.text.split(separator: "\n").count, 2 + 3 + 1, batch.text)
        }
        kf.run("let r = predict \"\(folder)/1*.jpg\"\nprint r.count, r[1].path == \"\(folder)/10.jpg\", r[0].top")
        XCTAssertEqual(kf.printed, "2 true 5\n")
    }

    // Oracle: the folder's known contents (class folders, other formats).
    func testAFolderWithoutImagesSaysWhatItHasAndWhereClassFoldersGo() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let data = folder + "/data"
        for name in ["cats", "dogs"] {
            try FileManager.default.createDirectory(atPath: "\(data)/\(name)", withIntermediateDirectories: true)
        }
        for name in ["a.webp", "b.webp", "c.bmp"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(data)/\(name)", contents: Data("x".utf8)))
        }
        let message = kf.failure("predict \"\(data)\"")
        XCTAssertTrue(message.hasPrefix("\(data): the folder has no .jpg, .jpeg or .png files"), message)
        XCTAssertTrue(message.contains("= skipped: 1 .bmp, 2 .webp (kungfu reads JPEG and PNG)"), message)
        XCTAssertTrue(message.contains("it has 2 sub-folders (cats, dogs): a folder of class folders is for "
                                       + "evaluate on \"\(data)\" or train head on \"\(data)\""), message)
        XCTAssertEqual(ImagePaths.skippedExtensions(["x.WEBP", "y", "z.bmp"]), "1 (no extension), 1 .bmp, 1 .webp")
    }

    // Oracle: wcwidth(3)'s East Asian Wide rule (a CJK character is two
    // terminal columns, a combining accent none): the columns line up on screen.
    func testTablesPadByDisplayWidth() {
        XCTAssertEqual("猫.jpg".displayWidth, 6)
        XCTAssertEqual("e\u{301}te\u{301}".displayWidth, 3)
        XCTAssertEqual("ｆｕｌｌ한🐱".displayWidth, 12)
        var table = TextTable(["file", "label"], alignments: [.left, .left])
        table.append(["猫.jpg", "cat"])
        table.append(["dog.jpg", "dog"])
        XCTAssertEqual(table.lines, ["file     label", "-------  -----", "猫.jpg   cat", "dog.jpg  dog"])
    }

    func testErrors() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        XCTAssertTrue(kf.failure("predict \"\(folder)/missing.jpg\"").contains("\(folder)/missing.jpg"))
        try Data([0xFF, 0xD8, 0xFF, 0x00, 0x01]).write(to: URL(fileURLWithPath: folder + "/bad.jpg"))
        let corrupt = kf.failure("predict \"\(folder)/bad.jpg\"")
        XCTAssertTrue(corrupt.contains("\(folder)/bad.jpg"), corrupt)
        let noMatch = kf.failure("predict \"\(folder)/*.png\"")
        XCTAssertTrue(noMatch.contains("no file matches \"\(folder)/*.png\""), noMatch)
        XCTAssertTrue(kf.failure("predict \"\(folder)/bad.jpg\" top 0").contains("top must be between 1 and 1000"))
    }

    func testModelWithoutTopIsRefused() throws {
        let kf = CommandHarness(environment: ["KUNGFU_WEIGHTS": "none"])
        kf.run("load model inception_v3 top false pooling avg")
        let message = kf.failure("predict \"\(try testImage(1))\"")
        XCTAssertTrue(message.contains("predict needs the ImageNet classifier, but this model was loaded with top false"),
                      message)
        XCTAssertTrue(message.contains("load model inception_v3 top true"), message)
    }

    // Oracle: the interpreter's contract: a command that throws `Interrupted`
    // ends the run as `.interrupted` with no result. Ctrl-C is simulated by
    // the process-wide flag the shell's SIGINT handler sets, once the
    // statement has passed the interpreter's own check (`onStatement` runs
    // after it), so only predict's check between batches can stop it.
    func testInterruptStopsABatch() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        defer { CancellationFlag.processInterrupt.reset() }
        kf.interpreter.onStatement = { _, _ in CancellationFlag.processInterrupt.request() }
        let outcome = kf.interpreter.run(source: "predict \"\(repositoryRoot)/examples/testset\"", name: "<test>")
        guard case .interrupted = outcome else { return XCTFail("expected .interrupted, got \(outcome)") }
        XCTAssertTrue(kf.results.isEmpty, "predict stopped before returning its predictions")
    }

    // Oracle: IEEE arithmetic — a NaN bias makes every probability NaN.
    // Before, ReLU and the ranking turned that into a normal-looking table.
    func testBrokenWeightsGiveAnErrorNotAnAnswer() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        var head = Head(inputs: 2048, classes: ["a", "b"], hidden: 4, dropout: 0, seed: 1)
        head.hidden!.bias[0] = .nan
        kf.session.model!.head = head
        XCTAssertTrue(kf.failure("predict \"\(try testImage(1))\"").contains("the model's output is not a number"))
    }
}
