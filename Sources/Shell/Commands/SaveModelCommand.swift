// SaveModelCommand.swift — `save model "f.h5"`: the whole loaded model as one
// Keras 2 legacy weights file (ModelFile): the base through mixed10 and the
// head when there is one, else the network as loaded (with its top if it has
// one). `load model inception_v3 weights "f.h5"` reads either back.
import Lang
import Vision

/// `save model`: Keras' `model.save_weights('f.h5')` (tf_keras, legacy HDF5).
struct SaveModelCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "save model",
        summary: "Save the whole model (base and head) as one Keras .h5 weights file.",
        parameters: [
            .positional("file", .string, placeholder: "file.h5", summary: "the .h5 file to write"),
        ],
        example: "save model \"out/pets-model.h5\"",
        keras: "model.save_weights('out/pets-model.h5')  # tf_keras (Keras 3 saves .weights.h5)",
        returns: "model file")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let path = arguments.path("file")!
        do {
            try ModelFile.write(model.network, head: model.head, to: path)
        } catch {
            throw LoadModelCommand.commandError(error, argument: "file")
        }
        let network = model.network
        let value: ModelFileValue
        if let head = model.head {
            let end = model.featureLayerIndex
            let base = network.layers[...end]
            let weighted = base.filter { $0.parameterCount > 0 }.count + head.denseLayers.count
            value = ModelFileValue(path: path, modelName: model.name, layerCount: end + 1 + head.layerNames.count,
                                   weightedLayerCount: weighted,
                                   parameters: base.map(\.parameterCount).reduce(0, +) + head.parameterCount,
                                   configuration: network.configuration, head: head)
        } else {
            value = ModelFileValue(path: path, modelName: model.name, layerCount: network.layers.count,
                                   weightedLayerCount: network.weightedLayerCount,
                                   parameters: network.parameterCounts.total,
                                   configuration: network.configuration, head: nil)
        }
        return .host(value)
    }
}
