// Head.swift — the new classifier that transfer learning puts on the pooled
// base features: optional Dense(H, relu) + Dropout, then Dense(classes, softmax).
// Kernels keep Keras' layout (inputs, units), row-major; Keras' layer names.
// Inference only here; training (gradients, optimizers) lives beside it.

/// One fully connected layer of a head, as Keras' `Dense`.
public struct DenseLayer: Sendable, Equatable {
    /// What follows the affine map.
    public enum Activation: String, Sendable, Equatable {
        /// max(x, 0), for the hidden layer (NaN stays NaN, as in TensorFlow).
        case relu
        /// Softmax over the units, for the output layer.
        case softmax
    }

    /// Keras' layer name: `dense`, `dense_1`.
    public var name: String
    /// Input features.
    public var inputs: Int
    /// Output units.
    public var units: Int
    /// (inputs, units), row-major: `kernel[i * units + j]` links input i to unit j.
    public var kernel: [Float]
    /// (units).
    public var bias: [Float]
    /// The activation after `x·kernel + bias`.
    public var activation: Activation

    /// A layer with the given weights; counts must fit `inputs` and `units`.
    public init(name: String, inputs: Int, units: Int, kernel: [Float], bias: [Float], activation: Activation) {
        precondition(inputs > 0 && units > 0, "DenseLayer \(name): empty shape \(inputs)×\(units)")
        precondition(kernel.count == inputs * units, "DenseLayer \(name): kernel has \(kernel.count) scalars, not \(inputs)×\(units)")
        precondition(bias.count == units, "DenseLayer \(name): bias has \(bias.count) scalars, not \(units)")
        self.name = name
        self.inputs = inputs
        self.units = units
        self.kernel = kernel
        self.bias = bias
        self.activation = activation
    }

    /// Keras' default initialisers from `generator`: glorot uniform kernel
    /// (limit sqrt(6 / (inputs + units))), zero bias.
    public init(name: String, inputs: Int, units: Int, activation: Activation, generator: inout SeededGenerator) {
        let limit = Float((6 / Double(inputs + units)).squareRoot())
        let kernel = (0..<(inputs * units)).map { _ in generator.nextUniform(limit: limit) }
        self.init(name: name, inputs: inputs, units: units, kernel: kernel,
                  bias: [Float](repeating: 0, count: units), activation: activation)
    }

    /// Trainable parameters: kernel and bias.
    public var parameterCount: Int { inputs * units + units }

    /// `activation(x·kernel + bias)` for `count` rows of `inputs` features,
    /// row-major; returns `count` rows of `units`. The affine part is
    /// `affine` (DenseKernel), the one the training step uses.
    public func forward(_ x: [Float], count: Int) -> [Float] {
        precondition(x.count == count * inputs, "DenseLayer \(name): \(x.count) inputs are not \(count)×\(inputs)")
        if count == 0 { return [] }
        var y = affine(x, count: count)                                      // (count, units)
        y.withUnsafeMutableBufferPointer { y in
            switch activation {
            case .relu: Elementwise.relu(y.baseAddress!, count: y.count)
            case .softmax: Elementwise.softmax(y.baseAddress!, rows: count, width: units)
            }
        }
        return y
    }
}

/// A transfer-learning head over pooled base features (N, inputs):
/// `[dense (relu) → dropout] → dense_1 (softmax)`, or `dense (softmax)`
/// alone without a hidden layer. Keras' equivalent:
///
///     x = GlobalAveragePooling2D()(base_model.output)
///     x = Dense(H, activation="relu")(x); x = Dropout(P)(x)
///     predictions = Dense(len(classes), activation="softmax")(x)
public struct Head: Sendable, Equatable {
    /// The widest hidden layer: 8192 units over 2048 features is a 64 MB
    /// kernel (256 MB with Adam's slots and the gradient); 1,000,000 would
    /// be 8 GB before training starts.
    public static let maxHiddenUnits = 8192
    /// The most classes a head may have (a head file may not declare more):
    /// ImageNet's 1000 with room to spare.
    public static let maxClasses = 10_000
    /// Keras' name of the pooling layer that feeds the head.
    public static let poolingLayerName = "global_average_pooling2d"
    /// Keras' name of the dropout layer after the hidden layer.
    public static let dropoutLayerName = "dropout"

    /// Class names, in output order (sub-folder names, alphanumeric).
    public var classes: [String]
    /// The hidden layer (relu), if any.
    public var hidden: DenseLayer?
    /// Dropout rate after the hidden layer while training (0 with no hidden layer).
    public var dropout: Float
    /// The output layer (softmax), one unit per class.
    public var output: DenseLayer

    /// A head with the given layers; shapes must chain and fit `classes`.
    public init(classes: [String], hidden: DenseLayer?, dropout: Float, output: DenseLayer) {
        precondition(classes.count >= 2, "Head: \(classes.count) classes; at least 2 are needed")
        precondition(output.units == classes.count, "Head: output has \(output.units) units for \(classes.count) classes")
        precondition(output.activation == .softmax, "Head: the output layer must be softmax")
        precondition(hidden.map { $0.units == output.inputs && $0.activation == .relu } ?? true,
                     "Head: hidden layer does not feed the output layer")
        precondition(dropout >= 0 && dropout < 1, "Head: dropout \(dropout) is outside [0, 1)")
        precondition(hidden != nil || dropout == 0, "Head: dropout needs a hidden layer")
        self.classes = classes
        self.hidden = hidden
        self.dropout = dropout
        self.output = output
    }

    /// A new head initialised as Keras does (glorot uniform kernels, zero
    /// biases) from `seed`: the hidden kernel first, then the output kernel.
    public init(inputs: Int, classes: [String], hidden: Int?, dropout: Float, seed: UInt64) {
        precondition(hidden.map { (1...Self.maxHiddenUnits).contains($0) } ?? true,
                     "Head: hidden \(hidden ?? 0) units must be 1…\(Self.maxHiddenUnits)")
        var generator = SeededGenerator(seed: seed)
        let hiddenLayer = hidden.map {
            DenseLayer(name: "dense", inputs: inputs, units: $0, activation: .relu, generator: &generator)
        }
        let output = DenseLayer(name: hiddenLayer == nil ? "dense" : "dense_1", inputs: hidden ?? inputs,
                                units: classes.count, activation: .softmax, generator: &generator)
        self.init(classes: classes, hidden: hiddenLayer, dropout: hiddenLayer == nil ? 0 : dropout, output: output)
    }

    /// Features the head takes per image (2048 for Inception V3).
    public var inputs: Int { hidden?.inputs ?? output.inputs }

    /// The dense layers in order: hidden (if any), then output.
    public var denseLayers: [DenseLayer] { (hidden.map { [$0] } ?? []) + [output] }

    /// Keras' layer names after the base, in order: pooling, dense, dropout, dense_1.
    /// A dropout of 0 is no layer, as a Keras user would build the model
    /// (pooling, dense, dense_1).
    public var layerNames: [String] {
        [Head.poolingLayerName] + (hidden.map { [$0.name] } ?? []) + (hasDropoutLayer ? [Head.dropoutLayerName] : [])
            + [output.name]
    }

    /// True when the head has a dropout layer: a hidden layer and a rate above 0.
    public var hasDropoutLayer: Bool { hidden != nil && dropout > 0 }

    /// Trainable parameters of all dense layers.
    public var parameterCount: Int { denseLayers.map(\.parameterCount).reduce(0, +) }

    /// Class probabilities (N, classes) for pooled features (N, inputs), in
    /// inference mode (dropout off).
    public func probabilities(_ features: [Float], count: Int) -> [Float] {
        let x = hidden.map { $0.forward(features, count: count) } ?? features
        return output.forward(x, count: count)
    }
}
