// GradCAMParityTests.swift — GradCAM against Keras' own Grad-CAM example
// (oracle: Fixtures/keras-gradcam/gradcam.json, written by generate.py beside
// it, which runs the keras.io example's make_gradcam_heatmap) on the
// reproducible weights: ImageNet's classifier at 299×299 and a trained head
// (Dense 8 relu → Dense 3) at 139×139, two photos, the top class and a given
// one, at mixed10 and earlier blocks. Also the refusals.
import XCTest
@testable import Vision

final class GradCAMParityTests: XCTestCase {
    struct Fixture: Decodable {
        struct HeadShape: Decodable { let hidden: Int, classes: Int }
        struct Case: Decodable {
            let model: String, size: Int, photo: String, layer: String
            let classAsked: Int?, `class`: Int
            let probability: Float
            let shape: [Int]
            let heatmap: [Float]
            let kerasSpread: Float
        }
        let head: HeadShape
        let cases: [Case]
    }

    /// After normalisation (max 1) the maps must agree to this, absolute
    /// (the bound) — or to twice Keras' own spread (oneDNN on against
    /// off, `keras_spread`) where that is larger: channel weights that nearly
    /// cancel make the map of mixed2/mixed7 float-sensitive in Keras too.
    static let tolerance: Float = 1e-4

    /// The ImageNet model (with its top) and the head model, both filled with
    /// the reproducible weights in the generator's ordinal order.
    func models(_ fixture: Fixture) throws -> [String: TransferModel] {
        let top = try InceptionV3.Configuration()
        let imagenet = try InceptionV3(configuration: top, weights: reproducibleWeights(for: InceptionV3.weightSpecs(for: top)))
        let small = try InceptionV3.Configuration(includeTop: false, inputHeight: 139, inputWidth: 139)
        let (hidden, classes) = (fixture.head.hidden, fixture.head.classes)
        let specs = InceptionV3.weightSpecs(for: small) + [
            LayerWeightSpec(layerName: "dense", layerType: "Dense", tensors: [("kernel", [2048, hidden]), ("bias", [hidden])]),
            LayerWeightSpec(layerName: "dense_1", layerType: "Dense", tensors: [("kernel", [hidden, classes]), ("bias", [classes])]),
        ]
        let all = reproducibleWeights(for: specs)
        var headModel = TransferModel(network: try InceptionV3(configuration: small, weights: Array(all.dropLast(2))))
        let (h, o) = (all[all.count - 2].tensors, all[all.count - 1].tensors)
        headModel.head = Head(classes: ["a", "b", "c"],
                              hidden: DenseLayer(name: "dense", inputs: 2048, units: hidden, kernel: h[0].scalars,
                                                 bias: h[1].scalars, activation: .relu),
                              dropout: 0,
                              output: DenseLayer(name: "dense_1", inputs: hidden, units: classes, kernel: o[0].scalars,
                                                 bias: o[1].scalars, activation: .softmax))
        return ["imagenet": TransferModel(network: imagenet), "head": headModel]
    }

    func testHeatmapsMatchKerasExample() throws {
        let fixture = try KerasParityFixtures.decode(Fixture.self, from: "../keras-gradcam/gradcam.json")
        let models = try models(fixture)
        XCTAssertEqual(fixture.cases.count, 20)
        var worst: Float = 0
        for item in fixture.cases {
            let name = "\(item.model) \(item.photo) \(item.layer) class \(item.classAsked.map(String.init) ?? "top")"
            let image = try KerasImage.load(KerasParityFixtures.url(item.photo, under: KerasParityFixtures.repositoryRoot).path,
                                            targetSize: (item.size, item.size))
            let result = try GradCAM.explain(models[item.model]!, image: image, layer: item.layer, classIndex: item.classAsked)
            XCTAssertEqual(result.classIndex, item.class, name)
            XCTAssertEqual(result.probability, item.probability, accuracy: 1e-4, name)
            XCTAssertEqual([result.height, result.width], item.shape, name)
            // Keras' map is −0 everywhere when no location scores above 0 (max ≤ 0); ours is 0.
            XCTAssertEqual(result.heatmap.max(), item.heatmap.max() == 1 ? 1 : 0, name)
            let bound = max(Self.tolerance, 2 * item.kerasSpread)
            var largest: Float = 0
            for (ours, theirs) in zip(result.heatmap, item.heatmap) {
                largest = max(largest, abs(ours - theirs))
                XCTAssertEqual(ours, theirs, accuracy: bound, name)
            }
            print("\(name): largest difference \(largest), Keras' own spread \(item.kerasSpread)")
            if item.kerasSpread < 1e-5 { worst = max(worst, largest) }
        }
        print("GradCAM vs Keras' example: largest difference where Keras' spread < 1e-5: \(worst)")
        XCTAssertLessThan(worst, Self.tolerance)
    }

    func testRefusesLayersItCannotExplainThrough() throws {
        let config = try InceptionV3.Configuration(includeTop: false, inputHeight: 75, inputWidth: 75)
        var model = TransferModel(network: try InceptionV3(configuration: config,
                                                           weights: reproducibleWeights(for: InceptionV3.weightSpecs(for: config))))
        let photo = Image(width: 75, height: 75, pixels: [UInt8](repeating: 128, count: 75 * 75 * 3))
        XCTAssertThrowsError(try GradCAM.explain(model, image: photo, classIndex: nil)) {
            XCTAssertEqual($0 as? GradCAMError, .noClassifier)
        }
        model.head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: nil, dropout: 0, seed: 1)
        let explainable = GradCAM.explainableLayers(of: model.network)
        XCTAssertEqual(explainable.filter { $0.hasPrefix("mixed") }, (0...10).map { "mixed\($0)" })
        XCTAssertTrue(explainable.contains("activation"))
        for layer in ["conv2d_5", "batch_normalization", "mixed9_0", "max_pooling2d"] {
            XCTAssertThrowsError(try GradCAM.explain(model, image: photo, layer: layer, classIndex: nil), layer) {
                XCTAssertEqual($0 as? GradCAMError, .notExplainable(layer, explainable: explainable), layer)
                XCTAssertTrue("\($0)".contains("cannot explain at '\(layer)'") && "\($0)".contains("mixed10"))
            }
        }
        XCTAssertThrowsError(try GradCAM.explain(model, image: photo, layer: "mixed11", classIndex: nil)) {
            XCTAssertEqual($0 as? GradCAMError, .unknownLayer("mixed11", candidates: explainable))
        }
        XCTAssertThrowsError(try GradCAM.explain(model, image: photo, classIndex: 2)) {
            XCTAssertEqual($0 as? GradCAMError, .classOutOfRange(2, classes: 2))
        }
        // An explainable stem activation goes through every block back to the stem.
        let stem = try GradCAM.explain(model, image: photo, layer: "activation_4", classIndex: 0)
        XCTAssertEqual(stem.heatmap.count, stem.height * stem.width)
        XCTAssertTrue(stem.heatmap.allSatisfy { (0...1).contains($0) })
    }

    /// After fine-tuning, Grad-CAM reads the tuned base. Oracle: for a head
    /// with no hidden layer, the class score is Σ_k mean_ij(A_ijk) W_kc + b_c,
    /// so α_k = W_kc / (h·w) and the map is ReLU(Σ_k A_ijk W_kc) over its
    /// maximum, with A the tuned network's own mixed10 output (Float64 here).
    func testExplainsAFineTunedBaseThroughItsTunedWeights() throws {
        var model = TransferModel(network: FineTunerTests.model)
        let head = Head(inputs: 2048, classes: ["a", "b", "c"], hidden: nil, dropout: 0, seed: 3)
        model.head = head
        let start = try model.baseIndex(of: .name("mixed9"), blockStart: true)
        _ = model.setTrainable(false, 0..<start)
        let images = Tensor.random([6, 139, 139, 3], seed: 31)
        let photo = Tensor(shape: [1, 139, 139, 3], scalars: Array(images.scalars.prefix(139 * 139 * 3)))
        let before = try GradCAM.explain(model, input: photo, classIndex: 1)
        var tuner = try model.fineTuner(head: head, optimizer: .sgd(rate: 0.05, momentum: 0), seed: 0)
        XCTAssertEqual(tuner.boundaryLayerNames.count, 1, "one boundary, before mixed9")
        let boundary = try tuner.boundary(for: images)
        for _ in 0..<2 { _ = tuner.step(boundary: boundary, labels: [0, 1, 2, 0, 1, 2]) }
        try model.adopt(tuner)
        let after = try GradCAM.explain(model, input: photo, classIndex: 1)

        let a = try model.network.output(of: "mixed10", for: photo)
        let (pixels, channels) = (a.shape[1] * a.shape[2], a.shape[3])
        let w = try XCTUnwrap(model.head).output.kernel                 // (2048, 3)
        var scores = (0..<pixels).map { p in
            max(0, (0..<channels).reduce(0.0) { $0 + Double(a.scalars[p * channels + $1]) * Double(w[$1 * 3 + 1]) })
        }
        let top = try XCTUnwrap(scores.max())
        XCTAssertGreaterThan(top, 0)
        scores = scores.map { $0 / top }
        XCTAssertEqual(after.heatmap.count, scores.count)
        for (got, want) in zip(after.heatmap, scores) { XCTAssertEqual(Double(got), want, accuracy: 1e-4) }
        let moved = zip(after.heatmap, before.heatmap).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(moved, 1e-3, "fine-tuning changed mixed9–10, so the map changed")

        // A training that diverged leaves NaN in the base: a clear refusal, never an all-zero map.
        var broken = model
        var weights = broken.network.weights
        let last = weights.indices.last { weights[$0].layerName.hasPrefix("conv2d") }!
        weights[last].tensors[0].scalars[0] = .nan
        broken.network = try InceptionV3(configuration: broken.network.configuration, weights: weights)
        XCTAssertThrowsError(try GradCAM.explain(broken, input: photo, classIndex: 1)) {
            XCTAssertEqual($0 as? GradCAMError, .notFinite(layer: "mixed10"))
        }
    }

    func testAllZeroMapStaysZero() {
        // Activations 1, gradients −1: every location scores −C, ReLU gives 0 (Keras: 0/0 = NaN).
        let map = GradCAM.weighAndNormalise(activations: [Float](repeating: 1, count: 12),
                                            gradients: [Float](repeating: -1, count: 12), pixels: 4, channels: 3)
        XCTAssertEqual(map, [0, 0, 0, 0])
        // α = (0.5, 0), scores 1·0.5, 2·0.5 → 0.5, 1.
        XCTAssertEqual(GradCAM.weighAndNormalise(activations: [1, 9, 2, 9], gradients: [0, 0, 1, 0], pixels: 2, channels: 2),
                       [0.5, 1])
    }
}
