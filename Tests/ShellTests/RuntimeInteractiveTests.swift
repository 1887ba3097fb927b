// RuntimeInteractiveTests.swift — the REPL as a person uses it: the real
// binary on a pseudo-terminal (its controlling terminal, so Ctrl-C is a
// signal while a statement runs), driven by the expect-style Typist.
// Oracle: what appears on the screen after each keystroke.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import XCTest

final class RuntimeInteractiveTests: XCTestCase {
    /// Starts `kungfu` as a session leader whose controlling terminal is the
    /// typist's pseudo-terminal (opened by path after setsid, which makes it
    /// the controlling terminal on Linux).
    private func spawnOnTerminal(_ typist: Typist, environment: [String: String]) throws -> pid_t {
        let binary = try kungfuBinary().path
        var linkTarget = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/fd/\(typist.pty.replica)", &linkTarget, linkTarget.count - 1)
        guard length > 0 else { throw PseudoTerminal.Failure(description: "readlink of the pty replica failed") }
        let replicaPath = String(decoding: linkTarget[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, replicaPath, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // glibc's POSIX_SPAWN_SETSID (0x80); Swift does not import the macro.
        posix_spawnattr_setflags(&attributes, 0x80)

        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(binary), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, binary, &actions, &attributes, argv, envp)
        guard status == 0 else { throw PseudoTerminal.Failure(description: "posix_spawn: \(String(cString: strerror(status)))") }
        return pid
    }

    // Oracle: the screen. Ctrl-C while a progress bar is drawn in place: the
    // message starts on a line of its own, not after the bar's "ETA: 1s".
    func testCtrlCDuringAProgressBarStartsItsMessageOnANewLine() throws {
        let folder = try makeTemporaryFolder("interactive-bar")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for copy in 0..<48 {
            try FileManager.default.copyItem(atPath: "\(repositoryRoot)/examples/testset/\(copy % 16 + 1).jpg",
                                             toPath: "\(folder)/\(copy).jpg")
        }
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let pid = try spawnOnTerminal(typist, environment: ["TERM": "xterm", "KUNGFU_HISTORY": "", "KUNGFU_WEIGHTS": "none"])
        typist.play([
            (expect: "In [1]: ", send: "load model inception_v3\r"),
            (expect: "In [2]: ", send: "predict \"\(folder)\"\r"),
            (expect: "/48 [", send: "\u{03}"),
            (expect: "interrupted at <input>:1:", send: ""),
            (expect: "In [3]: ", send: "\u{04}"),
        ])
        typist.finish()
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let screen = typist.screen
        guard let range = screen.range(of: "interrupted at <input>:1:") else { return XCTFail("screen:\n\(screen)") }
        let before = screen[..<range.lowerBound]
        XCTAssertEqual(before.unicodeScalars.last, "\n", "the message starts its own line; screen:\n\(screen)")
    }

    // Oracle: IPython, where Up after a multi-line block recalls the whole
    // block (continuation lines behind their `...:` prompt) and Enter runs it again.
    func testUpRecallsAWholeBlock() throws {
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let pid = try spawnOnTerminal(typist, environment: ["TERM": "xterm", "KUNGFU_HISTORY": ""])
        typist.play([
            (expect: "In [1]: ", send: "for i in 1...2 {\r"),
            (expect: "   ...: ", send: "print i * 7\r"),
            (expect: "   ...: ", send: "}\r"),
            (expect: "14", send: ""),
            (expect: "In [2]: ", send: "\u{1b}[A"),
            (expect: "   ...: }", send: "\r"),
            (expect: "In [3]: ", send: "\u{04}"),
        ])
        typist.finish()
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let screen = typist.screen
        XCTAssertEqual(screen.components(separatedBy: "14").count - 1, 2, "the block ran twice; screen:\n\(screen)")
        XCTAssertTrue(screen.contains("   ...: print i * 7"), screen)
    }

    func testSessionOnATerminal() throws {
        let folder = try makeTemporaryFolder("interactive")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let typist = try Typist()
        defer { typist.pty.shutdown() }
        let pid = try spawnOnTerminal(typist, environment: ["TERM": "xterm", "KUNGFU_HISTORY": folder + "/history"])
        typist.play([
            (expect: "kungfu 0.1.0", send: ""),
            (expect: "In [1]: ", send: "let a = 5\r"),
            (expect: "In [2]: ", send: "a + 1\r"),
            (expect: "Out[2]: 6", send: ""),
            // Tab completes the command word; Enter runs it.
            (expect: "In [3]: ", send: "he\t"),
            (expect: "lp ", send: "\r"),  // libedit redraws: `he`, cursor move, `lp `
            (expect: "Statements:", send: ""),
            // Up arrow recalls `help`; Ctrl-C drops the line, same number.
            (expect: "In [4]: ", send: "\u{1b}[A"),
            (expect: "help", send: "\u{03}"),
            (expect: "In [4]: ", send: "for i in 1...2 {\r"),
            (expect: "   ...: ", send: "print i * 10\r"),
            (expect: "   ...: ", send: "}\r"),
            (expect: "20", send: ""),
            // Ctrl-C stops a long statement; the session keeps `a`.
            (expect: "In [5]: ", send: "print \"go\"; for i in 1...100000000 { let x = i }\r"),
            (expect: "go", send: "\u{03}"),
            (expect: "interrupted at <input>:1:", send: ""),
            (expect: "In [6]: ", send: "a\r"),
            (expect: "Out[6]: 5", send: ""),
            (expect: "In [7]: ", send: "\u{04}"),
        ])
        typist.finish()
        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(10)
        var waited: pid_t = 0
        while waited == 0 && Date() < deadline {
            waited = waitpid(pid, &status, WNOHANG)
            if waited == 0 { usleep(20_000) }
        }
        if waited == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            return XCTFail("kungfu did not leave on Ctrl-D; screen:\n\(typist.screen)")
        }
        let screen = typist.screen
        XCTAssertTrue(screen.contains("Out[6]: 5"), "screen:\n\(screen)")
        XCTAssertEqual(status & 0x7f, 0, "not killed by a signal; screen:\n\(screen)")
        XCTAssertEqual((status >> 8) & 0xff, 0, "Ctrl-D exits 0; screen:\n\(screen)")
        let history = try String(contentsOfFile: folder + "/history", encoding: .utf8)
        XCTAssertTrue(history.hasPrefix("let a = 5\na + 1\nhelp \nfor i in 1...2 {\n"), history)
    }
}
