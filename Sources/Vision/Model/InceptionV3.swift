// InceptionV3.swift — Inception V3 exactly as keras.applications.inception_v3
// builds it: configuration, layer table, weights in, predictions out.
//
// Layers, names and order come from the architecture (InceptionV3+Architecture)
// and match Keras' `model.layers` (checked against a Keras-made fixture).
// Batch norm is fused into the convolutions when the model is made; the
// kernels live once, in their prepared form (InceptionV3+Weights.swift).

/// Inception V3 (Szegedy et al. 2016) on the CPU, with Keras' layer names,
/// weight order and numerics.
///
///     let config = try InceptionV3.Configuration()                // with top, 299×299
///     let model = try InceptionV3(configuration: config,
///                                 weights: InceptionV3.randomWeights(for: config, seed: 42))
///     let probabilities = model.predict(images)                   // (N, 299, 299, 3) → (N, 1000)
///     let features = try model.output(of: "mixed10", for: images) // (N, 8, 8, 2048)
public struct InceptionV3: Sendable {
    /// What a model without its classifier does after the last block, as
    /// Keras' `pooling` argument.
    public enum Pooling: String, Sendable, CaseIterable {
        /// No pooling: the output is mixed10, (N, h, w, 2048).
        case none
        /// Global average pooling: (N, 2048).
        case avg
        /// Global max pooling: (N, 2048).
        case max
    }

    /// The options of `keras.applications.InceptionV3`.
    public struct Configuration: Sendable, Equatable {
        /// Keras' smallest input side.
        public static let minInputSize = 75
        /// kungfu's largest input side: activations grow with its square
        /// (a 1024×1024 image needs about 12 times the memory of 299×299);
        /// 20000 would ask for tens of GB.
        public static let maxInputSize = 1024
        /// With the 1000-class classifier (`avg_pool` → `predictions`). Default true.
        public var includeTop: Bool
        /// Pooling after mixed10 when there is no top; ignored with the top.
        public var pooling: Pooling
        /// Input height; 299 with the top, at least 75 without.
        public var inputHeight: Int
        /// Input width; 299 with the top, at least 75 without.
        public var inputWidth: Int

        /// Checks the options as Keras does and fails with Keras' own words:
        ///
        ///     try Configuration(inputHeight: 224, inputWidth: 224)
        ///     // When setting `include_top=True` and loading `imagenet` weights,
        ///     // `input_shape` should be (299, 299, 3).  Received: input_shape=(224, 224, 3)
        ///     try Configuration(includeTop: false, inputHeight: 74, inputWidth: 80)
        ///     // Input size must be at least 75x75; Received: input_shape=(74, 80, 3)
        public init(includeTop: Bool = true, pooling: Pooling = .none,
                    inputHeight: Int = 299, inputWidth: Int = 299) throws {
            let received = "input_shape=(\(inputHeight), \(inputWidth), 3)"
            if includeTop && (inputHeight != 299 || inputWidth != 299) {
                throw InceptionV3Error.invalidConfiguration(
                    "When setting `include_top=True` and loading `imagenet` weights, "
                    + "`input_shape` should be (299, 299, 3).  Received: \(received)")
            }
            if inputHeight < Self.minInputSize || inputWidth < Self.minInputSize {
                throw InceptionV3Error.invalidConfiguration(
                    "Input size must be at least 75x75; Received: \(received)")
            }
            if inputHeight > Self.maxInputSize || inputWidth > Self.maxInputSize {
                throw InceptionV3Error.invalidConfiguration(
                    "Input size must be at most \(Self.maxInputSize)x\(Self.maxInputSize) (kungfu's limit: memory grows "
                    + "with the square of the side); Received: \(received)")
            }
            self.includeTop = includeTop
            self.pooling = pooling
            self.inputHeight = inputHeight
            self.inputWidth = inputWidth
        }
    }

    /// One row of Keras' `model.summary()`: a layer in `model.layers` order.
    public struct LayerInfo: Sendable, Equatable {
        /// Position in `model.layers` (0 is `input_layer`).
        public var index: Int
        /// Keras' name, e.g. `conv2d_5`, `mixed9_0`, `avg_pool`.
        public var name: String
        /// Keras' class name, e.g. `Conv2D`, `BatchNormalization`, `Concatenate`.
        public var type: String
        /// Output shape without the batch axis, e.g. [35, 35, 256] or [2048].
        public var outputShape: [Int]
        /// All parameters, trainable or not.
        public var parameterCount: Int
        /// Parameters training may change (batch norm's moving statistics are not).
        public var trainableParameterCount: Int
        /// Names of the layers whose outputs feed this one, in order.
        public var inbound: [String]

        /// Parameters training never changes (`moving_mean`, `moving_variance`).
        public var nonTrainableParameterCount: Int { parameterCount - trainableParameterCount }
    }

    /// The options this model was built with.
    public let configuration: Configuration
    /// Every layer, in Keras' `model.layers` order.
    public let layers: [LayerInfo]
    let graph: Graph
    /// Prepared kernels with their batch norm by creation index of their
    /// Conv2D or Dense layer: Winograd for the large stride-1 3×3, 5×5, 1×7
    /// and 7×1 ones (`WinogradConv2D.tile`), direct otherwise.
    let packed: [Int: any PreparedConvolution]
    /// The weights as given, in `weightSpecs` order, except the kernels that
    /// `packed` gives back exactly (`givesKernelBack`): those are empty here
    /// (shape kept), so each kernel is held once. Read through `weights`,
    /// `weights(of:)` or `arrays(ofLayer:)`.
    let retained: [LayerWeights]
    /// Creation index of each weighted layer, in `weightSpecs` order.
    let weightedLayers: [Int]
    /// Position in `retained` (and `weightSpecs`) of each weighted layer, by creation index.
    let weightIndex: [Int: Int]
    let workspaces: WorkspaceCache

    /// Sums over all layers, as Keras' `count_params` and the summary footer.
    public var parameterCounts: (total: Int, trainable: Int, nonTrainable: Int) {
        let total = layers.map(\.parameterCount).reduce(0, +)
        let trainable = layers.map(\.trainableParameterCount).reduce(0, +)
        return (total, trainable, total - trainable)
    }

    /// Keras' names of all layers, in `model.layers` order.
    public var layerNames: [String] { layers.map(\.name) }

    /// Builds the model and takes `weights` by position, as Keras'
    /// `load_weights` does (layer names are not compared). Fails, naming the
    /// layer, the array and both shapes, if a count or a shape differs.
    /// Batch norm is fused into the convolutions and all kernels are packed
    /// here. Each kernel's array is let go as soon as its layer is packed, so
    /// when the caller hands over its only copy (`weights: load(…)`), the raw
    /// and packed kernels never all exist at once.
    public init(configuration: Configuration, weights: consuming [LayerWeights]) throws {
        let graph = InceptionV3.graph(for: configuration)
        try InceptionV3.check(weights, against: InceptionV3.weightSpecs(graph))
        let weighted = graph.kerasOrder.filter { !graph.layers[$0].weights.isEmpty }
        let weightIndex = Dictionary(uniqueKeysWithValues: weighted.enumerated().map { ($1, $0) })
        self.configuration = configuration
        self.graph = graph
        self.layers = InceptionV3.layers(graph)
        self.weightedLayers = weighted
        self.weightIndex = weightIndex
        self.packed = InceptionV3.pack(graph, targets: InceptionV3.convolutions(graph), &weights, weightIndex)
        self.retained = weights
        self.workspaces = WorkspaceCache()
    }

    /// A model like `base` whose weighted layers at creation indices
    /// `replaced` have new arrays (shapes as before): only the convolutions
    /// those arrays reach (a kernel, or the batch norm after it) are packed
    /// again, the rest are shared with `base`. Gives the same model as
    /// `init(configuration:weights:)` with the merged weights (fine-tuning's
    /// tuned model, without a second copy of the untouched layers).
    init(_ base: InceptionV3, replacing replaced: [Int: [WeightTensor]]) {
        var weights = base.retained
        var targets = Set<Int>()
        for (layer, arrays) in replaced {
            let position = base.weightIndex[layer]!
            precondition(arrays.map(\.shape) == base.retained[position].tensors.map(\.shape),
                         "InceptionV3: new arrays of \(base.graph.layers[layer].name) have shapes "
                         + "\(arrays.map(\.shape)), expected \(base.retained[position].tensors.map(\.shape))")
            weights[position].tensors = arrays
            if case .batchNorm = base.graph.layers[layer].operation {
                targets.insert(base.graph.layers[layer].inputs[0])
            } else {
                targets.insert(layer)
            }
        }
        // A repacked layer whose kernel was not replaced needs it back first.
        for layer in targets where replaced[layer] == nil {
            if let kernel = base.packed[layer]!.kernel() {
                weights[base.weightIndex[layer]!].tensors[0].scalars = kernel
            }
        }
        var packed = base.packed
        packed.merge(InceptionV3.pack(base.graph, targets: targets.sorted(), &weights, base.weightIndex)) { $1 }
        self.configuration = base.configuration
        self.graph = base.graph
        self.layers = base.layers
        self.weightedLayers = base.weightedLayers
        self.weightIndex = base.weightIndex
        self.packed = packed
        self.retained = weights
        self.workspaces = WorkspaceCache()
    }

    /// The weights as given, in `weightSpecs` order, bit for bit: the
    /// original kernels and batch-norm statistics (for saving and for
    /// training). Kernels are read back from their packed form, so this
    /// builds every array anew (about 95 MB); for one layer use `weights(of:)`.
    public var weights: [LayerWeights] { retained.indices.map(layerWeights(at:)) }

    /// The weights of the weighted layer named `layerName` as given (its
    /// arrays in Keras' order), or nil if no weighted layer has that name.
    /// Builds only that layer's arrays.
    public func weights(of layerName: String) -> LayerWeights? {
        guard let layer = graph.indexByName[layerName], let position = weightIndex[layer] else { return nil }
        return layerWeights(at: position)
    }

    /// How many weighted layers the model has (`weights.count`, without building them).
    public var weightedLayerCount: Int { retained.count }

    /// The weights at `position` in `weightSpecs` order, as given.
    func layerWeights(at position: Int) -> LayerWeights {
        var layer = retained[position]
        if let kernel = packed[weightedLayers[position]]?.kernel() { layer.tensors[0].scalars = kernel }
        return layer
    }

    /// The arrays of the weighted layer with creation index `layer`, as given.
    func arrays(ofLayer layer: Int) -> [WeightTensor] { layerWeights(at: weightIndex[layer]!).tensors }

    /// Scalars the model holds outside its prepared convolutions: batch
    /// norm statistics, the dense bias, and any kernel no prepared
    /// convolution gives back (none, as every one does): the model's own
    /// accounting of what it keeps beside the prepared convolutions, which
    /// are not counted.
    var retainedScalarCount: Int {
        retained.map { $0.tensors.map(\.scalars.count).reduce(0, +) }.reduce(0, +)
    }

    /// The layer table of a configuration, without making a model: Keras'
    /// `model.layers` with names, classes, shapes and parameter counts.
    public static func layers(for configuration: Configuration) -> [LayerInfo] {
        layers(graph(for: configuration))
    }

    static func layers(_ graph: Graph) -> [LayerInfo] {
        graph.kerasOrder.enumerated().map { index, layer in
            let l = graph.layers[layer]
            return LayerInfo(index: index, name: l.name, type: l.className, outputShape: l.shape,
                             parameterCount: l.parameterCount, trainableParameterCount: l.trainableParameterCount,
                             inbound: l.inputs.map { graph.layers[$0].name })
        }
    }

    /// Multiply-adds of one image's forward pass (convolutions and the dense
    /// layer; pooling is not counted): about 5.71 G at 299×299 with the top.
    public static func multiplyAdds(for configuration: Configuration) -> Int {
        graph(for: configuration).layers.map { layer in
            switch layer.operation {
            case .conv2D(let kernel, _, _): return layer.shape[0] * layer.shape[1] * kernel.reduce(1, *)
            case .dense(let inputs, let units, _): return inputs * units
            default: return 0
            }
        }.reduce(0, +)
    }

    /// The recorded graph of the network for a configuration.
    static func graph(for configuration: Configuration) -> Graph {
        let builder = GraphBuilder()
        let output = define(builder, configuration)
        return Graph(builder, output: output)
    }
}

/// What can go wrong making or asking an `InceptionV3`.
public enum InceptionV3Error: Error, Equatable, CustomStringConvertible {
    /// Options Keras would reject; the text is Keras' own.
    case invalidConfiguration(String)
    /// Weights that do not fit the model: which layer, which array, both shapes.
    case weightsMismatch(String)
    /// A layer name the model does not have, with the closest one if any is close.
    case unknownLayer(String, suggestion: String?)
    /// An input tensor of the wrong shape.
    case invalidInput(String)

    /// The message to show a user.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message), .weightsMismatch(let message), .invalidInput(let message):
            return message
        case .unknownLayer(let name, let suggestion):
            return "inception_v3 has no layer '\(name)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        }
    }
}
