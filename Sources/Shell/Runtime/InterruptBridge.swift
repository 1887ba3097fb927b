// InterruptBridge.swift — Ctrl-C during a statement: `Interrupts` catches
// SIGINT (a signal handler may only set a flag), and a small poller thread
// passes the request on to the interpreter's `InterruptFlag`, which the
// interpreter checks between statements and on every loop iteration.
import Foundation
import Lang

/// Runs evaluations with Ctrl-C bridged to an interpreter's flag.
enum InterruptBridge {
    /// How often the poller looks at the signal flag.
    static let pollInterval: useconds_t = 10_000

    /// Runs `body` with SIGINT caught; a Ctrl-C sets `flag` within
    /// `pollInterval`. Returns whether a Ctrl-C arrived, and leaves the
    /// process-wide `Interrupts` flag cleared for the next statement.
    static func run<T>(flag: InterruptFlag, _ body: () -> T) -> (value: T, interrupted: Bool) {
        let poller = Poller(flag: flag)
        let value = Interrupts.whileArmed {
            poller.start()
            defer { poller.stop() }
            return body()
        }
        let interrupted = Interrupts.isRequested
        Interrupts.reset()
        return (value, interrupted)
    }

    /// The thread that copies the signal flag into the interpreter's flag.
    private final class Poller: @unchecked Sendable {
        // @unchecked Sendable: `running` is only touched while `lock` is held;
        // `flag` is itself thread-safe.
        private let flag: InterruptFlag
        private let lock = NSLock()
        private var running = false
        private let done = DispatchSemaphore(value: 0)

        init(flag: InterruptFlag) { self.flag = flag }

        func start() {
            lock.withLock { running = true }
            Thread.detachNewThread { [self] in
                while lock.withLock({ running }) {
                    if Interrupts.isRequested { flag.request() }
                    usleep(InterruptBridge.pollInterval)
                }
                done.signal()
            }
        }

        func stop() {
            lock.withLock { running = false }
            done.wait()
        }
    }
}
