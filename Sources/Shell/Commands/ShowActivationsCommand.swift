// ShowActivationsCommand.swift — `show activations LAYER of PATH [to DIR]
// [channels N]`: runs the network up to LAYER on one image and draws its
// output as a keract-style grid (Vision's FeatureMapGrid), written atomically
// to DIR/<layer>-<image stem>.png and shown in the terminal and notebook.
import Common
import Foundation
import Lang
import Plot
import Vision

/// `show activations`: keract.display_activations(keract.get_activations(model, x, layer_names=LAYER)).
struct ShowActivationsCommand: HostCommand {
    let session: Session
    /// Maps drawn when `channels` is not given: 64 keeps the grid readable.
    static let defaultChannels = 64

    let spec = CommandSpec(
        "show activations",
        summary: "Draw a layer's feature maps for one image as a grid picture, saved as a PNG.",
        parameters: [
            .positional("layer", .name, summary: "the layer's name, e.g. mixed5 (see `layers`)"),
            .keyword("image", .string, keyword: "of", required: true, placeholder: "image", summary: "the picture file"),
            .keyword("folder", .string, keyword: "to", default: .string("activations"), placeholder: "folder",
                     summary: "where the PNG goes (created if missing)"),
            .keyword("channels", .integer, default: .int(ShowActivationsCommand.defaultChannels), range: .integers(1...2048),
                     summary: "draw the first N feature maps"),
        ],
        example: "show activations mixed5 of \"examples/testset/1.jpg\" to \"activations\"",
        keras: "keract.display_activations(keract.get_activations(model, x, layer_names='mixed5'), save=True)",
        returns: "activations")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let layer = arguments.string("layer")!
        let imagePath = arguments.path("image")!
        let channels = arguments.int("channels")!
        let output = try LayerOutput.compute(layer, of: imagePath, model: model)   // (1, H, W, C) or (1, C)
        let picture = FeatureMapGrid.render(output, layer: layer, maxMaps: channels)
        let stem = PathText.stem(PathText.lastComponent(imagePath))
        let absolute = URL(fileURLWithPath: imagePath).standardizedFileURL.path
        let path = try PictureFile.write(picture, folder: arguments.path("folder")!, name: "\(layer)-\(stem).png") {
            session.outputPath($0, showing: "\(layer) of \(absolute)")
        }
        let maps = output.rank == 4 ? min(channels, output.shape[3]) : 1
        let value = ActivationsValue(kind: "grid", layer: layer, image: imagePath, shape: output.shape, path: path,
                                     maps: maps, pictureSize: (picture.width, picture.height))
        session.show(Picture(image: picture, title: "\(layer) of \(imagePath): \(Format.shape(output.shape))",
                             path: path))
        return .host(value)
    }
}

/// One layer's output for one image, shared by `show activations` and `save activations`.
enum LayerOutput {
    /// The output of `layer` for the image at `path` (batch of 1), with
    /// "did you mean" for an unknown layer. The layers are the model's as
    /// `layers` lists them: with a head, the base through mixed10 and the
    /// head's layers (run in inference mode: dropout passes its input on).
    static func compute(_ layer: String, of path: String, model: LoadedModel) throws -> Tensor {
        let names = model.layerTable.map(\.name)
        guard names.contains(layer) else {
            let hint = Suggestions.hint(for: layer, among: names)
            let setAside = model.head != nil && model.network.layerNames.contains(layer)
            throw CommandError("\(model.name) has no layer '\(layer)'\(hint)"
                               + (setAside ? " while a head is on it (the ImageNet top is set aside until load model)" : ""),
                               argument: "layer", notes: ["see the names with: layers"])
        }
        let image: Image
        do {
            image = try ImagePaths.load(path, for: model.network)
        } catch var error as CommandError {
            error.argument = "image"
            throw error
        }
        do {
            return try model.transfer.output(of: layer, for: image)
        } catch {
            throw LoadModelCommand.commandError(error, argument: "layer")
        }
    }
}
