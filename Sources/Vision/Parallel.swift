// Parallel.swift — the process-wide worker-thread setting and the one
// fork-join primitive every kernel uses.
//
// Kernels split their output into fixed parts (each output element belongs to
// exactly one part, computed in a fixed order), so results are bit-identical
// whatever the thread count.
import Foundation
import Synchronization

/// The number of worker threads the kernels use, and how they share work.
///
/// The default is the number of active cores, or `KUNGFU_THREADS` when that
/// environment variable holds an integer from 1 to 256 (anything else is ignored).
/// Setting it is thread-safe and takes effect at the next kernel call.
///
///     Parallel.threadCount = 1     // run everything on the calling thread
public enum Parallel {
    /// The most worker threads: kernels cut work into `threadCount ×
    /// partsPerThread` parts, and more threads than this only cost memory.
    public static let maxThreadCount = 256

    /// Worker threads used by the kernels (1…`maxThreadCount`).
    public static var threadCount: Int {
        get { lock.withLock { storedThreadCount } }
        set {
            precondition((1...maxThreadCount).contains(newValue),
                         "Parallel.threadCount must be 1…\(maxThreadCount), got \(newValue)")
            lock.withLock { storedThreadCount = newValue }
        }
    }

    /// The default thread count: `KUNGFU_THREADS` if it is an integer in
    /// 1…`maxThreadCount`, otherwise the number of active cores (at most that).
    public static var defaultThreadCount: Int {
        if let text = ProcessInfo.processInfo.environment["KUNGFU_THREADS"],
           let value = Int(text.trimmingCharacters(in: .whitespaces)), (1...maxThreadCount).contains(value) {
            return value
        }
        return min(maxThreadCount, max(1, ProcessInfo.processInfo.activeProcessorCount))
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
        let ran = withoutActuallyEscaping(body) { escapable in
            // Safe: run returns only after every part has finished, so the
            // closure and what it captures outlive all uses, and callers
            // guarantee that parts write disjoint memory.
            WorkerPool.shared.run(parts: parts, threads: workers, escapable)
        }
        if !ran { for part in 0..<parts { body(part) } }
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

/// Persistent worker threads for `Parallel.forEach`: fork-join with parts
/// handed out one at a time under a lock; briefly spinning, then sleeping.
///
/// Waiting threads spin on atomic words (`started`, `remaining`) without
/// taking the lock, so a waiting thread never competes with a working one
/// for it: the lock is taken only to hand out a part, count one done, or
/// go to sleep. (Spinning by letting go of the lock and taking it again made
/// each hand-over a contended lock and a futex wake-up.)
///
/// libdispatch's concurrentPerform was not used: on Linux its helper threads
/// often joined too late to share millisecond-sized layers.
final class WorkerPool: @unchecked Sendable {
    // Sendable: every plain mutable property is read and written only while
    // `condition` is locked; `job` is called after unlocking, but only
    // between a run's start and its return, while the caller keeps it alive.
    // The atomics mirror `generation` and `unfinished` for lock-free waiting.
    private let condition = NSCondition()
    private var threadsMade = 0   // worker threads created so far
    private var generation = 0    // bumped by every run
    private var helpers = 0       // workers 0..<helpers take part in this run
    private var job: ((Int) -> Void)?
    private var parts = 0, next = 0, unfinished = 0
    private var busy = false
    private var sleepers = 0      // threads waiting on `condition`
    private let started = Atomic<Int>(0)    // `generation`, for spinning workers
    private let remaining = Atomic<Int>(0)  // `unfinished`, for the spinning caller

    static let shared = WorkerPool()

    /// How long a thread waits awake before it sleeps: layers follow each
    /// other within microseconds, and a sleeping thread takes tens of
    /// microseconds to wake.
    private static let spinNanoseconds: UInt64 = 100_000

    /// Runs `body` over `0..<parts` on the calling thread and `threads - 1`
    /// workers. Returns false, having run nothing, if a run is already in
    /// progress (a nested or concurrent call): the caller then runs serially.
    func run(parts: Int, threads: Int, _ body: @escaping (Int) -> Void) -> Bool {
        condition.lock()
        if busy {
            condition.unlock()
            return false
        }
        busy = true
        while threadsMade < threads - 1 {
            let index = threadsMade
            let thread = Thread { [unowned self] in self.work(index) }
            thread.name = "kungfu-worker-\(index)"
            thread.start()
            threadsMade += 1
        }
        job = body
        self.parts = parts
        next = 0
        unfinished = parts
        remaining.store(parts, ordering: .sequentiallyConsistent)
        helpers = threads - 1
        generation += 1
        started.store(generation, ordering: .sequentiallyConsistent)
        if sleepers > 0 { condition.broadcast() }
        takeParts()
        if unfinished > 0 {
            condition.unlock()
            Self.spin { self.remaining.load(ordering: .sequentiallyConsistent) == 0 }
            condition.lock()
            while unfinished > 0 { sleep() }
        }
        job = nil
        busy = false
        condition.unlock()
        return true
    }

    /// With the lock held: runs undone parts until none is left.
    private func takeParts() {
        while next < parts, let body = job {
            let part = next
            next += 1
            condition.unlock()
            body(part)
            condition.lock()
            unfinished -= 1
            remaining.store(unfinished, ordering: .sequentiallyConsistent)
            if unfinished == 0 && sleepers > 0 { condition.broadcast() }
        }
    }

    /// With the lock held: waits on `condition`, counted in `sleepers` so
    /// that whoever changes what the sleeper waits for wakes it.
    private func sleep() {
        sleepers += 1
        condition.wait()
        sleepers -= 1
    }

    /// Without the lock: checks `done()` until it holds or the spin time is over.
    private static func spin(until done: () -> Bool) {
        if done() { return }
        let deadline = DispatchTime.now().uptimeNanoseconds + spinNanoseconds
        while true {
            for _ in 0..<64 where done() { return }
            if DispatchTime.now().uptimeNanoseconds >= deadline { return }
        }
    }

    /// A worker thread's life: sleep until a run starts, help if chosen.
    private func work(_ index: Int) {
        var seen = 0, helped = false
        condition.lock()
        while true {
            if helped { // only threads in use wait awake
                condition.unlock()
                Self.spin { self.started.load(ordering: .sequentiallyConsistent) != seen }
                condition.lock()
            }
            while generation == seen { sleep() }
            seen = generation
            helped = index < helpers
            if helped { takeParts() }
        }
    }
}
