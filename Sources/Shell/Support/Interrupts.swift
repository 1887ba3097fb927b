// Interrupts.swift — Ctrl-C during a running command. While a command runs
// inside `Interrupts.whileArmed`, SIGINT only sets a process-wide flag; the
// command polls `Interrupts.check()` at safe points (between batches, between
// images) and stops cleanly. A second Ctrl-C within `forceExitWindow` seconds
// of the first, while the first is still pending, exits at once with status
// 130 (128 + SIGINT). Outside `whileArmed` SIGINT keeps its previous
// disposition; at the REPL prompt the line editor reads Ctrl-C as a key.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Common
import Foundation

// State shared with the signal handler. The handler may only do
// async-signal-safe things: plain loads and stores of these globals,
// clock_gettime, write(2) and _exit. They are statically initialised (no lazy
// swift_once) and @exclusivity(unchecked), so touching them runs no runtime
// code; a 4-byte sig_atomic_t store is atomic with respect to the handler.
// nonisolated(unsafe) is safe for that reason: the only writers are the
// handler and the armed/disarmed transitions, which happen under `armLock`
// with the handler not yet installed or already removed.
@exclusivity(unchecked) nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0
@exclusivity(unchecked) nonisolated(unsafe) private var firstInterruptTime: Double = 0
@exclusivity(unchecked) nonisolated(unsafe) private var exitWindow: Double = 1
@exclusivity(unchecked) nonisolated(unsafe) private var exitWindowEnabled: sig_atomic_t = 1

/// The SIGINT handler: record the request; exit on a quick second one.
private let handleInterrupt: @convention(c) (Int32) -> Void = { _ in
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let seconds = Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    if interruptRequested != 0, exitWindowEnabled != 0, seconds - firstInterruptTime <= exitWindow {
        let message: StaticString = "\nkungfu: interrupted twice, exiting\n"
        _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        removeTemporaryFilesNow()
        _exit(130)
    }
    firstInterruptTime = seconds
    interruptRequested = 1
}

/// Thrown by `Interrupts.check()` when Ctrl-C was pressed.
public struct Interrupted: Error, CustomStringConvertible, Equatable, Sendable {
    /// Creates the error.
    public init() {}
    /// "interrupted".
    public var description: String { "interrupted" }
}

/// Caseless namespace for the process-wide "interrupt requested" flag.
///
///     try Interrupts.whileArmed {
///         for batch in batches {
///             try Interrupts.check()    // throws Interrupted after Ctrl-C
///             train(batch)
///         }
///     }
public enum Interrupts {
    /// Whether Ctrl-C (or `request()`) has happened since the last `reset()`.
    ///
    /// Never inlined, so a polling loop really reads the flag each time.
    public static var isRequested: Bool {
        @inline(never) get { interruptRequested != 0 }
    }

    /// Throws `Interrupted` if an interrupt was requested; the flag stays set
    /// until `reset()` (or the next outermost `whileArmed`), so every layer of
    /// a command sees it.
    public static func check() throws {
        if isRequested { throw Interrupted() }
    }

    /// Clears the flag.
    public static func reset() {
        interruptRequested = 0
    }

    /// Sets the flag as Ctrl-C would (for a command that wants to stop itself
    /// through the same path, and for tests).
    public static func request() {
        interruptRequested = 1
    }

    /// Whether SIGINT is currently caught by `whileArmed`.
    public static var isArmed: Bool {
        armLock.lock()
        defer { armLock.unlock() }
        return armDepth > 0
    }

    /// Runs `body` with SIGINT caught: Ctrl-C sets the flag instead of killing
    /// the process. The outermost call clears the flag first and restores the
    /// previous SIGINT disposition when `body` returns or throws (the flag is
    /// left as it was, so the caller can tell that the command was
    /// interrupted). Calls may nest and may come from any thread.
    ///
    /// `forceExitWindow`: a second Ctrl-C within that many seconds of a
    /// still-pending first one exits the process with status 130 after
    /// printing "kungfu: interrupted twice, exiting" on stderr — the way out of
    /// a command that does not check. nil: never exit. Only the outermost
    /// call's value counts.
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
        interruptRequested = 0
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handleInterrupt
        #else
        action.__sigaction_u.__sa_handler = handleInterrupt
        #endif
        // SA_RESTART: a read or write that Ctrl-C lands in carries on; the
        // command notices the flag at its next check.
        action.sa_flags = SA_RESTART
        sigemptyset(&action.sa_mask)
        let status = sigaction(SIGINT, &action, &previousAction)
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
