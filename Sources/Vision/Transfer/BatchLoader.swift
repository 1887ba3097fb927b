// BatchLoader.swift — image files read a batch at a time for the feature and
// boundary passes, the next batch decoded while the network runs on this one.
//
// The network's kernels use every worker thread. A decoding thread of its
// own takes turns with them, so it pays only when decoding is slow next to
// the network's pass: measured on 2 cores of a Zen 5 (feature pass, batches
// of 8), 6-megapixel JPEGs took 1.24 s for 32 photos overlapped against
// 1.47–1.53 s decoded between passes, but 320×240 photos took 4–10% longer
// overlapped (a preempted worker holds up the others at the layer's end).
// So a batch is decoded in the background only when its photos average at
// least `overlapPixels` (their headers say); otherwise, as the first batch
// always is, on the worker threads between passes. The background thread
// decodes one file after another, never through the worker pool (it would
// take the pool from the network's next layer).
import Foundation

/// Loads batches of image files in order; the next batch of large photos is
/// decoded in the background while the caller works on this one.
///
///     let loader = BatchLoader([["a.jpg", "b.jpg"], ["c.jpg"]], size: (299, 299))
///     while let batch = loader.next() {      // [Result<Image, Error>], in file order
///         …                                   // a large "c.jpg" is being decoded meanwhile
///     }
///
/// Outcomes never depend on the timing: each file's result is in its place.
/// Dropping the loader waits for a decode still running (at most one batch).
final class BatchLoader: @unchecked Sendable {
    // Sendable: `position` and `pending` are only touched by the thread that
    // calls `next()`; a background decode owns its `Pending` until it signals.
    private let batches: [[String]]
    private let size: (Int, Int)
    private let overlapFrom: Int
    private var position = 0
    private var pending: Pending?

    /// The mean pixels per photo (as stored, before resizing) from which a
    /// batch is decoded while the network runs: one megapixel, about 10 ms of
    /// decoding per photo here.
    static let overlapPixels = 1_000_000

    /// Batches of paths to load, in order, at the network's input `size`
    /// (height, width); batches whose photos average at least `overlapFrom`
    /// pixels are decoded in the background.
    init(_ batches: [[String]], size: (Int, Int), overlapFrom: Int = BatchLoader.overlapPixels) {
        self.batches = batches
        self.size = size
        self.overlapFrom = overlapFrom
    }

    /// Whether the batch's photos are large enough to decode in the
    /// background (unreadable headers count as 0 pixels: their error comes
    /// when the batch is loaded).
    func overlaps(_ paths: [String]) -> Bool {
        if overlapFrom <= 0 { return true }
        // Sides capped at 2²⁰ so that a crafted header's 2³¹ × 2³¹ cannot overflow the sum.
        let pixels = paths.map { path in
            (try? ImageInfo(contentsOfFile: path)).map { min($0.width, 1 << 20) * min($0.height, 1 << 20) } ?? 0
        }
        let (needed, overflow) = overlapFrom.multipliedReportingOverflow(by: max(paths.count, 1))
        return !overflow && pixels.reduce(0, +) >= needed
    }

    deinit { _ = pending?.wait() }

    /// The outcomes of the next batch, in its files' order, or nil after the
    /// last one; starts decoding the batch after it if its photos are large.
    func next() -> [Result<Image, Error>]? {
        guard position < batches.count else { return nil }
        let current = pending?.wait() ?? TransferModel.load(batches[position], size: size)
        position += 1
        pending = position < batches.count && overlaps(batches[position]) ? Pending(batches[position], size: size) : nil
        return current
    }

    /// One batch being decoded on a thread of its own.
    private final class Pending: @unchecked Sendable {
        // Sendable: `outcomes` is written by the decoding thread before it
        // signals and read by the caller only after `wait()` returns.
        private var outcomes: [Result<Image, Error>] = []
        private let done = DispatchSemaphore(value: 0)
        private var collected: [Result<Image, Error>]?

        init(_ paths: [String], size: (Int, Int)) {
            let (height, width) = size
            Thread.detachNewThread { [self] in
                outcomes = paths.map { path in Result { try KerasImage.load(path, targetSize: (height, width)) } }
                done.signal()
            }
        }

        /// The batch's outcomes, once decoded (waits for the thread).
        func wait() -> [Result<Image, Error>] {
            if let collected { return collected }
            done.wait()
            collected = outcomes
            return outcomes
        }
    }
}
