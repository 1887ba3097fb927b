// InceptionV3+Weights.swift — which arrays the model takes and in what order
// (Keras' order of weighted layers in `model.layers`), Keras' initialisers
// for `weights none`, the checks on given weights, and packing with batch norm.
//
// Batch norm: Keras (through tf.nn.batch_normalization) computes
//   y = x · inv + (beta - mean · inv),  inv = 1 / sqrt(variance + 0.001)
// on the convolution's output x; the packed convolution does the same as it
// stores each tile (scale inv[c], bias beta[c] - mean[c] · inv[c]), so its
// panels keep the kernel unscaled and give it back exactly. Winograd's
// layers fold inv into U and cannot: each keeps a copy of its kernel, in a
// temporary file the model's packing shares (`KernelFile`), not in memory.
import Foundation
#if os(Linux)
import CMalloc
#endif

extension InceptionV3 {
    /// The weighted layers of a configuration in Keras' order (the order of
    /// `model.layers`, which is the order `load_weights` reads): each layer's
    /// name, class and arrays (`kernel`; `beta`, `moving_mean`,
    /// `moving_variance`; `kernel`, `bias`).
    public static func weightSpecs(for configuration: Configuration) -> [LayerWeightSpec] {
        weightSpecs(graph(for: configuration))
    }

    static func weightSpecs(_ graph: Graph) -> [LayerWeightSpec] {
        graph.kerasOrder.map { graph.layers[$0] }.filter { !$0.weights.isEmpty }.map { layer in
            LayerWeightSpec(layerName: layer.name, layerType: layer.className,
                            tensors: layer.weights.map { ($0.name, $0.shape) })
        }
    }

    /// Keras' initialisers, from a seeded generator: Glorot-uniform kernels
    /// (limit sqrt(6 / (fan_in + fan_out)), fan_in = kh·kw·cin, fan_out =
    /// kh·kw·cout; a dense kernel's fans are its two extents), zero biases,
    /// batch norm beta 0, moving mean 0, moving variance 1. Arrays are filled
    /// in `weightSpecs` order from one `SeededGenerator(seed:)` stream, so the
    /// same seed always gives the same weights.
    public static func randomWeights(for configuration: Configuration, seed: UInt64) -> [LayerWeights] {
        var generator = SeededGenerator(seed: seed)
        return weightSpecs(for: configuration).map { spec in
            LayerWeights(layerName: spec.layerName, tensors: spec.tensors.map { name, shape in
                let count = shape.reduce(1, *)
                switch name {
                case "kernel":
                    let receptive = shape.dropLast(2).reduce(1, *)
                    let fanIn = shape[shape.count - 2] * receptive, fanOut = shape[shape.count - 1] * receptive
                    let limit = Float(sqrt(6 / Double(fanIn + fanOut)))
                    let scalars = (0..<count).map { _ in generator.nextUniform(limit: limit) }
                    return WeightTensor(name: name, shape: shape, scalars: scalars)
                case "moving_variance":
                    return WeightTensor(name: name, shape: shape, scalars: [Float](repeating: 1, count: count))
                default: // bias, beta, moving_mean
                    return WeightTensor(name: name, shape: shape, scalars: [Float](repeating: 0, count: count))
                }
            })
        }
    }

    /// Throws unless `weights` has one entry per spec, each with the spec's
    /// number of arrays and their shapes (by position, as Keras loads).
    static func check(_ weights: [LayerWeights], against specs: [LayerWeightSpec]) throws {
        guard weights.count == specs.count else {
            throw InceptionV3Error.weightsMismatch(
                "inception_v3 has \(specs.count) weighted layers, but the weights hold \(weights.count) layers")
        }
        for (position, (given, spec)) in zip(weights, specs).enumerated() {
            let place = "layer '\(spec.layerName)' (weighted layer \(position + 1) of \(specs.count)"
                + (given.layerName == spec.layerName ? ")" : ", given as '\(given.layerName)')")
            guard given.tensors.count == spec.tensors.count else {
                throw InceptionV3Error.weightsMismatch(
                    "\(place): expected \(spec.tensors.count) arrays (\(spec.tensors.map(\.name).joined(separator: ", "))), "
                    + "got \(given.tensors.count) (\(given.tensors.map(\.name).joined(separator: ", ")))")
            }
            for (array, expected) in zip(given.tensors, spec.tensors) where array.shape != expected.shape {
                throw InceptionV3Error.weightsMismatch(
                    "\(place): array '\(expected.name)' has shape \(tuple(array.shape)), expected \(tuple(expected.shape))")
            }
        }
    }

    /// Python's spelling of a shape, as Keras prints it: (3, 3, 32, 64), (1000,).
    static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Creation indices of the layers with a prepared convolution: every
    /// Conv2D and the Dense layer.
    static func convolutions(_ graph: Graph) -> [Int] {
        graph.layers.indices.filter {
            switch graph.layers[$0].operation {
            case .conv2D, .dense: return true
            default: return false
            }
        }
    }

    /// Prepares the convolutions `targets` (creation indices of Conv2D
    /// layers, with the batch norm after each, and the Dense layer) from
    /// `weights`, in parallel. Each kernel that its prepared convolution gives
    /// back is emptied in `weights` (shape kept) as soon as its layer is
    /// packed: when the array's storage is not shared, it is freed then.
    static func pack(_ graph: Graph, targets: [Int], _ weights: inout [LayerWeights],
                     _ weightIndex: [Int: Int]) -> [Int: any PreparedConvolution] {
        var packed = [(any PreparedConvolution)?](repeating: nil, count: targets.count)
        // The Winograd layers' copies of their kernels (nil: kept in memory).
        let kernelFile = KernelFile()
        weights.withUnsafeMutableBufferPointer { arrays in
            packed.withUnsafeMutableBufferPointer { slots in
                // Safe: part i writes only slot i and the kernel of layer
                // targets[i]; the batch norms it reads are never written.
                Parallel.forEach(parts: targets.count) { i in
                    let layer = targets[i], position = weightIndex[layer]!
                    let prepared = packLayer(layer, graph, UnsafeBufferPointer(arrays), weightIndex, kernelFile)
                    if prepared.givesKernelBack {
                        arrays[position].tensors[0].scalars = []
                        releaseFreedMemory()
                    }
                    slots[i] = prepared
                }
            }
        }
        return Dictionary(uniqueKeysWithValues: zip(targets, packed.map { $0! }))
    }

    /// Hands the heap's free pages back to the system. The kernels packing
    /// let go of (about 95 MB for the whole model, freed one by one between
    /// larger blocks) would otherwise stay resident as free heap: glibc's
    /// malloc raises its mmap threshold as large blocks are freed, so later
    /// ones come from the heap and are not unmapped when freed.
    private static func releaseFreedMemory() {
        #if os(Linux)
        malloc_trim(0)
        #endif
    }

    private static func packLayer(_ layer: Int, _ graph: Graph, _ weights: UnsafeBufferPointer<LayerWeights>,
                                  _ weightIndex: [Int: Int], _ kernelFile: KernelFile?) -> any PreparedConvolution {
        let arrays = weights[weightIndex[layer]!].tensors
        switch graph.layers[layer].operation {
        case .conv2D(let shape, let strides, let padding):
            let norm = batchNorm(after: layer, graph)
            let (scale, bias) = foldedBatchNorm(weights[weightIndex[norm.layer]!].tensors, epsilon: norm.epsilon)
            let output = graph.layers[layer].shape  // (h, w, cout)
            if let tile = WinogradConv2D.tile(kernel: shape, strides: strides, pixels: output[0] * output[1]) {
                return arrays[0].scalars.withUnsafeBufferPointer {
                    WinogradConv2D(kernel: $0, shape: shape, bias: bias, scale: scale, padding: padding, tile: tile,
                                   kernelFile: kernelFile)
                }
            }
            return arrays[0].scalars.withUnsafeBufferPointer {
                PackedConv2D(kernel: $0, shape: shape, bias: bias, scale: scale, strides: strides, padding: padding)
            }
        case .dense(let inputs, let units, _):
            return arrays[0].scalars.withUnsafeBufferPointer {
                PackedConv2D(kernel: $0, shape: [1, 1, inputs, units], bias: arrays[1].scalars, padding: .valid)
            }
        default:
            preconditionFailure("packLayer: layer \(graph.layers[layer].name) has no kernel")
        }
    }

    /// The batch norm that reads conv `layer` (Keras' conv2d_bn puts one
    /// right after every convolution) and its epsilon.
    static func batchNorm(after layer: Int, _ graph: Graph) -> (layer: Int, epsilon: Float) {
        let norm = layer + 1
        guard case .batchNorm(let epsilon) = graph.layers[norm].operation, graph.layers[norm].inputs == [layer] else {
            preconditionFailure("batchNorm(after:): \(graph.layers[layer].name) is not followed by its batch norm")
        }
        return (norm, epsilon)
    }

    /// inv and beta - mean · inv of a batch norm's arrays (beta,
    /// moving_mean, moving_variance): the convolution's scale and bias.
    static func foldedBatchNorm(_ arrays: [WeightTensor], epsilon: Float) -> (scale: [Float], bias: [Float]) {
        let (beta, mean, variance) = (arrays[0].scalars, arrays[1].scalars, arrays[2].scalars)
        let inv = variance.map { 1 / ($0 + epsilon).squareRoot() }
        return (inv, (0..<inv.count).map { beta[$0] - mean[$0] * inv[$0] })
    }
}
