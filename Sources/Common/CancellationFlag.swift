// CancellationFlag.swift — the one "please stop" flag: Ctrl-C, the
// interpreter's stop, a cancelled download. One lock-free atomic word each
// (C11, module CCancellation), so the SIGINT handler sets the process-wide
// flag directly and every flag linked to it sees Ctrl-C at its next read:
// no lock, no poller thread. `Interrupted` is what a stopped command throws.
import CCancellation

/// A flag another thread, or a signal handler, sets to stop running work.
///
/// Reading and writing are single atomic operations, safe from any thread.
/// A flag may be linked to a parent: it then reads as requested when either
/// it or its parent is, so an interpreter's own flag (which a command or a
/// test can set alone) also sees Ctrl-C on `processInterrupt`:
///
///     let flag = CancellationFlag(linkedTo: .processInterrupt)
///     for batch in batches {
///         try flag.check()          // throws Interrupted after Ctrl-C
///         train(batch)
///     }
///
/// Only `requestFromSignalHandler()` may be called from a signal handler:
/// the instance methods may retain the flag, which a handler must not do.
public final class CancellationFlag: Sendable {
    // Sendable: `word` is only read and written atomically; `parent` is immutable.
    private nonisolated(unsafe) let word: OpaquePointer
    private let parent: CancellationFlag?

    /// The process-wide flag the shell's SIGINT handler sets (through
    /// `requestFromSignalHandler()`). Its word is a static C global.
    public static let processInterrupt = CancellationFlag(word: kf_cancellation_process_word(), parent: nil)

    /// A flag that is not set, not linked to any other.
    public convenience init() {
        self.init(linkedTo: nil)
    }

    /// A flag that also reads as requested while `parent` is requested.
    /// `request()` and `reset()` touch this flag only, never the parent.
    public convenience init(linkedTo parent: CancellationFlag?) {
        guard let word = kf_cancellation_word_create() else {
            fatalError("CancellationFlag: out of memory")
        }
        self.init(word: word, parent: parent)
    }

    private init(word: OpaquePointer, parent: CancellationFlag?) {
        self.word = word
        self.parent = parent
    }

    deinit {
        kf_cancellation_word_destroy(word)  // never frees the process word
    }

    /// Asks the work to stop at its next check.
    public func request() {
        kf_cancellation_store(word, 1)
    }

    /// True once `request()` was called on this flag or on its parent (or
    /// Ctrl-C set `processInterrupt`), until `reset()`.
    public var isRequested: Bool {
        kf_cancellation_load(word) != 0 || parent?.isRequested == true
    }

    /// Throws `Interrupted` if a stop was requested; the flag stays set, so
    /// every layer of the work sees it.
    public func check() throws {
        if isRequested { throw Interrupted() }
    }

    /// Clears this flag (not its parent); the interpreter does this when a
    /// run or an evaluation starts.
    public func reset() {
        kf_cancellation_store(word, 0)
    }

    /// Sets `processInterrupt` and returns whether it was already set.
    /// Async-signal-safe: one atomic exchange on a static C global, no
    /// runtime calls; this is what a SIGINT handler calls.
    public static func requestFromSignalHandler() -> Bool {
        kf_cancellation_exchange(kf_cancellation_process_word(), 1) != 0
    }
}

/// Thrown by work that stopped early because a stop was requested (Ctrl-C);
/// the interpreter ends the run with `Outcome.interrupted`.
public struct Interrupted: Error, CustomStringConvertible, Equatable, Sendable {
    /// The error.
    public init() {}
    /// "interrupted".
    public var description: String { "interrupted" }
}
