// GradCAM.swift — "where in the photo did the network look?": Grad-CAM as in
// Keras' example "Grad-CAM class activation visualization" (keras.io):
//
//   A      = LAYER's output for the image                     (h, w, C)
//   score  = the class's logit (the classifier before softmax)
//   G      = ∂ score / ∂ A                                   (h, w, C)
//   α[k]   = mean over h, w of G[·, ·, k]                      (C)
//   map    = ReLU(Σ_k A[·, ·, k] · α[k]) / its maximum          (h, w)
//
// The classifier is the trained head when there is one, else ImageNet's
// `predictions` Dense. G comes from the fine-tuning engine's backward
// kernels (FineTuner, Gradients.swift): a FineTuner whose trainable part is
// everything after LAYER runs forward from A to mixed10 and back.
// Oracle: Tests/VisionTests/Fixtures/keras-gradcam (Keras' own code).
import Foundation

/// A Grad-CAM explanation of one image's class.
public struct GradCAMResult: Sendable, Equatable {
    /// The explained class: an index into the classifier's outputs.
    public var classIndex: Int
    /// The classifier's probability of that class (after softmax).
    public var probability: Float
    /// The class score explained: the logit before softmax.
    public var logit: Float
    /// The layer whose output was weighed.
    public var layer: String
    /// The heatmap, (height, width) of the layer's output, row-major, in
    /// [0, 1] with maximum 1 — or all zeros when no location scores above
    /// zero (where Keras divides 0 by 0 and gives NaN).
    public var heatmap: [Float]
    /// Rows of the heatmap.
    public var height: Int
    /// Columns of the heatmap.
    public var width: Int
}

/// Why an explanation could not be made.
public enum GradCAMError: Error, Equatable, CustomStringConvertible {
    /// No layer of that name; `candidates` are the explainable ones.
    case unknownLayer(String, candidates: [String])
    /// A layer the backward pass cannot go through on its own (inside a
    /// block, a pool, a convolution before its batch norm, the top).
    case notExplainable(String, explainable: [String])
    /// The model has neither a head nor ImageNet's classifier.
    case noClassifier
    /// A class index outside the classifier's outputs.
    case classOutOfRange(Int, classes: Int)
    /// The class score, the layer's output or its gradient holds NaN or an
    /// infinity (a diverged training, weights out of range): no map to show.
    case notFinite(layer: String)

    /// The message to show a user.
    public var description: String {
        switch self {
        case .unknownLayer(let name, let candidates):
            return "no layer '\(name)' to explain at; layers that can be explained: \(GradCAM.summary(candidates))"
        case .notExplainable(let name, let explainable):
            return "cannot explain at '\(name)': Grad-CAM goes back from the class score through whole blocks only; "
                + "layers that can be explained: \(GradCAM.summary(explainable))"
        case .noClassifier:
            return "the model has no classifier to explain: load it with its ImageNet top (include_top) or train a head"
        case .classOutOfRange(let index, let classes):
            return "class \(index) is out of range: the classifier has classes 0…\(classes - 1)"
        case .notFinite(let layer):
            return "cannot explain: the class score or '\(layer)' holds NaN or infinite numbers "
                + "(a training that diverged? retrain with a lower rate, or load the weights again)"
        }
    }
}

/// Grad-CAM over a `TransferModel`.
///
///     let result = try GradCAM.explain(model, image: photo, layer: "mixed7", classIndex: nil)
///     result.heatmap        // 17×17 at 299×299 input, max 1
public enum GradCAM {
    /// The layers whose output can be explained: the stem's activations and
    /// block outputs (mixed0…mixed10) that every later path goes through, so
    /// the gradient reaching them is the whole gradient. `featureLayer`
    /// (mixed10) is always among them.
    public static func explainableLayers(of network: InceptionV3) -> [String] {
        let layers = network.layers
        guard let last = TransferModel.featureLayerIndex(in: layers) else { return [] }
        return TransferModel.cuts(of: layers).filter { index in
            index <= last && ["Activation", "Concatenate"].contains(layers[index].type)
        }.map { layers[$0].name }
    }

    /// The explainable layers in a line: the first few, …, the last few.
    static func summary(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ")
            : (names.prefix(6) + ["…"] + names.suffix(6)).joined(separator: ", ")
    }

    /// Grad-CAM of `image` (the network's input size) for class `classIndex`
    /// (nil: the top class) at `layer`'s output.
    public static func explain(_ model: TransferModel, image: Image, layer: String = TransferModel.featureLayer,
                               classIndex: Int?) throws -> GradCAMResult {
        try explain(model, input: Preprocessing.inceptionV3([image]), layer: layer, classIndex: classIndex)
    }

    /// Grad-CAM of one preprocessed image `input` (1, H, W, 3).
    public static func explain(_ model: TransferModel, input: Tensor, layer: String = TransferModel.featureLayer,
                               classIndex: Int?) throws -> GradCAMResult {
        let network = model.network
        let explainable = explainableLayers(of: network)
        guard let position = network.layers.firstIndex(where: { $0.name == layer }) else {
            throw GradCAMError.unknownLayer(layer, candidates: explainable)
        }
        guard explainable.contains(layer) else { throw GradCAMError.notExplainable(layer, explainable: explainable) }
        let head = try classifier(model)
        if let classIndex, !(0..<head.output.units).contains(classIndex) {
            throw GradCAMError.classOutOfRange(classIndex, classes: head.output.units)
        }
        // The trainable part is everything after `layer`: its backward ends at `layer`.
        let flags = network.layers.indices.map { $0 > position }
        let tuner = try FineTuner(model: network, trainable: flags, head: head, optimizer: .sgd(rate: 0, momentum: 0))
        guard tuner.boundaryLayerNames == [layer] else {
            throw GradCAMError.notExplainable(layer, explainable: explainable)
        }
        let activations = try tuner.boundary(for: input)                   // [(1, h, w, C)]
        let (logits, chosen, gradient) = tuner.classScoreGradient(boundary: activations, classIndex: classIndex)
        let a = activations[0]
        guard logits.allSatisfy(\.isFinite), a.scalars.allSatisfy(\.isFinite), gradient.scalars.allSatisfy(\.isFinite) else {
            throw GradCAMError.notFinite(layer: layer)
        }
        let (h, w, c) = (a.shape[1], a.shape[2], a.shape[3])
        let heatmap = weighAndNormalise(activations: a.scalars, gradients: gradient.scalars, pixels: h * w, channels: c)
        return GradCAMResult(classIndex: chosen, probability: softmax(logits)[chosen], logit: logits[chosen],
                             layer: layer, heatmap: heatmap, height: h, width: w)
    }

    /// The classifier Grad-CAM scores with: the trained head, or ImageNet's
    /// `predictions` Dense over the global average of mixed10 as a head
    /// without a hidden layer.
    static func classifier(_ model: TransferModel) throws -> Head {
        if let head = model.head { return head }
        guard let predictions = model.network.weights(of: "predictions"),
              predictions.tensors.count == 2 else { throw GradCAMError.noClassifier }
        let (kernel, bias) = (predictions.tensors[0], predictions.tensors[1])
        let units = bias.scalars.count
        return Head(classes: (0..<units).map(String.init), hidden: nil, dropout: 0,
                    output: DenseLayer(name: "predictions", inputs: kernel.shape[0], units: units,
                                       kernel: kernel.scalars, bias: bias.scalars, activation: .softmax))
    }

    /// α = per-channel mean of the gradients, map = ReLU(A·α) / max (zeros
    /// when the maximum is not above 0). Sums in Double, in channel order.
    static func weighAndNormalise(activations a: [Float], gradients g: [Float], pixels: Int, channels: Int) -> [Float] {
        var alpha = [Double](repeating: 0, count: channels)
        for p in 0..<pixels { for k in 0..<channels { alpha[k] += Double(g[p * channels + k]) } }
        for k in 0..<channels { alpha[k] /= Double(pixels) }
        let raw = (0..<pixels).map { p in
            max((0..<channels).reduce(0.0) { $0 + Double(a[p * channels + $1]) * alpha[$1] }, 0)
        }
        let top = raw.max() ?? 0
        return raw.map { top > 0 ? Float($0 / top) : 0 }
    }

    /// Softmax of one row of logits, in Double.
    static func softmax(_ logits: [Float]) -> [Float] {
        let top = Double(logits.max() ?? 0)
        let e = logits.map { exp(Double($0) - top) }
        let total = e.reduce(0, +)
        return e.map { Float($0 / total) }
    }
}

extension FineTuner {
    /// The head's logits for one image's boundary values, the class scored
    /// (`classIndex`, or the top logit, first on ties) and ∂ logit / ∂ the
    /// first boundary value: the head's Dense kernels back to the pooled
    /// features, the global average back to mixed10, then `backward` without
    /// weight gradients.
    func classScoreGradient(boundary values: [Tensor], classIndex: Int?)
        -> (logits: [Float], classIndex: Int, gradient: Tensor) {
        let pass = forward(values)
        let x = pass.values[model.graph.indexByName[TransferModel.featureLayer]!]!    // (1, h, w, 2048)
        let features = Kernels.globalAveragePool2D(x).scalars                         // (1, 2048)
        let hidden = head.hidden.map { $0.forward(features, count: 1) }               // (1, units), relu
        let logits = head.output.affine(hidden ?? features, count: 1)
        var chosen = 0
        if let classIndex { chosen = classIndex } else {
            for i in logits.indices where logits[i] > logits[chosen] { chosen = i }
        }
        var oneHot = [Float](repeating: 0, count: logits.count)
        oneHot[chosen] = 1
        var dFeatures = head.output.inputGradient(oneHot, count: 1)
        if let layer = head.hidden, let h = hidden {
            for i in dFeatures.indices where !(h[i] > 0) { dFeatures[i] = 0 }                 // through the ReLU
            dFeatures = layer.inputGradient(dFeatures, count: 1)
        }
        let dx = Gradients.globalAveragePool(Tensor(shape: [1, features.count], scalars: dFeatures),
                                             height: x.shape[1], width: x.shape[2])
        return (logits, chosen, backward(pass, mixed10Gradient: dx, weightGradients: false).boundary[0])
    }
}
