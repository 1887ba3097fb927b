// SaveWeightsCommand.swift — `save weights LAYER to FILE.npy`: one layer's
// arrays as Keras' `model.get_layer(LAYER).get_weights()` gives them (conv
// kernels HWIO (kh, kw, in, out); batch norm beta, moving_mean,
// moving_variance — Inception V3's have no gamma; Dense kernel (in, out),
// bias), written with NPYWriter: the first array to FILE, each further one
// to FILE's stem + "-NAME.npy". `LayerArrays` is shared with `show filters`.
import Common
import Foundation
import Lang
import Vision

/// `save weights`: np.save(path, model.get_layer(LAYER).get_weights()[0]), and one file per further array.
struct SaveWeightsCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "save weights",
        summary: "Write one layer's weight arrays (Keras' get_weights() layout) as .npy files for numpy.",
        parameters: [
            .positional("layer", .name, summary: "a layer with weights, e.g. conv2d or batch_normalization_5 (see `layers`)"),
            .keyword("file", .string, keyword: "to", required: true, placeholder: "file.npy",
                     summary: "the .npy file for the first array; further arrays go beside it as FILE-NAME.npy"),
        ],
        example: "save weights conv2d to \"conv2d.npy\"",
        keras: "np.save('conv2d.npy', model.get_layer('conv2d').get_weights()[0])",
        returns: "layer weights")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let layer = arguments.string("layer")!
        let arrays = try LayerArrays.of(layer, model: model)
        let path = arguments.path("file")!
        let stem = PathText.withoutExtension(path)
        var files: [(name: String, shape: [Int], path: String)] = []
        for (i, array) in arrays.enumerated() {
            let target = i == 0 ? path : "\(stem)-\(array.name).npy"
            do {
                try NPYWriter.write(shape: array.shape, scalars: array.scalars, to: target)
            } catch {
                throw CommandError(String(describing: error), argument: "file")
            }
            files.append((array.name, array.shape, target))
        }
        return .host(LayerWeightsFilesValue(layer: layer, files: files))
    }
}

/// A layer's weight arrays, base or head, with errors for the shell.
enum LayerArrays {
    /// The arrays of `layer` in Keras' get_weights() order; an error naming
    /// the layer (with "did you mean") when it has none or does not exist.
    static func of(_ layer: String, model: LoadedModel) throws -> [WeightTensor] {
        let table = model.layerTable
        guard let row = table.first(where: { $0.name == layer }) else {
            throw CommandError("\(model.name) has no layer '\(layer)'\(Suggestions.hint(for: layer, among: table.map(\.name)))",
                               argument: "layer", notes: ["see the names with: layers"])
        }
        if let dense = model.head?.denseLayers.first(where: { $0.name == layer }) {
            return [WeightTensor(name: "kernel", shape: [dense.inputs, dense.units], scalars: dense.kernel),
                    WeightTensor(name: "bias", shape: [dense.units], scalars: dense.bias)]
        }
        guard let weights = model.network.weights(of: layer), !weights.tensors.isEmpty else {
            let weighted = table.filter { $0.parameterCount > 0 }.map(\.name)
            throw CommandError("'\(layer)' (\(row.type)) has no weights; layers with weights: "
                               + "\(weighted.prefix(3).joined(separator: ", ")), …, \(weighted.last ?? "")",
                               argument: "layer")
        }
        return weights.tensors
    }
}

/// What `save weights` returns: the layer and each array's Keras name, shape and file.
struct LayerWeightsFilesValue: HostValue {
    var layer: String
    var files: [(name: String, shape: [Int], path: String)]

    var typeName: String { "layer weights" }
    var fieldNames: [String] { ["layer", "arrays", "shapes", "files"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "layer": return .string(layer)
        case "arrays": return .list(files.map { .string($0.name) })
        case "shapes": return .list(files.map { .list($0.shape.map(Value.int)) })
        case "files": return .list(files.map { .string($0.path) })
        default: return nil
        }
    }

    var text: String {
        files.map { "\($0.path): \(layer) \($0.name), float32 \(Format.shape($0.shape))" }.joined(separator: "\n")
    }
}
