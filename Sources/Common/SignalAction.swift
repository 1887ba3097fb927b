// SignalAction.swift — installing a signal's disposition with sigaction(2),
// the one place that spells the platform's sigaction layout.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Caseless namespace for installing signal dispositions.
public enum SignalAction {
    /// Sets `signal`'s handler (a C function, SIG_DFL or SIG_IGN) with
    /// `flags` (e.g. SA_RESTART) and an empty mask; returns the previous
    /// action through `previous` when given. Returns sigaction's status.
    /// Async-signal-safe (a handler may call it to restore SIG_DFL).
    @discardableResult
    public static func install(_ signal: Int32, _ handler: (@convention(c) (Int32) -> Void)?, flags: Int32 = 0,
                               previous: UnsafeMutablePointer<sigaction>? = nil) -> Int32 {
        var action = sigaction()
        #if canImport(Glibc)
        action.__sigaction_handler.sa_handler = handler
        #else
        action.__sigaction_u.__sa_handler = handler
        #endif
        action.sa_flags = flags
        sigemptyset(&action.sa_mask)
        return sigaction(signal, &action, previous)
    }
}
