// SupportInterruptsTests.swift — Interrupts. Oracle: the kernel's own signal
// delivery: raise(SIGINT) runs the installed handler synchronously, sigaction
// reports which handler is installed, and a forked child's exit status shows
// the double-Ctrl-C exit.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import XCTest
@testable import Shell

final class SupportInterruptsTests: XCTestCase {
    override func setUp() {
        Interrupts.reset()
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

    func testSigintWhileArmedSetsTheFlag() throws {
        let before = currentHandler()
        XCTAssertFalse(Interrupts.isArmed)
        let result: Int = try Interrupts.whileArmed(forceExitWindow: nil) {
            XCTAssertTrue(Interrupts.isArmed)
            XCTAssertNotEqual(currentHandler(), before, "a handler of our own is installed")
            XCTAssertFalse(Interrupts.isRequested)
            XCTAssertNoThrow(try Interrupts.check())
            raise(SIGINT)
            XCTAssertTrue(Interrupts.isRequested)
            XCTAssertThrowsError(try Interrupts.check()) { XCTAssertEqual($0 as? Interrupted, Interrupted()) }
            raise(SIGINT)  // with no exit window a second Ctrl-C only keeps the flag set
            XCTAssertTrue(Interrupts.isRequested)
            return 42
        }
        XCTAssertEqual(result, 42)
        XCTAssertFalse(Interrupts.isArmed)
        XCTAssertEqual(currentHandler(), before, "the previous disposition is restored")
        XCTAssertTrue(Interrupts.isRequested, "the caller can still see that the command was interrupted")
        Interrupts.reset()
        XCTAssertFalse(Interrupts.isRequested)
    }

    func testArmingClearsAStaleRequestAndNests() {
        Interrupts.request()
        Interrupts.whileArmed {
            XCTAssertFalse(Interrupts.isRequested, "arming starts from a clean flag")
            Interrupts.whileArmed {
                raise(SIGINT)
            }
            XCTAssertTrue(Interrupts.isArmed, "the outer call is still armed")
            XCTAssertTrue(Interrupts.isRequested, "an inner call does not clear the flag")
            Interrupts.reset()
            raise(SIGINT)  // still caught: the process survives
            XCTAssertTrue(Interrupts.isRequested)
        }
        XCTAssertFalse(Interrupts.isArmed)
    }

    func testBodyErrorDisarms() {
        let before = currentHandler()
        XCTAssertThrowsError(try Interrupts.whileArmed { try Interrupts.check(); raise(SIGINT); try Interrupts.check() })
        XCTAssertEqual(currentHandler(), before)
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

    func testSecondInterruptAfterWindowDoesNotExit() {
        let status = exitStatus {
            Interrupts.whileArmed(forceExitWindow: 0.05) {
                raise(SIGINT)
                usleep(150_000)
                raise(SIGINT)
                if !Interrupts.isRequested { _exit(3) }
            }
        }
        XCTAssertEqual(status, 0)
    }
}
