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

    /// Runs `path` with `kungfu run` in a fresh folder holding a link to
    /// examples/, exporting a notebook to `tutorial.ipynb` there.
    private func run(_ path: String, in folder: String) throws -> RunResult {
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: repositoryRoot + "/examples")
        return try runKungfu(["run", path, "--notebook", folder + "/tutorial.ipynb"],
                             environment: ["KUNGFU_WEIGHTS": "none"], currentDirectory: folder)
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
            let folder = try makeTemporaryFolder("tutorial")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let name = (path as NSString).lastPathComponent
            let run = try run(path, in: folder)
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

        let folder1 = try makeTemporaryFolder("tutorial01")
        defer { try? FileManager.default.removeItem(atPath: folder1) }
        let run1 = try run(first, in: folder1)
        XCTAssertEqual(run1.status, 0, run1.stderr)
        let described = run1.stdout.split(separator: "\n").filter { $0.hasPrefix("[image ") }
        XCTAssertEqual(described.count, 16, "01 shows each of the 16 test photos")
        for i in 1...16 {
            XCTAssertTrue(run1.stdout.contains("examples/testset/\(i).jpg\nrank"), "01 predicts \(i).jpg")
        }
        let pictures1 = try notebookOutputs(folder1 + "/tutorial.ipynb").joined(separator: " ")
            .components(separatedBy: "image/png").count - 1
        XCTAssertEqual(pictures1, 16, "01's notebook keeps the 16 photos as image/png")

        let folder2 = try makeTemporaryFolder("tutorial02")
        defer { try? FileManager.default.removeItem(atPath: folder2) }
        let run2 = try run(second, in: folder2)
        XCTAssertEqual(run2.status, 0, run2.stderr)
        for file in ["out/activation_2-1.png", "out/mixed5-1.png", "out/mixed10-1.png"] {
            let png = try Image(contentsOfFile: folder2 + "/" + file)
            XCTAssertGreaterThan(png.width, 100, "02 writes the grid \(file)")
        }
        let npy = try XCTUnwrap(FileManager.default.contents(atPath: folder2 + "/out/cat-avg_pool.npy"), "02 writes out/cat-avg_pool.npy")
        XCTAssertEqual(Array(npy.prefix(6)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59], "cat-avg_pool.npy is not .npy")
        XCTAssertEqual(npy.count, 128 + 4 * 2048, "avg_pool of one image is (1, 2048) float32")
        let pictures2 = try notebookOutputs(folder2 + "/tutorial.ipynb").joined(separator: " ")
            .components(separatedBy: "image/png").count - 1
        XCTAssertEqual(pictures2, 4, "02 shows the photo and three grids")
    }
}
