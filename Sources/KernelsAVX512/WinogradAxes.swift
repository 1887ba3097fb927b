// WinogradAxes.swift — the 1-D Winograd transforms F(m, r) that
// WinogradConv2D applies along each axis of a tile. One source compiled
// three times: into KernelsAVX512 and KernelsAVX2 (links), whose
// WinogradTransforms run the input and output transforms, and into Vision
// (Vision/Kernels/WinogradConv2D+Axes.swift, a link), whose WinogradConv2D
// reads each axis' sizes and kernel transform G. Each module's copy is
// internal to it; they agree by being one text, and pass an axis as its
// `WinogradAxisKind.rawValue`.
//
// F(m, r): m outputs of an r-tap correlation from α = m + r − 1 input values,
//   y = Aᵀ [ (G g) ⊙ (Bᵀ d) ]     Aᵀ m × α, G α × r, Bᵀ α × α
// made by Toom-Cook on the points named per type (∞ last), with Bᵀ's rows
// scaled to small integers and G's rows scaled by the inverse. The input and
// output transforms are hand-written on 16 channels at a time (additions and
// constant multiplies, `.addingProduct` where a product is added); G runs at
// load time only, in Double.

import Foundation

/// One axis of a Winograd convolution: a fast 1-D correlation F(m, r).
protocol WinogradAxis {
    /// m: outputs per tile along this axis.
    static var outputs: Int { get }
    /// r: kernel taps along this axis.
    static var taps: Int { get }
    /// G (α × r), row-major: the kernel transform.
    static var kernelTransform: [[Double]] { get }
    /// v[i·vs] = (Bᵀ d)[i] for i < α, from d[k·ds], k < α.
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int)
    /// y[i·ys] = (Aᵀ p)[i] for i < m, from p[k·ps], k < α.
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int)
}

extension WinogradAxis {
    /// α = m + r − 1: transformed values (and GEMMs) per tile along this axis.
    static var points: Int { outputs + taps - 1 }
}

/// The axes WinogradConv2D can run, by name (a value, so that a layer's
/// choice can be stored and compared; `type` is the code that runs it; the
/// raw value names it across modules).
enum WinogradAxisKind: Int, Sendable, Equatable, CustomStringConvertible {
    /// A kernel of extent 1 along this axis: no transform (α = m = 1).
    case identity
    /// F(2, 3): points 0, ±1, ∞ (Lavin & Gray).
    case f2x3
    /// F(4, 3): points 0, ±1, ±2, ∞ (Lavin & Gray).
    case f4x3
    /// F(6, 3): points 0, ±1, ±2, ±½, ∞ (F(2, 7)'s Bᵀ).
    case f6x3
    /// F(2, 5): points 0, ±1, ±2, ∞ (F(4, 3)'s Bᵀ).
    case f2x5
    /// F(4, 5): points 0, ±1, ±2, ±½, ∞ (F(2, 7)'s Bᵀ).
    case f4x5
    /// F(2, 7): points 0, ±1, ±2, ±½, ∞.
    case f2x7
    /// F(3, 7): points 0, ±1, ±2, ±½, 3, ∞.
    case f3x7
    /// F(6, 7): points 0, ±1, ±3/2, ±2/3, ±5/2, ±2/5, ∞.
    case f6x7

    /// The code behind this axis.
    var type: any WinogradAxis.Type {
        switch self {
        case .identity: return WinogradIdentity.self
        case .f2x3: return WinogradF2x3.self
        case .f4x3: return WinogradF4x3.self
        case .f6x3: return WinogradF6x3.self
        case .f2x5: return WinogradF2x5.self
        case .f4x5: return WinogradF4x5.self
        case .f2x7: return WinogradF2x7.self
        case .f3x7: return WinogradF3x7.self
        case .f6x7: return WinogradF6x7.self
        }
    }

    /// The axis for `taps` kernel taps and `outputs` outputs per tile, if one exists.
    init?(taps: Int, outputs: Int) {
        switch (taps, outputs) {
        case (1, 1): self = .identity
        case (3, 2): self = .f2x3
        case (3, 4): self = .f4x3
        case (3, 6): self = .f6x3
        case (5, 2): self = .f2x5
        case (5, 4): self = .f4x5
        case (7, 2): self = .f2x7
        case (7, 3): self = .f3x7
        case (7, 6): self = .f6x7
        default: return nil
        }
    }

    var description: String { self == .identity ? "1" : "F(\(type.outputs), \(type.taps))" }
}

/// G (6 × r) for the points 0, ±1, ±2, ∞ with WinogradF4x3's Bᵀ: rows
/// [¼, 0 …], -⅙·(1)ʲ, -⅙·(-1)ʲ, (1/24)·2ʲ, (1/24)·(-2)ʲ, [… 0, 1] for tap j.
func sixPointKernelTransform(taps r: Int) -> [[Double]] {
    let last = (0..<r).map { $0 == r - 1 ? 1.0 : 0 }
    return [(0..<r).map { $0 == 0 ? 0.25 : 0 },
            (0..<r).map { _ in -1.0 / 6 },
            (0..<r).map { -pow(-1, Double($0)) / 6 },
            (0..<r).map { pow(2, Double($0)) / 24 },
            (0..<r).map { pow(-2, Double($0)) / 24 },
            last]
}

/// G (8 × r) for the points 0, ±1, ±2, ±½, ∞ with WinogradF2x7's Bᵀ: rows
/// [¼, 0 …], (1/18)·1ʲ, (1/18)·(-1)ʲ, (1/360)·2ʲ, (1/360)·(-2)ʲ,
/// (1/360)·2ʳ⁻¹⁻ʲ, (1/360)·(-1)ʲ·2ʳ⁻¹⁻ʲ, [… 0, ¼] for tap j.
func eightPointKernelTransform(taps r: Int) -> [[Double]] {
    let top = Double(r - 1)
    return [(0..<r).map { $0 == 0 ? 0.25 : 0 },
            (0..<r).map { _ in 1.0 / 18 },
            (0..<r).map { pow(-1, Double($0)) / 18 },
            (0..<r).map { pow(2, Double($0)) / 360 },
            (0..<r).map { pow(-2, Double($0)) / 360 },
            (0..<r).map { pow(2, top - Double($0)) / 360 },
            (0..<r).map { pow(-1, Double($0)) * pow(2, top - Double($0)) / 360 },
            (0..<r).map { $0 == r - 1 ? 0.25 : 0 }]
}

/// Aᵀ of the 8 points 0, ±1, ±2, ±½, ∞ for m outputs (F(2, 7), F(4, 5),
/// F(6, 3); G's rows absorb the ½ powers): output k is
///     [k = 0]·p0 + (p1 ± p2) + 2ᵏ·(p3 ± p4) + 2ᵐ⁻¹⁻ᵏ·(p5 ± p6) + [k = m − 1]·p7,
/// with + for even k and − for odd k (m is even). Written out per m, every
/// factor a constant (a loop over k, not unrolled, converted 2ᵏ at run time
/// and chose the ± pairs by branches in the stem's hottest transform).
@inline(__always)
func eightPointOutputTransform(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                               _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int, outputs m: Int) {
    let p0 = p[0], p1 = p[ps], p2 = p[2 * ps], p3 = p[3 * ps]
    let p4 = p[4 * ps], p5 = p[5 * ps], p6 = p[6 * ps], p7 = p[7 * ps]
    let s12 = p1 + p2, d12 = p1 - p2, s34 = p3 + p4, d34 = p3 - p4, s56 = p5 + p6, d56 = p5 - p6
    // First and last: (p0 + s12 + s34) + 2ᵐ⁻¹·s56 and (d12 + d56 + p7) + 2ᵐ⁻¹·d34.
    let top = Float(1 << (m - 1))
    y[0] = (p0 + s12 + s34).addingProduct(s56, top)
    y[(m - 1) * ys] = (d12 + d56 + p7).addingProduct(d34, top)
    // Between: (p1 ± p2) + 2ᵏ·(p3 ± p4) + 2ᵐ⁻¹⁻ᵏ·(p5 ± p6).
    switch m {
    case 2:
        break
    case 4:
        y[ys] = d12.addingProduct(d34, 2).addingProduct(d56, 4)
        y[2 * ys] = s12.addingProduct(s34, 4).addingProduct(s56, 2)
    case 6:
        y[ys] = d12.addingProduct(d34, 2).addingProduct(d56, 16)
        y[2 * ys] = s12.addingProduct(s34, 4).addingProduct(s56, 8)
        y[3 * ys] = d12.addingProduct(d34, 8).addingProduct(d56, 4)
        y[4 * ys] = s12.addingProduct(s34, 16).addingProduct(s56, 2)
    default:
        preconditionFailure("eightPointOutputTransform: \(m) outputs (expected 2, 4 or 6)")
    }
}

/// An axis on F(2, 7)'s eight points with another m and r (F(4, 5),
/// F(6, 3)): F(2, 7)'s Bᵀ, `eightPointKernelTransform`'s G and
/// `eightPointOutputTransform`'s Aᵀ.
protocol EightPointAxis: WinogradAxis {}

extension EightPointAxis {
    static var kernelTransform: [[Double]] { eightPointKernelTransform(taps: taps) }

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        WinogradF2x7.transformInput(d, ds, v, vs)
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        eightPointOutputTransform(p, ps, y, ys, outputs: outputs)
    }
}

/// Extent 1: the value passes through (α = m = r = 1).
enum WinogradIdentity: WinogradAxis {
    static let outputs = 1
    static let taps = 1
    static let kernelTransform: [[Double]] = [[1]]

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        v[0] = d[0]
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        y[0] = p[0]
    }
}

/// F(2, 3), α = 4, 4 multiplies for 6:
///     Bᵀ = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
///     G  = [[1, 0, 0], [½, ½, ½], [½, -½, ½], [0, 0, 1]]
///     Aᵀ = [[1, 1, 1, 0], [0, 1, -1, -1]]
enum WinogradF2x3: WinogradAxis {
    static let outputs = 2
    static let taps = 3
    static let kernelTransform: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        let d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds]
        v[0] = d0 - d2
        v[vs] = d1 + d2
        v[2 * vs] = d2 - d1
        v[3 * vs] = d1 - d3
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        let p0 = p[0], p1 = p[ps], p2 = p[2 * ps], p3 = p[3 * ps]
        y[0] = p0 + p1 + p2
        y[ys] = p1 - p2 - p3
    }
}

/// F(4, 3), α = 6, 6 multiplies for 12:
///     Bᵀ = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
///           [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
///     G  = [[¼, 0, 0], [-⅙, -⅙, -⅙], [-⅙, ⅙, -⅙], [1/24, 1/12, ⅙], [1/24, -1/12, ⅙], [0, 0, 1]]
///          (`sixPointKernelTransform(taps: 3)`)
///     Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
enum WinogradF4x3: WinogradAxis {
    static let outputs = 4
    static let taps = 3
    static let kernelTransform = sixPointKernelTransform(taps: 3)

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        let d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds], d5 = d[5 * ds]
        let a = d4 - d2, b = d3 - d1
        let c = d4.addingProduct(d2, -4), e = d3.addingProduct(d1, -4)
        v[0] = (d4 - d2).addingProduct(d0 - d2, 4)              //  4d0 - 5d2 + d4
        v[vs] = c + e                                            // -4d1 - 4d2 + d3 + d4
        v[2 * vs] = c - e                                        //  4d1 - 4d2 - d3 + d4
        v[3 * vs] = a.addingProduct(b, 2)                        // -2d1 - d2 + 2d3 + d4
        v[4 * vs] = a.addingProduct(b, -2)                       //  2d1 - d2 - 2d3 + d4
        v[5 * vs] = (d5 - d3).addingProduct(d1 - d3, 4)          //  4d1 - 5d3 + d5
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        let p0 = p[0], p1 = p[ps], p2 = p[2 * ps], p3 = p[3 * ps], p4 = p[4 * ps], p5 = p[5 * ps]
        let s12 = p1 + p2, d12 = p1 - p2, s34 = p3 + p4, d34 = p3 - p4
        y[0] = p0 + s12 + s34
        y[ys] = d12.addingProduct(d34, 2)
        y[2 * ys] = s12.addingProduct(s34, 4)
        y[3 * ys] = d12.addingProduct(d34, 8) + p5
    }
}

/// F(2, 7), α = 8, 8 multiplies for 14 (points 0, ±1, ±2, ±½, ∞):
///     Bᵀ = [[4, 0, -21, 0, 21, 0, -4, 0], [0, -4, -4, 17, 17, -4, -4, 0],
///           [0, 4, -4, -17, 17, 4, -4, 0], [0, 2, 1, -10, -5, 8, 4, 0],
///           [0, -2, 1, 10, -5, -8, 4, 0], [0, 4, 8, -5, -10, 1, 2, 0],
///           [0, -4, 8, 5, -10, -1, 2, 0], [0, -4, 0, 21, 0, -21, 0, 4]]
///     G  = `eightPointKernelTransform(taps: 7)`
///     Aᵀ = [[1, 1, 1, 1, 1, 2, 2, 0], [0, 1, -1, 2, -2, 1, -1, 1]]
enum WinogradF2x7: WinogradAxis {
    static let outputs = 2
    static let taps = 7
    static let kernelTransform = eightPointKernelTransform(taps: 7)

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        let d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds]
        let d4 = d[4 * ds], d5 = d[5 * ds], d6 = d[6 * ds], d7 = d[7 * ds]
        // Rows 1–6 come in pairs even ± odd (the points ±x).
        let even1 = (d2 + d6).addingProduct(d4, -17 / 4 as Float) * -4  // -4d2 + 17d4 - 4d6
        let odd1 = (d1 + d5).addingProduct(d3, -17 / 4 as Float) * -4   // -4d1 + 17d3 - 4d5
        let even3 = (d2 + d6 * 4).addingProduct(d4, -5)                  //  d2 - 5d4 + 4d6
        let odd3 = (d1 + d5 * 4).addingProduct(d3, -5) * 2               //  2d1 - 10d3 + 8d5
        let even5 = (d2 * 4 + d6).addingProduct(d4, -5) * 2              //  8d2 - 10d4 + 2d6
        let odd5 = (d1 * 4 + d5).addingProduct(d3, -5)                   //  4d1 - 5d3 + d5
        v[0] = (d0 - d6).addingProduct(d4 - d2, 21 / 4 as Float) * 4      //  4d0 - 21d2 + 21d4 - 4d6
        v[vs] = even1 + odd1
        v[2 * vs] = even1 - odd1
        v[3 * vs] = even3 + odd3
        v[4 * vs] = even3 - odd3
        v[5 * vs] = even5 + odd5
        v[6 * vs] = even5 - odd5
        v[7 * vs] = (d7 - d1).addingProduct(d3 - d5, 21 / 4 as Float) * 4 // -4d1 + 21d3 - 21d5 + 4d7
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        eightPointOutputTransform(p, ps, y, ys, outputs: 2)
    }
}

/// F(2, 5), α = 6, 6 multiplies for 10, on F(4, 3)'s points and Bᵀ:
///     G  = `sixPointKernelTransform(taps: 5)`
///     Aᵀ = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 1]]
enum WinogradF2x5: WinogradAxis {
    static let outputs = 2
    static let taps = 5
    static let kernelTransform = sixPointKernelTransform(taps: 5)

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        WinogradF4x3.transformInput(d, ds, v, vs)
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        let p0 = p[0], p1 = p[ps], p2 = p[2 * ps], p3 = p[3 * ps], p4 = p[4 * ps], p5 = p[5 * ps]
        y[0] = p0 + (p1 + p2) + (p3 + p4)
        y[ys] = ((p1 - p2) + p5).addingProduct(p3 - p4, 2)
    }
}

/// F(4, 5), α = 8, 8 multiplies for 20, on F(2, 7)'s points and Bᵀ:
///     G  = `eightPointKernelTransform(taps: 5)`
///     Aᵀ = [[1, 1, 1, 1, 1, 8, 8, 0], [0, 1, -1, 2, -2, 4, -4, 0],
///           [0, 1, 1, 4, 4, 2, 2, 0], [0, 1, -1, 8, -8, 1, -1, 1]]
enum WinogradF4x5: EightPointAxis {
    static let outputs = 4
    static let taps = 5
}

/// F(3, 7), α = 9, 9 multiplies for 21 (points 0, ±1, ±2, ±½, 3, ∞): the
/// F(2, 7) points and one more, so Bᵀ is dense (written out below, one
/// fused multiply-add per entry).
///     Bᵀ = [[12, -4, -63, 21, 63, -21, -12, 4, 0],
///           [0, -12, -8, 55, 34, -29, -8, 4, 0],
///           [0, 12, -16, -47, 68, -5, -16, 4, 0],
///           [0, 6, 1, -31, -5, 29, 4, -4, 0],
///           [0, -6, 5, 29, -25, -19, 20, -4, 0],
///           [0, 12, 20, -23, -25, 13, 5, -2, 0],
///           [0, -12, 28, 7, -35, 7, 7, -2, 0],
///           [0, -4, 0, 21, 0, -21, 0, 4, 0],
///           [0, 12, -4, -63, 21, 63, -21, -12, 4]]
///     Aᵀ = [[1, 1, 1, 1, 1, 4, 4, 1, 0], [0, 1, -1, 2, -2, 2, -2, 3, 0], [0, 1, 1, 4, 4, 1, 1, 9, 1]]
enum WinogradF3x7: WinogradAxis {
    static let outputs = 3
    static let taps = 7
    static let kernelTransform: [[Double]] = [
        [1.0 / 12, 0, 0, 0, 0, 0, 0],
        [1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36, 1.0 / 36],
        [1.0 / 72, -1.0 / 72, 1.0 / 72, -1.0 / 72, 1.0 / 72, -1.0 / 72, 1.0 / 72],
        [1.0 / 360, 1.0 / 180, 1.0 / 90, 1.0 / 45, 2.0 / 45, 4.0 / 45, 8.0 / 45],
        [1.0 / 1800, -1.0 / 900, 1.0 / 450, -1.0 / 225, 2.0 / 225, -4.0 / 225, 8.0 / 225],
        [8.0 / 225, 4.0 / 225, 2.0 / 225, 1.0 / 225, 1.0 / 450, 1.0 / 900, 1.0 / 1800],
        [8.0 / 315, -4.0 / 315, 2.0 / 315, -1.0 / 315, 1.0 / 630, -1.0 / 1260, 1.0 / 2520],
        [1.0 / 4200, 1.0 / 1400, 3.0 / 1400, 9.0 / 1400, 27.0 / 1400, 81.0 / 1400, 243.0 / 1400],
        [0, 0, 0, 0, 0, 0, 1.0 / 4],
    ]

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        let d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds]
        let d5 = d[5 * ds], d6 = d[6 * ds], d7 = d[7 * ds], d8 = d[8 * ds]
        v[0] = (((((((d0 * 12).addingProduct(d1, -4)).addingProduct(d2, -63)).addingProduct(d3, 21)).addingProduct(d4, 63)).addingProduct(d5, -21)).addingProduct(d6, -12)).addingProduct(d7, 4)
        v[1 * vs] = ((((((d1 * -12).addingProduct(d2, -8)).addingProduct(d3, 55)).addingProduct(d4, 34)).addingProduct(d5, -29)).addingProduct(d6, -8)).addingProduct(d7, 4)
        v[2 * vs] = ((((((d1 * 12).addingProduct(d2, -16)).addingProduct(d3, -47)).addingProduct(d4, 68)).addingProduct(d5, -5)).addingProduct(d6, -16)).addingProduct(d7, 4)
        v[3 * vs] = ((((((d2).addingProduct(d1, 6)).addingProduct(d3, -31)).addingProduct(d4, -5)).addingProduct(d5, 29)).addingProduct(d6, 4)).addingProduct(d7, -4)
        v[4 * vs] = ((((((d1 * -6).addingProduct(d2, 5)).addingProduct(d3, 29)).addingProduct(d4, -25)).addingProduct(d5, -19)).addingProduct(d6, 20)).addingProduct(d7, -4)
        v[5 * vs] = ((((((d1 * 12).addingProduct(d2, 20)).addingProduct(d3, -23)).addingProduct(d4, -25)).addingProduct(d5, 13)).addingProduct(d6, 5)).addingProduct(d7, -2)
        v[6 * vs] = ((((((d1 * -12).addingProduct(d2, 28)).addingProduct(d3, 7)).addingProduct(d4, -35)).addingProduct(d5, 7)).addingProduct(d6, 7)).addingProduct(d7, -2)
        v[7 * vs] = (((d1 * -4).addingProduct(d3, 21)).addingProduct(d5, -21)).addingProduct(d7, 4)
        v[8 * vs] = (((((((d1 * 12).addingProduct(d2, -4)).addingProduct(d3, -63)).addingProduct(d4, 21)).addingProduct(d5, 63)).addingProduct(d6, -21)).addingProduct(d7, -12)).addingProduct(d8, 4)
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        let p0 = p[0], p1 = p[ps], p2 = p[2 * ps], p3 = p[3 * ps], p4 = p[4 * ps]
        let p5 = p[5 * ps], p6 = p[6 * ps], p7 = p[7 * ps], p8 = p[8 * ps]
        y[0] = ((p0 + p1 + p2 + p3 + p4 + p7).addingProduct(p5, 4)).addingProduct(p6, 4)
        y[1 * ys] = (((((p1 - p2).addingProduct(p3, 2)).addingProduct(p4, -2)).addingProduct(p5, 2)).addingProduct(p6, -2)).addingProduct(p7, 3)
        y[2 * ys] = (((p1 + p2 + p5 + p6 + p8).addingProduct(p3, 4)).addingProduct(p4, 4)).addingProduct(p7, 9)
    }
}

/// F(6, 3), α = 8, 8 multiplies for 18, on F(2, 7)'s points and Bᵀ:
///     G  = `eightPointKernelTransform(taps: 3)`
///     Aᵀ = [[1, 1, 1, 1, 1, 32, 32, 0], [0, 1, -1, 2, -2, 16, -16, 0],
///           [0, 1, 1, 4, 4, 8, 8, 0], [0, 1, -1, 8, -8, 4, -4, 0],
///           [0, 1, 1, 16, 16, 2, 2, 0], [0, 1, -1, 32, -32, 1, -1, 1]]
enum WinogradF6x3: EightPointAxis {
    static let outputs = 6
    static let taps = 3
}

/// F(6, 7), α = 12, 12 multiplies for 42 (points 0, ±1, ±3/2, ±2/3, ±5/2,
/// ±2/5, ∞: reciprocal pairs, which gave the smallest Float32 error of the
/// sets of small fractions tried): a 17-long axis is 3 tiles (36 products
/// per channel pair) where F(3, 7) needs 6 (54).
///
/// Bᵀ, each row scaled to integers: rows 0 and ∞ are
///     [-3600, 0, 36376, 0, -102153, 0, 102153, 0, -36376, 0, 3600, 0] (and
///     the same one place to the right),
/// and the rows of ±q are a·E ± b·O, with E = Σₖ eₖ·d₂ₖ₊₂ and O = Σₖ eₖ·d₂ₖ₊₁
/// (k = 0…4) on the same coefficients e, a/b = 1/q:
///     q = 1:   e = [3600, -32776, 69377, -32776, 3600], a = 1, b = 1
///     q = 3/2: e = [400, -3864, 9633, -7069, 900],      a = 2, b = 3
///     q = 2/3: e = [900, -7069, 9633, -3864, 400],      a = 3, b = 2
///     q = 5/2: e = [144, -1432, 3857, -3469, 900],      a = 2, b = 5
///     q = 2/5: e = [900, -3469, 3857, -1432, 144],      a = 5, b = 2
/// (every entry an integer below 2²⁴, so exact in Float32). Aᵀ's columns
/// of ±3/2 and ±5/2 are scaled by 2⁵, those of ±2/3 by 3⁵ and of ±2/5 by
/// 5⁵, so output k is [k = 0]·p₀ + Σ_q cₖ(q)·(p₊q ± p₋q) + [k = 5]·p∞ (+ for
/// even k) with integer cₖ: 1, 3ᵏ·2⁵⁻ᵏ, 2ᵏ·3⁵⁻ᵏ, 5ᵏ·2⁵⁻ᵏ, 2ᵏ·5⁵⁻ᵏ. G
/// undoes both scalings (`kernelTransform`). Its Float32 error on
/// Inception's 128–192 channels is about 1.5–2 times F(3, 7)'s
/// (KernelWinogradConv2DTests prints both).
enum WinogradF6x7: WinogradAxis {
    static let outputs = 6
    static let taps = 7

    /// The finite points in V's order (∞ is the last, twelfth), with the
    /// factor each row of Bᵀ was scaled by and each column of Aᵀ.
    private static let points: [(value: Double, rowScale: Double, columnScale: Double)] = [
        (0, 3600, 1), (1, 3600, 1), (-1, 3600, 1), (1.5, 1800, 32), (-1.5, 1800, 32),
        (2.0 / 3, 1200, 243), (-2.0 / 3, 1200, 243), (2.5, 1800, 32), (-2.5, 1800, 32),
        (0.4, 720, 3125), (-0.4, 720, 3125),
    ]

    /// G (12 × 7), Toom-Cook's: row j is pⱼᵏ / Π_{i≠j}(pⱼ − pᵢ) for tap k,
    /// divided by the row's and the column's scale; the ∞ row is [0 … 0, 1/3600].
    static let kernelTransform: [[Double]] = points.map { point in
        let product = points.reduce(1.0) { $1.value == point.value ? $0 : $0 * (point.value - $1.value) }
        return (0..<7).map { pow(point.value, Double($0)) / (product * point.rowScale * point.columnScale) }
    } + [[0, 0, 0, 0, 0, 0, 1.0 / 3600]]

    @inline(__always)
    static func transformInput(_ d: UnsafePointer<SIMD16<Float>>, _ ds: Int,
                               _ v: UnsafeMutablePointer<SIMD16<Float>>, _ vs: Int) {
        let d0 = d[0], d1 = d[ds], d2 = d[2 * ds], d3 = d[3 * ds], d4 = d[4 * ds], d5 = d[5 * ds]
        let d6 = d[6 * ds], d7 = d[7 * ds], d8 = d[8 * ds], d9 = d[9 * ds], d10 = d[10 * ds], d11 = d[11 * ds]
        /// e₀·x₀ + e₁·x₁ + e₂·x₂ + e₃·x₃ + e₄·x₄, one product added at a time.
        @inline(__always)
        func sum(_ e0: Float, _ e1: Float, _ e2: Float, _ e3: Float, _ e4: Float, _ x0: SIMD16<Float>,
                 _ x1: SIMD16<Float>, _ x2: SIMD16<Float>, _ x3: SIMD16<Float>, _ x4: SIMD16<Float>) -> SIMD16<Float> {
            ((((x0 * e0).addingProduct(x1, e1)).addingProduct(x2, e2)).addingProduct(x3, e3)).addingProduct(x4, e4)
        }
        /// The rows of ±q: a·E ± b·O.
        @inline(__always)
        func pair(_ e0: Float, _ e1: Float, _ e2: Float, _ e3: Float, _ e4: Float, a: Float, b: Float, row: Int) {
            let even = sum(e0, e1, e2, e3, e4, d2, d4, d6, d8, d10) * a
            let odd = sum(e0, e1, e2, e3, e4, d1, d3, d5, d7, d9)
            v[row * vs] = even.addingProduct(odd, b)
            v[(row + 1) * vs] = even.addingProduct(odd, -b)
        }
        v[0] = sum(36376, -102153, 102153, -36376, 3600, d2, d4, d6, d8, d10).addingProduct(d0, -3600)
        pair(3600, -32776, 69377, -32776, 3600, a: 1, b: 1, row: 1)
        pair(400, -3864, 9633, -7069, 900, a: 2, b: 3, row: 3)
        pair(900, -7069, 9633, -3864, 400, a: 3, b: 2, row: 5)
        pair(144, -1432, 3857, -3469, 900, a: 2, b: 5, row: 7)
        pair(900, -3469, 3857, -1432, 144, a: 5, b: 2, row: 9)
        v[11 * vs] = sum(36376, -102153, 102153, -36376, 3600, d3, d5, d7, d9, d11).addingProduct(d1, -3600)
    }

    @inline(__always)
    static func transformOutput(_ p: UnsafePointer<SIMD16<Float>>, _ ps: Int,
                                _ y: UnsafeMutablePointer<SIMD16<Float>>, _ ys: Int) {
        let p0 = p[0], p11 = p[11 * ps]
        let s1 = p[ps] + p[2 * ps], d1 = p[ps] - p[2 * ps]              // ±1
        let sa = p[3 * ps] + p[4 * ps], da = p[3 * ps] - p[4 * ps]      // ±3/2 (× 2⁵)
        let sb = p[5 * ps] + p[6 * ps], db = p[5 * ps] - p[6 * ps]      // ±2/3 (× 3⁵)
        let sc = p[7 * ps] + p[8 * ps], dc = p[7 * ps] - p[8 * ps]      // ±5/2 (× 2⁵)
        let sd = p[9 * ps] + p[10 * ps], dd = p[9 * ps] - p[10 * ps]    // ±2/5 (× 5⁵)
        /// x₁ + cₐ·xₐ + c_b·x_b + c_c·x_c + c_d·x_d.
        @inline(__always)
        func row(_ x1: SIMD16<Float>, _ xa: SIMD16<Float>, _ xb: SIMD16<Float>, _ xc: SIMD16<Float>,
                 _ xd: SIMD16<Float>, _ ca: Float, _ cb: Float, _ cc: Float, _ cd: Float) -> SIMD16<Float> {
            (((x1.addingProduct(xa, ca)).addingProduct(xb, cb)).addingProduct(xc, cc)).addingProduct(xd, cd)
        }
        y[0] = row(s1 + p0, sa, sb, sc, sd, 32, 243, 32, 3125)
        y[ys] = row(d1, da, db, dc, dd, 48, 162, 80, 1250)
        y[2 * ys] = row(s1, sa, sb, sc, sd, 72, 108, 200, 500)
        y[3 * ys] = row(d1, da, db, dc, dd, 108, 72, 500, 200)
        y[4 * ys] = row(s1, sa, sb, sc, sd, 162, 48, 1250, 80)
        y[5 * ys] = row(d1 + p11, da, db, dc, dd, 243, 32, 3125, 32)
    }
}
