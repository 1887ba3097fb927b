// Graph.swift — a network's layers as Keras' functional API records them:
// names from per-class counters (conv2d, conv2d_1, …), output shapes, weights
// and inbound layers, plus the order Keras lists them in `model.layers`.
//
// The builder is called by a straight-line architecture function (see
// InceptionV3+Architecture.swift); the executor then runs the recorded layers.

/// One layer of a recorded graph. Shapes exclude the batch axis.
struct GraphLayer: Sendable {
    enum Operation: Sendable {
        case input
        case conv2D(kernel: [Int], strides: (Int, Int), padding: Padding)   // (kh, kw, cin, cout), no bias
        case batchNorm(epsilon: Float)                                     // no scale
        case relu
        case pool(Pool2D.Kind, size: (Int, Int), strides: (Int, Int), padding: Padding)
        case concatenate
        case globalPool(Pool2D.Kind)
        case dense(inputs: Int, units: Int, softmax: Bool)

        var isInput: Bool { if case .input = self { return true } else { return false } }
        var isConcatenate: Bool { if case .concatenate = self { return true } else { return false } }
        /// Conv2D and BatchNormalization, which the fast path runs inside the ReLU step.
        var isFolded: Bool {
            switch self {
            case .conv2D, .batchNorm: return true
            default: return false
            }
        }
    }

    var name: String
    var className: String
    var operation: Operation
    var inputs: [Int]
    var shape: [Int]
    /// Each weight array's name, shape and whether training may change it.
    var weights: [(name: String, shape: [Int], trainable: Bool)]

    var parameterCount: Int { weights.map { $0.shape.reduce(1, *) }.reduce(0, +) }
    var trainableParameterCount: Int { weights.filter(\.trainable).map { $0.shape.reduce(1, *) }.reduce(0, +) }
}

/// Records layers in creation order, naming them as Keras does in a fresh
/// process: the first of a class gets the bare name, later ones `_1`, `_2`, …
final class GraphBuilder {
    private(set) var layers: [GraphLayer] = []
    private var counters: [String: Int] = [:]

    /// Adds a layer and returns its index. `name` overrides the counter (as
    /// Keras' `name=` argument does, without consuming a number).
    @discardableResult
    func add(_ operation: GraphLayer.Operation, className: String, base: String, name: String? = nil,
             inputs: [Int], shape: [Int], weights: [(name: String, shape: [Int], trainable: Bool)] = []) -> Int {
        let layerName: String
        if let name {
            layerName = name
        } else {
            let count = counters[base, default: 0]
            counters[base] = count + 1
            layerName = count == 0 ? base : "\(base)_\(count)"
        }
        layers.append(GraphLayer(name: layerName, className: className, operation: operation, inputs: inputs,
                                 shape: shape, weights: weights))
        return layers.count - 1
    }

    func shape(_ layer: Int) -> [Int] { layers[layer].shape }

    func input(height: Int, width: Int, channels: Int) -> Int {
        add(.input, className: "InputLayer", base: "input_layer", inputs: [], shape: [height, width, channels])
    }

    /// Keras' `conv2d_bn`: Conv2D without bias → BatchNormalization (no scale,
    /// epsilon 0.001) → ReLU. Returns the activation layer.
    func conv(_ x: Int, _ filters: Int, _ kh: Int, _ kw: Int, strides: Int = 1, padding: Padding = .same) -> Int {
        let (h, w, cin) = (shape(x)[0], shape(x)[1], shape(x)[2])
        let oh = padding.window(input: h, kernel: kh, stride: strides).output
        let ow = padding.window(input: w, kernel: kw, stride: strides).output
        let out = [oh, ow, filters]
        let conv = add(.conv2D(kernel: [kh, kw, cin, filters], strides: (strides, strides), padding: padding),
                       className: "Conv2D", base: "conv2d", inputs: [x], shape: out,
                       weights: [("kernel", [kh, kw, cin, filters], true)])
        let norm = add(.batchNorm(epsilon: 0.001), className: "BatchNormalization", base: "batch_normalization",
                       inputs: [conv], shape: out,
                       weights: [("beta", [filters], true), ("moving_mean", [filters], false),
                                 ("moving_variance", [filters], false)])
        return add(.relu, className: "Activation", base: "activation", inputs: [norm], shape: out)
    }

    /// MaxPooling2D((3, 3), strides=(2, 2)), padding 'valid'.
    func maxPool(_ x: Int) -> Int {
        pool(.max, x, className: "MaxPooling2D", base: "max_pooling2d", strides: 2, padding: .valid)
    }

    /// AveragePooling2D((3, 3), strides=(1, 1), padding='same').
    func averagePool(_ x: Int) -> Int {
        pool(.average, x, className: "AveragePooling2D", base: "average_pooling2d", strides: 1, padding: .same)
    }

    private func pool(_ kind: Pool2D.Kind, _ x: Int, className: String, base: String,
                      strides: Int, padding: Padding) -> Int {
        let (h, w, c) = (shape(x)[0], shape(x)[1], shape(x)[2])
        let out = [padding.window(input: h, kernel: 3, stride: strides).output,
                   padding.window(input: w, kernel: 3, stride: strides).output, c]
        return add(.pool(kind, size: (3, 3), strides: (strides, strides), padding: padding),
                   className: className, base: base, inputs: [x], shape: out)
    }

    /// Concatenate on the channel axis; unnamed ones are `concatenate`, `concatenate_1`, …
    func concatenate(_ xs: [Int], name: String? = nil) -> Int {
        let out = [shape(xs[0])[0], shape(xs[0])[1], xs.map { shape($0)[2] }.reduce(0, +)]
        return add(.concatenate, className: "Concatenate", base: "concatenate", name: name, inputs: xs, shape: out)
    }

    func globalAveragePool(_ x: Int, name: String? = nil) -> Int {
        add(.globalPool(.average), className: "GlobalAveragePooling2D", base: "global_average_pooling2d",
            name: name, inputs: [x], shape: [shape(x)[2]])
    }

    func globalMaxPool(_ x: Int, name: String? = nil) -> Int {
        add(.globalPool(.max), className: "GlobalMaxPooling2D", base: "global_max_pooling2d",
            name: name, inputs: [x], shape: [shape(x)[2]])
    }

    /// Dense with bias and a softmax activation.
    func dense(_ x: Int, units: Int, name: String? = nil) -> Int {
        let inputs = shape(x)[0]
        return add(.dense(inputs: inputs, units: units, softmax: true), className: "Dense", base: "dense",
                   name: name, inputs: [x], shape: [units],
                   weights: [("kernel", [inputs, units], true), ("bias", [units], true)])
    }
}

/// A recorded graph: layers in creation order (a valid execution order) and
/// the permutation Keras uses for `model.layers`.
struct Graph: Sendable {
    /// Layers in creation order; `inputs` index into this array.
    let layers: [GraphLayer]
    /// Creation indices in Keras' `model.layers` order.
    let kerasOrder: [Int]
    /// The model output.
    let output: Int
    let indexByName: [String: Int]

    init(_ builder: GraphBuilder, output: Int) {
        layers = builder.layers
        self.output = output
        kerasOrder = Graph.kerasOrder(layers, output: output)
        indexByName = Dictionary(uniqueKeysWithValues: layers.enumerated().map { ($1.name, $0) })
    }

    /// Keras' `map_graph`: a depth-first walk from the output, visiting
    /// inputs in order, numbers each layer when first seen; a layer's depth is
    /// its longest path to the output. Layers are listed by decreasing depth,
    /// ties by that first-seen number.
    static func kerasOrder(_ layers: [GraphLayer], output: Int) -> [Int] {
        var firstSeen: [Int: Int] = [:]
        var finished: [Int] = [] // post-order: inputs before the layers they feed
        var done = Set<Int>()
        func visit(_ layer: Int) {
            if done.contains(layer) { return }
            if firstSeen[layer] == nil { firstSeen[layer] = firstSeen.count }
            for input in layers[layer].inputs { visit(input) }
            done.insert(layer)
            finished.append(layer)
        }
        visit(output)
        var depth: [Int: Int] = [:]
        for layer in finished.reversed() {
            let d = depth[layer, default: 0]
            depth[layer] = d
            for input in layers[layer].inputs { depth[input] = max(depth[input, default: 0], d + 1) }
        }
        return finished.sorted { a, b in
            depth[a]! != depth[b]! ? depth[a]! > depth[b]! : firstSeen[a]! < firstSeen[b]!
        }
    }

    /// Every layer `target` depends on, itself included.
    func ancestors(of target: Int) -> Set<Int> {
        var seen: Set<Int> = [target]
        var stack = [target]
        while let layer = stack.popLast() {
            for input in layers[layer].inputs where seen.insert(input).inserted { stack.append(input) }
        }
        return seen
    }

    /// The layers that read `layer`'s output, in creation order.
    func consumers(of layer: Int) -> [Int] {
        layers.indices.filter { layers[$0].inputs.contains(layer) }
    }
}
