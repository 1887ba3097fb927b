// HeadTrainingKerasTests.swift — HeadTrainer against Keras' own model.fit.
//
// Oracle: Fixtures/keras-head-training/training.json, written by generate.py
// beside it (Keras 3.15.1, TensorFlow 2.21): History per epoch, the final
// weights, and, before training, evaluate/predict/categorical_crossentropy.
import Foundation
import XCTest
@testable import Vision

/// The Keras training fixture, found from this file's location.
enum KerasHeadTrainingFixture {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-head-training/training.json").path

    struct Data: Decodable {
        let features: [Float]
        let labels: [Int]
    }

    struct Layer: Decodable {
        let kernel: [Float]
        let bias: [Float]
    }

    struct OptimizerSpec: Decodable {
        let name: String
        let rate: Float
        let momentum: Float?
        let beta1: Float?
        let beta2: Float?
        let epsilon: Float?
    }

    struct Before: Decodable {
        let loss: Double
        let accuracy: Double
        let probabilities: [Float]
        let clippedLosses: [Float]
    }

    struct History: Decodable {
        let loss: [Double]
        let accuracy: [Double]
        // swiftlint:disable:next identifier_name
        let val_loss: [Double]
        // swiftlint:disable:next identifier_name
        let val_accuracy: [Double]
    }

    struct Case: Decodable {
        let name: String
        let hidden: Int?
        let classes: Int
        let width: Int
        let batchSize: Int
        let epochs: Int
        let optimizer: OptimizerSpec
        let train: Data
        let validation: Data
        let initial: [Layer]
        let before: Before
        let final: [Layer]
        let history: History
    }

    struct File: Decodable {
        let keras: String
        let cases: [Case]
    }

    /// The parsed fixture; fails the calling test if it is missing.
    static func load(file: StaticString = #filePath, line: UInt = #line) throws -> File {
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing Keras training fixture \(path): run generate.py beside it", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return try JSONDecoder().decode(File.self, from: data)
    }

    /// The case's head with Keras' initial (or final) weights.
    static func head(_ c: Case, layers: [Layer]) -> Head {
        let classes = (0..<c.classes).map { "class\($0)" }
        if let hidden = c.hidden {
            return Head(classes: classes,
                        hidden: DenseLayer(name: "dense", inputs: c.width, units: hidden, kernel: layers[0].kernel,
                                           bias: layers[0].bias, activation: .relu),
                        dropout: 0,
                        output: DenseLayer(name: "dense_1", inputs: hidden, units: c.classes, kernel: layers[1].kernel,
                                           bias: layers[1].bias, activation: .softmax))
        }
        return Head(classes: classes, hidden: nil, dropout: 0,
                    output: DenseLayer(name: "dense", inputs: c.width, units: c.classes, kernel: layers[0].kernel,
                                       bias: layers[0].bias, activation: .softmax))
    }

    static func optimizer(_ spec: OptimizerSpec) -> Optimizer {
        if spec.name == "sgd" { return .sgd(rate: spec.rate, momentum: spec.momentum ?? 0) }
        return .adam(rate: spec.rate, beta1: spec.beta1 ?? 0.9, beta2: spec.beta2 ?? 0.999, epsilon: spec.epsilon ?? 1e-7)
    }
}

/// |a − e| / max(1, |e|) ≤ tolerance for every element, reporting the worst.
func assertClose(_ actual: [Double], _ expected: [Double], tolerance: Double, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        return XCTFail("\(what): \(actual.count) values, expected \(expected.count)", file: file, line: line)
    }
    var worst = -1, worstError = -1.0
    for i in actual.indices {
        let error = abs(actual[i] - expected[i]) / max(1, abs(expected[i]))
        let comparable = error.isNaN ? Double.infinity : error
        if comparable > worstError { worst = i; worstError = comparable }
    }
    if worstError > tolerance {
        XCTFail("\(what): worst at index \(worst): \(actual[worst]) vs expected \(expected[worst]) "
                + "(error \(worstError) > \(tolerance))", file: file, line: line)
    }
}

/// Float arrays compared as `assertClose` on Doubles.
func assertClose(_ actual: [Float], _ expected: [Float], tolerance: Double, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    assertClose(actual.map(Double.init), expected.map(Double.init), tolerance: tolerance, what, file: file, line: line)
}

final class HeadTrainingKerasTests: XCTestCase {
    /// Every case trains as Keras' fit(shuffle=False): per-epoch loss,
    /// accuracy, val_loss, val_accuracy and the final weights within 1e-5
    /// (relative above 1). The confident cases have losses near 40–50, far
    /// beyond the clip's 16.1: Keras' fit computes them from the logits.
    func testFitMatchesKeras() throws {
        let fixture = try KerasHeadTrainingFixture.load()
        XCTAssertEqual(fixture.cases.count, 6, "cases in \(KerasHeadTrainingFixture.path)")
        for c in fixture.cases {
            let start = KerasHeadTrainingFixture.head(c, layers: c.initial)
            var trainer = HeadTrainer(head: start, optimizer: KerasHeadTrainingFixture.optimizer(c.optimizer),
                                      batchSize: c.batchSize, seed: 0, shuffle: false)
            var batches = 0, epochsSeen = 0
            let (history, stopped) = trainer.fit(
                LabelledFeatures(features: c.train.features, labels: c.train.labels, width: c.width),
                validation: LabelledFeatures(features: c.validation.features, labels: c.validation.labels, width: c.width),
                epochs: c.epochs, shouldStop: { false }, onBatch: { _ in batches += 1 }, onEpoch: { _ in epochsSeen += 1 })
            XCTAssertFalse(stopped, c.name)
            XCTAssertEqual(batches, c.epochs * 3, "\(c.name): 22 samples in batches of 8 make 3 steps per epoch")
            XCTAssertEqual(epochsSeen, c.epochs, c.name)
            XCTAssertEqual(history.map(\.steps), [3, 3], c.name)
            XCTAssertEqual(history.map(\.epoch), [1, 2], c.name)
            assertClose(history.map(\.loss), c.history.loss, tolerance: 1e-5, "\(c.name) loss")
            assertClose(history.map(\.accuracy), c.history.accuracy, tolerance: 1e-5, "\(c.name) accuracy")
            assertClose(history.map { $0.validationLoss ?? .nan }, c.history.val_loss, tolerance: 1e-5, "\(c.name) val_loss")
            assertClose(history.map { $0.validationAccuracy ?? .nan }, c.history.val_accuracy, tolerance: 1e-5,
                        "\(c.name) val_accuracy")
            let expected = KerasHeadTrainingFixture.head(c, layers: c.final)
            for (mine, keras) in zip(trainer.head.denseLayers, expected.denseLayers) {
                assertClose(mine.kernel, keras.kernel, tolerance: 1e-5, "\(c.name) \(mine.name) kernel")
                assertClose(mine.bias, keras.bias, tolerance: 1e-5, "\(c.name) \(mine.name) bias")
            }
        }
    }

    /// Before training: Head.evaluate against model.evaluate (loss from the
    /// logits, accuracy), Head.probabilities against model.predict, and
    /// CrossEntropy.fromProbabilities against categorical_crossentropy on
    /// those bare probabilities, which clips at 1e-7 (≈ 16.118 at most).
    func testEvaluateAndClippedLossMatchKeras() throws {
        let fixture = try KerasHeadTrainingFixture.load()
        var clippedSeen = false, unclippedAboveClip = false
        for c in fixture.cases {
            let head = KerasHeadTrainingFixture.head(c, layers: c.initial)
            let data = LabelledFeatures(features: c.train.features, labels: c.train.labels, width: c.width)
            let evaluation = head.evaluate(data)
            assertClose([evaluation.loss, evaluation.accuracy], [c.before.loss, c.before.accuracy], tolerance: 1e-5,
                        "\(c.name) evaluate")
            assertClose(evaluation.probabilities, c.before.probabilities, tolerance: 1e-5, "\(c.name) evaluate probabilities")
            assertClose(head.probabilities(c.train.features, count: data.count), c.before.probabilities, tolerance: 1e-5,
                        "\(c.name) Head.probabilities")
            let classes = c.classes
            let clipped = (0..<data.count).map { r in
                CrossEntropy.fromProbabilities(Array(c.before.probabilities[(r * classes)..<((r + 1) * classes)]),
                                               label: data.labels[r])
            }
            assertClose(clipped, c.before.clippedLosses, tolerance: 1e-5, "\(c.name) clipped losses")
            clippedSeen = clippedSeen || c.before.clippedLosses.contains { abs($0 - 16.118095) < 1e-4 }
            unclippedAboveClip = unclippedAboveClip || evaluation.losses.contains { $0 > 17 }
        }
        XCTAssertTrue(clippedSeen, "no fixture sample reaches the clip; the confident cases should")
        XCTAssertTrue(unclippedAboveClip, "no fixture sample has a logits loss beyond the clip")
    }
}
