// ReproducibleWeights.swift — Inception V3 weights that Swift and Keras compute bit for bit.
//
// Every element is a function of (tensor ordinal, element index) only, so the
// Keras generator (Fixtures/keras-parity/generate.py) and these tests fill the
// same model with the same float32 values. Definition: docs/parity.md.
// ReproducibleWeightsTests checks this file against the generator's numbers.

import Foundation
import Vision

/// The counter-based weight formula shared with the Keras generator.
///
///     key = ordinal · 2^32 + index
///     h   = splitmix64 finaliser of (key + 1) · golden     (mod 2^64)
///     r   = Float((h >> 40) − 2^23) · 2^−23                exact, in [−1, 1)
///
/// then one float32 operation per kind (see `value`).
enum ReproducibleWeights {
    static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let mix1: UInt64 = 0xBF58_476D_1CE4_E5B9
    static let mix2: UInt64 = 0x94D0_49BB_1331_11EB
    /// Conv kernels: r · sqrt(5.5 / fan_in) (He-uniform would be 6; 5.5 keeps
    /// activations level through the 94 convolutions).
    static let convGain = 5.5
    /// Dense kernel: r · sqrt(32 / fan_in), 0.125 for 2048 inputs.
    static let denseGain = 32.0
    static let denseBias: Float = 0.5
    static let betaScale: Float = 0.25
    static let meanScale: Float = 0.25
    /// moving_variance = 1 + r · 0.5, in [0.5, 1.5).
    static let varianceHalfRange: Float = 0.5

    /// What a weight array is, from its layer's Keras class and its own name.
    enum Kind {
        case convKernel, denseKernel, denseBias, bnBeta, bnMovingMean, bnMovingVariance

        init(layerType: String, weightName: String) {
            switch (layerType, weightName) {
            case ("Conv2D", "kernel"): self = .convKernel
            case ("Dense", "kernel"): self = .denseKernel
            case ("Dense", "bias"): self = .denseBias
            case ("BatchNormalization", "beta"): self = .bnBeta
            case ("BatchNormalization", "moving_mean"): self = .bnMovingMean
            case ("BatchNormalization", "moving_variance"): self = .bnMovingVariance
            default: preconditionFailure("ReproducibleWeights: no rule for \(layerType).\(weightName)")
            }
        }
    }

    /// splitmix64 of key + 1, key = ordinal · 2^32 + index.
    static func hash(ordinal: Int, index: Int) -> UInt64 {
        precondition((0..<(1 << 32)).contains(ordinal) && (0..<(1 << 32)).contains(index),
                     "ReproducibleWeights: ordinal \(ordinal) or index \(index) outside 0..<2^32")
        let key = UInt64(ordinal) << 32 | UInt64(index)
        let z0 = (key &+ 1) &* golden
        let z1 = (z0 ^ (z0 >> 30)) &* mix1
        let z2 = (z1 ^ (z1 >> 27)) &* mix2
        return z2 ^ (z2 >> 31)
    }

    /// r in [−1, 1): the top 24 bits of the hash, an integer k − 2^23 times 2^−23 (exact).
    static func unit(ordinal: Int, index: Int) -> Float {
        let top24 = Int(hash(ordinal: ordinal, index: index) >> 40)
        return Float(top24 - (1 << 23)) * 0x1p-23
    }

    /// The float32 multiplier of r for a kind; fan_in is the product of all
    /// extents but the last ((kh, kw, cin, cout) → kh·kw·cin, (in, out) → in).
    /// Square roots are taken in Double and rounded once, as numpy does.
    static func scale(of kind: Kind, shape: [Int]) -> Float {
        let fanIn = shape.dropLast().reduce(1, *)
        switch kind {
        case .convKernel: return Float((convGain / Double(fanIn)).squareRoot())
        case .denseKernel: return Float((denseGain / Double(fanIn)).squareRoot())
        case .denseBias: return denseBias
        case .bnBeta: return betaScale
        case .bnMovingMean: return meanScale
        case .bnMovingVariance: return varianceHalfRange
        }
    }

    /// One element: r · scale, or 1 + r · 0.5 for moving_variance (the
    /// product is exact there, so fused or not the result is the same).
    static func value(_ r: Float, kind: Kind, scale: Float) -> Float {
        kind == .bnMovingVariance ? 1 + r * scale : r * scale
    }

    /// All elements of the tensor with this ordinal, row-major in Keras' layout.
    static func tensor(ordinal: Int, layerType: String, weightName: String, shape: [Int]) -> [Float] {
        let kind = Kind(layerType: layerType, weightName: weightName)
        let scale = scale(of: kind, shape: shape)
        let count = shape.reduce(1, *)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {   // hot loop: 23.8 M elements for the whole model
                buffer[index] = value(unit(ordinal: ordinal, index: index), kind: kind, scale: scale)
            }
            initialized = count
        }
    }
}

/// Reproducible weights for a model's weighted layers, in the specs' order:
/// the tensor ordinal counts arrays across layers (Keras' `model.layers`
/// order, each layer's `layer.weights` order), as generate.py does.
func reproducibleWeights(for specs: [LayerWeightSpec]) -> [LayerWeights] {
    var ordinal = 0
    return specs.map { spec in
        LayerWeights(layerName: spec.layerName, tensors: spec.tensors.map { name, shape in
            defer { ordinal += 1 }
            return WeightTensor(name: name, shape: shape,
                                scalars: ReproducibleWeights.tensor(ordinal: ordinal, layerType: spec.layerType,
                                                                    weightName: name, shape: shape))
        })
    }
}

// MARK: - Keras-parity fixtures

/// The folder of Keras-made parity fixtures, beside their generator.
enum KerasParityFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-parity")

    /// The repository root (examples/ lives there).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A fixture file's URL; a missing file is an error naming it and its generator.
    static func url(_ relativePath: String, under base: URL = directory) throws -> URL {
        let url = base.appendingPathComponent(relativePath)
        guard FileManager.default.fileExists(atPath: url.path) else { throw FixtureMissing(path: url.path) }
        return url
    }

    /// Decodes a JSON fixture (snake_case keys become camelCase).
    static func decode<T: Decodable>(_ type: T.Type, from relativePath: String) throws -> T {
        let data = try Data(contentsOf: url(relativePath))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(type, from: data)
        } catch {
            throw FixtureUnreadable(path: directory.appendingPathComponent(relativePath).path, cause: "\(error)")
        }
    }
}

/// A fixture that should be committed is not there.
struct FixtureMissing: Error, CustomStringConvertible {
    let path: String
    var description: String {
        "missing fixture \(path) (written by Tests/VisionTests/Fixtures/keras-parity/generate.py; see docs/parity.md)"
    }
}

/// A fixture that does not have the expected layout.
struct FixtureUnreadable: Error, CustomStringConvertible {
    let path: String
    let cause: String
    var description: String { "fixture \(path) does not have the expected layout: \(cause)" }
}

/// One weighted layer as the generator lists it: `{"name", "type", "tensors": [{"name", "shape"}]}`.
struct KerasWeightedLayer: Decodable {
    struct Weight: Decodable {
        let name: String
        let shape: [Int]
    }

    let name: String
    let type: String
    let tensors: [Weight]

    var spec: LayerWeightSpec {
        LayerWeightSpec(layerName: name, layerType: type, tensors: tensors.map { ($0.name, $0.shape) })
    }
}
