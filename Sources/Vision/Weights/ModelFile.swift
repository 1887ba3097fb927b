// ModelFile.swift — a whole model in one Keras 2 legacy weights file (`save
// model`): the Inception V3 base through mixed10, then the head's layers, with
// the head's root attributes (HeadFile). Without a head it is the loaded
// network as is (with its top if it has one), a plain Keras weights file.
//
//   layer_names = [input_layer, conv2d, …, mixed10, global_average_pooling2d, dense, dropout, dense_1]
//   weighted layers: 188 of the base, then 1 or 2 Dense, loaded by that order
import Foundation

/// Writes a network (and its head) as one Keras weights file, and splits such
/// a file back into base weights and head. docs/weights.md shows the layout.
///
///     try ModelFile.write(network, head: head, to: "out/pets-model.h5")
///     let contents = try KerasWeightsFile.read("out/pets-model.h5")
///     if HeadFile.isKungfuFile(contents) {
///         let config = try ModelFile.baseConfiguration(inputSize: 299)
///         let (base, head) = try ModelFile.split(contents, fileName: "out/pets-model.h5", for: config)
///     }
public enum ModelFile {
    /// The base a head sits on: Inception V3 without its top and without
    /// pooling (output mixed10), at `inputSize`×`inputSize`.
    public static func baseConfiguration(inputSize: Int) throws -> InceptionV3.Configuration {
        try InceptionV3.Configuration(includeTop: false, pooling: .none, inputHeight: inputSize, inputWidth: inputSize)
    }

    /// Writes `network` at `path` (atomically, replacing any file there).
    ///
    /// With `head`: the base's weights through mixed10 (the ImageNet
    /// `predictions` layer left out), then the head's Dense layers; layer
    /// names the base's through mixed10 then `head.layerNames`; root
    /// attributes `class_names` and `kungfu_head`. The head must take the
    /// base's mixed10 channels (2048). Without a head: every layer of
    /// `network`, as Keras' `save_weights` writes it.
    ///
    /// Throws `WeightsError(.write)` naming `path` and the cause (no file is
    /// left), or `.mismatch` if a head layer has the name of a base layer.
    public static func write(_ network: InceptionV3, head: Head?, to path: String) throws {
        guard let head else {
            try KerasWeightsFile.writeLegacy(network.weights, allLayerNames: network.layerNames, to: path,
                                             attributes: [:])
            return
        }
        let config = network.configuration
        let baseCount = InceptionV3.weightSpecs(for: try baseConfiguration(inputSize: config.inputHeight)).count
        guard let end = TransferModel.featureLayerIndex(in: network.layers) else {
            preconditionFailure("ModelFile.write: the network has no \(TransferModel.featureLayer)")
        }
        let features = TransferModel.featureWidth(of: network.layers)
        precondition(head.inputs == features,
                     "ModelFile.write: the head takes \(head.inputs) features, \(TransferModel.featureLayer) has \(features)")
        let baseNames = Array(network.layerNames[...end])
        if let clash = head.layerNames.first(where: baseNames.contains) {
            throw WeightsError(.mismatch, "\(path): the head's layer '\(clash)' has the name of a base layer")
        }
        let base = (0..<baseCount).map(network.layerWeights(at:))   // without `predictions`, never built
        try KerasWeightsFile.writeLegacy(base + HeadFile.layerWeights(of: head),
                                         allLayerNames: baseNames + head.layerNames, to: path,
                                         attributes: HeadFile.attributes(of: head))
    }

    /// Splits a file written by `write(_:head:to:)` with a head into the base's
    /// weights for `configuration` (no top; see `baseConfiguration`) and the
    /// head, by order of weighted layers: the base's, then 1 or 2 Dense.
    ///
    /// Throws `WeightsError` naming `fileName`: `.mismatch` for a head file
    /// (no base), a count of weighted layers that is not the base's plus 1 or
    /// 2, any base shape (as `KerasWeightsFile.arrange`), a head whose input
    /// width is not mixed10's channels; the head errors of `HeadFile.read`.
    public static func split(_ contents: KerasWeightsFile.Contents, fileName: String,
                             for configuration: InceptionV3.Configuration) throws -> (base: [LayerWeights], head: Head) {
        precondition(!configuration.includeTop, "ModelFile.split: the base has no top")
        let specs = InceptionV3.weightSpecs(for: configuration)
        let count = contents.layers.count
        if count <= 2 {
            throw WeightsError(.mismatch,
                               "\(fileName) is a kungfu head file (\(count) Dense layer\(count == 1 ? "" : "s"), no base)\n"
                                   + "load a model first, then the head: load head \"\(fileName)\"")
        }
        guard count - specs.count == 1 || count - specs.count == 2 else {
            throw WeightsError(.mismatch,
                               "\(fileName): the file has \(count) weighted layers and class names; a kungfu model"
                                   + " file holds inception_v3's \(specs.count) base layers, then 1 or 2 Dense layers")
        }
        var baseContents = contents
        baseContents.layers = Array(contents.layers.prefix(specs.count))
        let base = try KerasWeightsFile.arrange(baseContents, for: specs, fileName: fileName)
        let head = try HeadFile.head(from: Array(contents.layers.dropFirst(specs.count)),
                                     attributes: contents.attributes, fileName: fileName)
        let features = TransferModel.featureWidth(of: InceptionV3.layers(for: configuration))
        guard head.inputs == features else {
            throw WeightsError(.mismatch, "\(fileName): the head takes \(head.inputs) features,"
                                   + " inception_v3's \(TransferModel.featureLayer) gives \(features)")
        }
        return (base, head)
    }
}
