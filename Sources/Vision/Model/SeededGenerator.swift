// SeededGenerator.swift — a small, fast, seeded random number generator
// (SplitMix64), so that "random" weights and shuffles are reproducible.
//
// The sequence for a seed is fixed forever: tests and saved experiments
// depend on it. Uniform floats take the top 24 bits: k / 2^24, k in 0..<2^24.

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state, period 2^64.
///
///     var g = SeededGenerator(seed: 42)
///     let u = g.nextUniform()           // in [0, 1)
///     let i = Int.random(in: 0..<10, using: &g)
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is determined by `seed` alone.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Float in [0, 1): the top 24 bits of `next()` over 2^24.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform Float in [-limit, limit), as Keras' `RandomUniform(-limit, limit)`.
    public mutating func nextUniform(limit: Float) -> Float {
        (2 * nextUniform() - 1) * limit
    }
}
