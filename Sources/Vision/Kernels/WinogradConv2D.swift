// WinogradConv2D.swift — 3×3, stride-1 convolution by Winograd's F(2×2, 3×3),
// channels last, Float32, with a fused per-channel bias and optional ReLU.
//
//   input   (N, H, W, Cin)
//   kernel  (3, 3, Cin, Cout)   Keras' layout, transformed once at load time
//   output  (N, Ho, Wo, Cout)   Ho, Wo and the padding by TF's rule (Padding.window)
//
// Same contract as PackedConv2D (the definition is `Reference.conv2D`): the
// same sums reached by another route, so results differ from the direct
// convolution by Float32 rounding only.
import Foundation

/// A 3×3 stride-1 convolution computed as 16 GEMMs of a quarter of the size.
///
/// Each 2×2 block of output pixels ("tile") needs a 4×4 window d of the
/// input. With Lavin & Gray's F(2×2, 3×3),
///
///     Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
///
/// so per input/output channel pair a tile costs 16 multiplies instead of
/// 36 (2.25× fewer). Over all channels the 16 element-wise products become
/// 16 matrix products V[ξ] (tiles × Cin) · U[ξ] (Cin × Cout), run by the same
/// micro-kernel as the direct convolution; the transforms are additions only
/// (and halvings in G, exact in binary).
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
    /// U[ξ] = (G g Gᵀ)[ξ] for ξ = 4i + j, each packed as a 1×1 convolution Cin → Cout.
    let transformed: [PackedConv2D]
    /// Bias per output channel, zero-padded to whole blocks of 16.
    let bias: AlignedBuffer

    var blocks: Int { (outputChannels + 15) / 16 }

    /// Whether a convolution with this kernel shape and strides can run here,
    /// and pays off: `pixels` is the output's height × width per image
    /// (small late layers are weight-bound, and U is 16/9 the size of g).
    /// It is decided per image, never per batch, so that an image's result
    /// does not depend on the batch it is in.
    static func suits(kernel shape: [Int], strides: (Int, Int), pixels: Int) -> Bool {
        shape.count == 4 && shape[0] == 3 && shape[1] == 3 && strides == (1, 1) && pixels >= 256
    }

    /// Transforms `kernel` (3, 3, cin, cout) row-major. `scale` multiplies
    /// each output channel's kernel (batch norm folding); `bias` is added
    /// after. The 16 products run on `path`'s micro-kernels, without bias
    /// (the transformed convolutions have none; it is added after the output transform).
    init(kernel: UnsafeBufferPointer<Float>, shape: [Int], bias: [Float]? = nil, scale: [Float]? = nil,
         padding: Padding, path: SIMDPath = .active) {
        precondition(shape.count == 4 && shape[0] == 3 && shape[1] == 3 && shape[2] >= 1 && shape[3] >= 1,
                     "WinogradConv2D: kernel shape \(shape) is not (3, 3, cin, cout)")
        precondition(kernel.count == shape.reduce(1, *),
                     "WinogradConv2D: \(kernel.count) scalars for kernel shape \(shape)")
        let cin = shape[2], cout = shape[3]
        if let bias { precondition(bias.count == cout, "WinogradConv2D: \(bias.count) biases for \(cout) channels") }
        if let scale { precondition(scale.count == cout, "WinogradConv2D: \(scale.count) scales for \(cout) channels") }
        inputChannels = cin
        outputChannels = cout
        self.padding = padding
        // u[ξ][ci][co] = (G g Gᵀ)[ξ] with g = kernel[·, ·, ci, co] · scale[co];
        // G = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]].
        var u = [[Float]](repeating: [Float](repeating: 0, count: cin * cout), count: 16)
        for ci in 0..<cin {
            for co in 0..<cout {
                let s = scale?[co] ?? 1
                var g = [Float](repeating: 0, count: 9) // g[y * 3 + x]
                for k in 0..<9 { g[k] = kernel[(k * cin + ci) * cout + co] * s }
                let gg = WinogradConv2D.halfSums(g, stride: 3, step: 1)  // G g: 4 × 3, gg[i * 3 + x]
                let u4 = WinogradConv2D.halfSums(gg, stride: 1, step: 3) // (G g) Gᵀ: 4 × 4, u4[j * 4 + i]
                for i in 0..<4 { for j in 0..<4 { u[i * 4 + j][ci * cout + co] = u4[j * 4 + i] } }
            }
        }
        transformed = u.map { matrix in
            matrix.withUnsafeBufferPointer { PackedConv2D(kernel: $0, shape: [1, 1, cin, cout], padding: .valid, path: path) }
        }
        self.bias = AlignedBuffer(count: (cout + 15) / 16 * 16)
        if let bias { self.bias.base.update(from: bias, count: cout) }
    }

    /// G applied along one axis of a matrix `a` of `lines` × 3 values: line
    /// o holds a[o·step + k·stride], k = 0, 1, 2, and becomes [a0, ½(a0 + a1 + a2),
    /// ½(a0 - a1 + a2), a2]; the result holds value r of line o at r·lines + o.
    private static func halfSums(_ a: [Float], stride: Int, step: Int) -> [Float] {
        let lines = a.count / 3
        var result = [Float](repeating: 0, count: 4 * lines)
        for o in 0..<lines {
            let a0 = a[o * step], a1 = a[o * step + stride], a2 = a[o * step + 2 * stride]
            let sum = a0 + a1 + a2, difference = a0 - a1 + a2
            result[0 * lines + o] = a0
            result[1 * lines + o] = sum * 0.5
            result[2 * lines + o] = difference * 0.5
            result[3 * lines + o] = a2
        }
        return result
    }

    /// False: U = G g Gᵀ (with the scale folded in) does not give g back
    /// exactly, so whoever needs the kernel keeps it.
    var givesKernelBack: Bool { false }

    /// nil (see `givesKernelBack`).
    func kernel() -> [Float]? { nil }

    /// Output extent for an input of `height` × `width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (padding.window(input: height, kernel: 3, stride: 1).output,
         padding.window(input: width, kernel: 3, stride: 1).output)
    }

    /// output = conv(input) + bias, then max(·, 0) if `relu`. Uses all threads.
    func apply(_ input: FeatureMap, _ output: FeatureMap, relu: Bool) {
        let (oh, ow) = checkedOutputSize(input, output, kernel: "WinogradConv2D")
        if output.pixels == 0 { return }
        let grid = TileGrid(batch: input.batch, rows: (oh + 1) / 2, columns: (ow + 1) / 2,
                            padTop: padding.window(input: input.height, kernel: 3, stride: 1).before,
                            padLeft: padding.window(input: input.width, kernel: 3, stride: 1).before)
        // A chunk's V (16 × tiles × Cin) and M (16 × tiles × 16·blocks) take
        // at most half of L2; at least 4 chunks per thread for balance.
        let threads = Parallel.threadCount
        let perTileBytes = 16 * (inputChannels + blocks * 16) * 4
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
    /// column within it; its window starts at input (2·row - padTop, 2·column - padLeft).
    struct TileGrid {
        let batch: Int, rows: Int, columns: Int, padTop: Int, padLeft: Int
        var count: Int { batch * rows * columns }
    }

    /// One chunk: input transform → 16 products → output transform.
    private func run(tiles: Range<Int>, capacity: Int, of grid: TileGrid,
                     _ input: FeatureMap, _ output: FeatureMap, relu: Bool) {
        let cin = inputChannels, width = blocks * 16
        let scratch = Scratch.shared.take(count: 16 * capacity * (cin + width))
        defer { Scratch.shared.give(scratch) }
        let v = scratch.base                              // V[ξ][tile][ci]
        let m = scratch.base + 16 * capacity * cin       // M[ξ][tile][co]
        for (t, tile) in tiles.enumerated() {
            transformInput(tile: tile, of: grid, input, into: v + t * cin, xiStride: capacity * cin)
        }
        let mr = PackedConv2D.rowsPerTile
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: mr) { rows in
            for xi in 0..<16 {
                let u = transformed[xi], vxi = v + xi * capacity * cin, mxi = m + xi * capacity * width
                for columnTile in 0..<u.columnTiles {
                    var t0 = 0
                    while t0 < tiles.count {
                        let count = min(mr, tiles.count - t0)
                        for r in 0..<mr { rows[r] = UnsafePointer(vxi + (t0 + min(r, count - 1)) * cin) }
                        u.multiply(rows: UnsafePointer(rows.baseAddress!), taps: 1, columnTile: columnTile,
                                   out: mxi + t0 * width, outStride: width, rowCount: count, relu: false)
                        t0 += mr
                    }
                }
            }
        }
        for (t, tile) in tiles.enumerated() {
            transformOutput(tile: tile, of: grid, from: m + t * width, xiStride: capacity * width,
                            output, relu: relu)
        }
    }

    /// V = Bᵀ d B for one tile, 16 input channels at a time (the last group
    /// zero-filled past Cin); V[ξ] goes to `v + ξ · xiStride`. Window cells
    /// outside the input (padding) are zeros.
    /// Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]].
    @inline(__always)
    private func transformInput(tile: Int, of grid: TileGrid, _ input: FeatureMap,
                                into v: UnsafeMutablePointer<Float>, xiStride: Int) {
        let n = tile / (grid.rows * grid.columns), row = (tile / grid.columns) % grid.rows
        let y0 = 2 * row - grid.padTop, x0 = 2 * (tile % grid.columns) - grid.padLeft
        let image = input.base + n * input.height * input.width * input.pixelStride
        // d and Bᵀ d, 16 vectors each, on the stack.
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 32) { scratch in
        let d = scratch.baseAddress!, e = d + 16
        var c = 0
        while c < inputChannels {
            let count = min(16, inputChannels - c)
            for i in 0..<16 { d[i] = SIMD16() }
            for y in 0..<4 where y0 + y >= 0 && y0 + y < input.height {
                for x in 0..<4 where x0 + x >= 0 && x0 + x < input.width {
                    d[y * 4 + x] = WinogradConv2D.load(image + ((y0 + y) * input.width + x0 + x) * input.pixelStride + c,
                                                       count)
                }
            }
            // Bᵀ d: rows of the 4 × 4 window combined.
            for x in 0..<4 {
                e[x] = d[x] - d[8 + x]
                e[4 + x] = d[4 + x] + d[8 + x]
                e[8 + x] = d[8 + x] - d[4 + x]
                e[12 + x] = d[4 + x] - d[12 + x]
            }
            // (Bᵀ d) B: columns combined.
            for i in 0..<4 {
                let r = 4 * i
                let out = v + c
                WinogradConv2D.store(e[r] - e[r + 2], out + (r + 0) * xiStride, count)
                WinogradConv2D.store(e[r + 1] + e[r + 2], out + (r + 1) * xiStride, count)
                WinogradConv2D.store(e[r + 2] - e[r + 1], out + (r + 2) * xiStride, count)
                WinogradConv2D.store(e[r + 1] - e[r + 3], out + (r + 3) * xiStride, count)
            }
            c += 16
        }
        }
    }

    /// Y = Aᵀ M A + bias (then ReLU) for one tile, written to the output
    /// pixels that exist (odd sizes drop the last row or column of Y).
    /// Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]].
    @inline(__always)
    private func transformOutput(tile: Int, of grid: TileGrid, from m: UnsafeMutablePointer<Float>, xiStride: Int,
                                 _ output: FeatureMap, relu: Bool) {
        let n = tile / (grid.rows * grid.columns), row = (tile / grid.columns) % grid.rows
        let oy = 2 * row, ox = 2 * (tile % grid.columns)
        let image = output.base + n * output.height * output.width * output.pixelStride
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 8) { scratch in
        let s = scratch.baseAddress! // Aᵀ M: 2 × 4
        var c = 0
        while c < outputChannels {
            let count = min(16, outputChannels - c)
            for x in 0..<4 {
                let m0 = WinogradConv2D.load(m + (0 + x) * xiStride + c, 16)
                let m1 = WinogradConv2D.load(m + (4 + x) * xiStride + c, 16)
                let m2 = WinogradConv2D.load(m + (8 + x) * xiStride + c, 16)
                let m3 = WinogradConv2D.load(m + (12 + x) * xiStride + c, 16)
                s[x] = m0 + m1 + m2
                s[4 + x] = m1 - m2 - m3
            }
            let beta = WinogradConv2D.load(bias.base + c, 16)
            for i in 0..<2 where oy + i < output.height {
                let r = 4 * i
                let y0 = s[r] + s[r + 1] + s[r + 2] + beta
                let y1 = s[r + 1] - s[r + 2] - s[r + 3] + beta
                let line = image + (oy + i) * output.width * output.pixelStride + c
                WinogradConv2D.store(relu ? y0.maximum(SIMD16()) : y0, line + ox * output.pixelStride, count)
                if ox + 1 < output.width {
                    WinogradConv2D.store(relu ? y1.maximum(SIMD16()) : y1, line + (ox + 1) * output.pixelStride, count)
                }
            }
            c += 16
        }
        }
    }

    /// The first `count` of 16 values at `source`; the rest zero.
    @inline(__always)
    private static func load(_ source: UnsafePointer<Float>, _ count: Int) -> SIMD16<Float> {
        if count == 16 { return UnsafeRawPointer(source).loadUnaligned(as: SIMD16<Float>.self) }
        var value = SIMD16<Float>()
        for i in 0..<count { value[i] = source[i] }
        return value
    }

    /// Writes the first `count` lanes of `value` to `target`.
    @inline(__always)
    private static func store(_ value: SIMD16<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 16 {
            UnsafeMutableRawPointer(target).storeBytes(of: value, as: SIMD16<Float>.self)
        } else {
            for i in 0..<count { target[i] = value[i] }
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
