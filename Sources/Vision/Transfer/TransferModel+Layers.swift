// TransferModel+Layers.swift — the model as Keras' `model.layers` lists it: the
// base (every InceptionV3 layer, or only those through mixed10 while a head is
// set) then the head's rows, each with its trainable flag and Keras' trainable
// and non-trainable parameter counts. `layers`, `summary`, `freeze` and
// `unfreeze` all read this one table; the oracle is keras-trainable/trainable.json.

/// One row of the model's layer table, as Keras counts it.
public struct ModelLayer: Equatable, Sendable {
    /// Position in Keras' `model.layers` (0 is `input_layer`).
    public var index: Int
    /// Keras' name: `conv2d_5`, `mixed9_1`, `dense_1`.
    public var name: String
    /// Keras' class name: `Conv2D`, `BatchNormalization`, `Dense`, `Dropout`.
    public var type: String
    /// Output shape without the batch axis.
    public var outputShape: [Int]
    /// All parameters, trainable or not.
    public var parameterCount: Int
    /// Names of the layers whose outputs feed this one, in order.
    public var inbound: [String]
    /// Keras' `layer.trainable`.
    public var trainable: Bool
    /// Keras' `count_params(layer.trainable_weights)`: 0 for a frozen layer;
    /// a trainable batch norm counts only beta (its moving statistics never train).
    public var trainableParameterCount: Int
    /// True for the rows of the transfer-learning head (always trainable).
    public var isHead: Bool

    /// Keras' `count_params(layer.non_trainable_weights)`.
    public var nonTrainableParameterCount: Int { parameterCount - trainableParameterCount }
}

extension TransferModel {
    /// How many of `network.layers` are in the model: all of them without a
    /// head; through mixed10 with one (the ImageNet top or Keras' pooling
    /// layer is set aside). `freeze` and `unfreeze` act on exactly these.
    public var baseLayerCount: Int {
        head == nil ? network.layers.count : featureLayerIndex + 1
    }

    /// The model's rows in Keras' `model.layers` order: the base, then the head.
    public var layerTable: [ModelLayer] {
        precondition(trainable.count == network.layers.count,
                     "TransferModel: \(trainable.count) trainable flags for \(network.layers.count) layers")
        var rows = network.layers.prefix(baseLayerCount).map { info in
            let isTrainable = trainable[info.index]
            return ModelLayer(index: info.index, name: info.name, type: info.type, outputShape: info.outputShape,
                              parameterCount: info.parameterCount, inbound: info.inbound, trainable: isTrainable,
                              trainableParameterCount: isTrainable ? info.trainableParameterCount : 0, isHead: false)
        }
        if let head {
            rows += Self.headRows(head, after: rows.last!)
        }
        return rows
    }

    /// Sums over the table, as Keras' `count_params` of `model.weights`,
    /// `model.trainable_weights` and `model.non_trainable_weights`.
    public var parameterCounts: (total: Int, trainable: Int, nonTrainable: Int) {
        let rows = layerTable
        let total = rows.map(\.parameterCount).reduce(0, +)
        let trainable = rows.map(\.trainableParameterCount).reduce(0, +)
        return (total, trainable, total - trainable)
    }

    /// The head's rows after `base` (mixed10): GlobalAveragePooling2D, then
    /// Dense (relu) and Dropout when there is a hidden layer, then Dense (softmax).
    private static func headRows(_ head: Head, after base: ModelLayer) -> [ModelLayer] {
        var rows: [ModelLayer] = []
        func append(_ name: String, _ type: String, _ shape: [Int], _ parameters: Int) {
            let previous = rows.last ?? base
            rows.append(ModelLayer(index: previous.index + 1, name: name, type: type, outputShape: shape,
                                   parameterCount: parameters, inbound: [previous.name], trainable: true,
                                   trainableParameterCount: parameters, isHead: true))
        }
        append(Head.poolingLayerName, "GlobalAveragePooling2D", [head.inputs], 0)
        if let hidden = head.hidden {
            append(hidden.name, "Dense", [hidden.units], hidden.parameterCount)
            if head.hasDropoutLayer { append(Head.dropoutLayerName, "Dropout", [hidden.units], 0) }
        }
        append(head.output.name, "Dense", [head.output.units], head.output.parameterCount)
        return rows
    }
}

/// How `freeze` and `unfreeze` name a layer: by index in `model.layers`, or
/// by name, where a block name (mixed0…mixed10) after `from` means the
/// block's first layer.
public enum LayerReference: Equatable, Sendable {
    /// A position in Keras' `model.layers`.
    case index(Int)
    /// A layer name or a block name.
    case name(String)
}

extension TransferModel {
    /// The block names (mixed0…mixed10) and the index in `network.layers`
    /// of each block's first layer: the layer right after the last layer
    /// before the block that every later path goes through (the stem's last
    /// pool for mixed0, mixed(K−1) for mixedK). With Keras' order, mixed9
    /// starts at 249, right after mixed8 (248).
    public var blockStarts: [String: Int] {
        let layers = network.layers
        let position = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.index) })
        let cuts = Self.cuts(of: layers)
        var starts: [String: Int] = [:]
        for k in 0...10 {
            guard let end = position["mixed\(k)"], let input = cuts.last(where: { $0 < end }) else { continue }
            starts["mixed\(k)"] = input + 1
        }
        return starts
    }

    /// Indexes in `layers` (Keras' `model.layers`) of the layers every later
    /// path goes through: nothing after one reads from a layer before it.
    /// Block starts follow them; Grad-CAM can explain at them.
    static func cuts(of layers: [InceptionV3.LayerInfo]) -> [Int] {
        let position = Dictionary(uniqueKeysWithValues: layers.map { ($0.name, $0.index) })
        // laterInbound[i]: the lowest index that any layer after i takes input from.
        var laterInbound = [Int](repeating: Int.max, count: layers.count + 1)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let lowest = layers[i].inbound.compactMap { position[$0] }.min() ?? Int.max
            laterInbound[i] = min(laterInbound[i + 1], lowest)
        }
        return layers.indices.filter { laterInbound[$0 + 1] >= $0 }
    }

    /// The base index `reference` names, for `through` (the layer itself:
    /// mixed8 is the mixed8 concatenation) or, with `blockStart`, for `from`
    /// (a block name means the block's first layer). Throws `LayerLookupError`.
    public func baseIndex(of reference: LayerReference, blockStart: Bool) throws -> Int {
        let count = baseLayerCount
        switch reference {
        case .index(let i):
            guard (0..<count).contains(i) else {
                throw LayerLookupError.indexOutOfRange(i, baseLayers: count, hasHead: head != nil)
            }
            return i
        case .name(let name):
            if blockStart, let start = blockStarts[name] { return start }
            if let i = network.layers.prefix(count).firstIndex(where: { $0.name == name }) { return i }
            if let head, head.layerNames.contains(name) {
                throw LayerLookupError.headLayer(name, baseLayers: count)
            }
            if network.layers.contains(where: { $0.name == name }) { throw LayerLookupError.setAside(name) }
            throw LayerLookupError.unknown(name, candidates: network.layers.prefix(count).map(\.name))
        }
    }

    /// Sets Keras' `layer.trainable` of the base layers in `range` (indexes
    /// in `network.layers`); returns how many flags changed.
    public mutating func setTrainable(_ value: Bool, _ range: Range<Int>) -> Int {
        precondition(range.lowerBound >= 0 && range.upperBound <= baseLayerCount,
                     "TransferModel: layers \(range) are not all in the base of \(baseLayerCount)")
        var changed = 0
        for i in range where trainable[i] != value {
            trainable[i] = value
            changed += 1
        }
        return changed
    }
}

/// Why `baseIndex(of:blockStart:)` found no base layer.
public enum LayerLookupError: Error, Equatable, CustomStringConvertible {
    /// An index outside the base's layers `0..<baseLayers`.
    case indexOutOfRange(Int, baseLayers: Int, hasHead: Bool)
    /// A layer of the head, which is always trainable.
    case headLayer(String, baseLayers: Int)
    /// A layer of the ImageNet top, set aside while a head is on the base.
    case setAside(String)
    /// No layer of that name; `candidates` are the base's layer names.
    case unknown(String, candidates: [String])

    public var description: String {
        switch self {
        case .indexOutOfRange(let i, let count, let hasHead):
            return "layer index \(i) is out of range: the base has layers 0…\(count - 1)"
                + (hasHead ? " (the head's layers after it are always trainable)" : "")
        case .headLayer(let name, _): return "'\(name)' is a layer of the head, which is always trainable"
        case .setAside(let name): return "'\(name)' is set aside while the head is in place"
        case .unknown(let name, _): return "no layer '\(name)'"
        }
    }
}
