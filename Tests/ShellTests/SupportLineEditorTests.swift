// SupportLineEditorTests.swift — the line editors. Oracles: libedit itself,
// driven through a real pseudo-terminal the way a person types (an
// expect-style script waits for the prompt, then sends keys), and byte
// streams through a pipe for the plain reader; the completion decisions and
// column layout against exact expected strings (bash's behaviour).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation
import XCTest
@testable import Shell

/// A person at a terminal: waits for text to appear, then types.
final class Typist: @unchecked Sendable {
    // @unchecked Sendable: `screen` is guarded by `lock`; the pty descriptors
    // are only read/written by the typist's thread after start.
    let pty: PseudoTerminal
    private let lock = NSLock()
    private var screenBytes: [UInt8] = []
    private let finished = DispatchSemaphore(value: 0)

    init() throws {
        pty = try PseudoTerminal()
        try pty.setSize(columns: 80, rows: 24)
    }

    /// Everything the program drew, as text.
    var screen: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: screenBytes, as: UTF8.self)
    }

    /// Plays `steps` on a background thread: for each, wait until `expect`
    /// appears after the previous match, then send `send`. Gives up after 10 s
    /// by pressing Ctrl-C a few times, so each pending read ends as
    /// `.interrupted` (and the test fails) instead of hanging the test.
    func play(_ steps: [(expect: String, send: String)]) {
        playBytes(steps.map { ($0.expect, Array($0.send.utf8)) })
    }

    /// `play` with raw bytes to send (for input that is not UTF-8).
    func playBytes(_ steps: [(expect: String, send: [UInt8])]) {
        Thread.detachNewThread { [self] in
            var searchFrom = 0
            let deadline = Date().addingTimeInterval(10)
            for step in steps {
                while true {
                    let text = Array(screen.utf8)
                    if let range = find(Array(step.expect.utf8), in: text, from: searchFrom) {
                        searchFrom = range
                        break
                    }
                    if Date() > deadline {
                        _ = write(pty.primary, String(repeating: "\u{03}", count: 8), 8)
                        finished.signal()
                        return
                    }
                    readAvailable(timeoutMilliseconds: 50)
                }
                _ = step.send.withUnsafeBytes { write(pty.primary, $0.baseAddress, $0.count) }
            }
            finished.signal()
        }
    }

    /// Waits for the script to finish, then collects what is left on screen.
    func finish() {
        _ = finished.wait(timeout: .now() + 15)
        readAvailable(timeoutMilliseconds: 100)
    }

    private func readAvailable(timeoutMilliseconds: Int32) {
        var poller = pollfd(fd: pty.primary, events: Int16(POLLIN), revents: 0)
        while poll(&poller, 1, timeoutMilliseconds) > 0 {
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(pty.primary, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            lock.lock()
            screenBytes += chunk[..<n]
            lock.unlock()
        }
    }

    private func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if Array(haystack[i..<i + needle.count]) == needle { return i + needle.count }
            i += 1
        }
        return nil
    }
}

final class SupportLineEditorTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("editor")
        setenv("TERM", "xterm", 1)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func editor(_ typist: Typist, history: HistoryFile? = nil,
                        completer: LineCompleter? = nil) -> LibeditLineEditor {
        LibeditLineEditor(input: typist.pty.replica, output: typist.pty.replica, history: history,
                          completer: completer, warn: { XCTFail("unexpected warning: \($0)") })
    }

    func testReadsALineAfterThePrompt() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist)
        typist.play([("In [1]: ", "hello world\r"), ("   ...: ", "héllo 🐈\r")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("hello world"))
        XCTAssertEqual(edit.readLine(prompt: "   ...: "), .line("héllo 🐈"))
        typist.finish()
        XCTAssertTrue(typist.screen.contains("In [1]: "), typist.screen.debugDescription)
    }

    func testCtrlCCancelsTheLineAndCtrlDLeaves() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist)
        typist.play([("In [1]: ", "predict \"x\u{03}"), ("In [1]: ", "ab\u{04}\r"), ("In [2]: ", "\u{04}")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .interrupted)
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("ab"), "Ctrl-D on a non-empty line does not leave")
        XCTAssertEqual(edit.readLine(prompt: "In [2]: "), .endOfInput)
        typist.finish()
        XCTAssertTrue(typist.screen.contains("^C\r\n"), typist.screen.debugDescription)
    }

    /// The texts the language would offer: commands, then `show` keywords,
    /// then paths inside a string.
    private let completer: LineCompleter = { text in
        let all = ["load model ", "predict ", "print ", "show image ", "show activations ",
                   "predict \"examples/testset/1.jpg\"", "predict \"examples/testset/10.jpg\"",
                   "predict \"examples/pets/\""]
        return all.filter { $0.hasPrefix(text) }
    }

    func testTabInsertsTheCommonExtension() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist, completer: completer)
        // libedit redraws only what changed, so wait for the inserted part.
        typist.play([("In [1]: ", "lo\t"), ("ad model ", "inception_v3\r"),
                     ("In [2]: ", "predict \"ex\t"), ("amples/", "t\t"), ("estset/1", ".jpg\"\r")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("load model inception_v3"))
        XCTAssertEqual(edit.readLine(prompt: "In [2]: "), .line("predict \"examples/testset/1.jpg\""))
        typist.finish()
        // A unique completion is silent; an ambiguous one rings the bell.
        let screen = typist.screen
        guard let second = screen.range(of: "In [2]: ") else { return XCTFail(screen.debugDescription) }
        XCTAssertFalse(screen[..<second.lowerBound].contains("\u{07}"), screen.debugDescription)
        XCTAssertTrue(screen[second.upperBound...].contains("\u{07}"), screen.debugDescription)
    }

    func testTabListsCandidatesAndRedrawsThePrompt() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist, completer: completer)
        // First Tab: nothing to add (a beep); second Tab: the list.
        typist.play([("In [1]: ", "show \t\t"), ("activations image", "i\t"), ("mage ", "\r")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("show image "))
        typist.finish()
        // The list appears under the line, then the prompt and the line again.
        let screen = typist.screen
        guard let list = screen.range(of: "activations image") else { return XCTFail(screen.debugDescription) }
        XCTAssertTrue(screen[..<list.lowerBound].hasSuffix("\r\n"), screen.debugDescription)
        XCTAssertTrue(screen[list.upperBound...].contains("In [1]: show "), screen.debugDescription)
    }

    func testTabWithoutCandidatesChangesNothing() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist, completer: completer)
        typist.play([("In [1]: ", "zz\t\r")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("zz"))
        typist.finish()
        XCTAssertTrue(typist.screen.contains("zz\u{07}"), "the bell rings: \(typist.screen.debugDescription)")
    }

    func testCompleterSeesTheTextBeforeTheCursorOfALongLine() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let long = String(repeating: "é", count: 1500)  // 3000 bytes: past libedit's 1 KiB buffers
        let seen = Seen()
        let edit = editor(typist, completer: { text in seen.text = text; return [text + "Z"] })
        typist.play([("In [1]: ", "print \"" + long + "\u{02}\u{02}\t\r")])  // Ctrl-B twice: cursor back 2
        let result = edit.readLine(prompt: "In [1]: ")
        typist.finish()
        XCTAssertTrue(seen.text == "print \"" + String(repeating: "é", count: 1498),
                      "the completer saw \(seen.text?.count ?? -1) characters, not 1505")
        XCTAssertTrue(result == .line("print \"" + String(repeating: "é", count: 1498) + "Zéé"),
                      "the completion was not inserted at the cursor")
    }

    final class Seen: @unchecked Sendable {
        // @unchecked: written inside readLine on the test's own thread, read after it.
        var text: String?
    }

    func testHistoryRecallAndPlainTextFile() throws {
        let path = folder + "/history"
        try AtomicFile.write("old one\n\n   \nold two\n", to: path)
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist, history: HistoryFile(path: path, limit: 1000))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old one\nold two\n",
                       "blank lines are dropped when the history is loaded")
        edit.addHistory("predict \"a.jpg\"")
        edit.addHistory("predict \"a.jpg\"")  // a repeat is not recorded twice
        edit.addHistory("for i in 1...2 {\n  print i\n\n}")
        edit.addHistory("   ")
        // Ctrl-P: previous history entry (libedit's emacs binding). The block
        // is one entry, as IPython keeps it: Up recalls all of it.
        typist.play([("In [1]: ", "\u{10}\u{10}\r"), ("In [2]: ", "\u{10}\r")])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("predict \"a.jpg\""))
        XCTAssertEqual(edit.readLine(prompt: "In [2]: "), .line("for i in 1...2 {\n   ...:   print i\n   ...: }"))
        typist.finish()
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8),
                       "old one\nold two\npredict \"a.jpg\"\nfor i in 1...2 {\n   ...:   print i\n   ...: }\n")
        XCTAssertEqual(LineEditors.strippingContinuationPrompts("for i in 1...2 {\n   ...:   print i\n   ...: }"),
                       "for i in 1...2 {\n  print i\n}")
        let reloaded = try HistoryFile(path: path, limit: 1000).load()
        XCTAssertEqual(reloaded.suffix(2), ["predict \"a.jpg\"", "for i in 1...2 {\n   ...:   print i\n   ...: }"])
    }

    func testInvalidUTF8IsDropped() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let edit = editor(typist)
        typist.playBytes([("In [1]: ", [0x61, 0xFF, 0x62, 0xC3, 0x0D])])
        XCTAssertEqual(edit.readLine(prompt: "In [1]: "), .line("ab"))
        typist.finish()
    }

    // Ctrl-Z at the prompt stops the process as a terminal's suspend key
    // would (ISIG is off while editing, so libedit sends SIGTSTP itself), and
    // editing resumes after SIGCONT. Run in a child in its own process group,
    // so only the child stops.
    func testCtrlZSuspendsAndResumes() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let pid = fork()
        if pid == 0 {
            setpgid(0, 0)
            let edit = LibeditLineEditor(input: typist.pty.replica, output: typist.pty.replica,
                                         history: nil, completer: nil, warn: { _ in })
            _exit(edit.readLine(prompt: "In [1]: ") == .line("abc") ? 0 : 1)
        }
        XCTAssertGreaterThan(pid, 0)
        typist.play([("In [1]: ", "ab\u{1A}")])
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, WUNTRACED), pid)
        XCTAssertEqual(status & 0xFF, 0x7F, "the child stopped")
        XCTAssertEqual((status >> 8) & 0xFF, SIGTSTP)
        typist.finish()
        let typed = typist.screen.count
        kill(pid, SIGCONT)
        typist.play([("In [1]: ab", "c\r")])
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status, 0, "the child read \"abc\" after resuming")
        typist.finish()
        XCTAssertGreaterThan(typist.screen.count, typed, "the line was redrawn after SIGCONT")
    }
}

// The plain reader, the history file and the completion decision, without a
// terminal. Oracles: bytes through a real pipe; the file system; exact lists.
final class SupportPlainInputTests: XCTestCase {
    private func reader(feeding bytes: [UInt8], prompting: PlainLineReader.Prompting = .silent,
                        output: @escaping (String) -> Void = { _ in XCTFail("a silent reader printed") }) throws -> PlainLineReader {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        _ = bytes.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
        close(fds[1])
        return PlainLineReader(fileDescriptor: fds[0], prompting: prompting, output: output)
    }

    func testLinesFromAPipe() throws {
        let input = Array("load model inception_v3\r\n\npredict \"é.jpg\"\nlast".utf8) + [0x0A, 0x61, 0xFF, 0x62]
        let plain = try reader(feeding: input)
        XCTAssertEqual(plain.readLine(prompt: "In [1]: "), .line("load model inception_v3"), "CR before LF is dropped")
        XCTAssertEqual(plain.readLine(prompt: "In [2]: "), .line(""))
        XCTAssertEqual(plain.readLine(prompt: "In [3]: "), .line("predict \"é.jpg\""))
        XCTAssertEqual(plain.readLine(prompt: "In [4]: "), .line("last"))
        XCTAssertEqual(plain.readLine(prompt: "In [5]: "), .line("a\u{FFFD}b"), "a last line without newline; bad UTF-8 → U+FFFD")
        XCTAssertEqual(plain.readLine(prompt: "In [6]: "), .endOfInput)
        XCTAssertEqual(plain.readLine(prompt: "In [6]: "), .endOfInput)
    }

    func testTranscriptWritesPromptAndLineLikeATerminal() throws {
        let box = Transcript()
        let plain = try reader(feeding: Array("1 + 2\nprint 3".utf8), prompting: .transcript, output: { box.text += $0 })
        XCTAssertEqual(plain.readLine(prompt: "In [1]: "), .line("1 + 2"))
        XCTAssertEqual(plain.readLine(prompt: "In [2]: "), .line("print 3"))
        XCTAssertEqual(plain.readLine(prompt: "In [3]: "), .endOfInput)
        XCTAssertEqual(box.text, "In [1]: 1 + 2\nIn [2]: print 3\n", "nothing is printed at the end of input")
    }

    func testPromptsBeforeReading() throws {
        let box = Transcript()
        let plain = try reader(feeding: Array("1 + 2\n".utf8), prompting: .beforeReading, output: { box.text += $0 })
        XCTAssertEqual(plain.readLine(prompt: "In [1]: "), .line("1 + 2"))
        XCTAssertEqual(plain.readLine(prompt: "In [2]: "), .endOfInput)
        XCTAssertEqual(box.text, "In [1]: In [2]: ")
    }

    final class Transcript: @unchecked Sendable {
        // @unchecked: used on the test's thread only.
        var text = ""
    }

    func testStandardEditorWithoutATerminalIsPlain() {
        // Under `swift test` in CI stdin is not a terminal; at a developer's
        // terminal it may be, and then libedit is the right answer.
        let both = Terminal.isTerminal(.standardInput) && Terminal.isTerminal(.standardOutput)
        let editor = LineEditors.standard(completer: nil, environment: ["KUNGFU_HISTORY": ""])
        XCTAssertEqual(editor is PlainLineReader, !both)
    }

    func testHistoryPath() {
        XCTAssertEqual(LineEditors.historyPath(environment: ["HOME": "/home/neo"]), "/home/neo/.kungfu_history")
        XCTAssertEqual(LineEditors.historyPath(environment: ["HOME": "/home/neo/"]), "/home/neo/.kungfu_history")
        XCTAssertEqual(LineEditors.historyPath(environment: ["HOME": "/home/neo", "KUNGFU_HISTORY": "/tmp/h"]), "/tmp/h")
        XCTAssertNil(LineEditors.historyPath(environment: ["HOME": "/home/neo", "KUNGFU_HISTORY": ""]))
        XCTAssertNil(LineEditors.historyPath(environment: [:]))
    }

    func testHistoryFileKeepsTheLastEntriesAndAppends() throws {
        let folder = try makeTemporaryFolder("history")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/h"
        let history = HistoryFile(path: path, limit: 3)
        XCTAssertEqual(try history.load(), [], "no file yet")
        for entry in ["a", "b", "c", "d"] { try history.append(entry) }
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600, "history is private")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a\nb\nc\nd\n")
        XCTAssertEqual(try history.load(), ["b", "c", "d"])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "b\nc\nd\n", "compacted to the limit")
        // A block is one entry: its line and the continuation lines after it.
        try history.append("for x in l {\n   ...: print x\n   ...: }")
        XCTAssertEqual(try history.load(), ["c", "d", "for x in l {\n   ...: print x\n   ...: }"])
        try AtomicFile.write(Array("x\n".utf8) + [0xFF] + Array("y\n\t\n".utf8), to: path)
        XCTAssertEqual(try history.load(), ["x", "\u{FFFD}y"])
    }

    func testHistoryFileErrorsNameThePath() throws {
        let history = HistoryFile(path: "/proc/kungfu-history-test")
        XCTAssertThrowsError(try history.append("x")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/proc/kungfu-history-test: "), "\(error)")
        }
    }

    // Oracle: the kernel's FIFO rules: O_NONBLOCK opens of a FIFO with no
    // writer (read) or no reader (write) return at once instead of waiting.
    func testHistoryFileThatIsAFIFONeverBlocks() throws {
        let folder = try makeTemporaryFolder("history-fifo")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/history"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let history = HistoryFile(path: path)
        XCTAssertThrowsError(try history.load()) { error in
            XCTAssertEqual("\(error)", "\(path): not a regular file")
        }
        XCTAssertThrowsError(try history.append("x")) { error in
            XCTAssertEqual("\(error)", "\(path): a FIFO with no reader")
        }
    }

    // Oracle: bash's behaviour, written out: the common prefix is inserted,
    // listed names start after the last word break of the common part.
    func testReadlineMatches() {
        let candidates = ["predict ", "print ", "show image ", "show activations ",
                          "predict \"examples/testset/1.jpg\"", "predict \"examples/testset/10.jpg\""]
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "zz", candidates: candidates), ["", ""])
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "pri", candidates: candidates), ["print ", "print "])
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "pr", candidates: ["predict ", "print ", "show "]),
                       ["pr", "predict", "print"])
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "show ", candidates: candidates),
                       ["show ", "activations", "image"])
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "predict \"ex", candidates: candidates),
                       ["predict \"examples/testset/1", "1.jpg\"", "10.jpg\""])
        XCTAssertEqual(Completion.readlineMatches(textBeforeCursor: "", candidates: ["b", "a", "a"]), ["", "a", "b"],
                       "duplicates count once")
    }
}

