// SaveActivationsCommand.swift — `save activations LAYER of PATH to "f.npy"`:
// a layer's output for one image as a NumPy .npy file (float32, shape
// (1, H, W, C) or (1, C)), written atomically; another extension is refused,
// a missing folder is created.
import Foundation
import Lang
import Vision

/// `save activations`: np.save(path, keras.Model(model.input, model.get_layer(LAYER).output).predict(x)).
struct SaveActivationsCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "save activations",
        summary: "Save a layer's output for one image as a NumPy .npy file (float32).",
        parameters: [
            .positional("layer", .name, summary: "the layer's name, e.g. avg_pool (see `layers`)"),
            .keyword("image", .string, keyword: "of", required: true, placeholder: "image", summary: "the picture file"),
            .keyword("file", .string, keyword: "to", required: true, placeholder: "file.npy",
                     summary: "the .npy file to write"),
        ],
        example: "save activations avg_pool of \"examples/testset/1.jpg\" to \"out/features.npy\"",
        keras: "np.save('features.npy', keras.Model(model.input, model.get_layer('avg_pool').output).predict(x))",
        returns: "activations")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let layer = arguments.string("layer")!
        let imagePath = arguments.path("image")!
        let path = arguments.path("file")!
        let ext = PathText.fileExtension(PathText.lastComponent(path))
        guard ext.lowercased() == "npy" else {
            let stem = PathText.withoutExtension(path)
            throw CommandError(ext.isEmpty ? "save activations writes NumPy .npy data: give the file a .npy name"
                                           : "save activations writes NumPy .npy data, not .\(ext)",
                               argument: "file",
                               notes: ["write it as \"\(stem).npy\" (np.load reads it)",
                                       "for a picture of the maps: show activations \(layer) of \"\(imagePath)\" to \"FOLDER\""])
        }
        let output = try LayerOutput.compute(layer, of: imagePath, model: model)   // (1, H, W, C) or (1, C)
        // A missing folder is created, as show activations does.
        try PictureFile.createFolder(PathText.folder(path), argument: "file")
        do {
            try NPYWriter.write(shape: output.shape, scalars: output.scalars, to: path)
        } catch {
            throw CommandError(String(describing: error), argument: "file")
        }
        return .host(ActivationsValue(kind: "npy", layer: layer, image: imagePath, shape: output.shape, path: path))
    }
}
