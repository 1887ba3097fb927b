// WinogradTransforms.swift — the input and output transforms of Winograd's
// convolution (Vision's WinogradConv2D), a chunk of tiles per call. One
// source compiled twice, as MicroKernels.swift is: on AVX-512 a 16-channel
// vector is one zmm register and 32 of them hold an 8-point transform
// without spilling; on AVX2 it is a pair of ymm registers out of 16. The
// 1-D transforms of each axis are in WinogradAxes.swift (also linked here).
// Every build performs the same additions, multiplies and fused
// multiply-adds in the same order, so both give the same bits.
//
// Layout (Vision's WinogradConv2D owns it): tile t of a grid is image
// t / (rows·columns), tile row (t / columns) % rows and column t % columns;
// its window starts at input row mh·row − padTop, column mw·column − padLeft.
// V[ξ][t][ci] is at v + ξ·xiStride + t·vRow, M[ξ][t][co] at m + ξ·xiStride +
// t·mRow, every row starting on a 64-byte boundary (whole vectors).

/// The transforms for one (row axis, column axis) pair, by the raw values
/// of `WinogradAxisKind`.
public enum WinogradTransforms {
    /// Whether `input` and `output` have code for this pair of axes (the
    /// pairs `dispatch` names).
    public static func supports(rowAxis: Int, columnAxis: Int) -> Bool {
        dispatch(rowAxis, columnAxis, NoChunk())
    }

    /// V = Bhᵀ d Bw for tiles `tiles` of the grid, written from row 0 of V
    /// (tile `tiles.lowerBound` is V's row 0). The input is NHWC at `input`
    /// (`height` × `width` pixels per image, `pixelStride` floats apart,
    /// `channels` of them read); window cells outside it are zeros. V's rows
    /// hold the channels rounded up to 16 (the lanes past `channels` are
    /// transforms of zeros).
    @inline(never)
    public static func input(rowAxis: Int, columnAxis: Int, tiles: Range<Int>, gridRows: Int, gridColumns: Int,
                             padTop: Int, padLeft: Int, input: UnsafePointer<Float>, height: Int, width: Int,
                             pixelStride: Int, channels: Int, v: UnsafeMutablePointer<Float>, vRow: Int,
                             xiStride: Int) {
        let chunk = InputChunk(tiles: tiles, gridRows: gridRows, gridColumns: gridColumns, padTop: padTop,
                               padLeft: padLeft, input: input, height: height, width: width,
                               pixelStride: pixelStride, channels: channels, v: v, vRow: vRow, xiStride: xiStride)
        run(rowAxis, columnAxis, chunk)
    }

    /// Y = Ahᵀ M Aw + bias (then ReLU if `relu`) for tiles `tiles` (M's row
    /// 0 is tile `tiles.lowerBound`), written to the output pixels that
    /// exist (NHWC at `output`, `height` × `width` per image, `pixelStride`
    /// apart, `channels` written; an output that is not a multiple of the
    /// tile drops the last rows or columns of Y). `bias` holds `channels`
    /// rounded up to 16.
    @inline(never)
    public static func output(rowAxis: Int, columnAxis: Int, tiles: Range<Int>, gridRows: Int, gridColumns: Int,
                              m: UnsafePointer<Float>, mRow: Int, xiStride: Int,
                              output: UnsafeMutablePointer<Float>, height: Int, width: Int, pixelStride: Int,
                              channels: Int, bias: UnsafePointer<Float>, relu: Bool) {
        let chunk = OutputChunk(tiles: tiles, gridRows: gridRows, gridColumns: gridColumns, m: m, mRow: mRow,
                                xiStride: xiStride, output: output, height: height, width: width,
                                pixelStride: pixelStride, channels: channels, bias: bias, relu: relu)
        run(rowAxis, columnAxis, chunk)
    }

    /// `chunk.run` for the axes, stopping where they have no code.
    private static func run<Chunk: TransformChunk>(_ rowAxis: Int, _ columnAxis: Int, _ chunk: Chunk) {
        guard dispatch(rowAxis, columnAxis, chunk) else {
            preconditionFailure("WinogradTransforms: no code for axes \(rowAxis), \(columnAxis)")
        }
    }

    /// `chunk.run` specialised for the axes' types, or false where there is
    /// no code for them: the 3×3 and 5×5 layers transform both axes alike,
    /// the 1×7, 7×1, 1×3 and 3×1 one axis.
    private static func dispatch<Chunk: TransformChunk>(_ rowAxis: Int, _ columnAxis: Int, _ chunk: Chunk) -> Bool {
        switch (WinogradAxisKind(rawValue: rowAxis), WinogradAxisKind(rawValue: columnAxis)) {
        case (.f2x3, .f2x3): chunk.run(WinogradF2x3.self, WinogradF2x3.self)
        case (.f4x3, .f4x3): chunk.run(WinogradF4x3.self, WinogradF4x3.self)
        case (.f6x3, .f6x3): chunk.run(WinogradF6x3.self, WinogradF6x3.self)
        case (.f2x5, .f2x5): chunk.run(WinogradF2x5.self, WinogradF2x5.self)
        case (.f4x5, .f4x5): chunk.run(WinogradF4x5.self, WinogradF4x5.self)
        case (.identity, .f2x7): chunk.run(WinogradIdentity.self, WinogradF2x7.self)
        case (.f2x7, .identity): chunk.run(WinogradF2x7.self, WinogradIdentity.self)
        case (.identity, .f3x7): chunk.run(WinogradIdentity.self, WinogradF3x7.self)
        case (.f3x7, .identity): chunk.run(WinogradF3x7.self, WinogradIdentity.self)
        case (.identity, .f6x7): chunk.run(WinogradIdentity.self, WinogradF6x7.self)
        case (.f6x7, .identity): chunk.run(WinogradF6x7.self, WinogradIdentity.self)
        case (.identity, .f2x3): chunk.run(WinogradIdentity.self, WinogradF2x3.self)
        case (.f2x3, .identity): chunk.run(WinogradF2x3.self, WinogradIdentity.self)
        case (.identity, .f4x3): chunk.run(WinogradIdentity.self, WinogradF4x3.self)
        case (.f4x3, .identity): chunk.run(WinogradF4x3.self, WinogradIdentity.self)
        default: return false
        }
        return true
    }
}

/// A transform over a chunk of tiles, run with the axes' types.
private protocol TransformChunk {
    func run<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type)
}

/// No work: `supports` asks `dispatch` whether a pair has code.
private struct NoChunk: TransformChunk {
    func run<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type) {}
}

/// The input side of a chunk (see `WinogradTransforms.input`).
private struct InputChunk: TransformChunk {
    let tiles: Range<Int>, gridRows: Int, gridColumns: Int, padTop: Int, padLeft: Int
    let input: UnsafePointer<Float>, height: Int, width: Int, pixelStride: Int, channels: Int
    let v: UnsafeMutablePointer<Float>, vRow: Int, xiStride: Int

    func run<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type) {
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 2 * H.points * W.points) { work in
            for (t, tile) in tiles.enumerated() {
                transform(H.self, W.self, tile: tile, into: v + t * vRow, work: work.baseAddress!)
            }
        }
    }

    /// V = Bhᵀ d Bw for one tile, 16 input channels at a time (the last group
    /// zero-filled past `channels`); V[ξ] goes to `v + ξ · xiStride`, whole
    /// vectors. Window cells outside the input (padding) are zeros. `work`
    /// holds 2·αh·αw vectors.
    @inline(__always)
    private func transform<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type, tile: Int,
                                                             into v: UnsafeMutablePointer<Float>,
                                                             work: UnsafeMutablePointer<SIMD16<Float>>) {
        let (ah, aw) = (H.points, W.points)
        let n = tile / (gridRows * gridColumns), row = (tile / gridColumns) % gridRows
        let y0 = H.outputs * row - padTop, x0 = W.outputs * (tile % gridColumns) - padLeft
        let image = input + n * height * width * pixelStride
        let inside = y0 >= 0 && y0 + ah <= height && x0 >= 0 && x0 + aw <= width
        let d = work, e = work + ah * aw   // the window d[y·αw + x], then Bhᵀ d
        var c = 0
        while c < channels {
            let count = min(16, channels - c)
            if !inside { for i in 0..<(ah * aw) { d[i] = SIMD16() } }
            for y in 0..<ah where y0 + y >= 0 && y0 + y < height {
                let line = image + (y0 + y) * width * pixelStride + c
                for x in 0..<aw where x0 + x >= 0 && x0 + x < width {
                    d[y * aw + x] = loadLanes(line + (x0 + x) * pixelStride, count)
                }
            }
            // Bhᵀ d: down each column; then (Bhᵀ d) Bw: along each row. The
            // last pass writes straight into V (point ξ is xiStride / 16
            // vectors after ξ − 1); a window of one column or one row
            // (7×1, 1×7) needs only its one pass.
            let vv = vectors(v + c), vs = xiStride / 16
            if ah > 1 && aw > 1 {
                for x in 0..<aw { H.transformInput(d + x, aw, e + x, aw) }
                for i in 0..<ah { W.transformInput(e + i * aw, 1, vv + i * aw * vs, vs) }
            } else if ah > 1 {
                H.transformInput(d, 1, vv, vs)
            } else {
                W.transformInput(d, 1, vv, vs)
            }
            c += 16
        }
    }
}

/// The output side of a chunk (see `WinogradTransforms.output`).
private struct OutputChunk: TransformChunk {
    let tiles: Range<Int>, gridRows: Int, gridColumns: Int
    let m: UnsafePointer<Float>, mRow: Int, xiStride: Int
    let output: UnsafeMutablePointer<Float>, height: Int, width: Int, pixelStride: Int, channels: Int
    let bias: UnsafePointer<Float>, relu: Bool

    func run<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type) {
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 2 * H.outputs * W.points) { work in
            for (t, tile) in tiles.enumerated() {
                transform(H.self, W.self, tile: tile, from: m + t * mRow, work: work.baseAddress!)
            }
        }
    }

    /// Y = Ahᵀ M Aw + bias (then ReLU) for one tile, written to the output
    /// pixels that exist. M[ξ] is at `m + ξ · xiStride`, whole vectors.
    /// `work` holds 2·mh·αw vectors.
    @inline(__always)
    private func transform<H: WinogradAxis, W: WinogradAxis>(_: H.Type, _: W.Type, tile: Int,
                                                             from m: UnsafePointer<Float>,
                                                             work: UnsafeMutablePointer<SIMD16<Float>>) {
        let (ah, aw, mh, mw) = (H.points, W.points, H.outputs, W.outputs)
        let n = tile / (gridRows * gridColumns), row = (tile / gridColumns) % gridRows
        let oy = mh * row, ox = mw * (tile % gridColumns)
        let image = output + n * height * width * pixelStride
        let rowsHere = min(mh, height - oy), columnsHere = min(mw, width - ox)
        let s = work, y = s + mh * aw  // Ahᵀ M (mh × αw), Y (mh × mw)
        var c = 0
        while c < channels {
            let count = min(16, channels - c)
            // The first pass reads M where the products left it (point ξ is
            // ms vectors after ξ − 1) instead of a copy.
            let mv = UnsafeRawPointer(m + c).assumingMemoryBound(to: SIMD16<Float>.self), ms = xiStride / 16
            let rowsDone = ah == 1 ? mv : UnsafePointer(s), rowStride = ah == 1 ? ms : 1
            if ah > 1 { for x in 0..<aw { H.transformOutput(mv + x * ms, aw * ms, s + x, aw) } }
            let result = aw == 1 ? rowsDone : UnsafePointer(y)
            if aw > 1 {
                for i in 0..<mh { W.transformOutput(rowsDone + i * aw * rowStride, rowStride, y + i * mw, 1) }
            }
            let beta = loadLanes(bias + c, 16)
            for i in 0..<rowsHere {
                let line = image + (oy + i) * width * pixelStride + c
                for j in 0..<columnsHere {
                    let value = result[i * mw + j] + beta
                    storeLanes(relu ? value.replacing(with: 0, where: value .< 0) : value, line + (ox + j) * pixelStride, count)
                }
            }
            c += 16
        }
    }
}

/// `pointer` as 16-lane vectors: V and M hold whole, 64-byte aligned
/// vectors (their buffers are aligned, and every offset into them is a
/// multiple of 16 floats).
@inline(__always)
private func vectors(_ pointer: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<SIMD16<Float>> {
    UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: SIMD16<Float>.self)
}
