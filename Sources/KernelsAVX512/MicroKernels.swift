// MicroKernels.swift — the convolution micro-kernel, one source compiled
// twice: Sources/KernelsAVX2/MicroKernels.swift is a link to
// Sources/KernelsAVX512/MicroKernels.swift. Target KernelsAVX2 is compiled
// for Haswell (AVX2 + FMA: Lanes is two ymm registers), KernelsAVX512 for
// skylake-avx512 (AVX-512 F, DQ, BW, VL: Lanes is one zmm register, each
// `addingProduct` one vfmadd231ps). Vision (SIMDPath) calls the AVX-512
// build only after cpuid said the CPU and OS support it. Nothing here may be
// inlined into Vision, whose flags differ: the entry points are
// `@inline(never)` and nothing is `@inlinable`.
//
// Contract: for each of the first `rowCount` (1…6) rows,
//   acc[c] = Σ_tap Σ_ci rows[tap · 6 + row][ci]
//            · panel[(c / 16) · panelStride + (tap · cin + ci) · 16 + c % 16]
//   out[row · outStride + c] = acc[c] · scale[c] + bias[c]   (one fused multiply-add)
// then max(·, 0) if `relu`, for c < columnCount (1…16 · panels). The sum
// runs tap by tap, ci by ci, one fused multiply-add each, whatever the build
// and the width: every build and every width gives the same bits. With
// scale[c] = 1 the store gives exactly the bits of acc[c] + bias[c].

/// One SIMD register's worth of floats (zmm on AVX-512, a ymm pair on AVX2).
typealias Lanes = SIMD16<Float>

/// The convolution micro-kernels of this build, by output width.
public enum MicroKernels {
    /// 6 pixels × 16·`panels` channels (`panels` 1…4): 6·`panels`
    /// accumulators. On AVX2 use 1 panel (12 ymm); on AVX-512, 4 panels take
    /// 24 zmm, and per step of K four panel loads, six broadcasts, 24 FMAs.
    @inline(never)
    public static func tile(panels: Int, rows: UnsafePointer<UnsafePointer<Float>>, taps: Int, cin: Int,
                            panel: UnsafePointer<Float>, panelStride: Int, scale: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>, outStride: Int,
                            rowCount: Int, columnCount: Int, relu: Bool) {
        precondition((1...4).contains(panels) && (1...6).contains(rowCount) && columnCount >= 1,
                     "MicroKernels.tile: \(panels) panels, \(rowCount) rows, \(columnCount) columns")
        // The body is specialised once per panel count (a type, so the count
        // is a constant in each copy): four loops, each with only its registers.
        func run<Count: PanelCount>(_: Count.Type) {
            body(Count.self, rows: rows, taps: taps, cin: cin, panel: panel, panelStride: panelStride,
                 scale: scale, bias: bias, out: out, outStride: outStride, rowCount: rowCount,
                 columnCount: columnCount, relu: relu)
        }
        switch panels {
        case 4: run(FourPanels.self)
        case 3: run(ThreePanels.self)
        case 2: run(TwoPanels.self)
        default: run(OnePanel.self)
        }
    }

    /// How many 16-wide panels a copy of the body covers, as a type.
    protocol PanelCount { static var value: Int { get } }
    enum OnePanel: PanelCount { static var value: Int { 1 } }
    enum TwoPanels: PanelCount { static var value: Int { 2 } }
    enum ThreePanels: PanelCount { static var value: Int { 3 } }
    enum FourPanels: PanelCount { static var value: Int { 4 } }

    /// The one kernel body; each specialisation has its panel count as a
    /// constant, so the compiler keeps only the accumulators and loads it uses.
    @inline(never)
    static func body<Count: PanelCount>(_: Count.Type, rows: UnsafePointer<UnsafePointer<Float>>, taps: Int,
                                        cin: Int, panel: UnsafePointer<Float>, panelStride: Int,
                                        scale: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                        out: UnsafeMutablePointer<Float>, outStride: Int, rowCount: Int,
                                        columnCount: Int, relu: Bool) {
        let panels = Count.value
        var c0 = Accumulators(), c1 = Accumulators(), c2 = Accumulators()
        var c3 = Accumulators(), c4 = Accumulators(), c5 = Accumulators()
        var b = UnsafeRawPointer(panel)
        let s = panelStride * 4
        var r = rows
        for _ in 0..<taps {
            let a0 = r[0], a1 = r[1], a2 = r[2], a3 = r[3], a4 = r[4], a5 = r[5]
            r += 6
            for ci in 0..<cin {
                let w = Accumulators(b, stride: s, panels: panels)
                b += 64
                c0.add(a0[ci], w, panels)
                c1.add(a1[ci], w, panels)
                c2.add(a2[ci], w, panels)
                c3.add(a3[ci], w, panels)
                c4.add(a4[ci], w, panels)
                c5.add(a5[ci], w, panels)
            }
        }
        let columns = min(columnCount, 16 * panels)
        for row in 0..<min(rowCount, 6) {
            let total = row == 0 ? c0 : row == 1 ? c1 : row == 2 ? c2 : row == 3 ? c3 : row == 4 ? c4 : c5
            total.store(out + row * outStride, scale: scale, bias: bias, columns: columns, panels: panels,
                        relu: relu)
        }
    }

    /// Up to four panels' worth of lanes: one row's accumulators, or one step's weights.
    struct Accumulators {
        var v0 = Lanes(), v1 = Lanes(), v2 = Lanes(), v3 = Lanes()

        init() {}

        /// The weights of one step of K: `panels` loads, `stride` bytes apart.
        @inline(__always)
        init(_ b: UnsafeRawPointer, stride: Int, panels: Int) {
            v0 = b.loadUnaligned(as: Lanes.self)
            if panels > 1 { v1 = (b + stride).loadUnaligned(as: Lanes.self) }
            if panels > 2 { v2 = (b + 2 * stride).loadUnaligned(as: Lanes.self) }
            if panels > 3 { v3 = (b + 3 * stride).loadUnaligned(as: Lanes.self) }
        }

        /// self += x · w, one fused multiply-add per panel in use.
        @inline(__always)
        mutating func add(_ x: Float, _ w: Accumulators, _ panels: Int) {
            let broadcast = Lanes(repeating: x)
            v0 = v0.addingProduct(broadcast, w.v0)
            if panels > 1 { v1 = v1.addingProduct(broadcast, w.v1) }
            if panels > 2 { v2 = v2.addingProduct(broadcast, w.v2) }
            if panels > 3 { v3 = v3.addingProduct(broadcast, w.v3) }
        }

        /// Writes the row: bias + self · scale in one fused multiply-add,
        /// max(·, 0) if `relu` (keeping NaN, as Elementwise.swift's `maximum`
        /// does), the first `columns` values.
        @inline(__always)
        func store(_ out: UnsafeMutablePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                   columns: Int, panels: Int, relu: Bool) {
            for j in 0..<panels {
                let count = columns - 16 * j
                if count <= 0 { return }
                let lanes = j == 0 ? v0 : j == 1 ? v1 : j == 2 ? v2 : v3
                let factor = UnsafeRawPointer(scale + 16 * j).loadUnaligned(as: Lanes.self)
                let sum = UnsafeRawPointer(bias + 16 * j).loadUnaligned(as: Lanes.self).addingProduct(lanes, factor)
                let value = relu ? sum.replacing(with: 0, where: sum .< 0) : sum
                if count >= 16 {
                    UnsafeMutableRawPointer(out + 16 * j).storeBytes(of: value, as: Lanes.self)
                } else {
                    for i in 0..<count { out[16 * j + i] = value[i] }
                }
            }
        }
    }
}
