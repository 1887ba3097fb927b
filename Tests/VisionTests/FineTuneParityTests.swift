// FineTuneParityTests.swift — one fine-tuning step of FineTuner against the
// same step made by Keras itself (oracle: Fixtures/keras-finetune/fixture.json,
// written by generate.py beside it): the loss Keras returned and, per trained
// tensor, digests of the change the step made (count, sum, sum of squares,
// values at fixed indices).
import XCTest
@testable import Vision

final class FineTuneParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct Input: Decodable { let height: Int, width: Int, batch: Int, ordinal: Int }
        struct Run: Decodable {
            struct Optimizer: Decodable {
                let kind: String
                let learningRate: Float
                let momentum: Float?
            }
            struct Digest: Decodable {
                let layer: String, weight: String, shape: [Int], count: Int
                let sum: Double, sumOfSquares: Double, sampleIndices: [Int], samples: [Double]
            }
            let name: String, lastFrozen: String, frozenLayerCount: Int
            let optimizer: Optimizer
            let loss: Double
            let probabilitiesBefore: [Float]
            let tensors: [Digest]
        }
        let input: Input
        let classes: Int
        let labels: [Int]
        let runs: [Run]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/keras-finetune")

    func loadFixture() throws -> Fixture {
        let url = FineTuneParityTests.directory.appendingPathComponent("fixture.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw FixtureMissing(path: url.path + " (written by Tests/VisionTests/Fixtures/keras-finetune/generate.py)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Fixture.self, from: data)
    }

    /// Tolerances on the digests of the change each step made, relative to
    /// its size: a sum against sqrt(count · sum of squares) (the largest it
    /// could be, so cancellation does not make the test ill-posed), a sum of
    /// squares against itself, a sample against the change's rms. Gradients
    /// here and in TensorFlow sum in different orders in Float32 through up to
    /// 22 layers. Keras' own spread, the fixture against a run with oneDNN off
    /// (generate.py --out): sums 1.2e-6, sums of squares 3.1e-6, samples 1.4e-4;
    /// ours against the fixture: 5.2e-6, 1.4e-5, 4.8e-5.
    static let sumTolerance = 1e-4
    static let sampleTolerance = 3e-4

    func testOneStepMatchesKeras() throws {
        let fixture = try loadFixture()
        let config = try InceptionV3.Configuration(includeTop: false, inputHeight: fixture.input.height,
                                                   inputWidth: fixture.input.width)
        let specs = InceptionV3.weightSpecs(for: config)
        let denseSpec = LayerWeightSpec(layerName: "dense", layerType: "Dense",
                                        tensors: [("kernel", [2048, fixture.classes]), ("bias", [fixture.classes])])
        let all = reproducibleWeights(for: specs + [denseSpec])   // the head's two tensors take the next ordinals
        let model = try InceptionV3(configuration: config, weights: Array(all.dropLast()))
        let head = Head(classes: (0..<fixture.classes).map(String.init), hidden: nil, dropout: 0,
                        output: DenseLayer(name: "dense", inputs: 2048, units: fixture.classes,
                                           kernel: all.last!.tensors[0].scalars, bias: all.last!.tensors[1].scalars,
                                           activation: .softmax))
        let shape = [fixture.input.batch, fixture.input.height, fixture.input.width, 3]
        let images = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map {
            ReproducibleWeights.unit(ordinal: fixture.input.ordinal, index: $0)
        })
        XCTAssertEqual(fixture.runs.count, 3)
        for run in fixture.runs {
            XCTAssertEqual(model.layerNames[run.frozenLayerCount - 1], run.lastFrozen, run.name)
            let flags = model.layers.indices.map { $0 >= run.frozenLayerCount }
            let rate = run.optimizer.learningRate
            let optimizer = run.optimizer.kind == "sgd"
                ? FineTuner.sgd(rate: rate, momentum: run.optimizer.momentum ?? 0)
                : FineTuner.adam(rate: rate)
            var tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: optimizer)
            let boundary = try tuner.boundary(for: images)
            assertClose(tuner.probabilities(boundary: boundary), Tensor(shape: [2, fixture.classes], scalars: run.probabilitiesBefore),
                        tolerance: 1e-5, "\(run.name): probabilities before the step")
            let loss = tuner.step(boundary: boundary, labels: fixture.labels)
            XCTAssertEqual(Double(loss), run.loss, accuracy: 1e-5 * run.loss, "\(run.name): loss")

            var changes: [String: [Double]] = [:]   // "layer/weight" → new − old
            for (old, new) in zip(model.weights, tuner.exportWeights()) {
                for (a, b) in zip(old.tensors, new.tensors) where a.scalars != b.scalars {
                    changes["\(old.layerName)/\(a.name)"] = zip(a.scalars, b.scalars).map { Double($1) - Double($0) }
                }
            }
            changes["dense/kernel"] = zip(head.output.kernel, tuner.head.output.kernel).map { Double($1) - Double($0) }
            changes["dense/bias"] = zip(head.output.bias, tuner.head.output.bias).map { Double($1) - Double($0) }
            XCTAssertEqual(Set(changes.keys), Set(run.tensors.map { "\($0.layer)/\($0.weight)" }), "\(run.name): trained tensors")
            var worst = (sum: 0.0, squares: 0.0, sample: 0.0)
            for digest in run.tensors {
                let key = "\(digest.layer)/\(digest.weight)"
                guard let delta = changes[key], delta.count == digest.count else {
                    XCTFail("\(run.name): \(key) missing or of the wrong size"); continue
                }
                let sum = delta.reduce(0, +), squares = delta.map { $0 * $0 }.reduce(0, +)
                let rms = (digest.sumOfSquares / Double(digest.count)).squareRoot()
                let sumError = abs(sum - digest.sum) / (Double(digest.count) * digest.sumOfSquares).squareRoot()
                let squaresError = abs(squares - digest.sumOfSquares) / digest.sumOfSquares
                let sampleError = zip(digest.sampleIndices, digest.samples).map { abs(delta[$0] - $1) / rms }.max()!
                worst = (max(worst.sum, sumError), max(worst.squares, squaresError), max(worst.sample, sampleError))
                let t = FineTuneParityTests.sumTolerance
                XCTAssertLessThan(sumError, t, "\(run.name) \(key): sum \(sum) vs Keras \(digest.sum)")
                XCTAssertLessThan(squaresError, t, "\(run.name) \(key): sum of squares \(squares) vs Keras \(digest.sumOfSquares)")
                XCTAssertLessThan(sampleError, FineTuneParityTests.sampleTolerance, "\(run.name) \(key): samples \(digest.sampleIndices.map { delta[$0] }) vs Keras \(digest.samples)")
            }
            print("\(run.name): worst relative errors: sum \(worst.sum), sum of squares \(worst.squares), samples \(worst.sample)")
        }
    }
}
