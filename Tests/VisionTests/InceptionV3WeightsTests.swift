// InceptionV3WeightsTests.swift — Keras' initialisers for `weights none`, and
// the checks on weights given to the model.
//
// Oracles: Keras' documented initialisers (GlorotUniform: U(-limit, limit),
// limit = sqrt(6 / (fan_in + fan_out)), fans from keras.src.initializers
// compute_fans; zeros for biases, beta, moving mean; ones for moving
// variance), and the error texts this API documents.
import XCTest
@testable import Vision

final class InceptionV3WeightsTests: XCTestCase {
    let config = try! InceptionV3.Configuration()

    func testSameSeedSameWeightsOtherSeedOtherWeights() {
        let a = InceptionV3.randomWeights(for: config, seed: 42)
        XCTAssertEqual(a, InceptionV3.randomWeights(for: config, seed: 42))
        let b = InceptionV3.randomWeights(for: config, seed: 43)
        XCTAssertNotEqual(a[0].tensors[0].scalars, b[0].tensors[0].scalars)
        XCTAssertEqual(a.map(\.layerName), InceptionV3.weightSpecs(for: config).map(\.layerName))
    }

    /// Each kernel fills its Glorot interval (max |w| just under the limit)
    /// with the uniform distribution's variance limit² / 3; the rest are constants.
    func testInitialisersAreKeras() {
        let weights = InceptionV3.randomWeights(for: config, seed: 1)
        for layer in weights {
            for array in layer.tensors {
                let place = "\(layer.layerName)/\(array.name)"
                switch array.name {
                case "kernel":
                    let s = array.shape
                    let receptive = s.count == 4 ? s[0] * s[1] : 1
                    let limit = (6 / Double((s[s.count - 2] + s[s.count - 1]) * receptive)).squareRoot()
                    let largest = Double(array.scalars.map(abs).max()!)
                    XCTAssertLessThanOrEqual(largest, limit, place)
                    if array.scalars.count >= 800 { XCTAssertGreaterThan(largest, 0.99 * limit, place) }
                    let variance = array.scalars.map { Double($0) * Double($0) }.reduce(0, +) / Double(array.scalars.count)
                    XCTAssertEqual(variance, limit * limit / 3, accuracy: 0.15 * limit * limit / 3, place)
                case "moving_variance":
                    XCTAssertTrue(array.scalars.allSatisfy { $0 == 1 }, place)
                default:
                    XCTAssertTrue(array.scalars.allSatisfy { $0 == 0 }, place)
                }
            }
        }
        // The first kernel, 3×3×3×32: limit = sqrt(6 / (27 + 288)).
        XCTAssertEqual(Double(weights[0].tensors[0].scalars.map(abs).max()!), (6.0 / 315).squareRoot(), accuracy: 0.01)
    }

    /// The model keeps the weights exactly as given (unfolded), for saving and training.
    func testModelKeepsTheOriginalWeights() throws {
        let small = try InceptionV3.Configuration(includeTop: false, inputHeight: 75, inputWidth: 75)
        let weights = InceptionV3.randomWeights(for: small, seed: 3)
        XCTAssertEqual(try InceptionV3(configuration: small, weights: weights).weights, weights)
    }

    func testMismatchesNameTheLayerTheArrayAndBothShapes() {
        let weights = InceptionV3.randomWeights(for: config, seed: 2)
        func message(_ w: [LayerWeights]) -> String? {
            do { _ = try InceptionV3(configuration: config, weights: w); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(message(Array(weights.dropLast())),
                       "inception_v3 has 189 weighted layers, but the weights hold 188 layers")
        var shape = weights
        shape[2].tensors[0] = WeightTensor(name: "kernel", shape: [3, 3, 32, 31],
                                           scalars: [Float](repeating: 0, count: 9 * 32 * 31))
        XCTAssertEqual(message(shape), "layer 'conv2d_1' (weighted layer 3 of 189): array 'kernel' has shape "
                       + "(3, 3, 32, 31), expected (3, 3, 32, 32)")
        var bias = weights
        bias[188].tensors[1] = WeightTensor(name: "bias", shape: [999], scalars: [Float](repeating: 0, count: 999))
        bias[188].layerName = "dense_7"
        XCTAssertEqual(message(bias), "layer 'predictions' (weighted layer 189 of 189, given as 'dense_7'): "
                       + "array 'bias' has shape (999,), expected (1000,)")
        var count = weights
        count[1].tensors.insert(WeightTensor(name: "gamma", shape: [32], scalars: [Float](repeating: 1, count: 32)),
                                at: 0)
        XCTAssertEqual(message(count), "layer 'batch_normalization' (weighted layer 2 of 189): expected 3 arrays "
                       + "(beta, moving_mean, moving_variance), got 4 (gamma, beta, moving_mean, moving_variance)")
    }
}
