// TransferModel.swift — the transfer-learning model of the article: the
// Inception V3 base with Keras' per-layer trainable flags, the new head on
// the global average of its last block (mixed10), and the pooled features
// already computed for it. The shell's commands act on one of these:
//
//   load model      → TransferModel(network:)            every layer trainable, no head
//   freeze/unfreeze → setTrainable(_:_:)                  TransferModel+Layers.swift
//   layers/summary  → layerTable, parameterCounts         TransferModel+Layers.swift
//   train head      → features(of:…) → HeadTrainer → head PooledFeatures.swift, Training/
//   fine tune       → fineTuner(…) → TrainingLoop → adopt FineTune/
//   evaluate        → features(of:…) → head.evaluate
import Foundation

/// A base network, which of its layers may train, and the head on top.
///
///     var model = TransferModel(network: try InceptionV3(configuration: .init(), weights: weights))
///     model.setTrainable(false, 0..<model.baseLayerCount)               // freeze layers all
///     let pooled = try model.pooledFeatures([photo])                     // (1, 2048)
///     model.head = Head(inputs: model.featureWidth, classes: ["cat", "dog"], seed: 0)
public struct TransferModel {
    /// The layer whose output, averaged over height and width, is the head's
    /// input: Inception V3's last block. The one place this name is written.
    public static let featureLayer = "mixed10"

    /// The network, ready to run.
    public var network: InceptionV3
    /// Per layer of `network.layers` (same order): true when training may
    /// change it (Keras' `layer.trainable`). All true after loading.
    public var trainable: [Bool]
    /// The transfer-learning head, once trained or loaded. While it is set the
    /// model is the base up to `featureLayer` plus this head, and the network's
    /// ImageNet top (avg_pool, predictions) is set aside.
    public var head: Head?
    /// Pooled base features of image files already computed with this base
    /// (cleared whenever the base's weights change).
    public var featureCache = FeatureCache()

    /// A freshly loaded model: every layer trainable, no head.
    public init(network: InceptionV3) {
        self.network = network
        self.trainable = [Bool](repeating: true, count: network.layers.count)
        self.head = nil
    }

    /// The index in `network.layers` of `featureLayer`.
    public var featureLayerIndex: Int {
        guard let index = Self.featureLayerIndex(in: network.layers) else {
            preconditionFailure("TransferModel: the network has no \(Self.featureLayer)")
        }
        return index
    }

    /// The index of `featureLayer` among `layers` (Keras' `model.layers`), if there.
    public static func featureLayerIndex(in layers: [InceptionV3.LayerInfo]) -> Int? {
        layers.firstIndex { $0.name == featureLayer }
    }

    /// Features per image the head takes: `featureLayer`'s channels (2048).
    public var featureWidth: Int { Self.featureWidth(of: network.layers) }

    /// The channels of `featureLayer` among `layers`, 0 when it is missing.
    public static func featureWidth(of layers: [InceptionV3.LayerInfo]) -> Int {
        featureLayerIndex(in: layers).flatMap { layers[$0].outputShape.last } ?? 0
    }

    /// The base layers (through `featureLayer`) that are trainable, when at
    /// least one of them has weights: then Keras' `fit` changes them too, and
    /// training goes through the fine-tuning engine. Nil when the base is
    /// frozen (the cached-feature path).
    public var trainableBaseLayers: [InceptionV3.LayerInfo]? {
        let layers = network.layers[...featureLayerIndex].filter { trainable[$0.index] }
        return layers.contains { $0.parameterCount > 0 } ? layers : nil
    }

    /// A fine-tuning engine for `head` over this base with its trainable flags.
    public func fineTuner(head: Head, optimizer: Optimizer, seed: UInt64) throws -> FineTuner {
        try FineTuner(model: network, trainable: trainable, head: head, optimizer: optimizer, dropoutSeed: seed)
    }

    /// Takes a trained tuner's base weights and head. The base changed, so
    /// the feature cache starts again.
    public mutating func adopt(_ tuner: FineTuner) throws {
        network = try tuner.tunedModel()
        head = tuner.head
        featureCache = FeatureCache()
    }
}

extension TransferModel {
    /// Class probabilities of a batch of images (the network's input size):
    /// the head's (N, classes) when there is one, else the network's
    /// ImageNet top (N, 1000).
    public func probabilities(_ images: [Image]) throws -> Tensor {
        if let head {
            let features = try pooledFeatures(images)                       // (N, featureWidth)
            return Tensor(shape: [images.count, head.output.units],
                          scalars: head.probabilities(features.scalars, count: images.count))
        }
        return network.predict(Preprocessing.inceptionV3(images))            // (N, 1000)
    }

    /// The output of `layer`, a name from `layerTable`, for one image (the
    /// network's input size), batch of 1: a base layer's output, or a head
    /// layer's in inference mode (dropout passes its input on).
    public func output(of layer: String, for image: Image) throws -> Tensor {
        if let head, head.layerNames.contains(layer) {
            let features = try pooledFeatures([image])                      // (1, featureWidth): global_average_pooling2d
            if layer == Head.poolingLayerName { return features }
            var x = features.scalars
            if let hidden = head.hidden {
                x = hidden.forward(x, count: 1)                               // (1, units), relu
                if layer != head.output.name { return Tensor(shape: [1, hidden.units], scalars: x) }
            }
            return Tensor(shape: [1, head.output.units], scalars: head.output.forward(x, count: 1))   // softmax
        }
        return try network.output(of: layer, for: Preprocessing.inceptionV3([image]))
    }
}
