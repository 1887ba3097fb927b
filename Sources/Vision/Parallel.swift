// Parallel.swift — the process-wide worker-thread setting and the one
// fork-join primitive every kernel uses.
//
// Kernels split their output into fixed parts (each output element belongs to
// exactly one part, computed in a fixed order), so results are bit-identical
// whatever the thread count.
import Dispatch
import Foundation

/// The number of worker threads the kernels use, and how they share work.
///
/// The default is the number of active cores, or `KUNGFU_THREADS` when that
/// environment variable holds a positive integer (anything else is ignored).
/// Setting it is thread-safe and takes effect at the next kernel call.
///
///     Parallel.threadCount = 1     // run everything on the calling thread
public enum Parallel {
    /// Worker threads used by the kernels (at least 1).
    public static var threadCount: Int {
        get { lock.withLock { storedThreadCount } }
        set {
            precondition(newValue >= 1, "Parallel.threadCount must be at least 1, got \(newValue)")
            lock.withLock { storedThreadCount = newValue }
        }
    }

    /// The default thread count: `KUNGFU_THREADS` if it is a positive
    /// integer, otherwise the number of active cores.
    public static var defaultThreadCount: Int {
        if let text = ProcessInfo.processInfo.environment["KUNGFU_THREADS"],
           let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1 {
            return value
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `body(part)` once for every part in `0..<parts`, spread over at
    /// most `threadCount` threads, and returns when all parts are done.
    ///
    /// Threads take the next undone part as they become free, so a thread
    /// that starts late or is preempted delays nobody; make more parts than
    /// threads to profit. Parts may run concurrently: each must write memory
    /// no other part touches. Which thread runs a part never changes the result.
    public static func forEach(parts: Int, _ body: (Int) -> Void) {
        precondition(parts >= 0, "Parallel.forEach: negative part count \(parts)")
        let workers = min(parts, threadCount)
        if workers <= 1 {
            for part in 0..<parts { body(part) }
            return
        }
        let next = PartCounter(parts)
        withoutActuallyEscaping(body) { escapable in
            // Safe: concurrentPerform returns only after every call has
            // finished, so the closure and what it captures outlive all uses,
            // and callers guarantee that parts write disjoint memory.
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let part = next.take() { shared.value(part) }
            }
        }
    }

    /// How many parts kernels cut their work into per thread: enough that a
    /// late or preempted thread's share is picked up by the others.
    public static let partsPerThread = 4

    /// The `part`-th of `parts` contiguous, near-equal slices of `0..<count`
    /// (the first `count % parts` slices are one longer).
    public static func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        precondition(parts >= 1 && part >= 0 && part < parts,
                     "Parallel.slice: part \(part) of \(parts)")
        let base = count / parts, extra = count % parts
        let start = part * base + min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }

    private static let lock = NSLock()
    // Guarded by `lock`.
    nonisolated(unsafe) private static var storedThreadCount = defaultThreadCount
}

/// Carries a value across a `@Sendable` boundary. Only for values whose
/// concurrent use the caller has made safe (see each use).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Hands out 0..<count, each number once, to whichever thread asks first.
private final class PartCounter: @unchecked Sendable {
    // Sendable: `next` is only read and written under `lock`.
    private let lock = NSLock()
    private var next = 0
    private let count: Int

    init(_ count: Int) { self.count = count }

    func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}
