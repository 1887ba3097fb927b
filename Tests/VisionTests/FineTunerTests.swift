// FineTunerTests.swift — the fine-tuning engine: which layers form the
// boundary and train (oracle: Keras' recipe and the layer table), its
// gradients against directional finite differences of its own forward pass,
// the optimizers against Keras 3's formulas written out in Double, and the
// export. Keras' own numbers are in FineTuneParityTests.
import Common
import XCTest
@testable import Vision

final class FineTunerTests: XCTestCase {
    static let config = try! InceptionV3.Configuration(includeTop: false, inputHeight: 139, inputWidth: 139)
    static let model = try! InceptionV3(configuration: config,
                                        weights: reproducibleWeights(for: InceptionV3.weightSpecs(for: config)))

    /// Flags that freeze `model.layers` up to and including `lastFrozen`.
    static func flags(_ model: InceptionV3, frozenThrough lastFrozen: String) -> [Bool] {
        let cut = model.layerNames.firstIndex(of: lastFrozen)! + 1
        return model.layers.indices.map { $0 >= cut }
    }

    /// Keras' recipe: layers[:249] frozen is exactly "through mixed8"; the
    /// boundary is mixed8 alone and the 18 conv2d_bn units of mixed9–10 train.
    func testKerasRecipeBoundaryAndTrainedLayers() throws {
        let model = FineTunerTests.model
        XCTAssertEqual(model.layerNames[248], "mixed8")
        let head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: nil, dropout: 0, seed: 1)
        let flags = model.layers.indices.map { $0 >= 249 }
        let tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
        XCTAssertEqual(tuner.boundaryLayerNames, ["mixed8"])
        XCTAssertEqual(tuner.trainedLayerNames.count, 36)
        XCTAssertEqual(Set(tuner.trainedLayerNames.map { model.layers[model.layerNames.firstIndex(of: $0)!].type }),
                       ["Conv2D", "BatchNormalization"])
        let fromMixed5 = try FineTuner(model: model, trainable: FineTunerTests.flags(model, frozenThrough: "mixed4"),
                                       head: head, optimizer: .kerasFineTuning)
        XCTAssertEqual(fromMixed5.boundaryLayerNames, ["mixed4"])
        let headOnly = try FineTuner(model: model, trainable: [Bool](repeating: false, count: model.layers.count),
                                     head: head, optimizer: .kerasFineTuning)
        XCTAssertEqual(headOnly.boundaryLayerNames, ["mixed10"])
        XCTAssertEqual(headOnly.trainedLayerNames, [])
        XCTAssertThrowsError(try FineTuner(model: model, trainable: [true], head: head, optimizer: .kerasFineTuning))
    }

    /// Everything trainable (train head without freezing): the boundary is
    /// the input itself, every conv2d_bn unit trains, and the part's cost is
    /// the whole network's. Oracle: InceptionV3.multiplyAdds (the model
    /// without top has no dense layer) and the input's own size.
    func testEverythingTrainableStartsAtTheInput() throws {
        let model = FineTunerTests.model
        let head = Head(inputs: 2048, classes: ["cat", "dog"], hidden: nil, dropout: 0, seed: 1)
        let all = try FineTuner(model: model, trainable: [Bool](repeating: true, count: model.layers.count),
                                head: head, optimizer: .adam(rate: 0.001))
        XCTAssertEqual(all.boundaryLayerNames, [model.layerNames[0]])
        XCTAssertEqual(all.trainedLayerNames.count, 2 * 94, "94 conv2d_bn units: kernel and beta")
        XCTAssertEqual(all.multiplyAddsPerImage, InceptionV3.multiplyAdds(for: FineTunerTests.config))
        XCTAssertEqual(all.boundaryScalarsPerImage, 139 * 139 * 3)
        let recipe = try FineTuner(model: model, trainable: model.layers.indices.map { $0 >= 249 }, head: head,
                                   optimizer: .kerasFineTuning)
        XCTAssertLessThan(recipe.multiplyAddsPerImage, all.multiplyAddsPerImage / 4)
        XCTAssertLessThan(recipe.scalarsPerImage, all.scalarsPerImage)
    }

    /// Each trained tensor's largest gradient element (every conv kernel and
    /// BN beta from mixed8 on, so stride-2 convolutions and max pooling are
    /// crossed; both head layers) against the central difference
    /// (L(w + h) − L(w − h)) / 2h of the tuner's own Float32 forward, h = 1%,
    /// then 0.25%, then 4% of max(|w|, 0.01); one must agree within 5%. Most
    /// agree at 1% to 0.01–3%. Steps cross ReLU kinks (one-sided slopes differ
    /// there: batch_normalization_78/beta[85] gives −0.0120, −0.0178 at 1%,
    /// 0.25% for a gradient of −0.0130, and agrees at 4%), and smaller steps
    /// drown in Float32 noise (~1e-6 in L); a wrong transpose, stride or scale
    /// is off by far more at every step.
    /// Directions mixing many elements were tried and rejected: their terms
    /// cancel and the sum drowns in that noise.
    func testGradientsAgreeWithFiniteDifferences() throws {
        let model = FineTunerTests.model
        var g = SeededGenerator(seed: 7)
        let head = Head(classes: ["a", "b", "c"],
                        hidden: DenseLayer(name: "dense", inputs: 2048, units: 8, activation: .relu, generator: &g),
                        dropout: 0,
                        output: DenseLayer(name: "dense_1", inputs: 8, units: 3, activation: .softmax, generator: &g))
        let flags = FineTunerTests.flags(model, frozenThrough: "mixed7")
        var tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
        XCTAssertEqual(tuner.boundaryLayerNames, ["mixed7"])
        let boundary = try tuner.boundary(for: Tensor.random([2, 139, 139, 3], seed: 8))
        let labels = [2, 0]
        let (loss, base, headGradients) = tuner.gradients(boundary: boundary, labels: labels)
        XCTAssertEqual(base.count, 2 * 6 + 2 * 2 * 9)   // kernel and beta of mixed8's 6 units, mixed9's and mixed10's 9

        func crossEntropy(_ weights: [LayerWeights], _ head: Head) throws -> Double {
            let m = try InceptionV3(configuration: model.configuration, weights: weights)
            let t = try FineTuner(model: m, trainable: flags, head: head, optimizer: .kerasFineTuning)
            let p = t.probabilities(boundary: boundary)
            return labels.enumerated().map { -Foundation.log(Double(p.scalars[$0 * 3 + $1])) }.reduce(0, +) / 2
        }
        XCTAssertEqual(Double(loss), try crossEntropy(model.weights, head), accuracy: 1e-5)
        func check(_ gradient: [Float], _ what: String, _ difference: (Int, Float) throws -> Double) rethrows {
            let j = gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) }!
            var fds: [Double] = []
            for fraction in [0.01, 0.0025, 0.04] as [Float] {   // until one agrees
                fds.append(try difference(j, fraction))
                if abs(Double(gradient[j]) - fds.last!) <= 0.05 * abs(fds.last!) { return }
            }
            XCTFail("\(what)[\(j)]: gradient \(gradient[j]), differences \(fds) (steps 1%, 0.25%, 4%)")
        }
        let weights = model.weights
        for (layer, array, gradient) in base {
            let position = model.weightIndex[layer]!, name = weights[position].layerName
            try check(gradient, "\(name)/\(weights[position].tensors[array].name)") { j, fraction in
                let h = max(abs(weights[position].tensors[array].scalars[j]), 0.01) * fraction
                var plus = weights, minus = weights
                plus[position].tensors[array].scalars[j] += h
                minus[position].tensors[array].scalars[j] -= h
                return try (crossEntropy(plus, head) - crossEntropy(minus, head)) / Double(2 * h)
            }
        }
        for (i, layer) in head.denseLayers.enumerated() {
            for (isKernel, gradient) in [(true, headGradients[i].kernel), (false, headGradients[i].bias)] {
                try check(gradient, "\(layer.name)/\(isKernel ? "kernel" : "bias")") { j, fraction in
                    let w = isKernel ? layer.kernel[j] : layer.bias[j], h = max(abs(w), 0.01) * fraction
                    func moved(_ delta: Float) -> Head {
                        var layers = head.denseLayers
                        if isKernel { layers[i].kernel[j] += delta } else { layers[i].bias[j] += delta }
                        return Head(classes: head.classes, hidden: layers[0], dropout: 0, output: layers[1])
                    }
                    return try (crossEntropy(model.weights, moved(h)) - crossEntropy(model.weights, moved(-h))) / Double(2 * h)
                }
            }
        }
    }

    /// Keras 3's SGD (momentum) and Adam, three steps on a few scalars,
    /// against the formulas of keras/src/optimizers/{sgd,adam}.py in Double.
    func testOptimizersFollowKerasFormulas() {
        let start: [Float] = [0.5, -1.25, 2, 0.001]
        let grads: [[Float]] = [[0.1, -0.2, 0.3, 1e-6], [-0.05, 0.4, 0.3, 0], [0.2, 0.1, -0.7, 2]]
        var sgd = FineTuneSlots(.sgd(rate: 0.01, momentum: 0.9)), adam = FineTuneSlots(.adamDefaults)
        var ws = start, wa = start
        var m = [Double](repeating: 0, count: 4), v = m, ma = m, w1 = start.map(Double.init), w2 = w1
        for (t, g) in grads.enumerated() {
            sgd.update("w", &ws, g); sgd.finishStep()
            adam.update("w", &wa, g); adam.finishStep()
            let alpha = 1e-3 * (1 - pow(0.999, Double(t + 1))).squareRoot() / (1 - pow(0.9, Double(t + 1)))
            for i in 0..<4 {
                let gi = Double(g[i])
                m[i] = m[i] * 0.9 - gi * 0.01
                w1[i] += m[i]
                ma[i] += (gi - ma[i]) * 0.1
                v[i] += (gi * gi - v[i]) * 0.001
                w2[i] -= ma[i] * alpha / (v[i].squareRoot() + 1e-7)
            }
            for i in 0..<4 {
                XCTAssertEqual(Double(ws[i]), w1[i], accuracy: 1e-6 * max(1, abs(w1[i])), "sgd step \(t) [\(i)]")
                XCTAssertEqual(Double(wa[i]), w2[i], accuracy: 1e-6 * max(1, abs(w2[i])), "adam step \(t) [\(i)]")
            }
        }
        XCTAssertEqual(adam.iterations, 3)
    }

    /// A step changes exactly the trained tensors (kernels and betas of
    /// mixed9–10, the head), leaves moving statistics and frozen layers bit
    /// for bit, exports in weightSpecs order so a model rebuilds (the tuned
    /// model is that model: same weights, same bits out), and gives
    /// the same bits with 1 or 2 threads (fixed reduction order).
    func testStepUpdatesOnlyTrainedTensorsAndIsThreadIndependent() throws {
        let model = FineTunerTests.model
        let head = Head(inputs: 2048, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 3)
        let flags = model.layers.indices.map { $0 >= 249 }
        let boundary = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
            .boundary(for: Tensor.random([3, 139, 139, 3], seed: 9))
        func run(threads: Int) throws -> FineTuner {
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            var tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: .adamDefaults)
            _ = tuner.step(boundary: boundary, labels: [0, 1, 1])
            _ = tuner.step(boundary: boundary, labels: [0, 1, 1])
            return tuner
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        // The tuner copies a layer's arrays only when it updates them.
        XCTAssertTrue(try FineTuner(model: model, trainable: flags, head: head, optimizer: .adamDefaults).trained.isEmpty)
        XCTAssertEqual(Set(one.trained.keys.map { model.graph.layers[$0].name }), Set(one.trainedLayerNames))
        XCTAssertEqual(one.exportWeights(), two.exportWeights())
        XCTAssertEqual(one.head, two.head)
        XCTAssertEqual(one.iterations, 2)
        XCTAssertNotEqual(one.head, head)
        let trained = Set(one.trainedLayerNames)
        let specs = InceptionV3.weightSpecs(for: model.configuration)
        for (i, (old, new)) in zip(model.weights, one.exportWeights()).enumerated() {
            XCTAssertEqual(new.layerName, specs[i].layerName)
            for (a, b) in zip(old.tensors, new.tensors) {
                let changes = trained.contains(old.layerName) && (a.name == "kernel" || a.name == "beta")
                XCTAssertEqual(a.scalars != b.scalars, changes, "\(old.layerName)/\(a.name)")
            }
        }
        // The tuned model (only the trained layers packed again) is the one
        // made from scratch from the exported weights.
        let tuned = try one.tunedModel(), exported = one.exportWeights()
        XCTAssertEqual(tuned.weights, exported)
        XCTAssertEqual(tuned.predict(Tensor.random([1, 139, 139, 3], seed: 4)),
                       try InceptionV3(configuration: model.configuration, weights: exported)
                           .predict(Tensor.random([1, 139, 139, 3], seed: 4)))
    }

    /// A stop requested while a step runs (Ctrl-C, the kernel's stop
    /// button) ends the step between layers without any update (NaN loss);
    /// the training loop, which sees the same request after the batch, goes
    /// back to the epoch's start and reports the stop. Oracle: the weights
    /// and head before the step, and an uninterrupted run from the same state.
    func testAStopDuringAStepAppliesNoUpdateAndTheLoopRestoresTheEpoch() throws {
        let model = FineTunerTests.model
        let head = Head(inputs: 2048, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 3)
        let flags = model.layers.indices.map { $0 >= 249 }
        var tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
        let boundary = try tuner.boundary(for: Tensor.random([4, 139, 139, 3], seed: 19))
        let stop = CancellationFlag()
        tuner.interruption = stop
        stop.request()
        XCTAssertTrue(tuner.step(boundary: boundary, labels: [0, 1, 1, 0]).isNaN)
        XCTAssertEqual(tuner.exportWeights(), model.weights, "no update")
        XCTAssertEqual(tuner.head, head)
        stop.reset()
        XCTAssertTrue(tuner.step(boundary: boundary, labels: [0, 1, 1, 0]).isFinite)
        XCTAssertNotEqual(tuner.head, head, "an uninterrupted step updates")

        // The loop: not stopped before the first batch, stopped when asked after it.
        var fresh = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
        var asked = 0
        var loop = TrainingLoop(batchSize: 2, seed: 1)
        let data = LabelledBoundary(values: boundary, labels: [0, 1, 1, 0])
        let run = loop.fit(&fresh, train: data, validation: nil, epochs: 2,
                           shouldStop: { asked += 1; return asked > 1 }, onBatch: { _ in }, onEpoch: { _ in })
        XCTAssertTrue(run.stopped)
        XCTAssertEqual(run.history.count, 0)
        XCTAssertEqual(asked, 2, "asked before the batch and again right after it")
        XCTAssertEqual(fresh.exportWeights(), model.weights, "back to the start of the epoch")
        XCTAssertEqual(fresh.head, head)
    }

    /// Dropout after the hidden layer is Keras' inverted dropout, seeded.
    /// Batch of one, label 1 of 2: the output kernel's gradient is
    /// ∂K[i, 1] = x_i · (p_1 − 1) with p_1 = exp(−loss), x_i the hidden output
    /// after dropout. Against the same head at rate 0 (x_i = h_i), each row at
    /// rate 0.5 is 0 (dropped) or scaled by 2 · (p′_1 − 1) / (p_1 − 1), the 2
    /// being 1/(1 − 0.5) (oracle: that definition).
    func testDropoutMasksAreInvertedAndSeeded() throws {
        let model = FineTunerTests.model
        var g = SeededGenerator(seed: 11)
        let hidden = DenseLayer(name: "dense", inputs: 2048, units: 16, activation: .relu, generator: &g)
        let output = DenseLayer(name: "dense_1", inputs: 16, units: 2, activation: .softmax, generator: &g)
        let frozen = [Bool](repeating: false, count: model.layers.count)
        func tuner(_ rate: Float, seed: UInt64) throws -> FineTuner {
            try FineTuner(model: model, trainable: frozen,
                          head: Head(classes: ["a", "b"], hidden: hidden, dropout: rate, output: output),
                          optimizer: .kerasFineTuning, dropoutSeed: seed)
        }
        var plain = try tuner(0, seed: 1), dropped = try tuner(0.5, seed: 1), again = try tuner(0.5, seed: 1)
        let boundary = try plain.boundary(for: Tensor.random([1, 139, 139, 3], seed: 12))
        let reference = plain.gradients(boundary: boundary, labels: [1])
        let masked = dropped.gradients(boundary: boundary, labels: [1])
        XCTAssertEqual(again.gradients(boundary: boundary, labels: [1]).head[1].kernel, masked.head[1].kernel)
        let scale = 2 * (Foundation.exp(-masked.loss) - 1) / (Foundation.exp(-reference.loss) - 1)
        var kept = 0, zeroed = 0
        for unit in 0..<16 where reference.head[1].kernel[unit * 2 + 1] != 0 {
            let (before, after) = (reference.head[1].kernel[unit * 2 + 1], masked.head[1].kernel[unit * 2 + 1])
            if after == 0 { zeroed += 1; continue }
            kept += 1
            XCTAssertEqual(after, scale * before, accuracy: 1e-5 * abs(after), "hidden unit \(unit)")
        }
        XCTAssertGreaterThan(kept, 0)
        XCTAssertGreaterThan(zeroed, 0)
    }
}
