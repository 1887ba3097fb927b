// KernelParallelTests.swift — the fork-join primitive under the kernels.
// Oracle: counting — every part runs exactly once, whatever the thread
// count, nesting or concurrent callers; slices tile their range exactly.
import XCTest
@testable import Vision

final class KernelParallelTests: XCTestCase {
    let saved = Parallel.threadCount
    override func tearDown() { Parallel.threadCount = saved }

    func runs(parts: Int, _ forEach: ((Int) -> Void) -> Void) -> [Int] {
        var counts = [Int](repeating: 0, count: parts)
        counts.withUnsafeMutableBufferPointer { slots in forEach { slots[$0] += 1 } }
        return counts
    }

    func testEveryPartRunsExactlyOnce() {
        for threads in [1, 2, 3, 8] {
            Parallel.threadCount = threads
            for parts in [0, 1, 5, 64] {
                XCTAssertEqual(runs(parts: parts) { Parallel.forEach(parts: parts, $0) },
                               [Int](repeating: 1, count: parts), "\(threads) threads, \(parts) parts")
            }
        }
    }

    /// A call from inside a part runs on that thread instead of deadlocking.
    func testNestedCallsComplete() {
        Parallel.threadCount = 3
        var inner = [Int](repeating: 0, count: 4 * 5)
        inner.withUnsafeMutableBufferPointer { slots in
            Parallel.forEach(parts: 4) { outer in
                Parallel.forEach(parts: 5) { slots[outer * 5 + $0] += 1 }
            }
        }
        XCTAssertEqual(inner, [Int](repeating: 1, count: 20))
    }

    /// Callers on different threads at once: each call still runs each part once.
    func testConcurrentCallersAreSafe() {
        Parallel.threadCount = 2
        let results = (0..<4).map { _ in UnsafeMutableBufferPointer<Int>.allocate(capacity: 200 * 16) }
        defer { results.forEach { $0.deallocate() } }
        results.forEach { $0.initialize(repeating: 0) }
        let shared = results.map { UInt(bitPattern: $0.baseAddress!) }
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            let slots = UnsafeMutablePointer<Int>(bitPattern: shared[caller])!
            for round in 0..<200 {
                Parallel.forEach(parts: 16) { slots[round * 16 + $0] += 1 }
            }
        }
        for (caller, result) in results.enumerated() {
            XCTAssertEqual(Array(result), [Int](repeating: 1, count: 200 * 16), "caller \(caller)")
        }
    }

    /// Parts longer than the spin, and pauses longer than it between calls:
    /// the caller sleeps until the last part ends, and workers that went to
    /// sleep are woken by the next call.
    func testSleepingCallerAndWorkersAreWoken() {
        for threads in [2, 3] {
            Parallel.threadCount = threads
            for round in 0..<6 {
                let counts = runs(parts: 6) { body in
                    Parallel.forEach(parts: 6) { part in
                        usleep(round % 2 == 0 ? 2_000 : 10) // 2 ms: far past the 100 µs spin
                        body(part)
                    }
                }
                XCTAssertEqual(counts, [Int](repeating: 1, count: 6), "\(threads) threads, round \(round)")
                usleep(1_000) // the workers stop spinning and sleep
            }
        }
    }

    func testSlicesTileTheRange() {
        for (count, parts) in [(10, 3), (3, 5), (0, 2), (64, 8)] {
            let slices = (0..<parts).map { Parallel.slice($0, of: parts, count: count) }
            XCTAssertEqual(slices.flatMap { Array($0) }, Array(0..<count), "\(count) in \(parts)")
            XCTAssertLessThanOrEqual(slices.map(\.count).max()! - slices.map(\.count).min()!, 1)
        }
    }

    func testDefaultHonoursKungfuThreads() {
        let original = ProcessInfo.processInfo.environment["KUNGFU_THREADS"]
        defer { if let original { setenv("KUNGFU_THREADS", original, 1) } else { unsetenv("KUNGFU_THREADS") } }
        setenv("KUNGFU_THREADS", "3", 1)
        XCTAssertEqual(Parallel.defaultThreadCount, 3)
        setenv("KUNGFU_THREADS", "zero", 1)
        XCTAssertEqual(Parallel.defaultThreadCount, ProcessInfo.processInfo.activeProcessorCount)
        unsetenv("KUNGFU_THREADS")
        XCTAssertEqual(Parallel.defaultThreadCount, ProcessInfo.processInfo.activeProcessorCount)
    }
}
