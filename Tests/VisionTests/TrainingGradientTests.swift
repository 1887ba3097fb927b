// TrainingGradientTests.swift — the training step's pieces against a scalar
// Double reference of the forward pass (TrainingReference) and against central
// finite differences of that reference: dense, ReLU, dropout, softmax
// cross-entropy (logits and clipped forms), and whole heads.
import XCTest
@testable import Vision

/// Scalar Double definitions of a head's forward pass, for clarity not speed.
enum TrainingReference {
    /// y[r, j] = b[j] + Σ_i x[r, i]·K[i, j]
    static func affine(_ x: [Double], rows: Int, inputs: Int, kernel: [Double], bias: [Double], units: Int) -> [Double] {
        var y = [Double](repeating: 0, count: rows * units)
        for r in 0..<rows { for j in 0..<units {
            var sum = bias[j]
            for i in 0..<inputs { sum += x[r * inputs + i] * kernel[i * units + j] }
            y[r * units + j] = sum
        } }
        return y
    }

    /// log Σ exp(z) − z[label], shifted by max(z).
    static func crossEntropy(logits z: [Double], label: Int) -> Double {
        let top = z.max()!
        return Foundation.log(z.map { Foundation.exp($0 - top) }.reduce(0, +)) - (z[label] - top)
    }

    /// −log clip(p[label] / Σp, 1e-7, 1 − 1e-7).
    static func clippedCrossEntropy(probabilities p: [Double], label: Int) -> Double {
        let eps = Double(Float(1e-7))
        return -Foundation.log(min(max(p[label] / p.reduce(0, +), eps), 1 - eps))
    }

    /// A head's parameters in Double: hidden kernel/bias (may be empty), output kernel/bias.
    struct Parameters {
        var hiddenKernel: [Double], hiddenBias: [Double], outputKernel: [Double], outputBias: [Double]
    }

    /// Mean cross-entropy of a head over `labels.count` rows of `x`, with
    /// dropout multipliers `keep` after the hidden ReLU.
    static func loss(_ p: Parameters, x: [Double], labels: [Int], inputs: Int, hidden: Int?, classes: Int,
                     keep: [Double]?) -> Double {
        let rows = labels.count
        var a = x, width = inputs
        if let hidden {
            let z1 = affine(x, rows: rows, inputs: inputs, kernel: p.hiddenKernel, bias: p.hiddenBias, units: hidden)
            a = z1.indices.map { max(0, z1[$0]) * (keep?[$0] ?? 1) }
            width = hidden
        }
        let z2 = affine(a, rows: rows, inputs: width, kernel: p.outputKernel, bias: p.outputBias, units: classes)
        let losses = (0..<rows).map { r in crossEntropy(logits: Array(z2[(r * classes)..<((r + 1) * classes)]), label: labels[r]) }
        return losses.reduce(0, +) / Double(rows)
    }

    /// Central differences (f(v + h) − f(v − h)) / 2h for every element of `at`.
    static func numericGradient(at point: [Double], step h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
        point.indices.map { k in
            var plus = point, minus = point
            plus[k] += h
            minus[k] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
    }
}

/// Gradients agree when |analytic − numeric| ≤ tolerance·max(1e-3, max|numeric|)
/// everywhere: the analytic side is Float32 (sums of a few tens of terms, ~1e-6
/// relative to the largest term), the numeric side a Double central difference
/// (h = 1e-6, truncation ~h² and round-off ~1e-16/h = 1e-10), so 1e-4 leaves
/// a margin of ~100 over Float rounding while a wrong term is off by O(1).
func assertGradientClose(_ analytic: [Float], _ numeric: [Double], tolerance: Double = 1e-4, _ what: String,
                         file: StaticString = #filePath, line: UInt = #line) {
    guard analytic.count == numeric.count else {
        return XCTFail("\(what): \(analytic.count) analytic values, \(numeric.count) numeric", file: file, line: line)
    }
    let scale = max(1e-3, numeric.map(abs).max() ?? 0)
    var worst = 0, worstError = -1.0
    for k in numeric.indices {
        let error = abs(Double(analytic[k]) - numeric[k]) / scale
        let comparable = error.isNaN ? Double.infinity : error
        if comparable > worstError { worst = k; worstError = comparable }
    }
    if worstError > tolerance {
        XCTFail("\(what): worst at \(worst): analytic \(analytic[worst]) vs numeric \(numeric[worst]) "
                + "(error \(worstError) of scale \(scale) > \(tolerance))", file: file, line: line)
    }
}

/// Uniform values in [-1, 1) from `seed`.
func trainingRandom(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in generator.nextUniform(limit: scale) }
}

final class TrainingGradientTests: XCTestCase {
    private func doubles(_ v: [Float]) -> [Double] { v.map(Double.init) }

    /// Oracle: TrainingReference.affine and its transposes, in Double. Sizes
    /// hit the 4-row groups and their tail (7, 9 rows), the 16-wide SIMD
    /// blocks and their scalar tail (37, 101 units), serial and parallel paths.
    func testDenseKernelsAgreeWithScalarReference() {
        for (rows, inputs, units) in [(7, 19, 37), (9, 300, 101), (1, 5, 3), (4, 16, 16)] {
            let layer = DenseLayer(name: "dense", inputs: inputs, units: units, kernel: trainingRandom(inputs * units, seed: 1),
                                   bias: trainingRandom(units, seed: 2), activation: .relu)
            let x = trainingRandom(rows * inputs, seed: 3), dy = trainingRandom(rows * units, seed: 4)
            let label = "\(rows)×\(inputs)→\(units)"
            let y = TrainingReference.affine(doubles(x), rows: rows, inputs: inputs, kernel: doubles(layer.kernel),
                                             bias: doubles(layer.bias), units: units)
            assertClose(layer.affine(x, count: rows), y.map(Float.init), tolerance: 1e-5, "affine \(label)")
            var dK = [Double](repeating: 0, count: inputs * units), db = [Double](repeating: 0, count: units)
            var dx = [Double](repeating: 0, count: rows * inputs)
            for r in 0..<rows { for i in 0..<inputs { for j in 0..<units {
                dK[i * units + j] += Double(x[r * inputs + i]) * Double(dy[r * units + j])
                dx[r * inputs + i] += Double(dy[r * units + j]) * Double(layer.kernel[i * units + j])
            } } }
            for r in 0..<rows { for j in 0..<units { db[j] += Double(dy[r * units + j]) } }
            let gradients = layer.gradients(input: x, outputGradient: dy, count: rows)
            assertClose(gradients.kernel, dK.map(Float.init), tolerance: 1e-5, "kernel gradient \(label)")
            assertClose(gradients.bias, db.map(Float.init), tolerance: 1e-5, "bias gradient \(label)")
            assertClose(layer.inputGradient(dy, count: rows), dx.map(Float.init), tolerance: 1e-5, "input gradient \(label)")
        }
    }

    /// Oracle: finite differences of f = Σ c ⊙ (x·K + b) in Double, so the
    /// analytic dense gradients (c as the output gradient) are checked for
    /// input, kernel and bias.
    func testDenseGradientsMatchFiniteDifferences() {
        for (rows, inputs, units) in [(4, 7, 5), (5, 9, 21)] {
            let kernel = trainingRandom(inputs * units, seed: 5), bias = trainingRandom(units, seed: 6)
            let x = trainingRandom(rows * inputs, seed: 7), c = trainingRandom(rows * units, seed: 8)
            let layer = DenseLayer(name: "dense", inputs: inputs, units: units, kernel: kernel, bias: bias, activation: .relu)
            func f(_ x: [Double], _ k: [Double], _ b: [Double]) -> Double {
                let y = TrainingReference.affine(x, rows: rows, inputs: inputs, kernel: k, bias: b, units: units)
                return zip(y, c).map { $0 * Double($1) }.reduce(0, +)
            }
            let (xd, kd, bd) = (doubles(x), doubles(kernel), doubles(bias))
            let gradients = layer.gradients(input: x, outputGradient: c, count: rows)
            let label = "\(rows)×\(inputs)→\(units)"
            assertGradientClose(layer.inputGradient(c, count: rows),
                                TrainingReference.numericGradient(at: xd) { f($0, kd, bd) }, "dense input \(label)")
            assertGradientClose(gradients.kernel, TrainingReference.numericGradient(at: kd) { f(xd, $0, bd) }, "dense kernel \(label)")
            assertGradientClose(gradients.bias, TrainingReference.numericGradient(at: bd) { f(xd, kd, $0) }, "dense bias \(label)")
        }
    }

    /// Oracle: finite differences of Σ c·max(0, z); inputs kept ≥ 0.01 from
    /// the kink, where the derivative is defined. At exactly 0 the gradient is
    /// 0, as TensorFlow's ReluGrad (which passes only where z > 0).
    func testReluGradientMatchesFiniteDifferences() {
        let z = trainingRandom(23, seed: 9).map { $0 >= 0 ? $0 + 0.01 : $0 - 0.01 }, c = trainingRandom(23, seed: 10)
        let numeric = TrainingReference.numericGradient(at: doubles(z)) { v in
            zip(v, c).map { max(0, $0) * Double($1) }.reduce(0, +)
        }
        assertGradientClose(HeadTrainer.reluBackward(c, input: z), numeric, "relu")
        XCTAssertEqual(HeadTrainer.reluForward([-1, 0, 2]), [0, 0, 2], "relu forward")
        XCTAssertEqual(HeadTrainer.reluBackward([5, 5, 5], input: [-1, 0, 2]), [0, 0, 5], "relu gradient at and around 0")
    }

    /// Oracle: finite differences of Σ c·(x·mask) for a fixed mask; the mask
    /// itself: multipliers 0 or 1/(1 − rate), about `rate` of them dropped,
    /// the same for the same generator state, all ones at rate 0.
    func testDropoutGradientAndMask() {
        var generator = SeededGenerator(seed: 11)
        let rate: Float = 0.4
        let keep = HeadTrainer.dropoutMask(count: 4000, rate: rate, generator: &generator)
        XCTAssertTrue(keep.allSatisfy { $0 == 0 || $0 == 1 / (1 - rate) }, "dropout multipliers are 0 or 1/(1-rate)")
        let dropped = Double(keep.filter { $0 == 0 }.count) / 4000
        XCTAssertEqual(dropped, 0.4, accuracy: 0.04, "fraction dropped (binomial sd 0.008)")
        var again = SeededGenerator(seed: 11)
        XCTAssertEqual(HeadTrainer.dropoutMask(count: 4000, rate: rate, generator: &again), keep, "same generator, same mask")
        var any = SeededGenerator(seed: 12)
        XCTAssertEqual(HeadTrainer.dropoutMask(count: 9, rate: 0, generator: &any), [Float](repeating: 1, count: 9), "rate 0")

        let x = trainingRandom(30, seed: 13), c = trainingRandom(30, seed: 14), mask = Array(keep[0..<30])
        XCTAssertTrue(mask.contains(0) && mask.contains { $0 > 1 }, "the checked mask drops some and keeps some")
        let numeric = TrainingReference.numericGradient(at: doubles(x)) { v in
            (0..<30).map { v[$0] * Double(mask[$0]) * Double(c[$0]) }.reduce(0, +)
        }
        assertGradientClose(HeadTrainer.dropoutBackward(c, keep: mask), numeric, "dropout")
        XCTAssertEqual(HeadTrainer.dropoutForward(x, keep: mask), zip(x, mask).map { $0 * $1 }, "dropout forward")
    }

    /// Oracle: TrainingReference.crossEntropy in Double and its finite
    /// differences; far outside the clip (z = 40 against 0) the loss is 40,
    /// as Keras' fit reports (Fixtures/keras-head-training, confident cases).
    func testSoftmaxCrossEntropyFromLogits() {
        for (z, label) in [([0.3, -1.2, 2.0, 0.7, -0.1] as [Float], 3), ([40, 0, 0], 1), ([1, 1, 1], 0), ([-5, 7], 1)] {
            let (loss, p) = CrossEntropy.fromLogits(z, label: label)
            let expected = TrainingReference.crossEntropy(logits: doubles(z), label: label)
            XCTAssertEqual(Double(loss), expected, accuracy: 1e-6 * max(1, expected), "loss of \(z), label \(label)")
            XCTAssertEqual(Double(p.reduce(0, +)), 1, accuracy: 1e-6, "softmax sums to 1")
            let numeric = TrainingReference.numericGradient(at: doubles(z)) { TrainingReference.crossEntropy(logits: $0, label: label) }
            assertGradientClose(CrossEntropy.logitsGradient(probabilities: p, label: label), numeric, "logits \(z)")
        }
        XCTAssertEqual(CrossEntropy.fromLogits([40, 0, 0], label: 1).loss, 40, accuracy: 1e-5, "no clip from logits")
    }

    /// Oracle: TrainingReference.clippedCrossEntropy and its finite
    /// differences. Inside the clip range the gradient is −(δ − q)/(q·Σp);
    /// below ε (q = 1e-9) and above 1 − ε the clip holds the loss at
    /// −log ε ≈ 16.118 or −log(1 − ε), flat, so the gradient is zero.
    func testClippedCrossEntropyFromProbabilities() {
        let inside: [([Float], Int)] = [([0.2, 0.5, 0.3], 0), ([0.1, 0.1, 0.6], 2), ([0.25, 0.25, 0.25, 0.25], 1), ([2, 1, 1], 1)]
        for (p, label) in inside {
            let expected = TrainingReference.clippedCrossEntropy(probabilities: doubles(p), label: label)
            XCTAssertEqual(Double(CrossEntropy.fromProbabilities(p, label: label)), expected, accuracy: 1e-6, "loss \(p)")
            let numeric = TrainingReference.numericGradient(at: doubles(p), step: 1e-7) {
                TrainingReference.clippedCrossEntropy(probabilities: $0, label: label)
            }
            assertGradientClose(CrossEntropy.probabilitiesGradient(p, label: label), numeric, "clipped inside \(p)")
        }
        let low: [Float] = [1e-9, 0.5, 0.5], high: [Float] = [1e-9, 1, 1e-9]
        XCTAssertEqual(CrossEntropy.fromProbabilities(low, label: 0), 16.118095, accuracy: 1e-5, "−log ε at the low clip")
        XCTAssertEqual(CrossEntropy.probabilitiesGradient(low, label: 0), [0, 0, 0], "no gradient through the low clip")
        XCTAssertEqual(CrossEntropy.probabilitiesGradient(high, label: 1), [0, 0, 0], "no gradient through the high clip")
        let flatLow = TrainingReference.numericGradient(at: doubles(low), step: 1e-12) {
            TrainingReference.clippedCrossEntropy(probabilities: $0, label: 0)
        }
        XCTAssertEqual(flatLow, [0, 0, 0], "the reference is flat in the clip region too")
    }

    /// Oracle: finite differences of TrainingReference.loss (mean
    /// cross-entropy of the whole head, Double) with respect to every
    /// parameter, against trainingPass + DenseLayer.gradients (what the
    /// trainer applies). With a fixed dropout mask, and without a hidden layer.
    func testWholeHeadGradientsMatchFiniteDifferences() {
        for (inputs, hidden, classes, rows, withDropout) in [(7, 5, 3, 4, true), (7, 5, 3, 4, false), (13, 21, 4, 5, true),
                                                              (7, nil as Int?, 3, 4, false)] {
            let head = Head(inputs: inputs, classes: (0..<classes).map { "c\($0)" }, hidden: hidden,
                            dropout: withDropout ? 0.5 : 0, seed: 15)
            var withBias = head    // non-zero biases so their gradients are exercised
            if var h = withBias.hidden { h.bias = trainingRandom(h.units, seed: 16, scale: 0.3); withBias.hidden = h }
            withBias.output.bias = trainingRandom(classes, seed: 17, scale: 0.3)
            let x = trainingRandom(rows * inputs, seed: 18, scale: 2)
            let labels = (0..<rows).map { ($0 * 2 + 1) % classes }
            var generator = SeededGenerator(seed: 19)
            let keep = hidden.flatMap { withDropout ? HeadTrainer.dropoutMask(count: rows * $0, rate: 0.5, generator: &generator) : nil }
            let pass = withBias.trainingPass(x, labels: labels, keep: keep)
            let label = "\(inputs)→\(hidden.map(String.init) ?? "-")→\(classes), dropout \(withDropout)"
            XCTAssertTrue(pass.hiddenLogits.allSatisfy { abs($0) > 1e-3 }, "\(label): a hidden unit sits on the ReLU kink")

            let parameters = TrainingReference.Parameters(
                hiddenKernel: doubles(withBias.hidden?.kernel ?? []), hiddenBias: doubles(withBias.hidden?.bias ?? []),
                outputKernel: doubles(withBias.output.kernel), outputBias: doubles(withBias.output.bias))
            let keepD = keep.map(doubles)
            func loss(_ p: TrainingReference.Parameters) -> Double {
                TrainingReference.loss(p, x: doubles(x), labels: labels, inputs: inputs, hidden: hidden, classes: classes, keep: keepD)
            }
            XCTAssertEqual(Double(pass.losses.reduce(0, +)) / Double(rows), loss(parameters), accuracy: 1e-5, "\(label): loss")

            let output = withBias.output.gradients(input: pass.outputInput, outputGradient: pass.outputGradient, count: rows)
            assertGradientClose(output.kernel, TrainingReference.numericGradient(at: parameters.outputKernel) {
                var p = parameters; p.outputKernel = $0; return loss(p)
            }, "\(label): output kernel")
            assertGradientClose(output.bias, TrainingReference.numericGradient(at: parameters.outputBias) {
                var p = parameters; p.outputBias = $0; return loss(p)
            }, "\(label): output bias")
            if let hiddenLayer = withBias.hidden {
                let grads = hiddenLayer.gradients(input: x, outputGradient: pass.hiddenGradient, count: rows)
                assertGradientClose(grads.kernel, TrainingReference.numericGradient(at: parameters.hiddenKernel) {
                    var p = parameters; p.hiddenKernel = $0; return loss(p)
                }, "\(label): hidden kernel")
                assertGradientClose(grads.bias, TrainingReference.numericGradient(at: parameters.hiddenBias) {
                    var p = parameters; p.hiddenBias = $0; return loss(p)
                }, "\(label): hidden bias")
            }
        }
    }

    /// Oracle: DenseLayer.gradients followed by Optimizer.update (the
    /// unfused definition). The fused, row-chunked, parallel update must give
    /// the same bits, for SGD with and without momentum and for Adam.
    func testFusedUpdateEqualsGradientsThenUpdate() {
        let (rows, inputs, units) = (9, 300, 101)     // above the parallel threshold
        let start = DenseLayer(name: "dense", inputs: inputs, units: units, kernel: trainingRandom(inputs * units, seed: 20),
                               bias: trainingRandom(units, seed: 21), activation: .relu)
        let x = trainingRandom(rows * inputs, seed: 22), dy = trainingRandom(rows * units, seed: 23)
        for optimizer in [Optimizer.sgd(rate: 0.1, momentum: 0.9), .sgd(rate: 0.1, momentum: 0), .adam(rate: 0.01)] {
            var fused = start
            var kernelState = optimizer.initialState(count: start.kernel.count)
            var biasState = optimizer.initialState(count: start.bias.count)
            var reference = start
            var referenceKernelState = kernelState, referenceBiasState = biasState
            for iteration in 0..<3 {
                fused.train(input: x, outputGradient: dy, count: rows, step: optimizer.step(iteration: iteration),
                            kernelState: &kernelState, biasState: &biasState)
                let gradients = reference.gradients(input: x, outputGradient: dy, count: rows)
                optimizer.update(&reference.kernel, gradient: gradients.kernel, state: &referenceKernelState, iteration: iteration)
                optimizer.update(&reference.bias, gradient: gradients.bias, state: &referenceBiasState, iteration: iteration)
            }
            XCTAssertEqual(fused, reference, "\(optimizer): fused update differs from gradients then update")
            XCTAssertEqual(kernelState, referenceKernelState, "\(optimizer): kernel slots")
            XCTAssertNotEqual(fused.kernel, start.kernel, "\(optimizer): the update changed nothing")
        }
    }
}
