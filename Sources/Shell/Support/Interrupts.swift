// Interrupts.swift — Ctrl-C during a running command. While a command runs
// inside `Interrupts.whileArmed`, SIGINT only sets Common's process-wide
// `CancellationFlag.processInterrupt`; the interpreter's flag is linked to it,
// so the interpreter and every command see it at their next check (between
// statements, batches, images) with no thread in between. A second Ctrl-C
// within `forceExitWindow` seconds of the first, while the first is still
// pending, exits at once with status 130 (128 + SIGINT). Outside `whileArmed`
// SIGINT keeps its previous disposition; at the REPL prompt the line editor
// reads Ctrl-C as a key.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation

// State shared with the signal handler. The handler may only do
// async-signal-safe things: one atomic exchange on the process flag's static
// C word, plain loads and stores of these globals, clock_gettime, write(2),
// unlink(2) and _exit. They are statically initialised (no lazy swift_once)
// and @exclusivity(unchecked), so touching them runs no runtime code.
// nonisolated(unsafe) is safe for that reason: the only writers are the
// handler and the armed/disarmed transitions, which happen under `armLock`
// with the handler not yet installed or already removed.
@exclusivity(unchecked) nonisolated(unsafe) private var firstInterruptTime: Double = 0
@exclusivity(unchecked) nonisolated(unsafe) private var exitWindow: Double = 1
@exclusivity(unchecked) nonisolated(unsafe) private var exitWindowEnabled: sig_atomic_t = 1

/// The SIGINT handler: set the process flag; exit on a quick second Ctrl-C.
private let handleInterrupt: @convention(c) (Int32) -> Void = { _ in
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let seconds = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    let wasPending = CancellationFlag.requestFromSignalHandler()
    if wasPending, exitWindowEnabled != 0, seconds - firstInterruptTime <= exitWindow {
        let message: StaticString = "\nkungfu: interrupted twice, exiting\n"
        _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        removeTemporaryFilesNow()
        _exit(130)
    }
    firstInterruptTime = seconds
}

/// Caseless namespace for catching SIGINT while a command runs. The flag it
/// sets is `CancellationFlag.processInterrupt`:
///
///     let flag = CancellationFlag(linkedTo: .processInterrupt)
///     try Interrupts.whileArmed {
///         for batch in batches {
///             try flag.check()          // throws Interrupted after Ctrl-C
///             train(batch)
///         }
///     }
public enum Interrupts {
    /// Whether SIGINT is currently caught by `whileArmed`.
    public static var isArmed: Bool {
        armLock.lock()
        defer { armLock.unlock() }
        return armDepth > 0
    }

    /// Runs `body` with SIGINT caught: Ctrl-C sets
    /// `CancellationFlag.processInterrupt` instead of killing the process.
    /// The outermost call clears that flag first and restores the previous
    /// SIGINT disposition when `body` returns or throws (the flag is left as
    /// it was, so the caller can tell that the command was interrupted).
    /// Calls may nest and may come from any thread.
    ///
    /// `forceExitWindow`: a second Ctrl-C within that many seconds of a
    /// still-pending first one exits the process with status 130 after
    /// printing "kungfu: interrupted twice, exiting" on stderr and removing
    /// the temporary files of atomic writes — the way out of a command that
    /// does not check. nil: never exit. Only the outermost call's value counts.
    @discardableResult
    public static func whileArmed<T>(forceExitWindow: Double? = 1.0, _ body: () throws -> T) rethrows -> T {
        arm(forceExitWindow: forceExitWindow)
        defer { disarm() }
        return try body()
    }

    // MARK: - Installing the handler

    private static let armLock = NSLock()
    // Guarded by armLock.
    nonisolated(unsafe) private static var armDepth = 0
    nonisolated(unsafe) private static var previousAction = sigaction()

    private static func arm(forceExitWindow: Double?) {
        armLock.lock()
        defer { armLock.unlock() }
        armDepth += 1
        guard armDepth == 1 else { return }
        exitWindowEnabled = forceExitWindow == nil ? 0 : 1
        exitWindow = forceExitWindow ?? 0
        CancellationFlag.processInterrupt.reset()
        // SA_RESTART: a read or write that Ctrl-C lands in carries on; the
        // command notices the flag at its next check.
        let status = SignalAction.install(SIGINT, handleInterrupt, flags: SA_RESTART, previous: &previousAction)
        precondition(status == 0, "Interrupts: sigaction(SIGINT) failed: \(systemMessage(errno))")
    }

    private static func disarm() {
        armLock.lock()
        defer { armLock.unlock() }
        armDepth -= 1
        guard armDepth == 0 else { return }
        let status = sigaction(SIGINT, &previousAction, nil)
        precondition(status == 0, "Interrupts: restoring SIGINT failed: \(systemMessage(errno))")
    }
}
