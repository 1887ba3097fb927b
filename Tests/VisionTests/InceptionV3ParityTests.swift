// InceptionV3ParityTests.swift — kungfu's prediction pipeline against numbers Keras produced.
//
// Oracle: Fixtures/keras-parity/inception_v3_*.json, written by generate.py beside
// them: Keras 3.15.1 / TensorFlow 2.21 InceptionV3 with the reproducible weights of
// ReproducibleWeights.swift, fed by keras.utils.load_img → img_to_array →
// preprocess_input. Tolerances, and the errors these tests print: docs/parity.md.

import Foundation
import Vision
import XCTest

// MARK: - Tolerances (docs/parity.md states them and Keras' own noise beside them)

enum ParityTolerance {
    /// Model outputs (probabilities, pooled features) and avg_pool, absolute.
    static let output = 1e-4
    /// Intermediate statistics (mean, std, min, max, sampled values): |d| ≤ atol + rtol·|Keras|.
    static let statisticAbsolute = 1e-4
    static let statisticRelative = 2e-5
    /// Intermediate sums: |d| ≤ rtol · Σ|Keras value|.
    static let sumRelative = 1e-5
}

// MARK: - The fixture (one configuration)

/// `inception_v3_*.json` as generate.py writes it.
struct ParityFixture: Decodable {
    struct Model: Decodable {
        let includeTop: Bool
        let pooling: String
        let inputHeight: Int
        let inputWidth: Int
        let layerCount: Int
        let parameterCount: Int
        let weightTensorCount: Int
    }

    struct Input: Decodable {
        let shape: [Int]
        let sum: Double
    }

    struct Output: Decodable {
        let layer: String
        let values: [Double]
    }

    struct Statistics: Decodable {
        let layer: String
        let shape: [Int]
        let mean: Double
        let std: Double
        let min: Double
        let max: Double
        let sum: Double
        let sumAbs: Double
        let sampleIndices: [Int]
        let samples: [Double]
    }

    struct Decoded: Decodable {
        let index: Int
        let wnid: String
        let label: String
        let probability: Double
    }

    struct Case: Decodable {
        let file: String
        let pixels: String
        let input: Input
        let outputs: [Output]
        let stats: [Statistics]
        let top5: [Int]?
        let top5Decoded: [Decoded]?
    }

    let model: Model
    let outputLayer: String
    let weightedLayers: [KerasWeightedLayer]
    let images: [Case]

    /// Keras' full output of `layer` for every image.
    func outputs(of layer: String) throws -> [[Double]] {
        try images.map { image in
            guard let output = image.outputs.first(where: { $0.layer == layer }) else {
                throw FixtureUnreadable(path: image.file, cause: "no full output of \(layer)")
            }
            return output.values
        }
    }
}

// MARK: - One configuration, built and run once per test class

/// A fixture's model with reproducible weights and the two inputs: Swift's own
/// pipeline on the original images, and Keras' load_img pixels (pixels/*.png)
/// preprocessed by Swift. The network runs on Swift's pipeline when the two are
/// identical, else on Keras' pixels, so a decoding or resizing difference fails
/// the input test and still leaves the network tested on its own.
final class ParityRun {
    let name: String
    let fixture: ParityFixture
    let configuration: InceptionV3.Configuration
    let model: InceptionV3
    let pipelineInput: Tensor   // (N, H, W, 3) KerasImage.load + Preprocessing.inceptionV3
    let kerasPixelsInput: Tensor  // (N, H, W, 3) Keras' load_img pixels, preprocessed
    let networkInput: Tensor    // (N, H, W, 3) one of the two above
    let prediction: Tensor      // (N, 1000) or (N, 2048)
    /// Added to network failures when the network ran on Keras' pixels.
    let inputNote: String

    init(fixtureFile: String) throws {
        name = URL(fileURLWithPath: fixtureFile).deletingPathExtension().lastPathComponent
        fixture = try KerasParityFixtures.decode(ParityFixture.self, from: fixtureFile)
        let m = fixture.model
        guard let pooling = InceptionV3.Pooling(rawValue: m.pooling) else {
            throw FixtureUnreadable(path: fixtureFile, cause: "pooling '\(m.pooling)' is not none, avg or max")
        }
        configuration = try InceptionV3.Configuration(includeTop: m.includeTop, pooling: pooling,
                                                      inputHeight: m.inputHeight, inputWidth: m.inputWidth)
        // Weights in Keras' own order, as a Keras file would give them; the model
        // takes them by position (testWeightSpecsFollowKeras checks that order).
        model = try InceptionV3(configuration: configuration,
                                weights: reproducibleWeights(for: fixture.weightedLayers.map(\.spec)))

        let size = (height: m.inputHeight, width: m.inputWidth)
        let originals = try fixture.images.map { image in
            try KerasImage.load(KerasParityFixtures.url(image.file, under: KerasParityFixtures.repositoryRoot).path,
                                targetSize: size, interpolation: .nearest, keepAspectRatio: false)
        }
        let kerasPixels = try fixture.images.map { image in
            try KerasImage.load(KerasParityFixtures.url(image.pixels).path)
        }
        pipelineInput = Preprocessing.inceptionV3(originals)
        kerasPixelsInput = Preprocessing.inceptionV3(kerasPixels)
        let identical = pipelineInput == kerasPixelsInput
        networkInput = identical ? pipelineInput : kerasPixelsInput
        inputNote = identical ? ""
            : " (network fed Keras' load_img pixels: Swift's decoding/resizing differs, see testPipelineInputEqualsKeras)"
        prediction = model.predict(networkInput)
    }

    var imageNames: [String] { fixture.images.map { URL(fileURLWithPath: $0.file).lastPathComponent } }

    // MARK: Checks shared by the test classes

    /// InceptionV3.weightSpecs lists Keras' weighted layers in Keras' order.
    func checkWeightSpecs(file: StaticString = #filePath, line: UInt = #line) {
        let swift = InceptionV3.weightSpecs(for: configuration)
        let keras = fixture.weightedLayers.map(\.spec)
        XCTAssertEqual(swift.count, keras.count, "\(name): weighted layer count", file: file, line: line)
        if let i = zip(swift, keras).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("\(name): weighted layer \(i) differs: Swift \(describe(swift[i])), Keras \(describe(keras[i]))",
                    file: file, line: line)
        }
        let parameters = swift.flatMap(\.tensors).reduce(0) { $0 + $1.shape.reduce(1, *) }
        XCTAssertEqual(parameters, fixture.model.parameterCount, "\(name): parameter count", file: file, line: line)
        XCTAssertEqual(swift.flatMap(\.tensors).count, fixture.model.weightTensorCount, "\(name): weight tensor count",
                       file: file, line: line)
    }

    /// Swift's decode + resize + preprocess gives exactly Keras' input.
    func checkInputs(file: StaticString = #filePath, line: UInt = #line) {
        let h = fixture.model.inputHeight, w = fixture.model.inputWidth
        let expectedShape = [fixture.images.count, h, w, 3]
        XCTAssertEqual(pipelineInput.shape, expectedShape, "\(name): Swift pipeline input shape", file: file, line: line)
        XCTAssertEqual(kerasPixelsInput.shape, expectedShape, "\(name): Keras pixels input shape", file: file, line: line)
        guard pipelineInput.shape == expectedShape, kerasPixelsInput.shape == expectedShape else { return }
        let perImage = h * w * 3
        for (n, image) in fixture.images.enumerated() {
            let range = n * perImage..<(n + 1) * perImage
            // Keras' pixels decoded from PNG must reproduce Keras' own preprocessed sum.
            let kerasSum = kerasPixelsInput.scalars[range].reduce(0.0) { $0 + Double($1) }
            XCTAssertEqual(kerasSum, image.input.sum, accuracy: 1e-6,
                           "\(name) \(imageNames[n]): Keras pixels \(image.pixels) do not decode to Keras' input",
                           file: file, line: line)
            let differing = range.filter { pipelineInput.scalars[$0] != kerasPixelsInput.scalars[$0] }
            if let first = differing.first {
                let k = first - range.lowerBound
                let (y, x, c) = (k / (w * 3), k / 3 % w, k % 3)
                let swiftValue = pixelValue(pipelineInput.scalars[first])
                let kerasValue = pixelValue(kerasPixelsInput.scalars[first])
                XCTFail("\(name) \(imageNames[n]): \(differing.count) of \(perImage) input values differ from Keras "
                        + "(load_img → img_to_array → preprocess_input); first at y \(y) x \(x) channel \(c): "
                        + "Swift pixel \(swiftValue), Keras pixel \(kerasValue)", file: file, line: line)
            }
            let swiftSum = pipelineInput.scalars[range].reduce(0.0) { $0 + Double($1) }
            print("keras-parity \(name) \(imageNames[n]) input: \(differing.count) values differ, "
                  + "sum Swift \(swiftSum) Keras \(image.input.sum)")
        }
    }

    /// Full per-image values against Keras', within `ParityTolerance.output`.
    func checkValues(_ swift: Tensor, against keras: [[Double]], what: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        let perImage = keras.first?.count ?? 0
        XCTAssertEqual(swift.shape, [keras.count, perImage], "\(name) \(what): shape", file: file, line: line)
        guard swift.shape == [keras.count, perImage] else { return }
        var worst = (error: 0.0, image: 0, index: 0)
        for (n, expected) in keras.enumerated() {
            for (i, value) in expected.enumerated() {
                let error = abs(Double(swift.scalars[n * perImage + i]) - float32(value))
                if error > worst.error || error.isNaN { worst = (error, n, i) }
            }
        }
        let at = "\(imageNames[worst.image])[\(worst.index)]"
        print("keras-parity \(name) \(what): max |Swift − Keras| = \(worst.error) at \(at) "
              + "(tolerance \(ParityTolerance.output))")
        XCTAssertLessThanOrEqual(worst.error, ParityTolerance.output,
                                 "\(name) \(what): at \(at) Swift \(swift.scalars[worst.image * perImage + worst.index]), "
                                 + "Keras \(keras[worst.image][worst.index])\(inputNote)", file: file, line: line)
    }

    /// The same five classes as Keras, in the same order, and decodePredictions
    /// agrees with keras' decode_predictions (index, wnid, label, probability).
    func checkTop5(file: StaticString = #filePath, line: UInt = #line) throws {
        let classes = prediction.shape.last ?? 0
        for (n, image) in fixture.images.enumerated() {
            let expected = try XCTUnwrap(image.top5, "\(name): fixture has no top5", file: file, line: line)
            let row = Array(prediction.scalars[n * classes..<(n + 1) * classes])
            let top5 = Array(row.indices.sorted { (row[$0], $1) > (row[$1], $0) }.prefix(5))
            XCTAssertEqual(top5, expected, "\(name) \(imageNames[n]): top-5 classes\(inputNote)", file: file, line: line)
        }
        let decoded = try decodePredictions(prediction, top: 5)
        XCTAssertEqual(decoded.count, fixture.images.count, "\(name): decodePredictions rows", file: file, line: line)
        for (n, (swift, image)) in zip(decoded, fixture.images).enumerated() {
            let keras = try XCTUnwrap(image.top5Decoded, "\(name): fixture has no top5_decoded", file: file, line: line)
            XCTAssertEqual(swift.map(\.index), keras.map(\.index), "\(name) \(imageNames[n]): decoded indices",
                           file: file, line: line)
            XCTAssertEqual(swift.map(\.wnid), keras.map(\.wnid), "\(name) \(imageNames[n]): wnids", file: file, line: line)
            XCTAssertEqual(swift.map(\.label), keras.map(\.label), "\(name) \(imageNames[n]): labels", file: file, line: line)
            for (s, k) in zip(swift, keras) {
                XCTAssertEqual(Double(s.probability), k.probability, accuracy: ParityTolerance.output,
                               "\(name) \(imageNames[n]): probability of \(k.label)", file: file, line: line)
            }
        }
    }

    /// Statistics of intermediate layers (every image), each layer asked for by
    /// name with `output(of:for:)`.
    func checkStatistics(file: StaticString = #filePath, line: UInt = #line) throws {
        var worstRatio = (ratio: 0.0, what: "")
        var worstSum = (relative: 0.0, what: "")
        for (k, layer) in (fixture.images.first?.stats ?? []).enumerated() {
            let output = try model.output(of: layer.layer, for: networkInput)  // (N, ...) as Keras' layer output
            XCTAssertEqual(Array(output.shape.dropFirst()), layer.shape, "\(name) \(layer.layer): shape",
                           file: file, line: line)
            XCTAssertEqual(output.shape.first, fixture.images.count, "\(name) \(layer.layer): batch", file: file, line: line)
            guard Array(output.shape.dropFirst()) == layer.shape, output.shape.first == fixture.images.count else { continue }
            let perImage = layer.shape.reduce(1, *)
            for (n, image) in fixture.images.enumerated() {
                let keras = image.stats[k]
                let values = output.scalars[n * perImage..<(n + 1) * perImage]
                let swift = Summary(values)
                var pairs: [(String, Double, Double)] = [("mean", swift.mean, keras.mean), ("std", swift.std, keras.std),
                                                         ("min", swift.min, keras.min), ("max", swift.max, keras.max)]
                for (index, sample) in zip(keras.sampleIndices, keras.samples) {
                    pairs.append(("element \(index)", Double(values[values.startIndex + index]), float32(sample)))
                }
                for (what, s, e) in pairs {
                    let tolerance = ParityTolerance.statisticAbsolute + ParityTolerance.statisticRelative * abs(e)
                    let ratio = abs(s - e) / tolerance
                    let label = "\(imageNames[n]) \(layer.layer) \(what)"
                    if ratio >= worstRatio.ratio || ratio.isNaN { worstRatio = (ratio, label) }
                    XCTAssertLessThanOrEqual(abs(s - e), tolerance,
                                             "\(name) \(label): Swift \(s), Keras \(e)\(inputNote)", file: file, line: line)
                }
                let sumError = abs(swift.sum - keras.sum) / Swift.max(keras.sumAbs, .leastNormalMagnitude)
                if sumError >= worstSum.relative || sumError.isNaN {
                    worstSum = (sumError, "\(imageNames[n]) \(layer.layer)")
                }
                XCTAssertLessThanOrEqual(sumError, ParityTolerance.sumRelative,
                                         "\(name) \(imageNames[n]) \(layer.layer) sum: Swift \(swift.sum), Keras \(keras.sum)"
                                         + inputNote, file: file, line: line)
            }
        }
        print("keras-parity \(name) statistics: worst |d| is \(worstRatio.ratio * 100)% of its tolerance "
              + "(\(worstRatio.what)); worst sum error \(worstSum.relative) of Σ|x| (\(worstSum.what))")
    }

    private func describe(_ spec: LayerWeightSpec) -> String {
        "\(spec.layerName) \(spec.layerType) \(spec.tensors.map { "\($0.name)\($0.shape)" })"
    }

    /// The 0...255 pixel a preprocessed value came from (x = p / 127.5 − 1).
    private func pixelValue(_ x: Float) -> String {
        let p = (Double(x) + 1) * 127.5
        return abs(p - p.rounded()) < 1e-3 ? "\(Int(p.rounded()))" : "\(p) (not a pixel)"
    }
}

/// A float32 value the generator wrote as its shortest decimal, read back exactly.
func float32(_ decimal: Double) -> Double { Double(Float(decimal)) }

/// Mean, population standard deviation, min, max and sum in Double, as numpy
/// computes them in the generator (two passes for the deviation).
struct Summary {
    let mean, std, min, max, sum: Double

    init(_ values: ArraySlice<Float>) {
        let count = Double(values.count)
        sum = values.reduce(0.0) { $0 + Double($1) }
        mean = sum / count
        let m = mean
        std = (values.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / count).squareRoot()
        min = Double(values.min() ?? .nan)
        max = Double(values.max() ?? .nan)
    }
}

/// Builds a configuration once per test class and keeps the result (or the
/// error) for the class's other tests.
struct ParityCache {
    let fixtureFile: String
    // XCTest runs one class's tests one after another on one thread, and the
    // class tearDown clears it after the last; nothing else touches it.
    nonisolated(unsafe) private static var runs: [String: Result<ParityRun, any Error>] = [:]

    func run() throws -> ParityRun {
        if let cached = Self.runs[fixtureFile] { return try cached.get() }
        let result = Result { try ParityRun(fixtureFile: fixtureFile) }
        Self.runs[fixtureFile] = result
        return try result.get()
    }

    /// Frees the model (~24 M parameters) once the class is done.
    func release() { Self.runs[fixtureFile] = nil }
}

// MARK: - include_top=True, 299×299: probabilities, avg_pool, top-5, every block

final class InceptionV3TopParityTests: XCTestCase {
    private static let cache = ParityCache(fixtureFile: "inception_v3_top_299.json")
    override class func tearDown() { cache.release(); super.tearDown() }
    private func built() throws -> ParityRun { try Self.cache.run() }

    /// Oracle: Keras' model.layers / layer.weights listing in the fixture.
    func testWeightSpecsFollowKeras() throws { try built().checkWeightSpecs() }

    /// Oracle: keras.utils.load_img pixels (pixels/*-299x299.png) and the sum of preprocess_input's output.
    func testPipelineInputEqualsKeras() throws { try built().checkInputs() }

    /// Oracle: Keras' model.predict probabilities, all 1000 per image.
    func testProbabilitiesMatchKeras() throws {
        let run = try built()
        try run.checkValues(run.prediction, against: run.fixture.outputs(of: "predictions"), what: "probabilities")
    }

    /// Oracle: Keras' avg_pool layer output, 2048 features per image.
    func testAvgPoolFeaturesMatchKeras() throws {
        let run = try built()
        let features = try run.model.output(of: "avg_pool", for: run.networkInput)  // (N, 2048)
        try run.checkValues(features, against: run.fixture.outputs(of: "avg_pool"), what: "avg_pool features")
    }

    /// Oracle: argsort of Keras' probabilities and keras' decode_predictions.
    func testTop5MatchesKeras() throws { try built().checkTop5() }

    /// Oracle: Keras' intermediate outputs (stem, every mixed block, avg_pool, predictions) summarised.
    func testIntermediateStatisticsMatchKeras() throws { try built().checkStatistics() }
}

// MARK: - include_top=False, pooling='avg', 299×299

final class InceptionV3NoTopAvgParityTests: XCTestCase {
    private static let cache = ParityCache(fixtureFile: "inception_v3_notop_avg_299.json")
    override class func tearDown() { cache.release(); super.tearDown() }
    private func built() throws -> ParityRun { try Self.cache.run() }

    /// Oracle: Keras' model.layers / layer.weights listing in the fixture.
    func testWeightSpecsFollowKeras() throws { try built().checkWeightSpecs() }

    /// Oracle: Keras' model.predict, 2048 globally averaged features per image.
    func testPooledFeaturesMatchKeras() throws {
        let run = try built()
        try run.checkValues(run.prediction, against: run.fixture.outputs(of: run.fixture.outputLayer),
                            what: "global average pooled features")
    }

    /// Oracle: Keras' mixed10 output summarised.
    func testIntermediateStatisticsMatchKeras() throws { try built().checkStatistics() }
}

// MARK: - include_top=False, pooling='max', 150×200 (non-square, small)

final class InceptionV3NoTopMaxSmallParityTests: XCTestCase {
    private static let cache = ParityCache(fixtureFile: "inception_v3_notop_max_150x200.json")
    override class func tearDown() { cache.release(); super.tearDown() }
    private func built() throws -> ParityRun { try Self.cache.run() }

    /// Oracle: Keras' model.layers / layer.weights listing in the fixture.
    func testWeightSpecsFollowKeras() throws { try built().checkWeightSpecs() }

    /// Oracle: keras.utils.load_img pixels at 150×200 (pixels/*-150x200.png).
    func testPipelineInputEqualsKeras() throws { try built().checkInputs() }

    /// Oracle: Keras' model.predict, 2048 globally max-pooled features per image.
    func testPooledFeaturesMatchKeras() throws {
        let run = try built()
        try run.checkValues(run.prediction, against: run.fixture.outputs(of: run.fixture.outputLayer),
                            what: "global max pooled features")
    }

    /// Oracle: Keras' intermediate outputs (stem and every mixed block at 150×200) summarised.
    func testIntermediateStatisticsMatchKeras() throws { try built().checkStatistics() }
}
