// InceptionV3+Forward.swift — running the network: whole (`predict`) or up to
// any named layer (`output(of:for:)`), on a batch of N images.
//
//   input   (N, H, W, 3)  preprocessed ('tf' mode: x / 127.5 - 1)
//   output  (N, 1000) softmax with the top; (N, 2048) pooled; (N, h, w, 2048) otherwise
//
// Each Conv2D → BatchNormalization → ReLU runs as one fused kernel (the batch
// norm applied as each tile is stored). Intermediate layers are written into one preplanned arena
// (ForwardPlan), and branches write straight into their concatenation.
import Foundation

extension InceptionV3 {
    /// Runs the whole network on a batch of preprocessed images.
    ///
    /// `input` must be (N, inputHeight, inputWidth, 3); a wrong shape is a
    /// programming error (use `output(of:for:)` for a throwing check).
    public func predict(_ input: Tensor) -> Tensor {
        if let problem = inputProblem(input) { preconditionFailure("InceptionV3.predict: \(problem)") }
        return run(upTo: graph.output, input)
    }

    /// The output of the layer named `layerName` (any name in `layers`),
    /// computing only the layers it depends on.
    ///
    /// `conv2d_k` is the convolution's own output, before batch norm: it is
    /// computed with the original kernel (read back from its packed form).
    /// `batch_normalization_k` applies the batch norm to that as Keras
    /// does. Every other layer comes from the fast path with the fused batch norm.
    ///
    ///     let features = try model.output(of: "avg_pool", for: images)  // (N, 2048)
    public func output(of layerName: String, for input: Tensor) throws -> Tensor {
        guard let layer = graph.indexByName[layerName] else {
            throw InceptionV3Error.unknownLayer(layerName, suggestion: closestLayerName(to: layerName))
        }
        if let problem = inputProblem(input) { throw InceptionV3Error.invalidInput(problem) }
        return output(ofLayer: layer, input)
    }

    private func output(ofLayer layer: Int, _ input: Tensor) -> Tensor {
        switch graph.layers[layer].operation {
        case .conv2D(let shape, let strides, let padding):
            let x = output(ofLayer: graph.layers[layer].inputs[0], input)
            let kernel = Tensor(shape: shape, scalars: arrays(ofLayer: layer)[0].scalars)
            return Kernels.conv2D(x, kernel: kernel, strides: strides, padding: padding)
        case .batchNorm:
            let conv = graph.layers[layer].inputs[0]
            var y = output(ofLayer: conv, input)
            let norm = InceptionV3.batchNorm(after: conv, graph)
            let (inv, shift) = InceptionV3.foldedBatchNorm(arrays(ofLayer: norm.layer), epsilon: norm.epsilon)
            let c = inv.count
            for i in 0..<y.count { y.scalars[i] = y.scalars[i] * inv[i % c] + shift[i % c] }
            return y
        default:
            return run(upTo: layer, input)
        }
    }

    /// Why `input` does not fit this model, or nil if it does.
    func inputProblem(_ input: Tensor) -> String? {
        let expected = [configuration.inputHeight, configuration.inputWidth, 3]
        if input.rank == 4 && Array(input.shape.dropFirst()) == expected { return nil }
        return "expected input of shape (N, \(expected.map(String.init).joined(separator: ", "))), "
            + "got \(InceptionV3.tuple(input.shape))"
    }

    /// The layer name closest to `name` in edit distance, if reasonably close.
    func closestLayerName(to name: String) -> String? {
        let scored = layers.map { ($0.name, editDistance($0.name, name)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, name.count / 3) else { return nil }
        return best.0
    }

    /// Runs the layers `target` depends on and returns its output with the batch axis.
    private func run(upTo target: Int, _ input: Tensor) -> Tensor {
        if graph.layers[target].operation.isInput { return input }
        let batch = input.shape[0]
        let plan = workspaces.take(target: target, batch: batch) { ForwardPlan(graph, target: target, batch: batch) }
        defer { workspaces.give(plan) }
        return withFeatureMap(input) { x in
            plan.run(self, input: x)
            let result = plan.view(target, input: x).tensor()
            let shape = [batch] + graph.layers[target].shape
            return Tensor(shape: shape, scalars: result.scalars)
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
