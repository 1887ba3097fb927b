// SIMDPath.swift — which micro-kernels this process runs, chosen once at
// start from what the CPU can do (cpuid, through CCPU), never from the
// machine the code was built on.
import CCPU
import Foundation

/// The two kernel sets of the packed convolution (and so of every
/// convolution, Winograd product, dense layer and backward pass that goes
/// through it).
///
/// - `avx2`: 6 × 16 tiles on AVX2 + FMA (Vision is compiled for Haswell);
///   on other architectures, the same Swift SIMD code for their vectors.
/// - `avx512`: 6 × 64 tiles, 24 zmm accumulators (target KernelsAVX512,
///   compiled for skylake-avx512), for CPUs with AVX-512 F, DQ, BW and VL.
///
/// Both add the same products in the same order, so they give the same
/// bits; the choice changes speed only. `KUNGFU_SIMD=avx2` or `avx512`
/// forces a path (an unsupported or unknown value is ignored, and
/// `environmentProblem` says why).
public enum SIMDPath: String, Sendable, CaseIterable {
    case avx2
    case avx512

    /// Whether this CPU and operating system can run the path.
    public var isSupported: Bool {
        switch self {
        case .avx2: return true // the portable SIMD code runs everywhere Vision does
        case .avx512: return SIMDPath.cpuHasAVX512
        }
    }

    /// cpuid's answer, asked once.
    private static let cpuHasAVX512 = kf_cpu_has_avx512() == 1

    /// The paths this CPU can run (tests run each).
    public static var supported: [SIMDPath] { allCases.filter(\.isSupported) }

    /// Output channels one micro-kernel call covers.
    var tileWidth: Int {
        switch self {
        case .avx2: return 16
        case .avx512: return 64
        }
    }

    /// The path kernels use by default: KUNGFU_SIMD when it names a
    /// supported path, else the widest the CPU supports.
    public static var active: SIMDPath { fromEnvironment.path }

    /// Why KUNGFU_SIMD was not followed, or nil (unset, or followed).
    public static var environmentProblem: String? { fromEnvironment.problem }

    /// KUNGFU_SIMD read and checked once, at first use.
    private static let fromEnvironment = choose(request: ProcessInfo.processInfo.environment["KUNGFU_SIMD"])

    /// The path for a KUNGFU_SIMD value (nil or empty: the best supported).
    static func choose(request: String?) -> (path: SIMDPath, problem: String?) {
        let best: SIMDPath = SIMDPath.avx512.isSupported ? .avx512 : .avx2
        guard let text = request?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else {
            return (best, nil)
        }
        guard let asked = SIMDPath(rawValue: text) else {
            return (best, "KUNGFU_SIMD=\(request!) is not avx2 or avx512; using \(best.rawValue)")
        }
        guard asked.isSupported else {
            return (best, "KUNGFU_SIMD=\(text): this CPU has no AVX-512; using \(best.rawValue)")
        }
        return (asked, nil)
    }

    /// The CPU, as benchmarks name it: "AMD EPYC 9B45 (family 26, model 2)".
    public static let cpuName: String = {
        var buffer = [CChar](repeating: 0, count: 64)
        kf_cpu_brand(&buffer, Int32(buffer.count))
        let brand = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var family: Int32 = -1, model: Int32 = -1
        kf_cpu_family_model(&family, &model)
        let name = brand.isEmpty ? "unknown CPU" : brand
        return family < 0 ? name : "\(name) (family \(family), model \(model))"
    }()
}
