// FineTuner.swift — fine-tuning the top of Inception V3 together with a head
// (Keras' recipe: freeze model.layers[:249], train the rest), batch norm always
// in inference mode (moving statistics fixed, beta trains).
//
//   images (N, H, W, 3) → frozen base → boundary values (cached per image)
//   boundary → trainable part → mixed10 (N, h, w, 2048) → global mean (N, 2048)
//   → head → logits (N, classes) → softmax cross-entropy, mean over the batch
//
// The head's forward and backward is `Head.trainingPass`, the head trainer's;
// epochs are the shared `TrainingLoop` (FineTuner+Training.swift).
// Backward runs the same way in reverse (Gradients.swift); the optimizer
// (FineTuneOptimizer.swift) then updates conv kernels (unfolded), BN betas and
// the head's kernels and biases. Weights leave as [LayerWeights] in weightSpecs order.
import Common
import Foundation

/// Trains the unfrozen top layers of an `InceptionV3` and a `Head` on the
/// global average of mixed10, one batch per `step`.
///
/// Which layers train is Keras' `layer.trainable`, one flag per entry of
/// `model.layers`. The frozen bottom runs once per image: `boundary(for:)`
/// gives the values where it meets the trainable part (for Keras' recipe,
/// mixed8's output), which callers cache and feed to `step` in batches.
///
///     var flags = [Bool](repeating: true, count: model.layers.count)
///     for i in 0..<249 { flags[i] = false }                       // through mixed8
///     var tuner = try FineTuner(model: model, trainable: flags, head: head, optimizer: .kerasFineTuning)
///     let cached = try tuner.boundary(for: images)                 // [(N, 8, 8, 1280)]
///     let loss = tuner.step(boundary: FineTuner.rows(cached, [0, 5, 7]), labels: [1, 0, 1])
///     let tuned = try tuner.tunedModel()                            // an InceptionV3 with the new weights
public struct FineTuner: Sendable {
    /// The largest batch: every trained layer keeps its batch's activations
    /// for the backward pass (623 MB at batch 16 from mixed9, 967 MB from
    /// mixed5, docs/finetune.md), so memory grows with the batch; 64 stays
    /// within a few GB.
    public static let maxBatchSize = 64
    /// The model as given: its frozen layers make the boundary values.
    public let model: InceptionV3
    /// The arrays of the layers an update has changed, by creation index, as
    /// they are now (conv kernels and betas updated; moving statistics
    /// unchanged). A layer joins at its first update; until then, and for
    /// every frozen layer, the arrays are read from `model` when needed, so
    /// the tuner holds no copy of weights it has not changed (Grad-CAM's
    /// tuner, which never updates, holds none).
    private(set) var trained: [Int: [WeightTensor]] = [:]
    /// The current head.
    public private(set) var head: Head
    /// Names of the frozen layers whose outputs the trainable part reads, in
    /// creation order: what `boundary(for:)` returns and `step` takes.
    public let boundaryLayerNames: [String]
    /// Scalars of the boundary values one image keeps (mixed8: 8×8×1280).
    public let boundaryScalarsPerImage: Int
    /// The most bytes of boundary values a caller should keep for one run:
    /// beyond this, unfreeze fewer layers or use fewer images.
    public static let maxBoundaryBytes = 4 << 30
    /// Names of the weighted layers that train (conv kernels, BN betas), in `model.layers` order.
    public let trainedLayerNames: [String]
    /// Steps taken (Keras' `optimizer.iterations`).
    public var iterations: Int { state.iterations }
    /// Multiply-adds of one image's forward pass through the trainable part
    /// (its convolutions); a training step costs about three times that
    /// (backward to the input and to the kernels each about one forward).
    public let multiplyAddsPerImage: Int
    /// Scalars one image's step holds at once: the part's values kept for
    /// backward, with about as many again for their gradients.
    public let scalarsPerImage: Int
    private var state: FineTuneSlots
    /// Dropout masks of direct `step` calls (the training loop brings its own).
    private var dropoutGenerator: SeededGenerator
    /// Polled between layers of a training step (Ctrl-C, the kernel's stop
    /// button): once it is requested the step stops where it is, applies no
    /// update and returns a NaN loss, and the training loop, which sees the
    /// same request, goes back to the start of the epoch. A batch through a
    /// trainable base can take many seconds; this makes a stop prompt.
    public var interruption: CancellationFlag?
    /// Weights, head and slots at the start of the training loop's epoch.
    private var checkpoint: (trained: [Int: [WeightTensor]], head: Head, state: FineTuneSlots)?
    /// Creation indices of the boundary values.
    private let boundary: [Int]
    /// The trainable part's steps, in creation order.
    private let steps: [Step]
    /// Conv or BN creation index → trains.
    private let trains: Set<Int>
    private let mixed10: Int

    /// One layer of the trainable part. `conv` is Keras' conv2d_bn (Conv2D →
    /// BatchNormalization → ReLU), run fused; the value is the ReLU's.
    enum Step: Sendable {
        case conv(conv: Int, norm: Int, relu: Int)
        case pool(Int)
        case concatenate(Int)
    }

    /// A tuner for `model` with Keras' trainable flags (one per `model.layers`
    /// entry), a head over mixed10's 2048 channels, and an optimizer. Dropout
    /// masks of a hidden head layer come from `dropoutSeed`.
    ///
    /// Flags of layers after mixed10 (`avg_pool`, `predictions` of a model
    /// with its top) are ignored: the head takes their place. A trainable
    /// Conv2D or BatchNormalization brings its whole conv2d_bn unit into the
    /// trainable part; with nothing trainable only the head trains, on mixed10.
    /// Throws if the flags do not fit the model or the head does not take 2048 features.
    public init(model: InceptionV3, trainable: [Bool], head: Head, optimizer: Optimizer,
                dropoutSeed: UInt64 = 0) throws {
        let graph = model.graph
        guard trainable.count == model.layers.count else {
            throw FineTuneError.invalidTrainableFlags(
                "expected one trainable flag per layer of inception_v3 (\(model.layers.count)), got \(trainable.count)")
        }
        guard let mixed10 = graph.indexByName[TransferModel.featureLayer],
              head.inputs == graph.layers[mixed10].shape[2] else {
            throw FineTuneError.invalidHead("the head takes \(head.inputs) features, \(TransferModel.featureLayer) gives "
                                            + "\(TransferModel.featureWidth(of: model.layers))")
        }
        let base = graph.ancestors(of: mixed10)
        var trainableLayers = Set<Int>()
        for (index, flag) in trainable.enumerated() where flag { trainableLayers.insert(graph.kerasOrder[index]) }

        // The part: layers that train or read a value that depends on one,
        // in creation order (a conv2d_bn unit joins or stays out as a whole).
        var inPart = Set<Int>(), trains = Set<Int>()
        for (index, layer) in graph.layers.enumerated() where base.contains(index) {
            switch layer.operation {
            case .relu:
                let norm = layer.inputs[0], conv = graph.layers[norm].inputs[0], input = graph.layers[conv].inputs[0]
                for l in [conv, norm] where trainableLayers.contains(l) { trains.insert(l) }
                if trains.contains(conv) || trains.contains(norm) || inPart.contains(input) {
                    inPart.formUnion([conv, norm, index])
                }
            case .pool, .concatenate:
                if layer.inputs.contains(where: inPart.contains) { inPart.insert(index) }
            default:
                break
            }
        }
        // A frozen pool read only by the part joins it (it is cheap), so the
        // boundary is the block output it pools: mixed8, not also its average.
        for (index, layer) in graph.layers.enumerated().reversed() where base.contains(index) && !inPart.contains(index) {
            guard case .pool = layer.operation else { continue }
            let readers = graph.consumers(of: index)
            if !readers.isEmpty && readers.allSatisfy(inPart.contains) { inPart.insert(index) }
        }
        let steps: [Step] = graph.layers.indices.filter(inPart.contains).compactMap { index in
            switch graph.layers[index].operation {
            case .relu:
                let norm = graph.layers[index].inputs[0]
                return .conv(conv: graph.layers[norm].inputs[0], norm: norm, relu: index)
            case .pool: return .pool(index)
            case .concatenate: return .concatenate(index)
            default: return nil
            }
        }
        var boundary = graph.layers.indices.filter { value in
            !inPart.contains(value) && base.contains(value)
                && graph.layers.indices.contains { inPart.contains($0) && graph.layers[$0].inputs.contains(value) }
        }
        if !inPart.contains(mixed10) { boundary = [mixed10] }   // the base is frozen: only the head trains

        func size(_ layer: Int) -> Int { graph.layers[layer].shape.reduce(1, *) }
        var multiplyAdds = 0
        for case .conv(let conv, _, let relu) in steps {
            if case .conv2D(let shape, _, _) = graph.layers[conv].operation {
                multiplyAdds += size(relu) * shape[0] * shape[1] * shape[2]   // Ho·Wo·Cout · kh·kw·Cin
            }
        }
        self.multiplyAddsPerImage = multiplyAdds
        self.scalarsPerImage = 2 * steps.map { step in
            switch step {
            case .conv(_, _, let relu): return size(relu)
            case .pool(let layer), .concatenate(let layer): return size(layer)
            }
        }.reduce(0, +)
        self.boundaryScalarsPerImage = boundary.map(size).reduce(0, +)
        self.model = model
        self.head = head
        self.boundary = boundary
        self.boundaryLayerNames = boundary.map { graph.layers[$0].name }
        self.trainedLayerNames = graph.kerasOrder.filter(trains.contains).map { graph.layers[$0].name }
        self.steps = steps
        self.trains = trains
        self.mixed10 = mixed10
        self.state = FineTuneSlots(optimizer)
        self.dropoutGenerator = SeededGenerator(seed: dropoutSeed)
    }

    /// The boundary values for preprocessed images (N, H, W, 3), one tensor
    /// per name in `boundaryLayerNames`, computed by the frozen layers (fast path).
    public func boundary(for images: Tensor) throws -> [Tensor] {
        try boundaryLayerNames.map { try model.output(of: $0, for: images) }
    }

    /// The rows `indices` of cached boundary tensors (a batch out of a cache).
    public static func rows(_ values: [Tensor], _ indices: [Int]) -> [Tensor] {
        values.map { value in
            let size = value.count / max(value.shape[0], 1)
            var scalars: [Float] = []
            scalars.reserveCapacity(size * indices.count)
            for i in indices {
                precondition(i >= 0 && i < value.shape[0], "FineTuner.rows: row \(i) of \(value.shape[0])")
                scalars += value.scalars[(i * size)..<((i + 1) * size)]
            }
            return Tensor(shape: [indices.count] + value.shape.dropFirst(), scalars: scalars)
        }
    }

    /// Class probabilities (N, classes) in inference mode (dropout off).
    public func probabilities(boundary values: [Tensor]) -> Tensor {
        let features = pooledFeatures(boundary: values)                      // (N, 2048)
        let n = features.shape[0]
        return Tensor(shape: [n, head.output.units], scalars: head.probabilities(features.scalars, count: n))
    }

    /// The head's input (N, 2048): mixed10 of the current base, averaged.
    public func pooledFeatures(boundary values: [Tensor]) -> Tensor {
        Kernels.globalAveragePool2D(forward(values).values[mixed10]!)
    }

    /// One training step on a batch: forward, softmax cross-entropy (mean
    /// over the batch), backward, one optimizer update of every trained
    /// tensor. Returns the loss before the update, as Keras' `train_on_batch`.
    ///
    /// The loss is computed from the logits (log-sum-exp), as Keras does when
    /// the output is a softmax layer (it reads `_keras_logits` and skips the
    /// 1e-7 clip), so the gradient is softmax − one-hot.
    public mutating func step(boundary values: [Tensor], labels: [Int]) -> Float {
        var masks = dropoutGenerator
        defer { dropoutGenerator = masks }
        return Float(step(boundary: values, labels: labels, masks: &masks).meanLoss)
    }

    /// `step` with dropout masks from `masks`: the mean loss before the
    /// update and how many images the training-mode outputs (dropout on)
    /// put in their class (Keras' `accuracy` count for the batch).
    mutating func step(boundary values: [Tensor], labels: [Int], masks: inout SeededGenerator)
        -> (meanLoss: Double, correct: Int) {
        let result = gradients(boundary: values, labels: labels, masks: &masks)
        if isInterrupted { return (.nan, 0) }   // gradients of an unfinished pass: no update
        apply(result.base, result.head)
        return (result.meanLoss, result.correct)
    }

    /// Whether `interruption` has been requested.
    var isInterrupted: Bool { interruption?.isRequested ?? false }

    /// The loss of a batch and the gradients of every trained tensor: base
    /// tensors as (creation index, array position, gradient), head layers in
    /// `denseLayers` order. Draws dropout masks, hence mutating.
    mutating func gradients(boundary values: [Tensor], labels: [Int])
        -> (loss: Float, base: [(layer: Int, array: Int, gradient: [Float])], head: HeadGradients) {
        var masks = dropoutGenerator
        defer { dropoutGenerator = masks }
        let result = gradients(boundary: values, labels: labels, masks: &masks)
        return (Float(result.meanLoss), result.base, result.head)
    }

    /// `gradients` with dropout masks from `masks`, plus the batch's mean
    /// loss in Double and its count of right training-mode answers.
    func gradients(boundary values: [Tensor], labels: [Int], masks: inout SeededGenerator)
        -> (meanLoss: Double, correct: Int, base: [(layer: Int, array: Int, gradient: [Float])], head: HeadGradients) {
        let pass = forward(values)
        if pass.interrupted { return (.nan, 0, [], []) }
        let x = pass.values[mixed10]!                                     // (N, h, w, 2048)
        let n = x.shape[0]
        precondition(labels.count == n && labels.allSatisfy { (0..<head.output.units).contains($0) },
                     "FineTuner.step: \(labels.count) labels in 0..<\(head.output.units) for \(n) images")
        let features = Kernels.globalAveragePool2D(x)                     // (N, 2048)
        let (headPass, headGradients, dFeatures) = headStep(features.scalars, labels: labels, masks: &masks)
        let dx = Gradients.globalAveragePool(Tensor(shape: [n, features.shape[1]], scalars: dFeatures),
                                             height: x.shape[1], width: x.shape[2])   // (N, h, w, 2048)
        return (headPass.meanLoss, headPass.correct, backward(pass, mixed10Gradient: dx).weights, headGradients)
    }

    /// Remembers the base weights, head and optimizer slots, as the training
    /// loop does at the start of each epoch (shared buffers: the epoch's
    /// first update copies what it changes).
    public mutating func saveCheckpoint() { checkpoint = (trained, head, state) }

    /// Goes back to the remembered weights, head and slots (a stop mid-epoch).
    public mutating func restoreCheckpoint() {
        guard let saved = checkpoint else { return }
        (trained, head, state) = saved
    }

    /// The base weights as they are now, unfolded, in `InceptionV3.weightSpecs`
    /// order (trained conv kernels and betas updated; moving statistics and
    /// frozen layers as given), ready for `InceptionV3(configuration:weights:)`
    /// or a weights file.
    public func exportWeights() -> [LayerWeights] {
        var weights = model.weights
        for (layer, arrays) in trained { weights[model.weightIndex[layer]!].tensors = arrays }
        return weights
    }

    /// A model with the current base weights and the original configuration
    /// (the same as `InceptionV3(configuration:weights: exportWeights())`;
    /// the layers that did not train share `model`'s packed kernels).
    public func tunedModel() throws -> InceptionV3 {
        InceptionV3(model, replacing: trained)
    }

    // MARK: Forward and backward through the trainable part

    /// The values of one forward pass by creation index (boundary and part).
    struct Pass {
        var values: [Int: Tensor]
        /// The pass stopped early (`interruption`): `values` is incomplete.
        var interrupted = false
    }

    /// The current arrays of layer `layer` (a creation index).
    private func arrays(_ layer: Int) -> [WeightTensor] { trained[layer] ?? model.arrays(ofLayer: layer) }

    /// inv = 1/sqrt(var + eps) and beta − mean·inv of batch norm `norm`.
    private func fold(_ norm: Int) -> (inv: [Float], shift: [Float]) {
        guard case .batchNorm(let epsilon) = model.graph.layers[norm].operation else {
            preconditionFailure("FineTuner: \(model.graph.layers[norm].name) is not a batch norm")
        }
        let a = arrays(norm)
        let inv = a[2].scalars.map { 1 / ($0 + epsilon).squareRoot() }
        return (inv, inv.indices.map { a[0].scalars[$0] - a[1].scalars[$0] * inv[$0] })
    }

    /// The part's forward pass from boundary values (one tensor per
    /// `boundaryLayerNames` entry): every value by creation index.
    func forward(_ given: [Tensor]) -> Pass {
        let graph = model.graph
        precondition(given.count == boundary.count, "FineTuner: \(given.count) boundary tensors for \(boundary.count)")
        var values: [Int: Tensor] = [:]
        for (layer, value) in zip(boundary, given) {
            precondition(Array(value.shape.dropFirst()) == graph.layers[layer].shape && value.shape[0] == given[0].shape[0],
                         "FineTuner: boundary \(graph.layers[layer].name) has shape \(value.shape), expected (N, \(graph.layers[layer].shape))")
            values[layer] = value
        }
        for step in steps {
            if isInterrupted { return Pass(values: values, interrupted: true) }
            switch step {
            case .conv(let conv, let norm, let relu):
                guard case .conv2D(let shape, let strides, let padding) = graph.layers[conv].operation else {
                    preconditionFailure("FineTuner: \(graph.layers[conv].name) is not a convolution")
                }
                let (inv, shift) = fold(norm)
                let packed = arrays(conv)[0].scalars.withUnsafeBufferPointer {
                    PackedConv2D(kernel: $0, shape: shape, bias: shift, scale: inv, strides: strides, padding: padding)
                }
                let x = values[graph.layers[conv].inputs[0]]!
                let (oh, ow) = packed.outputSize(height: x.shape[1], width: x.shape[2])
                var y = Tensor(zeros: [x.shape[0], oh, ow, shape[3]])   // (N, Ho, Wo, Cout), after ReLU
                withFeatureMap(x) { input in y.withFeatureMap { packed.apply(input, $0, relu: true) } }
                values[relu] = y
            case .pool(let layer):
                guard case .pool(let kind, let size, let strides, let padding) = graph.layers[layer].operation else {
                    preconditionFailure("FineTuner: \(graph.layers[layer].name) is not a pool")
                }
                let x = values[graph.layers[layer].inputs[0]]!
                values[layer] = kind == .max ? Kernels.maxPool2D(x, size: size, strides: strides, padding: padding)
                                             : Kernels.averagePool2D(x, size: size, strides: strides, padding: padding)
            case .concatenate(let layer):
                values[layer] = Kernels.concatenate(graph.layers[layer].inputs.map { values[$0]! })
            }
        }
        return Pass(values: values)
    }

    /// Backward through the part from ∂L/∂mixed10: the gradients of the
    /// trained tensors (skipped when `weightGradients` is false) and ∂L/∂ each
    /// boundary value, in `boundaryLayerNames` order (zeros where none reaches;
    /// Grad-CAM reads these, GradCAM.swift).
    func backward(_ pass: Pass, mixed10Gradient: Tensor, weightGradients: Bool = true)
        -> (weights: [(layer: Int, array: Int, gradient: [Float])], boundary: [Tensor]) {
        let graph = model.graph
        var values = pass.values
        var grads: [Int: Tensor] = [mixed10: mixed10Gradient]
        var result: [(layer: Int, array: Int, gradient: [Float])] = []
        let boundarySet = Set(boundary)
        var boundaryGrads: [Int: Tensor] = boundarySet.contains(mixed10) ? [mixed10: mixed10Gradient] : [:]
        func accumulate(_ layer: Int, _ g: Tensor) {
            if boundarySet.contains(layer) {
                if var sum = boundaryGrads[layer] {
                    for i in 0..<sum.count { sum.scalars[i] += g.scalars[i] }
                    boundaryGrads[layer] = sum
                } else {
                    boundaryGrads[layer] = g
                }
                return
            }
            if var sum = grads[layer] {
                for i in 0..<sum.count { sum.scalars[i] += g.scalars[i] }
                grads[layer] = sum
            } else {
                grads[layer] = g
            }
        }
        for step in steps.reversed() {
            if isInterrupted { return ([], boundary.map { Tensor(zeros: pass.values[$0]!.shape) }) }
            switch step {
            case .conv(let conv, let norm, let relu):
                guard case .conv2D(let shape, let strides, let padding) = graph.layers[conv].operation,
                      let dA = grads.removeValue(forKey: relu) else {
                    preconditionFailure("FineTuner: no gradient reached \(graph.layers[relu].name)")
                }
                let input = graph.layers[conv].inputs[0]
                let x = values[input]!
                let dY = Gradients.relu(dA, output: values.removeValue(forKey: relu)!)   // ∂L/∂(BN output)
                let (inv, _) = fold(norm)
                let (dZ, dBeta) = Gradients.batchNorm(dY, inv: inv)                      // ∂L/∂(conv output)
                if weightGradients && trains.contains(norm) { result.append((norm, 0, dBeta)) }
                if weightGradients && trains.contains(conv) {
                    let dK = Gradients.conv2DKernel(x, dZ, kernelHeight: shape[0], kernelWidth: shape[1],
                                                    strides: strides, padding: padding)
                    result.append((conv, 0, dK.scalars))
                }
                if !boundarySet.contains(input) || !weightGradients {
                    let kernel = Tensor(shape: shape, scalars: arrays(conv)[0].scalars)
                    accumulate(input, Gradients.conv2DInput(dZ, kernel: kernel, inputHeight: x.shape[1],
                                                            inputWidth: x.shape[2], strides: strides, padding: padding))
                }
            case .pool(let layer):
                guard case .pool(let kind, let size, let strides, let padding) = graph.layers[layer].operation,
                      let dy = grads.removeValue(forKey: layer) else {
                    preconditionFailure("FineTuner: no gradient reached \(graph.layers[layer].name)")
                }
                let input = graph.layers[layer].inputs[0], x = values[input]!
                if boundarySet.contains(input) && weightGradients { continue }   // a frozen pool pulled into the part
                accumulate(input, kind == .max
                    ? Gradients.maxPool(dy, input: x, size: size, strides: strides, padding: padding)
                    : Gradients.averagePool(dy, inputShape: x.shape, size: size, strides: strides, padding: padding))
            case .concatenate(let layer):
                guard let dy = grads.removeValue(forKey: layer) else {
                    preconditionFailure("FineTuner: no gradient reached \(graph.layers[layer].name)")
                }
                values[layer] = nil
                let inputs = graph.layers[layer].inputs
                for (input, g) in zip(inputs, Gradients.concatenate(dy, channels: inputs.map { graph.layers[$0].shape[2] })) {
                    accumulate(input, g)
                }
            }
        }
        return (result, boundary.map { boundaryGrads[$0] ?? Tensor(zeros: pass.values[$0]!.shape) })
    }

    // MARK: Head

    /// Gradients of the head's tensors, in `denseLayers` order: (kernel, bias) each.
    typealias HeadGradients = [(kernel: [Float], bias: [Float])]

    /// Forward and backward through the head for features (N, inputs):
    /// `Head.trainingPass` (the head trainer's), then the dense layers'
    /// gradients and ∂L/∂features on the Dense kernels.
    private func headStep(_ features: [Float], labels: [Int], masks: inout SeededGenerator)
        -> (pass: TrainingPass, gradients: HeadGradients, features: [Float]) {
        let n = labels.count
        let pass = head.trainingPass(features, labels: labels, masks: &masks)
        let output = head.output.gradients(input: pass.outputInput, outputGradient: pass.outputGradient, count: n)
        guard let hidden = head.hidden else {
            return (pass, [output], head.output.inputGradient(pass.outputGradient, count: n))   // (N, inputs)
        }
        let first = hidden.gradients(input: features, outputGradient: pass.hiddenGradient, count: n)
        return (pass, [first, output], hidden.inputGradient(pass.hiddenGradient, count: n))    // (N, inputs)
    }

    /// One optimizer update of every trained tensor: base tensors in
    /// `model.layers` order, then the head's kernels and biases.
    private mutating func apply(_ base: [(layer: Int, array: Int, gradient: [Float])], _ headGradients: HeadGradients) {
        let order = Dictionary(uniqueKeysWithValues: model.graph.kerasOrder.enumerated().map { ($1, $0) })
        for (layer, array, gradient) in base.sorted(by: { order[$0.layer]! < order[$1.layer]! }) {
            let given = model.retained[model.weightIndex[layer]!]
            let key = "\(given.layerName)/\(given.tensors[array].name)"
            if trained[layer] == nil { trained[layer] = model.arrays(ofLayer: layer) }
            state.update(key, &trained[layer]![array].scalars, gradient)
        }
        var layers = head.denseLayers
        for (index, gradient) in headGradients.enumerated() {
            state.update("head/\(layers[index].name)/kernel", &layers[index].kernel, gradient.kernel)
            state.update("head/\(layers[index].name)/bias", &layers[index].bias, gradient.bias)
        }
        head = Head(classes: head.classes, hidden: head.hidden == nil ? nil : layers[0], dropout: head.dropout,
                    output: layers[layers.count - 1])
        state.finishStep()
    }
}

/// What can be wrong in setting up fine-tuning.
public enum FineTuneError: Error, Equatable, CustomStringConvertible {
    /// The trainable flags do not fit the model's layers.
    case invalidTrainableFlags(String)
    /// The head does not fit mixed10.
    case invalidHead(String)

    /// The message to show a user.
    public var description: String {
        switch self {
        case .invalidTrainableFlags(let message): return "fine-tuning: \(message)"
        case .invalidHead(let message): return "fine-tuning: \(message)"
        }
    }
}
