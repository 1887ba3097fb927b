// TutorialTests.swift — every Tutorials/*.kf runs in-process (Session +
// Interpreter over CommandTable; `kungfu run` is the runtime branch's) in a
// folder linking examples/, with KUNGFU_WEIGHTS=none as CI. Oracle: its own
// `# expect:` lines (GoldenScript syntax), in order among the output lines
// (timings and random predictions vary), and the files its results name.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class TutorialTests: XCTestCase {
    /// What one tutorial run gave.
    private struct Run {
        var outcome: Outcome
        var stdout: String
        var results: [Value]
        var pictures: [Picture]
    }

    private func tutorials() throws -> [String] {
        let folder = repositoryRoot + "/Tutorials"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".kf") }.sorted()
        XCTAssertFalse(names.isEmpty, "no tutorials in \(folder)")
        return names.map { folder + "/" + $0 }
    }

    /// Runs `path` in a fresh folder holding a link to examples/.
    private func run(_ path: String, in folder: String) throws -> Run {
        try FileManager.default.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: repositoryRoot + "/examples")
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let session = Session(environment: ["KUNGFU_WEIGHTS": "none"])
        var stdout = ""
        var results: [Value] = []
        var pictures: [Picture] = []
        session.show = { pictures.append($0) }
        let interpreter = Interpreter(registry: CommandTable.registry(for: session)) { stdout += $0 }
        interpreter.onResult = { value, _ in
            results.append(value)
            stdout += value.resultText + "\n"
        }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let outcome = interpreter.run(source: source, name: path)
        return Run(outcome: outcome, stdout: stdout, results: results, pictures: pictures)
    }

    func testEveryTutorialRunsAndHoldsItsExpectations() throws {
        for path in try tutorials() {
            let folder = try makeTemporaryFolder("tutorial")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let name = (path as NSString).lastPathComponent
            let run = try run(path, in: folder)
            XCTAssertEqual(run.outcome, .completed,
                           "\(name): \(run.outcome.diagnostics.map { $0.render() }.joined(separator: "\n"))")
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
            // Every file a result names was written and reads back.
            for case .host(let h) in run.results {
                guard let activations = h as? ActivationsValue else { continue }
                let file = folder + "/" + activations.path
                if activations.kind == "grid" {
                    let png = try Image(contentsOfFile: file)
                    XCTAssertEqual(png.width, activations.pictureSize?.width, file)
                } else {
                    let bytes = try XCTUnwrap(FileManager.default.contents(atPath: file), file)
                    XCTAssertEqual(Array(bytes.prefix(6)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59], "\(file) is not .npy")
                    XCTAssertEqual(bytes.count, 128 + 4 * activations.shape.reduce(1, *), file)
                }
            }
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
        XCTAssertEqual(run1.pictures.count, 16, "01 shows each of the 16 test photos")
        let predictions = run1.results.compactMap { value -> ImagePredictionsValue? in
            if case .host(let h) = value { return h as? ImagePredictionsValue }
            return nil
        }
        XCTAssertEqual(predictions.count, 16)
        XCTAssertEqual(predictions.map(\.path), (1...16).map { "examples/testset/\($0).jpg" })
        let folder2 = try makeTemporaryFolder("tutorial02")
        defer { try? FileManager.default.removeItem(atPath: folder2) }
        let run2 = try run(second, in: folder2)
        for file in ["out/activation_2-1.png", "out/mixed5-1.png", "out/mixed10-1.png", "out/cat-avg_pool.npy"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder2 + "/" + file), "02 writes \(file)")
        }
        XCTAssertEqual(run2.pictures.count, 4, "02 shows the photo and three grids")
    }
}
