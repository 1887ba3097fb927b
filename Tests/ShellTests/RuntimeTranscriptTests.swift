// RuntimeTranscriptTests.swift — the real `kungfu` binary with stdin piped:
// what piped sessions, `-c`, `run` and `--json` print, and the exit codes.
// Oracle: golden transcripts written by hand from docs/shell.md (exact
// stdout, exact rendered diagnostics on stderr), and JSONSerialization for
// the shape of every --json line.
import Foundation
import XCTest
@testable import Shell

final class RuntimeTranscriptTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("runtime")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes a script into the test's folder and returns its path.
    private func script(_ name: String, _ text: String) throws -> String {
        let path = folder + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testPipedSessionPrintsOnlyResultsAndKeepsGoingAfterAnError() throws {
        let run = try runKungfu([], stdin: """
            print 1 + 1
            let x = 3
            x * 2
            "a"
            for i in 1...2 {
              print i
            }
            nope
            x

            """)
        XCTAssertEqual(run.stdout, "2\n6\n\"a\"\n1\n2\n3\n")
        XCTAssertEqual(run.stderr, """
            error: undefined variable 'nope'
             --> <input>:1:1
              |
            1 | nope
              | ^^^^

            """)
        XCTAssertEqual(run.status, 1, "a piped session with an error exits 1")
    }

    func testPipedSessionWithoutErrorsExitsZero() throws {
        let run = try runKungfu([], stdin: "print \"hello\"\n")
        XCTAssertEqual(run.stdout, "hello\n")
        XCTAssertEqual(run.stderr, "")
        XCTAssertEqual(run.status, 0)
    }

    // Oracle: IPython, where quit, exit, quit() and exit() leave the session
    // (status 0); in a script they are an error with a hint.
    func testQuitAndExitLeaveTheREPLButAreAnErrorInAScript() throws {
        for word in ["quit", "exit", "quit()", "exit()", "  exit  ", "exit(0)"] {
            let run = try runKungfu([], stdin: "print 1\n\(word)\nprint 2\n")
            XCTAssertEqual(run.stdout, "1\n", word)
            XCTAssertEqual(run.stderr, "", word)
            XCTAssertEqual(run.status, 0, word)
        }
        let script = try runKungfu(["-c", "print 1\nexit()"])
        XCTAssertEqual(script.status, 1)
        XCTAssertEqual(script.stdout, "", "a parse error: nothing runs")
        XCTAssertTrue(script.stderr.hasPrefix("error: 'exit()' leaves the REPL, as in IPython; a script ends after its last line\n"
                                              + " --> <command line>:2:1"), script.stderr)
    }

    // Oracle: the shell's and Python's os.path.expanduser: `~/` is $HOME.
    func testTildeInAPathArgumentIsTheHomeFolder() throws {
        let home = try makeTemporaryFolder("home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/testset/1.jpg", toPath: "\(home)/cat.jpg")
        let run = try runKungfu(["-c", "show image \"~/cat.jpg\""], environment: ["HOME": home])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("\(home)/cat.jpg"), run.stdout)
        XCTAssertEqual(HomePath.expand("~", home: "/h"), "/h")
        XCTAssertEqual(HomePath.expand("~/a/b.jpg", home: "/h"), "/h/a/b.jpg")
        XCTAssertEqual(HomePath.expand("~user/x", home: "/h"), "~user/x")
        XCTAssertEqual(HomePath.expand("a/~/x", home: "/h"), "a/~/x")
    }

    // Oracle: Python, which refuses a source that is not UTF-8 at the first
    // bad byte instead of running it with U+FFFD.
    func testAScriptThatIsNotUTF8IsAnErrorAtTheFirstBadByte() throws {
        let folder = try makeTemporaryFolder("utf8")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/latin1.kf"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("print 1\nprint \"caf".utf8) + Data([0xE9, 0x22, 0x0A])))
        let run = try runKungfu(["run", path])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "", "nothing runs")
        XCTAssertTrue(run.stderr.hasPrefix("error: not valid UTF-8: byte 0xE9 cannot be decoded here\n --> \(path):2:11\n"), run.stderr)
    }

    func testPipedInputEndingInsideABlockIsAnError() throws {
        let run = try runKungfu([], stdin: "for i in 1...2 {\n  print i\n")
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("error: "), run.stderr)
        XCTAssertEqual(run.status, 1)
    }

    func testTranscriptModeShowsPromptsAndNumberedResults() throws {
        let run = try runKungfu([], stdin: "let a = 2\na + 1\nfor i in 1...1 {\n}\n", environment: ["KUNGFU_PROMPTS": "1"])
        XCTAssertEqual(run.stdout, """
            kungfu 0.1.0: Inception V3 in a notebook-style shell. Type help for the commands, help COMMAND for one; Ctrl-D leaves.
            In [1]: let a = 2
            In [2]: a + 1
            Out[2]: 3
            In [3]: for i in 1...1 {
               ...: }

            """)
        XCTAssertEqual(run.status, 0)
    }

    func testCommandLineStatements() throws {
        let ok = try runKungfu(["-c", "let x = 4; print x; x + 1"])
        XCTAssertEqual(ok.stdout, "4\n5\n")
        XCTAssertEqual(ok.status, 0)

        let failed = try runKungfu(["-c", "print 1; [1, 2][7]; print 2"])
        XCTAssertEqual(failed.stdout, "1\n")
        XCTAssertEqual(failed.stderr, """
            error: index 7 is out of range for a list of 2 items (valid indexes are 0 to 1, or -2 to -1 from the end)
             --> <command line>:1:17
              |
            1 | print 1; [1, 2][7]; print 2
              |                 ^

            """)
        XCTAssertEqual(failed.status, 1)
    }

    func testRunSeveralFilesInOneSessionWithNarration() throws {
        let first = try script("first.kf", "## Start here.\nlet n = 10\nprint \"first\"\n")
        let second = try script("second.kf", "##\n## Then this.\nn + 1\n")
        let run = try runKungfu(["run", first, second])
        XCTAssertEqual(run.stdout, "Start here.\nfirst\n\nThen this.\n11\n")
        XCTAssertEqual(run.stderr, "")
        XCTAssertEqual(run.status, 0)
    }

    func testRunStopsAtTheFirstFailingFile() throws {
        let bad = try script("bad.kf", "print \"before\"\nprnt 1\n")
        let never = try script("never.kf", "print \"never\"\n")
        let run = try runKungfu(["run", bad, never])
        XCTAssertEqual(run.stdout, "", "a syntax error stops the script before anything runs")
        XCTAssertTrue(run.stderr.contains(" --> \(bad):2:1"), run.stderr)
        XCTAssertEqual(run.status, 1)
    }

    func testUsageErrorsExitTwo() throws {
        for arguments in [["--bogus"], ["run"], ["run", folder + "/missing.kf"], ["--threads", "0", "-c", "1"],
                          ["-c"], ["frobnicate"]] {
            let run = try runKungfu(arguments)
            XCTAssertEqual(run.status, 2, "kungfu \(arguments.joined(separator: " ")): \(run.stderr)")
            XCTAssertFalse(run.stderr.isEmpty, "kungfu \(arguments.joined(separator: " ")) says why")
            XCTAssertEqual(run.stdout, "")
        }
        XCTAssertEqual(try runKungfu(["run", folder + "/missing.kf"]).stderr,
                       "kungfu: \(folder)/missing.kf: no such file\n")
    }

    func testHelpAndSetSeed() throws {
        let help = try runKungfu([], stdin: "help\n")
        XCTAssertTrue(help.stdout.hasPrefix("Commands:\n"), help.stdout)
        XCTAssertTrue(help.stdout.contains("  set seed "), help.stdout)
        XCTAssertTrue(help.stdout.contains("  save notebook "), help.stdout)

        let one = try runKungfu(["-c", "help set seed"])
        XCTAssertEqual(one.stdout, """
            set seed — Set the seed of everything random (random weights, shuffling), so runs repeat.

            usage: set seed <integer>

              <integer>  a whole number (at least 0, required)

            example: set seed 42
            keras:   keras.utils.set_random_seed(42)

            """)

        let seed = try runKungfu(["-c", "set seed 42"])
        XCTAssertEqual(seed.stdout, "")
        XCTAssertEqual(seed.status, 0)
        let negative = try runKungfu(["-c", "set seed -1"])
        XCTAssertEqual(negative.stderr, """
            error: seed must be at least 0, got -1
             --> <command line>:1:10
              |
            1 | set seed -1
              |          ^^
              = usage: set seed <integer>

            """)
        XCTAssertEqual(negative.status, 1)
    }

    /// Parses each stdout line as one JSON object.
    private func jsonLines(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { row in
            let object = try JSONSerialization.jsonObject(with: Data(row.utf8), options: [.fragmentsAllowed])
            guard let dictionary = object as? [String: Any] else {
                XCTFail("not a JSON object: \(row)", file: file, line: line)
                return [:]
            }
            return dictionary
        }
    }

    func testJSONLinesForEveryValueKindAndErrors() throws {
        let run = try runKungfu(["--json", "-c", #"print "text"; 7; 2.5; "s"; true; [1, "a"]; 1..<3; [1][3]"#])
        XCTAssertEqual(run.stdout, """
            {"type":"result","value":7}
            {"type":"result","value":2.5}
            {"type":"result","value":"s"}
            {"type":"result","value":true}
            {"type":"result","value":[1,"a"]}
            {"type":"result","value":{"range":[1,3],"closed":false}}
            {"type":"error","error":"index 3 is out of range for a list of 1 item (valid indexes are 0 to 0, or -1 to -1 from the end)","kind":"runtime","source":"<command line>","line":1,"column":55,"length":1,"notes":[]}

            """)
        let lines = try jsonLines(run.stdout)
        XCTAssertEqual(lines.map { $0["type"] as? String }, ["result", "result", "result", "result", "result", "result", "error"])
        XCTAssertEqual(lines[0]["value"] as? Int, 7)
        let range = lines[5]["value"] as? [String: Any]
        XCTAssertEqual(range?["range"] as? [Int], [1, 3])
        XCTAssertEqual(range?["closed"] as? Bool, false)
        XCTAssertEqual(lines[6]["line"] as? Int, 1)
        XCTAssertTrue(run.stderr.hasPrefix("text\nerror: index 3"), "human text goes to stderr: \(run.stderr)")
        XCTAssertEqual(run.status, 1)
    }

    func testJSONOptionBeforeAndAfterRun() throws {
        let path = try script("json.kf", "## Narration goes to stderr.\n1 + 1\n")
        for arguments in [["--json", "run", path], ["run", "--json", path]] {
            let run = try runKungfu(arguments)
            XCTAssertEqual(run.stdout, "{\"type\":\"result\",\"value\":2}\n", arguments.joined(separator: " "))
            XCTAssertEqual(run.stderr, "Narration goes to stderr.\n")
            XCTAssertEqual(run.status, 0)
        }
    }

    // Oracle: the photo's size, 451×300 (examples/testset/1.jpg), said once.
    func testShowImageSaysTheSizeOnce() throws {
        let photo = repositoryRoot + "/examples/testset/1.jpg"
        let run = try runKungfu(["-c", "show image \"\(photo)\""])
        XCTAssertEqual(run.stdout, "[image: \(photo)]\n\(photo): 451×300 JPEG\n")
        XCTAssertEqual(run.stdout.components(separatedBy: "451×300").count - 1, 1)
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    func testThreadsOption() throws {
        let run = try runKungfu(["--threads", "1", "-c", "1"], environment: ["KUNGFU_THREADS": "3"])
        XCTAssertEqual(run.stdout, "1\n")
        XCTAssertEqual(run.status, 0)
    }

    func testSIGINTStopsALongStatementAndTheNotebookKeepsIt() throws {
        let notebook = folder + "/stopped.ipynb"
        let process = Process()
        process.executableURL = try kungfuBinary()
        process.arguments = ["--notebook", notebook, "-c", "print \"go\"\nfor i in 1...100000000 { let x = i }\nprint \"never\""]
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        // Wait for "go", then send what Ctrl-C sends.
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains("go\n") {
            let chunk = outPipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        XCTAssertEqual(String(decoding: seen, as: UTF8.self), "go\n")
        process.interrupt()
        seen += outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(String(decoding: seen, as: UTF8.self), "go\n", "the statement after the loop did not run")
        XCTAssertTrue(err.hasPrefix("interrupted at <command line>:2:"), err)
        XCTAssertEqual(process.terminationReason, .exit, "SIGINT is caught while a statement runs")
        XCTAssertEqual(process.terminationStatus, 130, "128 + SIGINT, as Unix tools exit")
        let cells = try runPython("""
            import sys
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            print([o.get("ename", o.output_type) for c in nb.cells for o in c.outputs])
            """, arguments: [notebook], modules: ["nbformat"])
        XCTAssertEqual(cells, "['stream', 'Interrupted']\n")
    }
}
