// RuntimeNotebookTests.swift — notebooks recorded by the runtime: `--notebook`
// and `save notebook` through the real binary, and picture routing (terminal
// description, JSON line, image/png cell) through the Host itself.
// Oracles: nbformat's validator (warnings as errors) and the cells read back
// with Python's json module; PNG bytes checked against Vision's encoder.
import Foundation
import XCTest
@testable import Shell
import Vision

/// Collects what a Host writes on its two streams.
final class CapturedStreams: @unchecked Sendable {
    // @unchecked Sendable: both strings are only touched while `lock` is held.
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""

    var out: String { lock.withLock { outText } }
    var err: String { lock.withLock { errText } }

    var streams: OutputStreams {
        OutputStreams(out: { text in self.lock.withLock { self.outText += text } },
                      err: { text in self.lock.withLock { self.errText += text } })
    }
}

final class RuntimeNotebookTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("notebook")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Validates the notebook with nbformat and returns, per cell, its type,
    /// execution count and output types (one line each).
    private func validate(_ path: String) throws -> String {
        try runPython("""
            import sys, json, warnings
            warnings.simplefilter("error")
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
            for c in nb.cells:
                outs = [o.output_type + (":" + ",".join(sorted(o.data)) if "data" in o else "") for o in c.get("outputs", [])]
                print(c.cell_type, c.get("execution_count"), json.dumps(c.source), " ".join(outs))
            """, arguments: [path], modules: ["nbformat"])
    }

    func testNotebookOfAScriptThatFails() throws {
        let script = folder + "/lesson.kf"
        try "## Lesson\nprint \"hi\"\n1 + 1\nlet x = [1]\nx[4]\nprint \"never\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        let notebook = folder + "/lesson.ipynb"
        let run = try runKungfu(["--notebook", notebook, "run", script])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(try validate(notebook), """
            markdown None "Lesson"\u{20}
            code 1 "print \\"hi\\"" stream
            code 2 "1 + 1" execute_result:text/plain
            code 3 "let x = [1]"\u{20}
            code 4 "x[4]" error

            """)
    }

    /// A command's warnings (a file skipped) are the cell's stderr in the
    /// notebook, as they are on the terminal's stderr (oracle: the stream
    /// outputs read back with nbformat; the binary's stderr).
    func testWarningsAreTheCellsStderr() throws {
        let photos = folder + "/photos"
        try FileManager.default.createDirectory(atPath: photos, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repositoryRoot + "/examples/testset/1.jpg", toPath: photos + "/1.jpg")
        try "not a photo".write(toFile: photos + "/notes.txt", atomically: true, encoding: .utf8)
        try Data("broken".utf8).write(to: URL(fileURLWithPath: photos + "/2.jpg"))
        let notebook = folder + "/warned.ipynb"
        let run = try runKungfu(["--notebook", notebook, "-c", "load model inception_v3; predict \"\(photos)\" top 1"],
                                environment: ["KUNGFU_WEIGHTS": "none"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("skipped 1 .txt"), run.stderr)
        XCTAssertTrue(run.stderr.contains("2.jpg") && run.stderr.contains("(skipped)"), run.stderr)
        let streams = try runPython("""
            import sys
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            for o in nb.cells[-1].outputs:
                if o.output_type == "stream":
                    print(o.name, repr(o.text))
                else:
                    print(o.output_type)
            """, arguments: [notebook], modules: ["nbformat"])
        let stderr = streams.split(separator: "\n").filter { $0.hasPrefix("stderr ") }
        XCTAssertEqual(stderr.count, 1, streams)
        XCTAssertTrue(stderr.first?.contains("skipped 1 .txt (kungfu reads JPEG and PNG)") ?? false, streams)
        XCTAssertTrue(stderr.first?.contains("2.jpg") ?? false, streams)
        XCTAssertTrue(streams.contains("execute_result"), "the predictions are still the cell's result: \(streams)")
    }

    func testSyntaxErrorBecomesOneCellWithTheWholeInput() throws {
        let notebook = folder + "/syntax.ipynb"
        let run = try runKungfu(["--notebook", notebook], stdin: "print 1\nlet = 2\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(try validate(notebook), """
            code 1 "print 1" stream
            code 2 "let = 2" error

            """)
    }

    func testSaveNotebookWritesTheSessionSoFar() throws {
        let notebook = folder + "/saved.ipynb"
        let run = try runKungfu([], stdin: "## Saved\nprint 5\nsave notebook \"\(notebook)\"\nprint 6\n")
        XCTAssertEqual(run.stdout, "Saved\n5\nsaved 3 cells to \(notebook)\n6\n")
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(try validate(notebook), """
            markdown None "Saved"\u{20}
            code 1 "print 5" stream
            code 2 "save notebook \\"\(notebook)\\""\u{20}

            """)
    }

    func testSaveNotebookToAMissingFolderIsAnErrorOnTheArgument() throws {
        let run = try runKungfu(["-c", "save notebook \"\(folder)/no/x.ipynb\""])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("error: notebook not saved: \(folder)/no/x.ipynb: folder '\(folder)/no' does not exist\n"), run.stderr)
    }

    func testNotebookToAFullDeviceFailsCleanly() throws {
        let run = try runKungfu(["--notebook", "/dev/full", "-c", "print 1"])
        XCTAssertEqual(run.stdout, "1\n", "the run itself is not lost")
        XCTAssertEqual(run.stderr, "kungfu: notebook not written: /dev/full: No space left on device\n")
        XCTAssertEqual(run.status, 1)
    }

    private func picture() -> Picture {
        // 3×2 RGB8: a red, green, blue row over a white, black, grey row.
        let image = Image(width: 3, height: 2, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255,
                                                         255, 255, 255, 0, 0, 0, 128, 128, 128])
        return Picture(image: image, title: "test pattern", path: "out/p.png")
    }

    func testPictureIsDescribedWhenNotATerminalAndKeptAsPNG() throws {
        let captured = CapturedStreams()
        let host = Host(environment: [:], mode: .text, pictureMode: .description, streams: captured.streams)
        XCTAssertTrue(host.run(source: "print \"before\"", name: "p.kf"))
        host.session.show(picture())
        XCTAssertEqual(captured.out, "before\n[image 3×2: test pattern]\n")
        guard case .code(_, _, _, let outputs)? = host.session.notebook.snapshot().cells.last else {
            return XCTFail("the picture belongs to the running cell")
        }
        XCTAssertEqual(outputs, [.stream(.stdout, "before\n"),
                                 .image(png: try picture().image.pngData(), text: "[image 3×2: test pattern]")])
        let path = folder + "/picture.ipynb"
        try host.session.notebook.write(to: path)
        XCTAssertEqual(try validate(path), "code 1 \"print \\\"before\\\"\" stream display_data:image/png,text/plain\n")
    }

    // Oracle: the embedded picture decoded again (Vision's decoder reads its
    // size) against the 1024-pixel rule, and the notebook's MIME type.
    func testLargePicturesAreScaledDownForTheNotebookOnly() throws {
        let width = 2400, height = 1000
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in pixels.indices { pixels[i] = UInt8(truncatingIfNeeded: i / 7) }
        let big = Image(width: width, height: height, pixels: pixels)
        let host = Host(environment: [:], mode: .text, pictureMode: .description, streams: CapturedStreams().streams)
        host.session.show(Picture(image: big, title: "chart", path: nil))
        host.session.show(Picture(image: big, title: "photo", path: nil, isPhoto: true))
        host.session.show(Picture(image: Image(width: 3, height: 2, pixels: [UInt8](repeating: 9, count: 18)),
                                  title: "tiny", path: nil))
        guard case .code(_, _, _, let outputs)? = host.session.notebook.snapshot().cells.last else {
            return XCTFail("the pictures belong to a cell")
        }
        XCTAssertEqual(outputs.count, 3)
        guard case .image(let chart, _) = outputs[0], case .photo(let photo, _) = outputs[1],
              case .image(let tiny, _) = outputs[2] else {
            return XCTFail("a chart stays PNG, a photo becomes JPEG: \(outputs.map { "\($0)".prefix(20) })")
        }
        for (bytes, format) in [(chart, ImageFormat.png), (photo, .jpeg)] {
            let info = try ImageInfo(encoded: bytes, name: "embedded")
            XCTAssertEqual(info.format, format)
            XCTAssertEqual([info.width, info.height], [1024, 427], "the longest side is 1024, the aspect kept")
        }
        let small = try ImageInfo(encoded: tiny, name: "tiny")
        XCTAssertEqual([small.width, small.height], [3, 2], "small pictures are kept as they are")
        let path = folder + "/pictures.ipynb"
        try host.session.notebook.write(to: path)
        XCTAssertTrue(try validate(path).contains("display_data:image/jpeg,text/plain"))
    }

    // Oracle: the file system: the script is byte-identical afterwards and
    // nothing ran (exit 2, a usage error, before any statement).
    func testNotebookOverTheInputScriptIsRefused() throws {
        let script = folder + "/s.kf"
        try "print \"ran\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        let link = folder + "/link.ipynb"
        XCTAssertEqual(symlink(script, link), 0)
        for target in [script, link] {
            let run = try runKungfu(["--notebook", target, "run", script])
            XCTAssertEqual(run.status, 2)
            XCTAssertEqual(run.stdout, "", "nothing ran")
            XCTAssertTrue(run.stderr.contains("--notebook \(target) would replace the script \(script): "
                                              + "give the notebook its own name, e.g. s.ipynb"), run.stderr)
            XCTAssertEqual(try String(contentsOfFile: script, encoding: .utf8), "print \"ran\"\n")
        }
    }

    func testNotebookIntoAMissingFolderIsRefusedBeforeRunning() throws {
        let script = folder + "/s.kf"
        try "print \"ran\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        for args in [["--notebook", folder + "/no/x.ipynb", "run", script], ["--notebook", folder + "/no/x.ipynb", "-c", "print 1"],
                     ["run", "--notebook", folder, script]] {
            let run = try runKungfu(args)
            XCTAssertEqual(run.status, 2, "\(args)")
            XCTAssertEqual(run.stdout, "", "nothing ran: \(args)")
            XCTAssertTrue(run.stderr.contains("folder '\(folder)/no' does not exist") || run.stderr.contains("is a folder, not a file"),
                          run.stderr)
        }
    }

    // Oracle: the notebook read back: a cell that printed many lines keeps
    // every line, in order, as one stream output (merging is linear, joined
    // once; it was quadratic).
    func testManyPrintedLinesAreOneStream() throws {
        let host = Host(environment: [:], mode: .text, pictureMode: .description, streams: CapturedStreams().streams)
        XCTAssertTrue(host.run(source: "for i in 1...50000 { print i }", name: "many.kf"))
        guard case .code(_, _, _, let outputs)? = host.session.notebook.snapshot().cells.last else {
            return XCTFail("one cell")
        }
        XCTAssertEqual(outputs, [.stream(.stdout, (1...50000).map { "\($0)\n" }.joined())])
    }

    func testPictureInJSONModeIsOneLine() throws {
        let captured = CapturedStreams()
        let host = Host(environment: [:], mode: .json, pictureMode: .halfBlocks, streams: captured.streams)
        host.session.show(picture())
        let line = captured.out
        XCTAssertEqual(line, "{\"type\":\"picture\",\"title\":\"test pattern\",\"path\":\"out/p.png\",\"width\":3,\"height\":2}\n")
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        XCTAssertEqual(object?["width"] as? Int, 3)
    }

    func testPictureInATerminalIsDrawnThenTitled() throws {
        let captured = CapturedStreams()
        let host = Host(environment: [:], mode: .text, pictureMode: .halfBlocks, streams: captured.streams)
        host.session.show(picture())
        let pixels = TerminalImage.Pixels(width: 3, height: 2, rgb: picture().image.pixels)
        XCTAssertEqual(captured.out, TerminalImage.render(pixels, png: nil, mode: .halfBlocks,
                                                          columns: TerminalImage.defaultColumns()) + "test pattern\n")
    }
}

/// The recorder's cell layout, without the binary. Oracle: the exact cells
/// expected from the notebook rules in docs/shell.md.
final class RuntimeNotebookRecorderTests: XCTestCase {
    func testNarrationInsideALoopStaysInItsCell() throws {
        let captured = CapturedStreams()
        let host = Host(environment: [:], mode: .text, pictureMode: .description, streams: captured.streams)
        XCTAssertTrue(host.run(source: "## Before\nfor i in 1...2 {\n  ## step\n  print i\n}\n## After\n", name: "loop.kf"))
        XCTAssertEqual(captured.out, "Before\nstep\n1\nstep\n2\nAfter\n")
        XCTAssertEqual(host.session.notebook.snapshot().cells, [
            .markdown(id: "cell-1", text: "Before"),
            .code(id: "cell-2", source: "for i in 1...2 {\n  ## step\n  print i\n}", executionCount: 1,
                  outputs: [.stream(.stdout, "step\n1\nstep\n2\n")]),
            .markdown(id: "cell-3", text: "After"),
        ])
    }

    func testInterruptedStatementIsAnErrorOutput() throws {
        let captured = CapturedStreams()
        let host = Host(environment: [:], mode: .text, pictureMode: .description, streams: captured.streams)
        // The flag is set before the run starts only to be cleared by it, so
        // request the stop from the first printed line instead.
        host.interpreter.output = { [unowned host] text in
            host.session.notebook.stream(text)
            host.interpreter.requestInterrupt()
        }
        XCTAssertFalse(host.run(source: "print 1\nprint 2\n", name: "stop.kf"))
        XCTAssertEqual(captured.err, "interrupted at stop.kf:2:1\n")
        XCTAssertEqual(host.session.notebook.snapshot().cells, [
            .code(id: "cell-1", source: "print 1", executionCount: 1,
                  outputs: [.stream(.stdout, "1\n"),
                            .error(name: "Interrupted", value: "interrupted at stop.kf:2:1",
                                   traceback: ["interrupted at stop.kf:2:1"])]),
        ])
    }
}
