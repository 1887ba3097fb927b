// FeatureMap.swift — the kernels' view of NHWC activations in memory, and the
// aligned storage that packed weights and workspaces live in.
//
// Pixel p = (n * height + y) * width + x keeps its `channels` values at
// base + p * pixelStride. A stride larger than `channels` is a channel slice
// of a wider tensor: that is how branches write straight into a concatenation.

/// An NHWC view (not owning) of activations; see the file header for the layout.
struct FeatureMap {
    var base: UnsafeMutablePointer<Float>
    var batch: Int
    var height: Int
    var width: Int
    var channels: Int
    var pixelStride: Int

    init(base: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
         channels: Int, pixelStride: Int? = nil) {
        self.base = base
        self.batch = batch
        self.height = height
        self.width = width
        self.channels = channels
        self.pixelStride = pixelStride ?? channels
        precondition(self.pixelStride >= channels,
                     "FeatureMap: pixel stride \(self.pixelStride) < channels \(channels)")
    }

    /// Number of pixels over the whole batch.
    var pixels: Int { batch * height * width }

    /// The view of `range` of this map's channels (same pixels, same stride).
    func channels(_ range: Range<Int>) -> FeatureMap {
        precondition(range.lowerBound >= 0 && range.upperBound <= channels,
                     "FeatureMap: channels \(range) outside 0..<\(channels)")
        return FeatureMap(base: base + range.lowerBound, batch: batch, height: height,
                          width: width, channels: range.count, pixelStride: pixelStride)
    }

    /// Copies the view into a dense tensor (N, H, W, C).
    func tensor() -> Tensor {
        var scalars = [Float](repeating: 0, count: pixels * channels)
        scalars.withUnsafeMutableBufferPointer { out in
            for p in 0..<pixels {
                (out.baseAddress! + p * channels).update(from: base + p * pixelStride, count: channels)
            }
        }
        return Tensor(shape: [batch, height, width, channels], scalars: scalars)
    }
}

/// Runs `body` with a read-only FeatureMap view of an NHWC tensor.
///
/// The kernels never write through an input view; the mutable pointer type is
/// only so that inputs and outputs share one view type.
func withFeatureMap<R>(_ tensor: Tensor, _ body: (FeatureMap) throws -> R) rethrows -> R {
    precondition(tensor.rank == 4, "expected an NHWC tensor, got shape \(tensor.shape)")
    return try tensor.scalars.withUnsafeBufferPointer { buffer in
        let base = buffer.baseAddress.map { UnsafeMutablePointer(mutating: $0) } ?? AlignedBuffer.empty.base
        return try body(FeatureMap(base: base, batch: tensor.shape[0], height: tensor.shape[1],
                                   width: tensor.shape[2], channels: tensor.shape[3]))
    }
}

/// Owned Float storage aligned to 64 bytes (a cache line, an AVX-512 vector),
/// zero-filled at creation. Immutable users share it across threads.
final class AlignedBuffer: @unchecked Sendable {
    // Sendable: the memory is written only while one owner sets it up (packing
    // or a workspace held by one forward pass at a time), then only read.
    let base: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        precondition(count >= 0, "AlignedBuffer: negative count \(count)")
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 16) * 4, alignment: 64)
        base = raw.initializeMemory(as: Float.self, repeating: 0, count: max(count, 16))
        self.count = count
    }

    deinit { base.deallocate() }

    /// A shared, never-written buffer for empty tensors.
    static let empty = AlignedBuffer(count: 16)
}
