// SupportInterruptsTests.swift — Interrupts, and Ctrl-C reaching a running
// command. Oracle: the kernel's own signal delivery: raise(SIGINT) runs the
// installed handler synchronously (so a flag read right after it shows what
// the handler did, with no thread in between), sigaction reports which
// handler is installed, and a forked child's exit status shows the
// double-Ctrl-C exit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation
import Lang
import XCTest
@testable import Shell

final class SupportInterruptsTests: XCTestCase {
    private let process = CancellationFlag.processInterrupt

    override func setUp() {
        process.reset()
    }

    override func tearDown() {
        process.reset()
    }

    /// The handler currently installed for SIGINT, as an opaque address.
    private func currentHandler() -> UnsafeRawPointer? {
        var action = sigaction()
        XCTAssertEqual(sigaction(SIGINT, nil, &action), 0)
        #if canImport(Glibc)
        return unsafeBitCast(action.__sigaction_handler.sa_handler, to: UnsafeRawPointer?.self)
        #else
        return unsafeBitCast(action.__sigaction_u.__sa_handler, to: UnsafeRawPointer?.self)
        #endif
    }

    func testSigintWhileArmedSetsTheProcessFlag() throws {
        let before = currentHandler()
        XCTAssertFalse(Interrupts.isArmed)
        let result: Int = try Interrupts.whileArmed(forceExitWindow: nil) {
            XCTAssertTrue(Interrupts.isArmed)
            XCTAssertNotEqual(currentHandler(), before, "a handler of our own is installed")
            XCTAssertFalse(process.isRequested)
            XCTAssertNoThrow(try process.check())
            raise(SIGINT)
            XCTAssertTrue(process.isRequested)
            XCTAssertThrowsError(try process.check()) { XCTAssertEqual($0 as? Interrupted, Interrupted()) }
            raise(SIGINT)  // with no exit window a second Ctrl-C only keeps the flag set
            XCTAssertTrue(process.isRequested)
            return 42
        }
        XCTAssertEqual(result, 42)
        XCTAssertFalse(Interrupts.isArmed)
        XCTAssertEqual(currentHandler(), before, "the previous disposition is restored")
        XCTAssertTrue(process.isRequested, "the caller can still see that the command was interrupted")
        process.reset()
        XCTAssertFalse(process.isRequested)
    }

    func testArmingClearsAStaleRequestAndNests() {
        process.request()
        Interrupts.whileArmed {
            XCTAssertFalse(process.isRequested, "arming starts from a clean flag")
            Interrupts.whileArmed {
                raise(SIGINT)
            }
            XCTAssertTrue(Interrupts.isArmed, "the outer call is still armed")
            XCTAssertTrue(process.isRequested, "an inner call does not clear the flag")
            process.reset()
            raise(SIGINT)  // still caught: the process survives
            XCTAssertTrue(process.isRequested)
        }
        XCTAssertFalse(Interrupts.isArmed)
    }

    func testBodyErrorDisarms() {
        let before = currentHandler()
        XCTAssertThrowsError(try Interrupts.whileArmed { try process.check(); raise(SIGINT); try process.check() })
        XCTAssertEqual(currentHandler(), before)
    }

    func testSigintReachesLinkedFlagsAtOnceAndOnlyThroughTheirParent() {
        // Two interpreters' flags, as two in-process sessions would have.
        let first = CancellationFlag(linkedTo: .processInterrupt)
        let second = CancellationFlag(linkedTo: .processInterrupt)
        second.request()
        XCTAssertFalse(first.isRequested, "a request on one linked flag stays on it")
        Interrupts.whileArmed(forceExitWindow: nil) {
            raise(SIGINT)
            // Read right after the handler ran: no poller could have copied it.
            XCTAssertTrue(first.isRequested)
        }
        first.reset()
        XCTAssertTrue(first.isRequested, "resetting a linked flag leaves Ctrl-C's flag alone")
        process.reset()
        XCTAssertFalse(first.isRequested)
        XCTAssertTrue(second.isRequested, "its own request is still there")
    }

    func testCtrlCReachesARunningCommandWithNoPoller() throws {
        // The Host's real wiring: its interpreter's flag, armed SIGINT, and the
        // report. The command raises SIGINT itself and reads its context at
        // once, so only a direct link (no thread copying flags) can show it.
        let captured = CapturedStreams()
        let host = Host(environment: ["KUNGFU_WEIGHTS": "none"], mode: .text, pictureMode: .description,
                        streams: captured.streams)
        final class Seen: @unchecked Sendable { var before = true, after = false }  // one thread only
        let seen = Seen()
        try host.interpreter.registry.register(
            CommandSpec("press ctrl c", summary: "Raise SIGINT, as Ctrl-C does.", example: "press ctrl c",
                        keras: "KeyboardInterrupt")) { _, context in
            seen.before = context.isInterruptRequested
            raise(SIGINT)
            seen.after = context.isInterruptRequested
            if seen.after { throw Interrupted() }
            return nil
        }
        XCTAssertEqual(host.evaluate("print 1\npress ctrl c\nprint 2"), false)
        XCTAssertFalse(seen.before)
        XCTAssertTrue(seen.after, "the command saw Ctrl-C right after the handler ran")
        XCTAssertEqual(captured.out, "1\n", "nothing after the interrupted command ran")
        XCTAssertEqual(captured.err, "interrupted at <input>:2:1\n")
        XCTAssertFalse(Interrupts.isArmed, "SIGINT is caught only while an input runs")
        XCTAssertFalse(process.isRequested, "cleared for the next input")
        XCTAssertEqual(host.evaluate("print 3"), true, "the next input runs")
        XCTAssertEqual(captured.out, "1\n3\n")
    }

    /// Runs `child` in a forked process and returns its exit status. The
    /// child only calls async-signal-safe functions and our own code, which
    /// the parent has already initialised.
    private func exitStatus(ofChild child: () -> Void) -> Int32 {
        Interrupts.whileArmed {}  // initialise the lock and statics before fork
        let pid = fork()
        if pid == 0 {
            child()
            _exit(0)
        }
        XCTAssertGreaterThan(pid, 0, "fork failed: \(systemMessage(errno))")
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status & 0x7F, 0, "the child exited rather than died of a signal")
        return (status >> 8) & 0xFF
    }

    func testSecondInterruptWithinWindowExits130() {
        let status = exitStatus {
            Interrupts.whileArmed(forceExitWindow: 5) {
                raise(SIGINT)
                raise(SIGINT)
            }
        }
        XCTAssertEqual(status, 130)
    }

    // Oracle: the folder's listing after a forked child, killed by nothing
    // but its own double Ctrl-C in the middle of an atomic write, exited 130.
    func testSecondInterruptMidWriteRemovesTheTemporaryAndExits130() throws {
        let folder = try makeTemporaryFolder("interrupts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/head.h5"
        try AtomicFile.write("original", to: path)
        let status = exitStatus {
            Interrupts.whileArmed(forceExitWindow: 5) {
                try? AtomicFile.write(to: path) { writer in
                    try writer.write("partial")
                    raise(SIGINT)
                    raise(SIGINT)
                }
            }
            _exit(0)  // not reached: the second Ctrl-C exits
        }
        XCTAssertEqual(status, 130)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["head.h5"],
                       "the temporary file was removed before the exit")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "original")
    }

    func testSecondInterruptAfterWindowDoesNotExit() {
        let status = exitStatus {
            Interrupts.whileArmed(forceExitWindow: 0.05) {
                raise(SIGINT)
                usleep(150_000)
                raise(SIGINT)
                if !CancellationFlag.processInterrupt.isRequested { _exit(3) }
            }
        }
        XCTAssertEqual(status, 0)
    }
}
