// ReferenceNetwork.swift — Inception V3 run layer by layer with the scalar
// Reference kernels and the unfolded weights (conv, then Keras' batch norm,
// then ReLU): the oracle for the fast, folded, planned forward pass.
//
// Slow by design (Double sums, no packing): keep its inputs small (75×75).
@testable import Vision

enum ReferenceNetwork {
    /// Outputs of the layers named in `wanted`, computing every layer in
    /// creation order until all of them are known.
    static func outputs(_ model: InceptionV3, _ input: Tensor, _ wanted: Set<String>) -> [String: Tensor] {
        let graph = model.graph
        var values: [Int: Tensor] = [:]
        var found: [String: Tensor] = [:]
        for (index, layer) in graph.layers.enumerated() {
            let x = layer.inputs.map { values[$0]! }
            let arrays = model.weightIndex[index].map { model.layerWeights(at: $0).tensors } ?? []
            switch layer.operation {
            case .input:
                values[index] = input
            case .conv2D(let shape, let strides, let padding):
                values[index] = Reference.conv2D(x[0], Tensor(shape: shape, scalars: arrays[0].scalars),
                                                 strides: strides, padding: padding)
            case .batchNorm(let epsilon):
                values[index] = Reference.batchNorm(x[0], beta: arrays[0].scalars, mean: arrays[1].scalars,
                                                    variance: arrays[2].scalars, epsilon: epsilon)
            case .relu:
                values[index] = Reference.relu(x[0])
            case .pool(let kind, let size, let strides, let padding):
                values[index] = Reference.pool2D(x[0], max: kind == .max, size: size, strides: strides, padding: padding)
            case .concatenate:
                values[index] = Reference.concatenate(x)
            case .globalPool(let kind):
                values[index] = Reference.globalPool(x[0], max: kind == .max)
            case .dense(let inputs, let units, let softmax):
                let y = Reference.dense(x[0], Tensor(shape: [inputs, units], scalars: arrays[0].scalars),
                                        bias: arrays[1].scalars)
                values[index] = softmax ? Reference.softmax(y) : y
            }
            if wanted.contains(layer.name) { found[layer.name] = values[index] }
            if found.count == wanted.count { break }
        }
        return found
    }
}
