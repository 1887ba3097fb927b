// WinogradConv2D.swift — stride-1 convolution by Winograd's minimal filtering,
// F(mh × mw, rh × rw), channels last, Float32, with a fused per-channel bias
// and optional ReLU.
//
//   input   (N, H, W, Cin)
//   kernel  (rh, rw, Cin, Cout)   Keras' layout, transformed once at load time
//   output  (N, Ho, Wo, Cout)     Ho, Wo and the padding by TF's rule (Padding.window)
//
// Same contract as PackedConv2D (the definition is `Reference.conv2D`): the
// same sums reached by another route, so results differ from the direct
// convolution by Float32 rounding only. The 1-D transforms are in
// KernelsAVX512/WinogradAxes.swift (linked here as WinogradConv2D+Axes.swift),
// the transforms of whole tiles in KernelsAVX512/WinogradTransforms.swift,
// compiled for each SIMD path.
import Foundation
import KernelsAVX2
import KernelsAVX512

/// A stride-1 convolution computed as αh·αw GEMMs over tiles of output pixels.
///
/// Each tile of mh × mw output pixels needs an αh × αw window d of the input
/// (α = m + r − 1 per axis). With 1-D transforms F(mh, rh) down the rows and
/// F(mw, rw) along the columns (Lavin & Gray's F(2×2, 3×3) and F(4×4, 3×3);
/// F(6×6, 3×3), F(2×2, 5×5), F(4×4, 5×5); F(1×2, 1×3 or 1×6, 1×7) and
/// F(2×1, 3×1 or 6×1, 7×1) for the 1×7 and 7×1 kernels),
///
///     Y = Ahᵀ [ (Gh g Gwᵀ) ⊙ (Bhᵀ d Bw) ] Aw
///
/// so per input/output channel pair a tile costs αh·αw multiplies instead of
/// mh·mw·rh·rw (F(2×2, 3×3): 16 for 36; F(4×4, 3×3): 36 for 144; F(6×6, 3×3):
/// 64 for 324; F(4×4, 5×5): 64 for 400; F(1×3, 1×7): 9 for 21; F(1×6, 1×7):
/// 12 for 42). Over all channels the αh·αw element-wise products become
/// matrix products V[ξ] (tiles × Cin) · U[ξ] (Cin × Cout), run by the same
/// micro-kernel as the direct convolution; the transforms are additions and
/// constant multiplies.
///
/// Work is cut into chunks of tiles sized so that a chunk's transformed
/// inputs and products stay in L2. Every tile is computed by the same code
/// whatever chunk it falls in, so results do not depend on the thread count
/// or on the other images of the batch.
final class WinogradConv2D: PreparedConvolution, @unchecked Sendable {
    // Sendable: every stored property is immutable after init.
    let inputChannels: Int
    let outputChannels: Int
    let padding: Padding
    /// The transform down the rows (kernel height) and along the columns (kernel width).
    let rowAxis: WinogradAxisKind
    let columnAxis: WinogradAxisKind
    /// U[ξ] = (Gh g Gwᵀ)[ξ] for ξ = i·αw + j, each packed as a 1×1 convolution Cin → Cout.
    let transformed: [PackedConv2D]
    /// Bias per output channel, zero-padded to whole blocks of 16.
    let bias: AlignedBuffer
    /// The kernel set the transforms and products run on.
    let path: SIMDPath
    /// The kernel as given (U cannot give it back): in a temporary file
    /// when the model gave one, so it does not stay resident beside U.
    let given: KernelCopy

    var blocks: Int { (outputChannels + 15) / 16 }
    /// Output pixels per tile: rows × columns.
    var tile: Tile { Tile(rows: rowAxis.type.outputs, columns: columnAxis.type.outputs) }

    /// Output pixels per tile along each axis (1 along an axis of kernel extent 1).
    struct Tile: Equatable, Sendable, CustomStringConvertible {
        let rows: Int, columns: Int
        var description: String { "\(rows)×\(columns)" }
    }

    /// The tile that a convolution with this kernel shape and strides runs
    /// with here, or nil where Winograd does not pay off or does not apply.
    /// `pixels` is the output's height × width per IMAGE, never the batch's,
    /// so that an image's result does not depend on the batch it is in.
    ///
    /// - 3×3 with at least 256 output pixels: 4×4 tiles (F(4×4, 3×3)), 6×6
    ///   (F(6×6, 3×3), 64 multiplies for 324) from 35×35 output pixels on
    ///   (the stem and the 35×35 blocks; 35 = 6 · 6 − 1 wastes no more than
    ///   F(4×4)'s 9 · 4 − 1). F(4×4) beat F(2×2) on every such layer of
    ///   Inception V3, the Cin = 32 stem included; F(6×6) beats F(4×4) by
    ///   15–20% on each, for U 64/9 the size of g against 36/9 (the 35×35
    ///   blocks' layers: 6 MB more; 2% off a batch of 8, peak memory at batch
    ///   1 still under 200 MB).
    /// - 3×3 with 64 to 255 output pixels (the 8×8 blocks' 448 → 384):
    ///   2×2 tiles (F(2×2, 3×3), 16 multiplies for 36). Both there take
    ///   1.06 ms at batch 1 direct, compute-bound, not weight-bound; F(2×2)
    ///   halves their time at batch 8 for U 11 MB each against g's 6.2.
    /// - 1×3 and 3×1 with at least 64 output pixels (the 8×8 blocks' eight
    ///   384 → 384): tiles of 1×2 and 2×1 (F(2, 3), 4 multiplies for 6;
    ///   F(4, 3) saved little more for 1.5 times the memory).
    /// - 5×5 with at least 256 output pixels (the 35×35 blocks' 48 → 64):
    ///   4×4 tiles (F(4×4, 5×5), 64 multiplies for 400; 2.1 times faster
    ///   than F(2×2, 5×5) there).
    /// - 1×7 and 7×1 with at least 256 output pixels (the 17×17 blocks):
    ///   tiles of 1×6 and 6×1 (F(6, 7) along the long axis: 12 multiplies
    ///   for 42; 17 = 3 · 6 − 1, so a line of 17 is 36 products where
    ///   F(3, 7) takes 54 and F(2, 7) 72).
    static func tile(kernel shape: [Int], strides: (Int, Int), pixels: Int) -> Tile? {
        guard shape.count == 4, strides == (1, 1), pixels >= 64 else { return nil }
        switch (shape[0], shape[1]) {
        case (1, 3): return Tile(rows: 1, columns: 2)
        case (3, 1): return Tile(rows: 2, columns: 1)
        case (3, 3) where pixels < 256: return Tile(rows: 2, columns: 2)
        case _ where pixels < 256: return nil
        case (3, 3): return pixels >= 35 * 35 ? Tile(rows: 6, columns: 6) : Tile(rows: 4, columns: 4)
        case (5, 5): return Tile(rows: 4, columns: 4)
        case (1, 7): return Tile(rows: 1, columns: 6)
        case (7, 1): return Tile(rows: 6, columns: 1)
        default: return nil
        }
    }

    /// Whether `tile(kernel:strides:pixels:)` picks Winograd for this layer.
    static func suits(kernel shape: [Int], strides: (Int, Int), pixels: Int) -> Bool {
        tile(kernel: shape, strides: strides, pixels: pixels) != nil
    }

    /// Transforms `kernel` (rh, rw, cin, cout) row-major for tiles of `tile`
    /// output pixels (by default what `tile(kernel:strides:pixels:)` picks
    /// for a large image). `scale` multiplies each output channel's kernel
    /// (batch norm folding); `bias` is added after. The transforms and the
    /// products run on `path`'s kernels (the products without bias: it is
    /// added after the output transform). The kernel itself is kept as
    /// given, in `kernelFile` if there is one (see `KernelFile`).
    init(kernel: UnsafeBufferPointer<Float>, shape: [Int], bias: [Float]? = nil, scale: [Float]? = nil,
         padding: Padding, tile: Tile? = nil, path: SIMDPath = .active, kernelFile: KernelFile? = nil) {
        precondition(shape.count == 4 && shape.allSatisfy { $0 >= 1 },
                     "WinogradConv2D: kernel shape \(shape) is not (rh, rw, cin, cout)")
        precondition(kernel.count == shape.reduce(1, *),
                     "WinogradConv2D: \(kernel.count) scalars for kernel shape \(shape)")
        let (rh, rw, cin, cout) = (shape[0], shape[1], shape[2], shape[3])
        let tile = tile ?? WinogradConv2D.tile(kernel: shape, strides: (1, 1), pixels: .max) ?? Tile(rows: 0, columns: 0)
        guard let rowAxis = WinogradAxisKind(taps: rh, outputs: tile.rows),
              let columnAxis = WinogradAxisKind(taps: rw, outputs: tile.columns),
              KernelsAVX2.WinogradTransforms.supports(rowAxis: rowAxis.rawValue, columnAxis: columnAxis.rawValue)
        else {
            preconditionFailure("WinogradConv2D: no transform for kernel \(rh)×\(rw) with \(tile) tiles "
                                + "(expected 3×3 or 5×5 with 2×2 or 4×4, 3×3 with 6×6, 1×7 with 1×2, 1×3 or 1×6, "
                                + "7×1 with 2×1, 3×1 or 6×1, 1×3 with 1×2 or 1×4, 3×1 with 2×1 or 4×1)")
        }
        if let bias { precondition(bias.count == cout, "WinogradConv2D: \(bias.count) biases for \(cout) channels") }
        if let scale { precondition(scale.count == cout, "WinogradConv2D: \(scale.count) scales for \(cout) channels") }
        inputChannels = cin
        outputChannels = cout
        self.padding = padding
        self.path = path
        self.rowAxis = rowAxis
        self.columnAxis = columnAxis
        self.given = KernelCopy(kernel, file: kernelFile)
        // u[i·αw + j][ci][co] = Σ_{y,x} Gh[i][y] · Gw[j][x] · g[y][x], with
        // g = kernel[·, ·, ci, co] · scale[co], in Double, rounded once; each
        // step runs over all co at once (contiguous in the kernel and in u).
        let gh = rowAxis.type.kernelTransform, gw = columnAxis.type.kernelTransform
        let ah = gh.count, aw = gw.count
        var u = [[Float]](repeating: [Float](repeating: 0, count: cin * cout), count: ah * aw)
        let scales = (0..<cout).map { Double(scale?[$0] ?? 1) }
        var g = [Double](repeating: 0, count: rh * rw * cout)    // g[(y · rw + x) · cout + co]
        var hg = [Double](repeating: 0, count: ah * rw * cout)   // (Gh g)[(i · rw + x) · cout + co]
        var ug = [Double](repeating: 0, count: cout)
        for ci in 0..<cin {
            for k in 0..<(rh * rw) {
                for co in 0..<cout { g[k * cout + co] = Double(kernel[(k * cin + ci) * cout + co]) * scales[co] }
            }
            for i in 0..<ah {
                for x in 0..<rw {
                    for co in 0..<cout { hg[(i * rw + x) * cout + co] = 0 }
                    for y in 0..<rh where gh[i][y] != 0 {
                        let factor = gh[i][y]
                        for co in 0..<cout { hg[(i * rw + x) * cout + co] += factor * g[(y * rw + x) * cout + co] }
                    }
                }
            }
            for i in 0..<ah {
                for j in 0..<aw {
                    for co in 0..<cout { ug[co] = 0 }
                    for x in 0..<rw where gw[j][x] != 0 {
                        let factor = gw[j][x]
                        for co in 0..<cout { ug[co] += factor * hg[(i * rw + x) * cout + co] }
                    }
                    for co in 0..<cout { u[i * aw + j][ci * cout + co] = Float(ug[co]) }
                }
            }
        }
        transformed = u.map { matrix in
            matrix.withUnsafeBufferPointer { PackedConv2D(kernel: $0, shape: [1, 1, cin, cout], padding: .valid, path: path) }
        }
        self.bias = AlignedBuffer(count: (cout + 15) / 16 * 16)
        if let bias { self.bias.base.update(from: bias, count: cout) }
    }

    /// True: U = G g Gᵀ (with the scale folded in) does not give g back
    /// exactly, but the layer keeps a copy of it (`given`).
    var givesKernelBack: Bool { true }

    /// The kernel as given, read back from its copy.
    func kernel() -> [Float]? { given.scalars }

    /// Output extent for an input of `height` × `width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (padding.window(input: height, kernel: rowAxis.type.taps, stride: 1).output,
         padding.window(input: width, kernel: columnAxis.type.taps, stride: 1).output)
    }

    /// output = conv(input) + bias, then max(·, 0) if `relu`. Uses all threads.
    func apply(_ input: FeatureMap, _ output: FeatureMap, relu: Bool) {
        let (oh, ow) = checkedOutputSize(input, output, kernel: "WinogradConv2D")
        if output.pixels == 0 { return }
        let (h, w) = (rowAxis.type, columnAxis.type)
        let grid = TileGrid(batch: input.batch, rows: (oh + h.outputs - 1) / h.outputs,
                            columns: (ow + w.outputs - 1) / w.outputs,
                            padTop: padding.window(input: input.height, kernel: h.taps, stride: 1).before,
                            padLeft: padding.window(input: input.width, kernel: w.taps, stride: 1).before)
        // A chunk's V (α² × tiles × Cin) and M (α² × tiles × 16·blocks) take
        // at most half of L2; at least 4 chunks per thread for balance.
        let threads = Parallel.threadCount, points = h.points * w.points
        let perTileBytes = points * (inputChannels + blocks * 16) * 4
        let byCache = max(6, PackedConv2D.Schedule.cacheBudget / 2 / perTileBytes)
        let byThreads = (grid.count + threads * Parallel.partsPerThread - 1) / (threads * Parallel.partsPerThread)
        // Whole groups of 6 tiles (the micro-kernel's rows); rounding the
        // thread share up, not down, keeps the chunk count at 4 per thread.
        let perChunk = max(6, min(byCache / 6 * 6, (byThreads + 5) / 6 * 6))
        let chunks = (grid.count + perChunk - 1) / perChunk
        Parallel.forEach(parts: chunks) { chunk in
            let tiles = (chunk * perChunk)..<min(grid.count, (chunk + 1) * perChunk)
            run(tiles: tiles, capacity: perChunk, of: grid, input, output, relu: relu)
        }
    }

    /// Where the tiles lie: tile t is image t / (rows·columns), tile row and
    /// column within it; its window starts at input (mh·row - padTop, mw·column - padLeft).
    struct TileGrid {
        let batch: Int, rows: Int, columns: Int, padTop: Int, padLeft: Int
        var count: Int { batch * rows * columns }
    }

    /// One chunk: input transform → αh·αw products → output transform. The
    /// transforms run on `path`'s build of WinogradTransforms (on AVX-512,
    /// a 16-channel vector is one register), the products on its micro-kernels.
    private func run(tiles: Range<Int>, capacity: Int, of grid: TileGrid, _ input: FeatureMap,
                     _ output: FeatureMap, relu: Bool) {
        // V's rows hold Cin rounded up to whole vectors (the lanes past Cin
        // are transforms of zeros, and the products read only Cin of them),
        // M's rows 16·blocks: every point and row of both starts on a whole
        // vector, so the transforms read and write them as vectors.
        let vRow = (inputChannels + 15) / 16 * 16, width = blocks * 16
        let points = rowAxis.type.points * columnAxis.type.points
        let scratch = Scratch.shared.take(count: points * capacity * (vRow + width))
        defer { Scratch.shared.give(scratch) }
        let v = scratch.base                                  // V[ξ][tile][ci]
        let m = scratch.base + points * capacity * vRow       // M[ξ][tile][co]
        let axes = (rowAxis.rawValue, columnAxis.rawValue)
        switch path {
        case .avx512:
            KernelsAVX512.WinogradTransforms.input(
                rowAxis: axes.0, columnAxis: axes.1, tiles: tiles, gridRows: grid.rows, gridColumns: grid.columns,
                padTop: grid.padTop, padLeft: grid.padLeft, input: input.base, height: input.height,
                width: input.width, pixelStride: input.pixelStride, channels: inputChannels, v: v, vRow: vRow,
                xiStride: capacity * vRow)
        case .avx2:
            KernelsAVX2.WinogradTransforms.input(
                rowAxis: axes.0, columnAxis: axes.1, tiles: tiles, gridRows: grid.rows, gridColumns: grid.columns,
                padTop: grid.padTop, padLeft: grid.padLeft, input: input.base, height: input.height,
                width: input.width, pixelStride: input.pixelStride, channels: inputChannels, v: v, vRow: vRow,
                xiStride: capacity * vRow)
        }
        let mr = PackedConv2D.rowsPerTile
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: mr) { rows in
            for xi in 0..<points {
                let u = transformed[xi], vxi = v + xi * capacity * vRow, mxi = m + xi * capacity * width
                for columnTile in 0..<u.columnTiles {
                    var t0 = 0
                    while t0 < tiles.count {
                        let count = min(mr, tiles.count - t0)
                        for r in 0..<mr { rows[r] = UnsafePointer(vxi + (t0 + min(r, count - 1)) * vRow) }
                        u.multiply(rows: UnsafePointer(rows.baseAddress!), taps: 1, columnTile: columnTile,
                                   out: mxi + t0 * width, outStride: width, rowCount: count, relu: false)
                        t0 += mr
                    }
                }
            }
        }
        switch path {
        case .avx512:
            KernelsAVX512.WinogradTransforms.output(
                rowAxis: axes.0, columnAxis: axes.1, tiles: tiles, gridRows: grid.rows, gridColumns: grid.columns,
                m: m, mRow: width, xiStride: capacity * width, output: output.base, height: output.height,
                width: output.width, pixelStride: output.pixelStride, channels: outputChannels, bias: bias.base,
                relu: relu)
        case .avx2:
            KernelsAVX2.WinogradTransforms.output(
                rowAxis: axes.0, columnAxis: axes.1, tiles: tiles, gridRows: grid.rows, gridColumns: grid.columns,
                m: m, mRow: width, xiStride: capacity * width, output: output.base, height: output.height,
                width: output.width, pixelStride: output.pixelStride, channels: outputChannels, bias: bias.base,
                relu: relu)
        }
    }
}

/// Reusable working memory for the chunks of `WinogradConv2D` (a few hundred
/// KB each): allocating it per chunk cost page faults and zero-filling on
/// every call. A chunk takes a buffer at least as large as it needs and gives
/// it back; each is at most half of L2 (or 6 tiles' worth), and only a few
/// exist: one per chunk running at once, per larger size met.
private final class Scratch: @unchecked Sendable {
    // Sendable: `idle` is only touched under `lock`; a taken buffer belongs
    // to one chunk until it is given back.
    private let lock = NSLock()
    private var idle: [AlignedBuffer] = []

    static let shared = Scratch()

    /// A buffer of at least `count` floats (contents undefined).
    func take(count: Int) -> AlignedBuffer {
        let found: AlignedBuffer? = lock.withLock {
            guard let i = idle.firstIndex(where: { $0.count >= count }) else { return nil }
            return idle.remove(at: i)
        }
        return found ?? AlignedBuffer(count: count)
    }

    func give(_ buffer: AlignedBuffer) {
        lock.withLock { idle.append(buffer) }
    }
}
