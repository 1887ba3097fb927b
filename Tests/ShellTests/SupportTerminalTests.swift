// SupportTerminalTests.swift — Terminal: isatty, width through a real
// pseudo-terminal, and the NO_COLOR / TERM=dumb rules.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import XCTest
@testable import Shell

final class SupportTerminalTests: XCTestCase {
    // Oracle: the kernel. A pipe is not a terminal; the replica side of a
    // pseudo-terminal is, and reports the size we set with TIOCSWINSZ.
    func testPipeIsNotATerminalAndHasNoWidth() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        XCTAssertFalse(Terminal.isTerminal(fileDescriptor: fds[0]))
        XCTAssertNil(Terminal.width(fileDescriptor: fds[1]))
    }

    func testPseudoTerminalWidth() throws {
        let pty = try PseudoTerminal()
        defer { pty.shutdown() }
        XCTAssertTrue(Terminal.isTerminal(fileDescriptor: pty.replica))
        try pty.setSize(columns: 123, rows: 40)
        XCTAssertEqual(Terminal.width(fileDescriptor: pty.replica), 123)
    }

    // Oracle: the NO_COLOR convention (no-color.org) and TERM=dumb.
    func testColorRules() {
        XCTAssertTrue(Terminal.colorAllowed(isTerminal: true, environment: ["TERM": "xterm-256color"]))
        XCTAssertFalse(Terminal.colorAllowed(isTerminal: false, environment: [:]))
        XCTAssertFalse(Terminal.colorAllowed(isTerminal: true, environment: ["NO_COLOR": "1"]))
        XCTAssertTrue(Terminal.colorAllowed(isTerminal: true, environment: ["NO_COLOR": ""]),
                      "an empty NO_COLOR does not disable colour")
        XCTAssertFalse(Terminal.colorAllowed(isTerminal: true, environment: ["TERM": "dumb"]))
    }

    func testColumnsFallsBackToEnvironment() throws {
        // Only meaningful when no standard stream is a terminal, as under
        // `swift test` in CI; on a developer's terminal the real width wins.
        let anyTerminal = Terminal.Stream.allCases.contains { Terminal.isTerminal($0) }
        if anyTerminal {
            XCTAssertGreaterThan(Terminal.columns(environment: ["COLUMNS": "100"]), 0)
        } else {
            XCTAssertEqual(Terminal.columns(environment: ["COLUMNS": "100"]), 100)
            XCTAssertEqual(Terminal.columns(environment: ["COLUMNS": "zero"], fallback: 77), 77)
            XCTAssertEqual(Terminal.columns(environment: [:], fallback: 77), 77)
        }
    }
}

// posix_openpt, grantpt, unlockpt and ptsname are POSIX (<stdlib.h>) but Glibc declares
// them only under _XOPEN_SOURCE, which the Swift Glibc module does not set.
@_silgen_name("posix_openpt") private func c_posix_openpt(_ flags: Int32) -> Int32
@_silgen_name("grantpt") private func c_grantpt(_ fd: Int32) -> Int32
@_silgen_name("unlockpt") private func c_unlockpt(_ fd: Int32) -> Int32
@_silgen_name("ptsname") private func c_ptsname(_ fd: Int32) -> UnsafeMutablePointer<CChar>?

/// A pseudo-terminal pair for tests: `primary` is the side a terminal
/// emulator holds (write keystrokes, read what was drawn), `replica` is the
/// side a program reads and writes as its terminal.
final class PseudoTerminal {
    let primary: Int32
    let replica: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init() throws {
        let primary = c_posix_openpt(O_RDWR | O_NOCTTY)
        guard primary >= 0 else { throw Failure(description: "posix_openpt: \(String(cString: strerror(errno)))") }
        guard c_grantpt(primary) == 0, c_unlockpt(primary) == 0, let name = c_ptsname(primary) else {
            close(primary)
            throw Failure(description: "grantpt/unlockpt/ptsname: \(String(cString: strerror(errno)))")
        }
        let replica = open(name, O_RDWR | O_NOCTTY)
        guard replica >= 0 else {
            close(primary)
            throw Failure(description: "open \(String(cString: name)): \(String(cString: strerror(errno)))")
        }
        self.primary = primary
        self.replica = replica
    }

    func setSize(columns: Int, rows: Int) throws {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(replica, UInt(TIOCSWINSZ), &size) == 0 else {
            throw Failure(description: "TIOCSWINSZ: \(String(cString: strerror(errno)))")
        }
    }

    func shutdown() {
        close(replica)
        close(primary)
    }
}
