// Conv2D.swift — 2-D convolution, channels last, Float32, with a fused
// per-channel scale and bias (batch norm, in Keras' order) and optional ReLU.
//
//   input   (N, H, W, Cin)
//   kernel  (kh, kw, Cin, Cout)   Keras' own layout: .h5 weights load unpermuted
//   output  (N, Ho, Wo, Cout)     Ho, Wo and the padding by TF's rule (Padding.window)
//
// The definition is `Reference.conv2D` in Tests/VisionTests; this fast path
// must agree with it to 1e-5 (absolute, or relative for values above 1).
import Foundation
import KernelsAVX2
import KernelsAVX512

/// A convolution whose weights were prepared at load time for its kernel:
/// the model runs every Conv2D (and the Dense layer) through this one call.
protocol PreparedConvolution: Sendable {
    /// Channels the kernel reads.
    var inputChannels: Int { get }
    /// Channels the kernel writes.
    var outputChannels: Int { get }
    /// The output's spatial size for an input of this size.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int)
    /// output = conv(input) (times the scale, if the convolution has one) + bias,
    /// then max(·, 0) if `relu`. Uses all threads.
    func apply(_ input: FeatureMap, _ output: FeatureMap, relu: Bool)
    /// Whether `kernel()` gives the kernel back. When it does, the model
    /// lets go of its own copy (InceptionV3's `retained`); decided by asking,
    /// never by layer kind.
    var givesKernelBack: Bool { get }
    /// The kernel exactly as given, (kh, kw, Cin, Cout) row-major, bit for
    /// bit; nil if the preparation transformed it and cannot give it back
    /// (the model then keeps the original itself).
    func kernel() -> [Float]?
}

extension PreparedConvolution {
    /// The output's spatial size, after checking that `input` has the
    /// kernel's channels and `output` is the view the convolution fills
    /// (a programming error otherwise, named after `kernel`).
    func checkedOutputSize(_ input: FeatureMap, _ output: FeatureMap, kernel: String) -> (height: Int, width: Int) {
        let (oh, ow) = outputSize(height: input.height, width: input.width)
        precondition(input.channels == inputChannels,
                     "\(kernel): input has \(input.channels) channels, kernel expects \(inputChannels)")
        precondition(output.batch == input.batch && output.height == oh && output.width == ow
                     && output.channels == outputChannels,
                     "\(kernel): output view \([output.batch, output.height, output.width, output.channels]) "
                     + "but the convolution gives \([input.batch, oh, ow, outputChannels])")
        return (oh, ow)
    }
}

/// A convolution whose kernel has been packed for the micro-kernel.
///
/// Packing happens once, at load time: the kernel is cut into blocks of 16
/// output channels, each a contiguous panel `[tap][cin][16]` padded with
/// zeros, so the hot loop reads it front to back. The panels are a
/// permutation of the kernel, unscaled, so `kernel()` gives it back exactly.
/// An optional per-output-channel scale (batch norm's 1/sqrt(var + eps)) is
/// applied as each tile is stored, acc · scale + bias in one fused
/// multiply-add: Keras' own order (conv, then x · inv + (beta − mean · inv)).
///
/// The product is an implicit GEMM (XNNPACK calls it indirect convolution):
/// rows are output pixels, columns output channels, and the depth K runs over
/// taps × Cin. For each tile of 6 output pixels the driver builds a table of
/// row pointers, one per (tap, pixel), into the NHWC input — or into a row of
/// zeros where the tap falls into padding — so no im2col copy is made and a
/// 1×1 convolution is a plain GEMM straight from NHWC. A caller whose views
/// never move (a ForwardPlan) builds the tables once instead: `RowTable`.
final class PackedConv2D: PreparedConvolution, @unchecked Sendable {
    // Sendable: every stored property is immutable after init.
    let kernelHeight: Int
    let kernelWidth: Int
    let inputChannels: Int
    let outputChannels: Int
    let strideHeight: Int
    let strideWidth: Int
    let padding: Padding
    /// Blocks of 16 output channels: [block][tap][cin][16].
    let panels: AlignedBuffer
    /// Scale per output channel (ones when none was given), zero-padded to whole blocks.
    let scale: AlignedBuffer
    /// Bias per output channel, zero-padded to whole blocks.
    let bias: AlignedBuffer
    /// `kw · inputChannels` zeros: the row that taps in the padding read.
    let zeros: AlignedBuffer
    /// Which micro-kernels run: AVX2's 6 × 16 or AVX-512's 6 × 64 tiles.
    let path: SIMDPath

    /// MR: output pixels per micro-tile (NR is the path's `tileWidth`).
    static let rowsPerTile = 6

    var taps: Int { kernelHeight * kernelWidth }
    var depth: Int { taps * inputChannels }
    var blocks: Int { (outputChannels + 15) / 16 }
    /// Output channels one micro-kernel call writes (16 or 64).
    var tileWidth: Int { path.tileWidth }
    /// Column tiles: calls per row tile to cover every output channel.
    var columnTiles: Int { (outputChannels + tileWidth - 1) / tileWidth }

    /// Packs `kernel` (kh, kw, cin, cout) row-major. Each output channel's
    /// sum is multiplied by `scale` (batch norm) and `bias` is added, in one
    /// fused multiply-add; without a scale the result is exactly sum + bias.
    /// `path` picks the micro-kernels (tests run both; results are the same).
    init(kernel: UnsafeBufferPointer<Float>, shape: [Int], bias: [Float]? = nil, scale: [Float]? = nil,
         strides: (Int, Int) = (1, 1), padding: Padding, path: SIMDPath = .active) {
        precondition(path.isSupported, "PackedConv2D: this CPU cannot run the \(path.rawValue) kernels")
        self.path = path
        precondition(shape.count == 4 && shape.allSatisfy { $0 >= 1 },
                     "PackedConv2D: kernel shape \(shape) is not (kh, kw, cin, cout)")
        precondition(kernel.count == shape.reduce(1, *),
                     "PackedConv2D: \(kernel.count) scalars for kernel shape \(shape)")
        precondition(strides.0 >= 1 && strides.1 >= 1, "PackedConv2D: strides \(strides)")
        kernelHeight = shape[0]
        kernelWidth = shape[1]
        inputChannels = shape[2]
        outputChannels = shape[3]
        strideHeight = strides.0
        strideWidth = strides.1
        self.padding = padding
        let cout = shape[3], depth = shape[0] * shape[1] * shape[2], blocks = (cout + 15) / 16
        if let bias { precondition(bias.count == cout, "PackedConv2D: \(bias.count) biases for \(cout) channels") }
        if let scale { precondition(scale.count == cout, "PackedConv2D: \(scale.count) scales for \(cout) channels") }

        panels = AlignedBuffer(count: blocks * depth * 16)
        // Row k of a block's panel is 16 neighbouring values of kernel row
        // k: one vector copy each (by columns, every read was a cache miss).
        let source = kernel.baseAddress!
        for block in 0..<blocks {
            let panel = panels.base + block * depth * 16, columns = min(16, cout - block * 16)
            for k in 0..<depth {
                storeLanes(loadLanes(source + k * cout + block * 16, columns), panel + k * 16, columns)
            }
        }
        self.scale = AlignedBuffer(count: blocks * 16)
        if let scale {
            self.scale.base.update(from: scale, count: cout)
        } else {
            self.scale.base.update(repeating: 1, count: cout)
        }
        self.bias = AlignedBuffer(count: blocks * 16)
        if let bias { self.bias.base.update(from: bias, count: cout) }
        zeros = AlignedBuffer(count: shape[1] * shape[2])
    }

    /// The same convolution without its scale and bias: it shares `other`'s
    /// panels and stores the plain sums (scale 1, bias 0, so exactly acc),
    /// for a caller that applies the scale and bias after another linear
    /// step (ForwardPlan's average pool after a 1×1 convolution).
    init(unscaled other: PackedConv2D) {
        (kernelHeight, kernelWidth, inputChannels, outputChannels) =
            (other.kernelHeight, other.kernelWidth, other.inputChannels, other.outputChannels)
        (strideHeight, strideWidth, padding, path) = (other.strideHeight, other.strideWidth, other.padding, other.path)
        panels = other.panels
        zeros = other.zeros
        scale = AlignedBuffer(count: other.scale.count)
        scale.base.update(repeating: 1, count: scale.count)
        bias = AlignedBuffer(count: other.bias.count)
    }

    /// True: the panels are the kernel, permuted and padded.
    var givesKernelBack: Bool { true }

    /// The kernel as given, (kh, kw, cin, cout) row-major: the panels read
    /// back in the order they were written (a copy, so bit for bit).
    func kernel() -> [Float]? {
        let cout = outputChannels, depth = self.depth
        return [Float](unsafeUninitializedCapacity: depth * cout) { scalars, count in
            for block in 0..<blocks {
                let panel = panels.base + block * depth * 16
                for column in 0..<min(16, cout - block * 16) {
                    let co = block * 16 + column
                    for k in 0..<depth { scalars[k * cout + co] = panel[k * 16 + column] }
                }
            }
            count = depth * cout
        }
    }

    /// Output extent for an input of `height` × `width`.
    func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        (padding.window(input: height, kernel: kernelHeight, stride: strideHeight).output,
         padding.window(input: width, kernel: kernelWidth, stride: strideWidth).output)
    }

    /// output = conv(input) · scale + bias, then max(·, 0) if `relu`. Uses all threads.
    func apply(_ input: FeatureMap, _ output: FeatureMap, relu: Bool) {
        apply(input, output, relu: relu, rows: nil)
    }

    /// The same, reading row pointers from `rows` (a `RowTable` built for this
    /// convolution and these very views) instead of writing them per call.
    func apply(_ input: FeatureMap, _ output: FeatureMap, relu: Bool, rows: RowTable?) {
        _ = checkedOutputSize(input, output, kernel: "PackedConv2D")
        if output.pixels == 0 { return }
        rows?.check(for: self, input, output)
        let schedule = self.schedule(input, output)
        Parallel.forEach(parts: schedule.parts) { part in
            run(part: part, of: schedule, input, output, relu: relu, rows: rows)
        }
    }

    /// The schedule of one call from `input` into `output` on the current thread count.
    func schedule(_ input: FeatureMap, _ output: FeatureMap) -> Schedule {
        Schedule(pixels: output.pixels, panelBytes: depth * tileWidth * 4, blocks: columnTiles,
                 inputBytes: input.pixels * inputChannels * 4, threads: Parallel.threadCount)
    }

    /// How the (tile, block) pairs of one call are grouped for cache reuse and
    /// split between threads (a block here is a column tile: the output
    /// channels one micro-kernel call writes, `panelBytes` of packed kernel).
    /// A unit is (chunk of pixel tiles) × (group of
    /// channel blocks) sized so that its inputs and its panels fit in L2
    /// together; units follow each other chunk-major. Pairs are numbered in
    /// that order and each part takes a contiguous, equal share of them.
    struct Schedule {
        let tiles: Int, blocks: Int
        let tilesPerChunk: Int, blocksPerGroup: Int
        let chunks: Int, groups: Int
        let parts: Int

        /// Bytes of one core's L2 cache (sysconf; 512 KB if unknown).
        static let cacheBudget: Int = {
            #if os(Linux)
            let size = sysconf(Int32(_SC_LEVEL2_CACHE_SIZE))
            if size >= 128 * 1024 { return size }
            #endif
            return 512 * 1024
        }()

        /// `inputBytes` is the size of the whole input: a tile's share of it
        /// is what the tile brings into cache (neighbouring windows overlap).
        init(pixels: Int, panelBytes: Int, blocks: Int, inputBytes: Int, threads: Int) {
            precondition(pixels >= 1 && blocks >= 1, "Schedule: \(pixels) pixels, \(blocks) blocks")
            tiles = (pixels + PackedConv2D.rowsPerTile - 1) / PackedConv2D.rowsPerTile
            self.blocks = blocks
            let tileBytes = max(1, inputBytes / tiles), blockBytes = panelBytes
            let budget = Schedule.cacheBudget
            var perChunk: Int
            let perGroup: Int
            if blocks * blockBytes <= budget / 2 {
                // All panels stay in L2; pixels stream through in chunks.
                perGroup = blocks
                perChunk = max(1, (budget - blocks * blockBytes) / tileBytes)
            } else if tiles * tileBytes <= budget * 5 / 8 {
                // All pixels stay in L2 (small late layers); panels stream.
                perChunk = tiles
                perGroup = max(1, (budget - tiles * tileBytes) / blockBytes)
            } else {
                perChunk = max(1, budget / 2 / tileBytes)
                perGroup = max(1, budget / 2 / blockBytes)
            }
            // At most 64 tiles (384 pixels) per chunk: the row table stays small.
            perChunk = min(perChunk, 64)
            // Even out the chunks and groups so the last one is not a sliver.
            chunks = (tiles + min(perChunk, tiles) - 1) / min(perChunk, tiles)
            groups = (blocks + min(perGroup, blocks) - 1) / min(perGroup, blocks)
            tilesPerChunk = (tiles + chunks - 1) / chunks
            blocksPerGroup = (blocks + groups - 1) / groups
            parts = max(1, min(threads * Parallel.partsPerThread, tiles * blocks))
        }
    }

    /// Computes part `part` of the schedule: its share of (tile, block) pairs.
    /// Row pointers come from `rows` when given, otherwise each chunk's are
    /// written into a temporary table when the part first reaches it.
    func run(part: Int, of s: Schedule, _ input: FeatureMap, _ output: FeatureMap, relu: Bool, rows: RowTable?) {
        let mine = Parallel.slice(part, of: s.parts, count: s.tiles * s.blocks)
        if mine.isEmpty { return }
        if let rows {
            forEachUnit(of: s, overlapping: mine) { tiles, blocks, pairs in
                multiply(pairs, tiles: tiles, blocks: blocks, output, relu: relu) { rows.tile($0) }
            }
            return
        }
        let mr = PackedConv2D.rowsPerTile, taps = self.taps
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: s.tilesPerChunk) { merged in
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self,
                                      capacity: s.tilesPerChunk * taps * mr) { table in
            var filled = -1 // first tile of the chunk now in `table`
            forEachUnit(of: s, overlapping: mine) { tiles, blocks, pairs in
                if filled != tiles.lowerBound {
                    fillRowTable(table.baseAddress!, merged: merged.baseAddress!, tiles: tiles, input, output)
                    filled = tiles.lowerBound
                }
                multiply(pairs, tiles: tiles, blocks: blocks, output, relu: relu) { tile in
                    let t = tile - tiles.lowerBound
                    return (UnsafePointer(table.baseAddress! + t * taps * mr), merged[t] ? kernelHeight : taps)
                }
            }
        }
        }
    }

    /// Calls `body(tiles, blocks, pairs)` for each unit of `s` that shares
    /// pairs with `mine`, in schedule order; `pairs` are that share, numbered
    /// within the unit (block-major: pair = block · tiles.count + tile).
    private func forEachUnit(of s: Schedule, overlapping mine: Range<Int>,
                             _ body: (_ tiles: Range<Int>, _ blocks: Range<Int>, _ pairs: Range<Int>) -> Void) {
        var first = 0 // number of the unit's first pair
        for chunk in 0..<s.chunks {
            let tile0 = chunk * s.tilesPerChunk, tileCount = min(s.tilesPerChunk, s.tiles - tile0)
            for group in 0..<s.groups {
                let block0 = group * s.blocksPerGroup, blockCount = min(s.blocksPerGroup, s.blocks - block0)
                let unit = first..<(first + tileCount * blockCount)
                first = unit.upperBound
                let overlap = unit.clamped(to: mine)
                if overlap.isEmpty { continue }
                body(tile0..<(tile0 + tileCount), block0..<(block0 + blockCount),
                     (overlap.lowerBound - unit.lowerBound)..<(overlap.upperBound - unit.lowerBound))
            }
        }
    }

    /// The micro-tiles of `pairs` (numbered as in `forEachUnit`); `rows(tile)`
    /// gives a tile's row pointers and how many taps they list.
    @inline(__always)
    private func multiply(_ pairs: Range<Int>, tiles: Range<Int>, blocks: Range<Int>, _ output: FeatureMap,
                          relu: Bool, rows: (Int) -> (UnsafePointer<UnsafePointer<Float>>, Int)) {
        let mr = PackedConv2D.rowsPerTile
        for pair in pairs {
            let block = blocks.lowerBound + pair / tiles.count, tile = tiles.lowerBound + pair % tiles.count
            let pixel0 = tile * mr
            let (table, tileTaps) = rows(tile)
            multiply(rows: table, taps: tileTaps, columnTile: block, out: output.base + pixel0 * output.pixelStride,
                     outStride: output.pixelStride, rowCount: min(mr, output.pixels - pixel0), relu: relu)
        }
    }

    /// Row pointers for `tiles`: table[(tile * taps + tap) * 6 + row] is the
    /// start of the values output pixel `row` of `tile` reads at `tap`
    /// (ky, kx), or `zeros` in the padding. Rows past the last pixel repeat it.
    ///
    /// When no window of a tile crosses the left or right edge and input rows
    /// are dense, the kw taps of a kernel row read one contiguous run of
    /// kw·Cin values: the tile is `merged`, and lists only kx = 0 for each ky
    /// (kh taps of kw·Cin instead of kh·kw taps of Cin — fewer, longer inner
    /// loops; this is what makes the Cin = 3 stem fast). The panel's K order
    /// (ky, kx, ci) is the same either way.
    func fillRowTable(_ table: UnsafeMutablePointer<UnsafePointer<Float>>,
                      merged: UnsafeMutablePointer<Bool>, tiles: Range<Int>,
                      _ input: FeatureMap, _ output: FeatureMap) {
        let mr = PackedConv2D.rowsPerTile, taps = self.taps
        let padTop = padding.window(input: input.height, kernel: kernelHeight, stride: strideHeight).before
        let padLeft = padding.window(input: input.width, kernel: kernelWidth, stride: strideWidth).before
        let zero = UnsafePointer(zeros.base)
        let dense = input.pixelStride == inputChannels
        let lastPixel = output.pixels - 1
        if taps == 1 && strideHeight == 1 && strideWidth == 1 {
            // 1×1, stride 1 (no padding possible): output pixel p reads input pixel p.
            for (t, tile) in tiles.enumerated() {
                merged[t] = false
                for row in 0..<mr {
                    table[t * mr + row] = UnsafePointer(input.base + min(tile * mr + row, lastPixel) * input.pixelStride)
                }
            }
            return
        }
        withUnsafeTemporaryAllocation(of: (n: Int, iy: Int, ix: Int).self, capacity: mr) { origins in
            for (t, tile) in tiles.enumerated() {
                // Where each row's window starts, stepping pixel by pixel from
                // the tile's first (rows past the last pixel repeat it).
                let first = min(tile * mr, lastPixel)
                var x = first % output.width, y = (first / output.width) % output.height
                var n = first / (output.width * output.height)
                var merge = dense && kernelWidth > 1
                for row in 0..<mr {
                    let ix0 = x * strideWidth - padLeft
                    origins[row] = (n, y * strideHeight - padTop, ix0)
                    merge = merge && ix0 >= 0 && ix0 + kernelWidth <= input.width
                    if tile * mr + row < lastPixel {
                        x += 1
                        if x == output.width { x = 0; y += 1 }
                        if y == output.height { y = 0; n += 1 }
                    }
                }
                merged[t] = merge
                let columnTaps = merge ? 1 : kernelWidth
                for row in 0..<mr {
                    let (n, iy0, ix0) = origins[row]
                    for ky in 0..<kernelHeight {
                        let iy = iy0 + ky
                        let slots = table + (t * taps + ky * columnTaps) * mr + row
                        guard iy >= 0 && iy < input.height else {
                            for kx in 0..<columnTaps { slots[kx * mr] = zero }
                            continue
                        }
                        let line = input.base + (n * input.height + iy) * input.width * input.pixelStride
                        for kx in 0..<columnTaps {
                            let ix = ix0 + kx
                            slots[kx * mr] = ix >= 0 && ix < input.width ? UnsafePointer(line + ix * input.pixelStride) : zero
                        }
                    }
                }
            }
        }
    }

    /// One micro-tile on this convolution's path: up to 6 rows (the row
    /// pointers of `taps` taps, `depth / taps` values each) times column tile
    /// `columnTile` (output channels from columnTile · tileWidth), times scale
    /// plus bias, ReLU if asked, into `out` (the rows' first channel) at `outStride`.
    @inline(__always)
    func multiply(rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, columnTile: Int,
                  out: UnsafeMutablePointer<Float>, outStride: Int, rowCount: Int, relu: Bool) {
        let column0 = columnTile * tileWidth, columns = min(tileWidth, outputChannels - column0)
        let (cin, panel, target) = (depth / taps, panels.base + column0 * depth, out + column0)
        let (scale, bias) = (UnsafePointer(scale.base + column0), UnsafePointer(bias.base + column0))
        switch path {
        case .avx512:
            KernelsAVX512.MicroKernels.tile(panels: (columns + 15) / 16, rows: rows, taps: taps, cin: cin, panel: panel,
                                            panelStride: depth * 16, scale: scale, bias: bias, out: target,
                                            outStride: outStride, rowCount: rowCount, columnCount: columns, relu: relu)
        case .avx2:
            KernelsAVX2.MicroKernels.tile(panels: 1, rows: rows, taps: taps, cin: cin, panel: panel,
                                          panelStride: depth * 16, scale: scale, bias: bias, out: target,
                                          outStride: outStride, rowCount: rowCount, columnCount: columns, relu: relu)
        }
    }
}
