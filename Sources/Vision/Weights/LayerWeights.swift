// LayerWeights.swift — the currency between weights files and models.
//
// A model lists its weighted layers in Keras' order (`LayerWeightSpec`); a
// weights file is read into the same order (`LayerWeights`), and the model
// checks and takes them by position, as Keras' `load_weights` does, so files
// with any layer-name numbering load.

/// One named array of a layer, e.g. `kernel` (3, 3, 32, 64) of a convolution.
public struct WeightTensor: Sendable, Equatable {
    /// The weight's own name as Keras gives it, e.g. `kernel`, `bias`,
    /// `beta`, `moving_mean`, `moving_variance` (no layer prefix, no `:0`).
    public var name: String
    /// Extents in Keras' layout.
    public var shape: [Int]
    /// Row-major elements.
    public var scalars: [Float]

    /// A named array; `scalars.count` must fill `shape`.
    public init(name: String, shape: [Int], scalars: [Float]) {
        precondition(scalars.count == shape.reduce(1, *),
                     "WeightTensor \(name): \(scalars.count) scalars do not fill shape \(shape)")
        self.name = name
        self.shape = shape
        self.scalars = scalars
    }
}

/// The weights of one layer, in Keras' order (a conv: `kernel`; a batch norm
/// without scale: `beta`, `moving_mean`, `moving_variance`; a dense:
/// `kernel`, `bias`).
public struct LayerWeights: Sendable, Equatable {
    /// The layer's name as stored in the file or model (e.g. `conv2d_3`).
    public var layerName: String
    /// Its arrays, in Keras' order.
    public var tensors: [WeightTensor]

    /// A layer's weights.
    public init(layerName: String, tensors: [WeightTensor]) {
        self.layerName = layerName
        self.tensors = tensors
    }
}

/// What a model expects of one weighted layer: its name and, in order, the
/// name and shape of each array.
public struct LayerWeightSpec: Sendable, Equatable {
    /// The layer's name in the model (e.g. `batch_normalization_5`).
    public var layerName: String
    /// The Keras class name of the layer (`Conv2D`, `BatchNormalization`, `Dense`).
    public var layerType: String
    /// Each array's name and shape, in Keras' order.
    public var tensors: [(name: String, shape: [Int])]

    /// A layer's expectations.
    public init(layerName: String, layerType: String, tensors: [(name: String, shape: [Int])]) {
        self.layerName = layerName
        self.layerType = layerType
        self.tensors = tensors
    }

    public static func == (a: LayerWeightSpec, b: LayerWeightSpec) -> Bool {
        a.layerName == b.layerName && a.layerType == b.layerType
            && a.tensors.map(\.name) == b.tensors.map(\.name)
            && a.tensors.map(\.shape) == b.tensors.map(\.shape)
    }
}
