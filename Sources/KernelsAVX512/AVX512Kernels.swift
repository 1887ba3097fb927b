// AVX512Kernels.swift — the convolution micro-kernels for CPUs with
// AVX-512. This target is compiled for skylake-avx512 (AVX-512 F, DQ, BW,
// VL), so Lanes (SIMD16<Float>) is one zmm register and each
// `addingProduct` is one vfmadd231ps with its broadcast embedded. Vision
// calls these only after cpuid said the CPU and OS support AVX-512
// (SIMDPath); nothing here may be inlined into Vision, which is compiled
// for AVX2, hence `@inline(never)` and no `@inlinable`.
//
// Contract (the same as PackedConv2D.microKernel, over several panels):
// for each of the 6 rows, out[row][c] = Σ_tap Σ_ci rows[tap·6 + row][ci] ·
// panel[c / 16][(tap·cin + ci)·16 + c % 16] + bias[c], then max(·, 0) if
// relu, for c < columnCount; rows past rowCount are not written. Panels lie
// `panelStride` floats apart. The sum runs tap by tap, ci by ci, one fused
// multiply-add each, the same order as the AVX2 kernel: the two give the
// same bits.

/// One zmm register of floats.
typealias Lanes = SIMD16<Float>

/// The AVX-512 micro-kernels, by output width.
public enum AVX512Kernels {
    /// Output columns one call covers at most (four 16-wide panels).
    public static let widestTile = 64

    /// 6 output pixels × min(columnCount, 64) output channels, reading
    /// ceil(columnCount / 16) panels. See the file's contract.
    public static func tile(rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, cin: Int,
                            panel: UnsafePointer<Float>, panelStride: Int, bias: UnsafePointer<Float>,
                            out: UnsafeMutablePointer<Float>, outStride: Int,
                            rowCount: Int, columnCount: Int, relu: Bool) {
        precondition(columnCount >= 1 && columnCount <= widestTile && rowCount >= 1 && rowCount <= 6,
                     "AVX512Kernels.tile: \(rowCount) rows × \(columnCount) columns")
        switch (columnCount + 15) / 16 {
        case 4:
            tile64(rows: rows, taps: taps, cin: cin, panel: panel, panelStride: panelStride, bias: bias,
                   out: out, outStride: outStride, rowCount: rowCount, columnCount: columnCount, relu: relu)
        case 3:
            tile32(rows: rows, taps: taps, cin: cin, panel: panel, panelStride: panelStride, bias: bias,
                   out: out, outStride: outStride, rowCount: rowCount, columnCount: 32, relu: relu)
            tile16(rows: rows, taps: taps, cin: cin, panel: panel + 2 * panelStride, panelStride: panelStride,
                   bias: bias + 32, out: out + 32, outStride: outStride, rowCount: rowCount,
                   columnCount: columnCount - 32, relu: relu)
        case 2:
            tile32(rows: rows, taps: taps, cin: cin, panel: panel, panelStride: panelStride, bias: bias,
                   out: out, outStride: outStride, rowCount: rowCount, columnCount: columnCount, relu: relu)
        default:
            tile16(rows: rows, taps: taps, cin: cin, panel: panel, panelStride: panelStride, bias: bias,
                   out: out, outStride: outStride, rowCount: rowCount, columnCount: columnCount, relu: relu)
        }
    }

    /// 6 output pixels × 64 output channels (4 panels), 24 zmm accumulators.
    @inline(never)
    static func tile64(rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, cin: Int,
                        panel: UnsafePointer<Float>, panelStride: Int, bias: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, outStride: Int,
                        rowCount: Int, columnCount: Int, relu: Bool) {
        var c00 = Lanes(); var c01 = Lanes(); var c02 = Lanes(); var c03 = Lanes()
        var c10 = Lanes(); var c11 = Lanes(); var c12 = Lanes(); var c13 = Lanes()
        var c20 = Lanes(); var c21 = Lanes(); var c22 = Lanes(); var c23 = Lanes()
        var c30 = Lanes(); var c31 = Lanes(); var c32 = Lanes(); var c33 = Lanes()
        var c40 = Lanes(); var c41 = Lanes(); var c42 = Lanes(); var c43 = Lanes()
        var c50 = Lanes(); var c51 = Lanes(); var c52 = Lanes(); var c53 = Lanes()
        var b = UnsafeRawPointer(panel)
        let s = panelStride * 4
        var r = rows
        for _ in 0..<taps {
            let a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5]
            r += 6
            for ci in 0..<cin {
                let w0 = (b).loadUnaligned(as: Lanes.self)
                let w1 = (b + s).loadUnaligned(as: Lanes.self)
                let w2 = (b + 2 * s).loadUnaligned(as: Lanes.self)
                let w3 = (b + 3 * s).loadUnaligned(as: Lanes.self)
                b += 64
                let x0 = Lanes(repeating: a0[ci])
                c00 = c00.addingProduct(x0, w0)
                c01 = c01.addingProduct(x0, w1)
                c02 = c02.addingProduct(x0, w2)
                c03 = c03.addingProduct(x0, w3)
                let x1 = Lanes(repeating: a1[ci])
                c10 = c10.addingProduct(x1, w0)
                c11 = c11.addingProduct(x1, w1)
                c12 = c12.addingProduct(x1, w2)
                c13 = c13.addingProduct(x1, w3)
                let x2 = Lanes(repeating: a2[ci])
                c20 = c20.addingProduct(x2, w0)
                c21 = c21.addingProduct(x2, w1)
                c22 = c22.addingProduct(x2, w2)
                c23 = c23.addingProduct(x2, w3)
                let x3 = Lanes(repeating: a3[ci])
                c30 = c30.addingProduct(x3, w0)
                c31 = c31.addingProduct(x3, w1)
                c32 = c32.addingProduct(x3, w2)
                c33 = c33.addingProduct(x3, w3)
                let x4 = Lanes(repeating: a4[ci])
                c40 = c40.addingProduct(x4, w0)
                c41 = c41.addingProduct(x4, w1)
                c42 = c42.addingProduct(x4, w2)
                c43 = c43.addingProduct(x4, w3)
                let x5 = Lanes(repeating: a5[ci])
                c50 = c50.addingProduct(x5, w0)
                c51 = c51.addingProduct(x5, w1)
                c52 = c52.addingProduct(x5, w2)
                c53 = c53.addingProduct(x5, w3)
            }
        }
        let beta0 = UnsafeRawPointer(bias).loadUnaligned(as: Lanes.self)
        let beta1 = UnsafeRawPointer(bias + 16).loadUnaligned(as: Lanes.self)
        let beta2 = UnsafeRawPointer(bias + 32).loadUnaligned(as: Lanes.self)
        let beta3 = UnsafeRawPointer(bias + 48).loadUnaligned(as: Lanes.self)
        do {
            let line = out
            store(c00 + beta0, line, columnCount - 0, relu)
            store(c01 + beta1, line + 16, columnCount - 16, relu)
            store(c02 + beta2, line + 32, columnCount - 32, relu)
            store(c03 + beta3, line + 48, columnCount - 48, relu)
        }
        if rowCount > 1 {
            let line = out + 1 * outStride
            store(c10 + beta0, line, columnCount - 0, relu)
            store(c11 + beta1, line + 16, columnCount - 16, relu)
            store(c12 + beta2, line + 32, columnCount - 32, relu)
            store(c13 + beta3, line + 48, columnCount - 48, relu)
        }
        if rowCount > 2 {
            let line = out + 2 * outStride
            store(c20 + beta0, line, columnCount - 0, relu)
            store(c21 + beta1, line + 16, columnCount - 16, relu)
            store(c22 + beta2, line + 32, columnCount - 32, relu)
            store(c23 + beta3, line + 48, columnCount - 48, relu)
        }
        if rowCount > 3 {
            let line = out + 3 * outStride
            store(c30 + beta0, line, columnCount - 0, relu)
            store(c31 + beta1, line + 16, columnCount - 16, relu)
            store(c32 + beta2, line + 32, columnCount - 32, relu)
            store(c33 + beta3, line + 48, columnCount - 48, relu)
        }
        if rowCount > 4 {
            let line = out + 4 * outStride
            store(c40 + beta0, line, columnCount - 0, relu)
            store(c41 + beta1, line + 16, columnCount - 16, relu)
            store(c42 + beta2, line + 32, columnCount - 32, relu)
            store(c43 + beta3, line + 48, columnCount - 48, relu)
        }
        if rowCount > 5 {
            let line = out + 5 * outStride
            store(c50 + beta0, line, columnCount - 0, relu)
            store(c51 + beta1, line + 16, columnCount - 16, relu)
            store(c52 + beta2, line + 32, columnCount - 32, relu)
            store(c53 + beta3, line + 48, columnCount - 48, relu)
        }
    }

    /// 6 output pixels × 32 output channels (2 panels), 12 zmm accumulators.
    @inline(never)
    static func tile32(rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, cin: Int,
                        panel: UnsafePointer<Float>, panelStride: Int, bias: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, outStride: Int,
                        rowCount: Int, columnCount: Int, relu: Bool) {
        var c00 = Lanes(); var c01 = Lanes()
        var c10 = Lanes(); var c11 = Lanes()
        var c20 = Lanes(); var c21 = Lanes()
        var c30 = Lanes(); var c31 = Lanes()
        var c40 = Lanes(); var c41 = Lanes()
        var c50 = Lanes(); var c51 = Lanes()
        var b = UnsafeRawPointer(panel)
        let s = panelStride * 4
        var r = rows
        for _ in 0..<taps {
            let a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5]
            r += 6
            for ci in 0..<cin {
                let w0 = (b).loadUnaligned(as: Lanes.self)
                let w1 = (b + s).loadUnaligned(as: Lanes.self)
                b += 64
                let x0 = Lanes(repeating: a0[ci])
                c00 = c00.addingProduct(x0, w0)
                c01 = c01.addingProduct(x0, w1)
                let x1 = Lanes(repeating: a1[ci])
                c10 = c10.addingProduct(x1, w0)
                c11 = c11.addingProduct(x1, w1)
                let x2 = Lanes(repeating: a2[ci])
                c20 = c20.addingProduct(x2, w0)
                c21 = c21.addingProduct(x2, w1)
                let x3 = Lanes(repeating: a3[ci])
                c30 = c30.addingProduct(x3, w0)
                c31 = c31.addingProduct(x3, w1)
                let x4 = Lanes(repeating: a4[ci])
                c40 = c40.addingProduct(x4, w0)
                c41 = c41.addingProduct(x4, w1)
                let x5 = Lanes(repeating: a5[ci])
                c50 = c50.addingProduct(x5, w0)
                c51 = c51.addingProduct(x5, w1)
            }
        }
        let beta0 = UnsafeRawPointer(bias).loadUnaligned(as: Lanes.self)
        let beta1 = UnsafeRawPointer(bias + 16).loadUnaligned(as: Lanes.self)
        do {
            let line = out
            store(c00 + beta0, line, columnCount - 0, relu)
            store(c01 + beta1, line + 16, columnCount - 16, relu)
        }
        if rowCount > 1 {
            let line = out + 1 * outStride
            store(c10 + beta0, line, columnCount - 0, relu)
            store(c11 + beta1, line + 16, columnCount - 16, relu)
        }
        if rowCount > 2 {
            let line = out + 2 * outStride
            store(c20 + beta0, line, columnCount - 0, relu)
            store(c21 + beta1, line + 16, columnCount - 16, relu)
        }
        if rowCount > 3 {
            let line = out + 3 * outStride
            store(c30 + beta0, line, columnCount - 0, relu)
            store(c31 + beta1, line + 16, columnCount - 16, relu)
        }
        if rowCount > 4 {
            let line = out + 4 * outStride
            store(c40 + beta0, line, columnCount - 0, relu)
            store(c41 + beta1, line + 16, columnCount - 16, relu)
        }
        if rowCount > 5 {
            let line = out + 5 * outStride
            store(c50 + beta0, line, columnCount - 0, relu)
            store(c51 + beta1, line + 16, columnCount - 16, relu)
        }
    }

    /// 6 output pixels × 16 output channels (1 panel), 6 zmm accumulators.
    @inline(never)
    static func tile16(rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, cin: Int,
                        panel: UnsafePointer<Float>, panelStride: Int, bias: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, outStride: Int,
                        rowCount: Int, columnCount: Int, relu: Bool) {
        var c00 = Lanes()
        var c10 = Lanes()
        var c20 = Lanes()
        var c30 = Lanes()
        var c40 = Lanes()
        var c50 = Lanes()
        var b = UnsafeRawPointer(panel)
        var r = rows
        for _ in 0..<taps {
            let a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5]
            r += 6
            for ci in 0..<cin {
                let w0 = (b).loadUnaligned(as: Lanes.self)
                b += 64
                let x0 = Lanes(repeating: a0[ci])
                c00 = c00.addingProduct(x0, w0)
                let x1 = Lanes(repeating: a1[ci])
                c10 = c10.addingProduct(x1, w0)
                let x2 = Lanes(repeating: a2[ci])
                c20 = c20.addingProduct(x2, w0)
                let x3 = Lanes(repeating: a3[ci])
                c30 = c30.addingProduct(x3, w0)
                let x4 = Lanes(repeating: a4[ci])
                c40 = c40.addingProduct(x4, w0)
                let x5 = Lanes(repeating: a5[ci])
                c50 = c50.addingProduct(x5, w0)
            }
        }
        let beta0 = UnsafeRawPointer(bias).loadUnaligned(as: Lanes.self)
        do {
            let line = out
            store(c00 + beta0, line, columnCount - 0, relu)
        }
        if rowCount > 1 {
            let line = out + 1 * outStride
            store(c10 + beta0, line, columnCount - 0, relu)
        }
        if rowCount > 2 {
            let line = out + 2 * outStride
            store(c20 + beta0, line, columnCount - 0, relu)
        }
        if rowCount > 3 {
            let line = out + 3 * outStride
            store(c30 + beta0, line, columnCount - 0, relu)
        }
        if rowCount > 4 {
            let line = out + 4 * outStride
            store(c40 + beta0, line, columnCount - 0, relu)
        }
        if rowCount > 5 {
            let line = out + 5 * outStride
            store(c50 + beta0, line, columnCount - 0, relu)
        }
    }

    /// Writes the first `count` (at most 16; nothing if ≤ 0) lanes of `value`, after ReLU if asked.
    @inline(__always)
    private static func store(_ value: Lanes, _ out: UnsafeMutablePointer<Float>, _ count: Int, _ relu: Bool) {
        if count <= 0 { return }
        let v = relu ? value.replacing(with: 0, where: value .< 0) : value
        if count >= 16 {
            UnsafeMutableRawPointer(out).storeBytes(of: v, as: Lanes.self)
        } else {
            for i in 0..<count { out[i] = v[i] }
        }
    }
}
