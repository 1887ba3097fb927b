// SupportNotebookWriterTests.swift — NotebookWriter and JSONValue's Python style.
// Oracles: the nbformat package's own validator (with warnings as errors),
// nbformat's own writer (our bytes must equal what it writes back), and
// Python's json.dumps for the JSON text.
import Common
import Foundation
import XCTest
@testable import Shell

final class SupportNotebookWriterTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("notebook")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A 1×1 red PNG (what Vision's encoder would hand over).
    private let png: [UInt8] = [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
        0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0xF8, 0xCF, 0xC0, 0x00,
        0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xDD, 0x8D, 0xB0, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
        0x44, 0xAE, 0x42, 0x60, 0x82,
    ]

    /// Every kind of cell and output, with text that stresses escaping.
    private func everyKind() -> NotebookWriter {
        var notebook = NotebookWriter(languageVersion: "0.1.0")
        notebook.narrate("## Meet Inception V3")
        notebook.narrate("## It won ImageNet in 2015.")
        notebook.narrate("##")
        notebook.narrate("## Quotes \" and backslashes \\ and tabs\tstay.")
        notebook.addCode("load model inception_v3", executionCount: 1,
                         outputs: [.stream(.stdout, "loaded 313 layers\n"), .stream(.stdout, "23,851,784 parameters\n"),
                                   .stream(.stderr, "downloading…\n")])
        notebook.addCode("2 + 3", executionCount: 2, outputs: [.result("5")])
        notebook.addCode("show image \"examples/testset/1.jpg\"", executionCount: 3,
                         outputs: [.image(png: png, text: "[image 1×1]")])
        notebook.addCode("predcit \"x.jpg\"", executionCount: 4,
                         outputs: [.error(name: "error", value: "unknown command 'predcit' (did you mean 'predict'?)",
                                          traceback: ["error: unknown command 'predcit' (did you mean 'predict'?)",
                                                      " --> <stdin>:1:1", "  |", "1 | predcit \"x.jpg\"", "  | ^^^^^^^"])])
        notebook.narrate("## Now loops: ünïcödé, emoji 🐈, controls \u{01}\u{1F}, CR \r and form feed \u{0C}.")
        notebook.addCode("for i in 1...2 {\n    print i\n}", executionCount: 5,
                         outputs: [.stream(.stdout, "1\r\n2\r3\u{2028}4")])
        notebook.addCode("", executionCount: nil, outputs: [])
        return notebook
    }

    func testCellsIdsAndMerging() {
        let cells = everyKind().cells
        XCTAssertEqual(cells.map(\.id), (1...8).map { "cell-\($0)" })
        XCTAssertEqual(cells[0], .markdown(id: "cell-1", text: "Meet Inception V3\nIt won ImageNet in 2015.\n\nQuotes \" and backslashes \\ and tabs\tstay."))
        XCTAssertEqual(cells[1], .code(id: "cell-2", source: "load model inception_v3", executionCount: 1,
                                       outputs: [.stream(.stdout, "loaded 313 layers\n23,851,784 parameters\n"),
                                                 .stream(.stderr, "downloading…\n")]))
    }

    func testValidatesWithNbformat() throws {
        let path = folder + "/every.ipynb"
        try everyKind().write(to: path)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["every.ipynb"])
        // -W error: nbformat warns (and repairs) instead of failing for a
        // missing or duplicate cell id; those must fail here.
        let out = try runPython("""
            import sys, json, warnings
            warnings.simplefilter("error")
            path = sys.argv[1]
            with open(path, encoding="utf-8") as f:
                nbformat.validate(nbformat.from_dict(json.load(f)))
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
            print(nb.nbformat, nb.nbformat_minor, len(nb.cells), [c.cell_type for c in nb.cells].count("markdown"))
            """, arguments: [path], modules: ["nbformat"])
        XCTAssertEqual(out, "4 5 8 2\n")
    }

    func testBytesEqualWhatNbformatWrites() throws {
        let path = folder + "/every.ipynb"
        try everyKind().write(to: path)
        let out = try runPython("""
            import sys, io
            nb = nbformat.read(sys.argv[1], as_version=4)
            buffer = io.StringIO()
            nbformat.write(nb, buffer)
            mine = open(sys.argv[1], encoding="utf-8").read()
            print(buffer.getvalue() == mine)
            if buffer.getvalue() != mine:
                import difflib
                sys.stderr.writelines(difflib.unified_diff(mine.splitlines(True), buffer.getvalue().splitlines(True)))
            """, arguments: [path], modules: ["nbformat"])
        XCTAssertEqual(out, "True\n")
    }

    func testImageOutputCarriesBase64PNG() throws {
        let path = folder + "/image.ipynb"
        try everyKind().write(to: path)
        let out = try runPython("""
            import sys, base64
            nb = nbformat.read(sys.argv[1], as_version=4)
            data = nb.cells[3].outputs[0].data
            print(base64.b64decode(data["image/png"]).hex(), data["text/plain"])
            """, arguments: [path], modules: ["nbformat"])
        XCTAssertEqual(out, png.map { String(format: "%02x", $0) }.joined() + " [image 1×1]\n")
    }

    func testSplitLinesLikePython() throws {
        let samples = ["", "a", "a\n", "a\nb", "a\r\nb\rc\u{0B}d\u{0C}e\u{1C}f\u{85}g\u{2028}h\u{2029}", "\n\n", "x\r"]
        let expected = try runPython("""
            import sys, json
            for s in json.loads(sys.argv[1]):
                print(json.dumps(s.splitlines(True)))
            """, arguments: [JSONValue.array(samples.map(JSONValue.string)).text(.python(indent: nil))])
        let ours = samples.map { JSONValue.array(NotebookWriter.splitLinesKeepingEnds($0).map(JSONValue.string)).text(.python(indent: nil)) }
        XCTAssertEqual(ours.joined(separator: "\n") + "\n", expected.replacingOccurrences(of: "\\u0085", with: "\u{85}")
            .replacingOccurrences(of: "\\u2028", with: "\u{2028}").replacingOccurrences(of: "\\u2029", with: "\u{2029}"))
    }

    func testJSONTextEqualsPythonDumps() throws {
        let value = JSONValue.object([
            ("z", .array([.int(-3), .bool(true), .bool(false), .null, .array([]), .object([])])),
            ("a", .string("quote \" backslash \\ nl \n cr \r tab \t bs \u{08} ff \u{0C} nul \u{00} us \u{1F} del \u{7F} é 🐈 \u{2028}")),
            ("B", .object([("y", .int(1)), ("x", .array([.string("")]))])),
            ("é", .int(0)), ("e", .int(1)),
        ])
        let path = folder + "/value.json"
        try AtomicFile.write(value.text(.python(indent: 1)), to: path)
        let out = try runPython("""
            import sys, json
            value = json.load(open(sys.argv[1], encoding="utf-8"))
            print(json.dumps(value, sort_keys=True, ensure_ascii=False, indent=1, separators=(",", ": ")))
            print(json.dumps(value, sort_keys=True, ensure_ascii=False))
            """, arguments: [path])
        XCTAssertEqual(out, value.text(.python(indent: 1)) + "\n" + value.text(.python(indent: nil)) + "\n")
    }

    func testWriteFailureNamesPath() {
        XCTAssertThrowsError(try everyKind().write(to: folder + "/missing/x.ipynb")) { error in
            XCTAssertEqual("\(error)", "\(folder)/missing/x.ipynb: folder '\(folder)/missing' does not exist")
        }
    }
}
