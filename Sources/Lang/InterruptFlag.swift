// InterruptFlag.swift — a thread-safe "please stop" flag. The interpreter
// checks it between statements and on every loop iteration; long-running
// commands check it through their context.
import Foundation

/// A flag another thread sets to stop the running script (Ctrl-C).
///
/// Safe to use from any thread. It takes a lock, so it is not
/// async-signal-safe: set it from a `DispatchSource` signal handler or a
/// thread, not from inside a raw `signal()` handler.
public final class InterruptFlag: @unchecked Sendable {
    // @unchecked: `requested` is only read and written while `lock` is held.
    private let lock = NSLock()
    private var requested = false

    /// A flag that is not set.
    public init() {}

    /// Asks the running script to stop at the next safe point.
    public func request() {
        lock.lock()
        requested = true
        lock.unlock()
    }

    /// True once `request()` was called and until `reset()`.
    public var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Clears the flag; the interpreter does this when a run or evaluation starts.
    public func reset() {
        lock.lock()
        requested = false
        lock.unlock()
    }
}
