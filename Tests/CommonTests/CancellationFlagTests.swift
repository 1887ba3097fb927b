// CancellationFlagTests.swift — CancellationFlag. Oracles: the kernel's
// signal delivery (raise runs the installed handler synchronously, so a read
// right after it shows what the handler did), a forked child's exit status,
// and a second thread's view of a store.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation
import XCTest

// What the test handler saw; written only by the handler, read after raise returns.
@exclusivity(unchecked) nonisolated(unsafe) private var handlerSawPending: sig_atomic_t = -1

/// A SIGUSR1 handler that does only what a real SIGINT handler may.
private let setFromHandler: @convention(c) (Int32) -> Void = { _ in
    handlerSawPending = CancellationFlag.requestFromSignalHandler() ? 1 : 0
}

final class CancellationFlagTests: XCTestCase {
    private let process = CancellationFlag.processInterrupt

    override func setUp() { process.reset() }
    override func tearDown() { process.reset() }

    func testRequestCheckReset() {
        let flag = CancellationFlag()
        XCTAssertFalse(flag.isRequested)
        XCTAssertNoThrow(try flag.check())
        flag.request()
        XCTAssertTrue(flag.isRequested)
        XCTAssertThrowsError(try flag.check()) { XCTAssertEqual($0 as? Interrupted, Interrupted()) }
        XCTAssertTrue(flag.isRequested, "check leaves the flag set for the next layer")
        flag.reset()
        XCTAssertFalse(flag.isRequested)
        XCTAssertEqual("\(Interrupted())", "interrupted")
    }

    func testLinkedFlagsSeeTheirParentButNotEachOther() {
        let parent = CancellationFlag()
        let a = CancellationFlag(linkedTo: parent), b = CancellationFlag(linkedTo: parent)
        a.request()
        XCTAssertTrue(a.isRequested)
        XCTAssertFalse(b.isRequested, "two interpreters' flags are independent")
        XCTAssertFalse(parent.isRequested, "a child never sets its parent")
        parent.request()
        XCTAssertTrue(b.isRequested)
        b.reset()
        XCTAssertTrue(b.isRequested, "resetting a child leaves the parent set")
        parent.reset()
        XCTAssertFalse(b.isRequested)
        XCTAssertTrue(a.isRequested)
    }

    func testSignalHandlerSetsTheProcessFlag() {
        // SIGUSR1 rather than SIGINT: nothing else in the test process uses it.
        var previous = sigaction()
        XCTAssertEqual(SignalAction.install(SIGUSR1, setFromHandler, previous: &previous), 0)
        defer { sigaction(SIGUSR1, &previous, nil) }
        let linked = CancellationFlag(linkedTo: .processInterrupt)
        XCTAssertFalse(linked.isRequested)
        raise(SIGUSR1)
        XCTAssertEqual(handlerSawPending, 0, "the first signal found the flag clear")
        XCTAssertTrue(process.isRequested)
        XCTAssertTrue(linked.isRequested, "a linked flag sees it at its next read")
        raise(SIGUSR1)
        XCTAssertEqual(handlerSawPending, 1, "the second found it still pending")
    }

    func testSecondSignalSeesThePendingRequestInAForkedChild() {
        // The exit path of a double Ctrl-C, reduced to the flag: the handler
        // exits when the exchange says a request was already pending.
        let exitOnSecond: @convention(c) (Int32) -> Void = { _ in
            if CancellationFlag.requestFromSignalHandler() { _exit(130) }
        }
        let pid = fork()
        if pid == 0 {
            SignalAction.install(SIGUSR1, exitOnSecond)
            raise(SIGUSR1)
            raise(SIGUSR1)
            _exit(0)
        }
        XCTAssertGreaterThan(pid, 0, "fork failed: \(systemMessage(errno))")
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status & 0x7F, 0, "the child exited rather than died of a signal")
        XCTAssertEqual((status >> 8) & 0xFF, 130)
        XCTAssertFalse(process.isRequested, "the child's flag is its own")
    }

    func testAnotherThreadSeesTheRequest() {
        let flag = CancellationFlag()
        let seen = expectation(description: "the spinning thread saw the request")
        Thread.detachNewThread {
            while !flag.isRequested {}
            seen.fulfill()
        }
        flag.request()
        wait(for: [seen], timeout: 10)
    }
}
