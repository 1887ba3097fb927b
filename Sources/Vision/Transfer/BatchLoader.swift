// BatchLoader.swift — image files read a batch at a time for the feature and
// boundary passes, the next batch decoded while the network runs on this one.
//
// The network's kernels use every worker thread, but only inside a layer:
// between layers, and while one thread finishes a step the others wait. A
// decoding thread of its own fills those gaps, so decoding and resizing
// (Keras' load_img) are mostly off the critical path. The first batch is
// decoded on the worker threads (nothing else runs yet); later ones on the
// background thread, one file after another, never through the worker pool
// (it would take the pool from the network's next layer).
import Foundation

/// Loads batches of image files in order, each one's next batch decoded in
/// the background while the caller works on it.
///
///     let loader = BatchLoader([["a.jpg", "b.jpg"], ["c.jpg"]], size: (299, 299))
///     while let batch = loader.next() {      // [Result<Image, Error>], in file order
///         …                                   // "c.jpg" is being decoded meanwhile
///     }
///
/// Outcomes never depend on the timing: each file's result is in its place.
/// Dropping the loader waits for a decode still running (at most one batch).
final class BatchLoader: @unchecked Sendable {
    // Sendable: `position` and `pending` are only touched by the thread that
    // calls `next()`; a background decode owns its `Pending` until it signals.
    private let batches: [[String]]
    private let size: (Int, Int)
    private var position = 0
    private var pending: Pending?

    /// Batches of paths to load, in order, at the network's input `size`
    /// (height, width).
    init(_ batches: [[String]], size: (Int, Int)) {
        self.batches = batches
        self.size = size
    }

    deinit { _ = pending?.wait() }

    /// The outcomes of the next batch, in its files' order, or nil after the
    /// last one; starts decoding the batch after it.
    func next() -> [Result<Image, Error>]? {
        guard position < batches.count else { return nil }
        let current = pending?.wait() ?? TransferModel.load(batches[position], size: size)
        position += 1
        pending = position < batches.count ? Pending(batches[position], size: size) : nil
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
