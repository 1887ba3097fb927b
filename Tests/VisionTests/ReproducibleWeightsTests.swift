// ReproducibleWeightsTests.swift — the Swift weight formula equals the Keras generator's, bit for bit.
//
// Oracle: Fixtures/keras-parity/formula-checks.json, written by generate.py
// beside it (numpy uint64/float32 arithmetic). No TensorFlow is needed here.

import Foundation
import Vision
import XCTest

final class ReproducibleWeightsTests: XCTestCase {
    struct Checks: Decodable {
        struct Stage: Decodable {
            let ordinal: Int
            let index: Int
            let hash: String
            let unitBits: UInt32
        }

        struct SmallModel: Decodable {
            let layers: [KerasWeightedLayer]
            let bits: [[UInt32]]
        }

        struct Digest: Decodable {
            let ordinal: Int
            let count: Int
            let bitSum: String
            let weightedBitSum: String
            let min: Double
            let max: Double
        }

        struct Sample: Decodable {
            let ordinal: Int
            let index: Int
            let bits: UInt32
        }

        struct FullModel: Decodable {
            let layers: [KerasWeightedLayer]
            let digests: [Digest]
            let samples: [Sample]
        }

        let stages: [Stage]
        let smallModel: SmallModel
        let inceptionV3: FullModel
    }

    private func checks() throws -> Checks {
        try KerasParityFixtures.decode(Checks.self, from: "formula-checks.json")
    }

    /// Oracle: the generator's hash and r for chosen (ordinal, index) pairs,
    /// including the largest key (2^31 − 1, 2^32 − 1).
    func testHashAndUnitMatchGenerator() throws {
        for stage in try checks().stages {
            let hash = ReproducibleWeights.hash(ordinal: stage.ordinal, index: stage.index)
            XCTAssertEqual(hash, UInt64(stage.hash), "hash(\(stage.ordinal), \(stage.index))")
            let unit = ReproducibleWeights.unit(ordinal: stage.ordinal, index: stage.index)
            XCTAssertEqual(unit.bitPattern, stage.unitBits,
                           "unit(\(stage.ordinal), \(stage.index)): Swift \(unit), generator \(Float(bitPattern: stage.unitBits))")
        }
    }

    /// Oracle: every element of a small synthetic model (all six kinds, 1×7 and
    /// 3×1 kernels) as the generator computed it.
    func testSmallModelEveryElementBitExact() throws {
        let small = try checks().smallModel
        let specs = small.layers.map(\.spec)
        let weights = reproducibleWeights(for: specs)
        XCTAssertEqual(weights.map(\.layerName), specs.map(\.layerName))
        let tensors = weights.flatMap(\.tensors)
        XCTAssertEqual(tensors.count, small.bits.count, "tensor count")
        for (ordinal, (tensor, expected)) in zip(tensors, small.bits).enumerated() {
            XCTAssertEqual(tensor.scalars.count, expected.count, "tensor \(ordinal) \(tensor.name) size")
            if let index = expected.indices.first(where: { tensor.scalars[$0].bitPattern != expected[$0] }) {
                XCTFail("tensor \(ordinal) \(tensor.name) \(tensor.shape) element \(index): "
                        + "Swift \(tensor.scalars[index]), generator \(Float(bitPattern: expected[index]))")
            }
        }
        XCTAssertEqual(zip(specs.flatMap(\.tensors), tensors).filter { $0.0.name != $0.1.name || $0.0.shape != $0.1.shape }.count,
                       0, "tensor names and shapes follow the specs")
    }

    /// Oracle: the generator's exact digests of all 378 tensors (23,851,784
    /// values) of Keras' InceptionV3 with top, in Keras' weighted-layer order:
    /// the wrapping sum of the float32 bit patterns, the same weighted by
    /// position (catches layout errors), min, max, and sampled elements.
    func testInceptionV3AllTensorsMatchGenerator() throws {
        let full = try checks().inceptionV3
        let tensors = reproducibleWeights(for: full.layers.map(\.spec)).flatMap(\.tensors)
        XCTAssertEqual(tensors.count, full.digests.count, "tensor count")
        XCTAssertEqual(tensors.reduce(0) { $0 + $1.scalars.count }, 23_851_784, "parameter count")
        var mismatches: [String] = []
        for digest in full.digests {
            let scalars = tensors[digest.ordinal].scalars
            var bitSum: UInt64 = 0
            var weightedBitSum: UInt64 = 0
            for (position, value) in scalars.enumerated() {
                let bits = UInt64(value.bitPattern)
                bitSum &+= bits
                weightedBitSum &+= bits &* UInt64(position + 1)
            }
            let swift = "count \(scalars.count) sums \(bitSum) \(weightedBitSum) min \(scalars.min() ?? .nan) max \(scalars.max() ?? .nan)"
            let keras = "count \(digest.count) sums \(digest.bitSum) \(digest.weightedBitSum) min \(Float(digest.min)) max \(Float(digest.max))"
            if swift != keras { mismatches.append("tensor \(digest.ordinal): Swift \(swift); generator \(keras)") }
        }
        XCTAssertEqual(mismatches.count, 0, "\(mismatches.count) tensors differ, first: \(mismatches.prefix(3))")
        let wrongSamples = full.samples.compactMap { sample -> String? in
            let value = tensors[sample.ordinal].scalars[sample.index]
            return value.bitPattern == sample.bits ? nil
                : "tensor \(sample.ordinal) element \(sample.index): Swift \(value), generator \(Float(bitPattern: sample.bits))"
        }
        XCTAssertEqual(wrongSamples.count, 0, "\(wrongSamples.count) sampled elements differ, first: \(wrongSamples.prefix(3))")
    }

    /// Oracle: the formula's definition (docs/parity.md): ranges of each kind
    /// over the whole model, and non-trivial batch-norm statistics.
    func testRangesPerKind() throws {
        let full = try checks().inceptionV3
        let weights = reproducibleWeights(for: full.layers.map(\.spec))
        for (spec, layer) in zip(full.layers.map(\.spec), weights) {
            for tensor in layer.tensors {
                let kind = ReproducibleWeights.Kind(layerType: spec.layerType, weightName: tensor.name)
                let bound = ReproducibleWeights.scale(of: kind, shape: tensor.shape)
                let range: ClosedRange<Float> = kind == .bnMovingVariance ? 0.5...1.5 : -bound...bound
                let outside = tensor.scalars.filter { !range.contains($0) }.count
                XCTAssertEqual(outside, 0, "\(layer.layerName).\(tensor.name): \(outside) values outside \(range)")
                if tensor.scalars.count >= 32 {
                    XCTAssertGreaterThan(Set(tensor.scalars).count, tensor.scalars.count / 2,
                                         "\(layer.layerName).\(tensor.name) is not varied")
                }
            }
        }
    }
}
