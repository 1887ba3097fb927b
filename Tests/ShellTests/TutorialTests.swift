// TutorialTests.swift — every Tutorials/*.kf runs through the real binary
// (`kungfu run FILE --notebook OUT`) in a folder linking examples/, with
// KUNGFU_WEIGHTS=none as in CI. Oracles: its own `# expect:` lines
// (GoldenScript syntax), in order among the output lines (timings and random
// predictions vary); nbformat's validator for the exported notebook; and the
// files and pictures the tutorial text promises.
import Foundation
import Lang
import Vision
import XCTest

final class TutorialTests: XCTestCase {
    private func tutorials() throws -> [String] {
        let folder = repositoryRoot + "/Tutorials"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".kf") }.sorted()
        XCTAssertFalse(names.isEmpty, "no tutorials in \(folder)")
        return names.map { folder + "/" + $0 }
    }

    /// Each tutorial runs once per test process (each takes seconds; 03
    /// computes the features of 108 photos): its folder and result are kept
    /// for every test here and removed when the class's tests end.
    nonisolated(unsafe) private static var runs: [String: (folder: String, result: RunResult)] = [:]   // XCTest's main thread only

    override class func tearDown() {
        for (_, run) in runs { try? FileManager.default.removeItem(atPath: run.folder) }
        runs = [:]
        super.tearDown()
    }

    /// Runs `path` with `kungfu run` in a fresh folder holding a link to
    /// examples/, exporting a notebook to `tutorial.ipynb` there; returns the
    /// folder and what the run printed (the first run's, later calls reuse it).
    private func run(_ path: String) throws -> (folder: String, result: RunResult) {
        if let done = Self.runs[path] { return done }
        let folder = try makeTemporaryFolder("tutorial")
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: repositoryRoot + "/examples")
        let result = try runKungfu(["run", path, "--notebook", folder + "/tutorial.ipynb"],
                                   environment: ["KUNGFU_WEIGHTS": "none"], currentDirectory: folder)
        Self.runs[path] = (folder, result)
        return (folder, result)
    }

    /// The notebook's output kinds, one line per cell, after nbformat validated it.
    private func notebookOutputs(_ path: String) throws -> [String] {
        try runPython("""
            import sys, warnings
            warnings.simplefilter("error")
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            for c in nb.cells:
                print(c.cell_type, " ".join(o.output_type + ":" + ",".join(sorted(o.get("data", {}))) for o in c.get("outputs", [])))
            """, arguments: [path], modules: ["nbformat"])
            .split(separator: "\n").map(String.init)
    }

    func testEveryTutorialRunsAndHoldsItsExpectations() throws {
        for path in try tutorials() {
            let (folder, run) = try run(path)
            let name = (path as NSString).lastPathComponent
            XCTAssertEqual(run.status, 0, "\(name) failed:\n\(run.stderr)")
            let golden = GoldenScript(source: try String(contentsOfFile: path, encoding: .utf8), name: name)
            XCTAssertEqual(golden.problems, [], name)
            XCTAssertEqual(golden.expectedErrors, [], "\(name): tutorials expect no errors")
            XCTAssertFalse(golden.expectedOutput.isEmpty, "\(name) has no '# expect:' line")
            // Each expected line must come, in order, among the output lines.
            let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var next = lines.startIndex
            for expected in golden.expectedOutput {
                guard let found = lines[next...].firstIndex(of: expected) else {
                    XCTFail("\(name): expected line not found in order: \(expected)\n--- output:\n\(run.stdout)")
                    break
                }
                next = found + 1
            }
            let cells = try notebookOutputs(folder + "/tutorial.ipynb")
            XCTAssertTrue(cells.contains { $0.hasPrefix("markdown") }, "\(name): narration becomes Markdown cells")
            XCTAssertFalse(cells.contains { $0.contains("error:") }, "\(name): the notebook holds an error cell")
        }
    }

    // Oracle: the tutorials' text (what they promise to produce).
    func testTutorialsProduceTheirPicturesAndFiles() throws {
        let paths = try tutorials()
        let first = try XCTUnwrap(paths.first { $0.hasSuffix("01-meet-inception.kf") }, "Tutorials/01-meet-inception.kf")
        let second = try XCTUnwrap(paths.first { $0.hasSuffix("02-look-inside.kf") }, "Tutorials/02-look-inside.kf")

        let (folder1, run1) = try run(first)
        XCTAssertEqual(run1.status, 0, run1.stderr)
        let described = run1.stdout.split(separator: "\n").filter { $0.hasPrefix("[image: examples/testset/") }
        XCTAssertEqual(described.count, 16, "01 shows each of the 16 test photos")
        for i in 1...16 {
            XCTAssertTrue(run1.stdout.contains("examples/testset/\(i).jpg\nrank"), "01 predicts \(i).jpg")
        }
        let pictures1 = try notebookOutputs(folder1 + "/tutorial.ipynb").joined(separator: " ")
            .components(separatedBy: "image/jpeg").count - 1
        XCTAssertEqual(pictures1, 16, "01's notebook keeps the 16 photos as image/jpeg")
        let size1 = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: folder1 + "/tutorial.ipynb")[.size] as? Int)
        XCTAssertLessThan(size1, 3_000_000, "01's notebook is small enough to hand out (PNG photos made it 9.2 MB)")

        let (folder2, run2) = try run(second)
        XCTAssertEqual(run2.status, 0, run2.stderr)
        for file in ["out/activation_2-1.png", "out/mixed5-1.png", "out/mixed10-1.png"] {
            let png = try Image(contentsOfFile: folder2 + "/" + file)
            XCTAssertGreaterThan(png.width, 100, "02 writes the grid \(file)")
        }
        let npy = try XCTUnwrap(FileManager.default.contents(atPath: folder2 + "/out/cat-avg_pool.npy"), "02 writes out/cat-avg_pool.npy")
        XCTAssertEqual(Array(npy.prefix(6)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59], "cat-avg_pool.npy is not .npy")
        XCTAssertEqual(npy.count, 128 + 4 * 2048, "avg_pool of one image is (1, 2048) float32")
        let outputs2 = try notebookOutputs(folder2 + "/tutorial.ipynb").joined(separator: " ")
        XCTAssertEqual(outputs2.components(separatedBy: "image/jpeg").count - 1, 1, "02 shows the photo (JPEG)")
        XCTAssertEqual(outputs2.components(separatedBy: "image/png").count - 1, 3, "02 shows three grids (PNG)")

        let third = try XCTUnwrap(paths.first { $0.hasSuffix("03-train-a-head.kf") }, "Tutorials/03-train-a-head.kf")
        let (folder3, run3) = try run(third)
        XCTAssertEqual(run3.status, 0, run3.stderr)
        XCTAssertEqual(run3.stdout.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.count, 10, "03 trains 10 epochs")
        for file in ["out/history.png", "out/confusion.png"] {
            let png = try Image(contentsOfFile: folder3 + "/" + file)
            XCTAssertGreaterThan(png.width, 500, "03 writes \(file)")
        }
        let head = try HeadFile.read(folder3 + "/out/objects-head.h5")
        XCTAssertEqual(head.classes, ["fish", "monument", "tool", "windmill"], "03 saves the head with its classes")
        XCTAssertEqual(head.hidden?.units, 256)
        let pictures3 = try notebookOutputs(folder3 + "/tutorial.ipynb").joined(separator: " ")
            .components(separatedBy: "image/png").count - 1
        XCTAssertEqual(pictures3, 2, "03 shows the history and the confusion matrix")

        let fourth = try XCTUnwrap(paths.first { $0.hasSuffix("04-fine-tune.kf") }, "Tutorials/04-fine-tune.kf")
        let (folder4, run4) = try run(fourth)
        XCTAssertEqual(run4.status, 0, run4.stderr)
        XCTAssertEqual(run4.stdout.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.count, 12,
                       "04 trains the head 10 epochs, then fine-tunes 2")
        let saved = try KerasWeightsFile.read(folder4 + "/out/objects-model.h5")
        XCTAssertEqual(saved.layerNames.suffix(4), ["global_average_pooling2d", "dense", "dropout", "dense_1"],
                       "04 saves base and head in Keras' layout")

        let fifth = try XCTUnwrap(paths.first { $0.hasSuffix("05-why-and-keras.kf") }, "Tutorials/05-why-and-keras.kf")
        let (folder5, run5) = try run(fifth)
        XCTAssertEqual(run5.status, 0, run5.stderr)
        // The export: a python3 notebook, valid, with the session's Keras code in order.
        let keras = try runPython("""
            import sys, warnings
            warnings.simplefilter("error")
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            print(nb.metadata.kernelspec.name)
            for c in nb.cells:
                print(c.cell_type, c.source.splitlines()[0])
                for line in c.source.splitlines()[1:]:
                    print("  " + line)
            """, arguments: [folder5 + "/05-why-and-keras.ipynb"], modules: ["nbformat"])
            .split(separator: "\n").map(String.init)
        XCTAssertEqual(keras.first, "python3", "05 exports for Jupyter's python3 kernel")
        for line in ["  model = InceptionV3(weights=\"imagenet\", include_top=True, pooling=None)",
                     "  for layer in model.layers[:313]:",
                     "  history = model.fit(train_ds, epochs=5, validation_data=val_ds)",
                     "  print(confusion)",
                     "  grads = tape.gradient(class_channel, layer_output)"] {
            XCTAssertTrue(keras.contains(line), "05's export lacks \(line):\n\(keras.joined(separator: "\n"))")
        }
        XCTAssertGreaterThanOrEqual(keras.filter { $0.hasPrefix("markdown") }.count, 4, "05's narration becomes Markdown cells")
        let written5 = try FileManager.default.contentsOfDirectory(atPath: folder5 + "/out")
        for i in 1...4 {
            XCTAssertTrue(written5.contains { $0.hasPrefix("\(i)-") && $0.hasSuffix("-mixed10.png") }, "05 explains \(i).jpg: \(written5)")
        }
        XCTAssertTrue(written5.contains { $0.hasPrefix("1-") && $0.hasSuffix("-mixed7.png") }, "05 explains 1.jpg at mixed7")
        XCTAssertTrue(written5.contains("conv2d-filters.png"), "05 shows the first layer's filters")
    }
}
