// swift-tools-version:6.0
// kungfu — a notebook-style REPL that teaches transfer learning over a
// pure-Swift Inception V3. Layout and rules: README.md and docs/.
//
// Arrows point one way: Shell → Lang, Shell → Plot → Vision, and Shell,
// Lang and Vision → Common (the leaf: atomic file writing, the JSON writer,
// the cancellation flag; its atomic word is the tiny C target CCancellation).
// Lang and Vision never import each other. Vision → KernelsAVX2 and
// KernelsAVX512 (the convolution micro-kernel and Winograd's transforms, one
// source compiled for each CPU: targets of their own for their compiler
// flags) and → CCPU (cpuid), all leaves.
import PackageDescription

/// SIMD code generation for the host architecture. x86-64: AVX2 + FMA
/// (-target-cpu haswell: AVX2, FMA, F16C, BMI2); other architectures use the compiler's default, so an arm64
/// build still compiles (NEON is baseline there).
let simdFlags: [String] = {
    #if arch(x86_64)
    return ["-target-cpu", "haswell"]
    #else
    return []
    #endif
}()

/// Vision is built optimised even in debug builds, so the tests are not slow.
let visionFlags: [SwiftSetting] = [.unsafeFlags(["-O"] + simdFlags)]

/// The AVX-512 micro-kernels and Winograd transforms: compiled for skylake-avx512 (AVX-512 F, DQ,
/// BW, VL: what AMD Zen 4 and Zen 5 and Intel since Skylake-SP have). Swift
/// has no per-function target attribute, so they are a target of their
/// own; Vision calls them only when cpuid says the CPU has AVX-512
/// (Vision/Kernels/SIMDPath.swift). Elsewhere they compile portably.
let avx512Flags: [SwiftSetting] = {
    #if arch(x86_64)
    return [.unsafeFlags(["-O", "-target-cpu", "skylake-avx512"])]
    #else
    return [.unsafeFlags(["-O"])]
    #endif
}()

let package = Package(
    name: "kungfu",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kungfu", targets: ["Shell"]),
        .library(name: "Lang", targets: ["Lang"]),
        .library(name: "Vision", targets: ["Vision"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.6.0"),
    ],
    targets: [
        // System libraries (Debian: libedit-dev libpng-dev libturbojpeg0-dev
        // libhdf5-dev libssl-dev libcurl4-openssl-dev zlib1g-dev libzmq3-dev).
        .systemLibrary(name: "CEdit", pkgConfig: "libedit",
                       providers: [.apt(["libedit-dev"]), .brew(["libedit"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng",
                       providers: [.apt(["libpng-dev"]), .brew(["libpng"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg",
                       providers: [.apt(["libturbojpeg0-dev"]), .brew(["jpeg-turbo"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"]), .brew(["openssl"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]),
        // ZeroMQ, the transport of the Jupyter messaging protocol (`kungfu kernel`).
        .systemLibrary(name: "CZMQ", pkgConfig: "libzmq",
                       providers: [.apt(["libzmq3-dev"]), .brew(["zeromq"])]),

        // C11 atomics a signal handler may touch (Common's CancellationFlag).
        .target(name: "CCancellation"),
        .target(name: "Common", dependencies: ["CCancellation"]),
        .target(name: "Lang", dependencies: ["Common"]),
        // cpuid and xgetbv: which vector instructions the CPU and OS allow.
        .target(name: "CCPU"),
        // glibc's malloc.h (malloc_trim: the heap's free pages back to the
        // system once a model's kernels are packed).
        .systemLibrary(name: "CMalloc"),
        // The convolution micro-kernel, one source (MicroKernels.swift, linked
        // into both folders) compiled for AVX2 and for AVX-512.
        .target(name: "KernelsAVX2", swiftSettings: visionFlags),
        .target(name: "KernelsAVX512", swiftSettings: avx512Flags),
        .target(name: "Vision",
                dependencies: ["Common", "CCPU", "CMalloc", "KernelsAVX2", "KernelsAVX512", "CPNG", "CTurboJPEG", "CHDF5", "CCrypto", "CCurl", "CZlib"],
                swiftSettings: visionFlags),
        // Pictures of the network and its training: feature-map grids, the
        // history and confusion charts (Canvas, a bitmap font, axes).
        .target(name: "Plot", dependencies: ["Vision"], swiftSettings: visionFlags),
        .executableTarget(name: "Shell",
                          dependencies: ["Common", "Lang", "Vision", "Plot", "CEdit", "CZMQ", "CCrypto",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "CommonTests", dependencies: ["Common"]),
        .testTarget(name: "LangTests", dependencies: ["Lang", "Common"],
                    exclude: ["Scripts"]),
        .testTarget(name: "VisionTests", dependencies: ["Vision", "Common"],
                    exclude: ["Fixtures"],
                    swiftSettings: visionFlags),
        .testTarget(name: "PlotTests", dependencies: ["Plot", "Vision"], swiftSettings: visionFlags),
        .testTarget(name: "ShellTests", dependencies: ["Shell"], exclude: ["Jupyter"]),
    ]
)
