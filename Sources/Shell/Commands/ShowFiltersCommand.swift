// ShowFiltersCommand.swift — `show filters LAYER [to DIR] [pairs N]`: a
// convolution's kernels as a picture (Plot's FilterGrid): the first layer's
// 32 3×3×3 filters as RGB patches, deeper layers one grey patch per
// input–output pair up to N, all scaled together; written atomically to
// DIR/<layer>-filters.png and shown like every picture.
import Common
import Foundation
import Lang
import Plot
import Vision

/// `show filters`: plt.imshow of model.get_layer(LAYER).get_weights()[0][:, :, :, i], scaled together.
struct ShowFiltersCommand: HostCommand {
    let session: Session
    /// Grey patches drawn when `pairs` is not given.
    static let defaultPairs = 256

    let spec = CommandSpec(
        "show filters",
        summary: "Draw a convolution's kernels as patches (first layer: RGB filters), saved as a PNG.",
        parameters: [
            .positional("layer", .name, summary: "a Conv2D layer, e.g. conv2d (see `layers`)"),
            .keyword("folder", .string, keyword: "to", default: .string("filters"), placeholder: "folder",
                     summary: "where the PNG goes (created if missing)"),
            .keyword("pairs", .integer, default: .int(ShowFiltersCommand.defaultPairs), range: .integers(1...4096),
                     summary: "draw at most N patches (input–output pairs, or filters of the first layer)"),
        ],
        example: "show filters conv2d to \"filters\"",
        keras: "w = model.get_layer('conv2d').get_weights()[0]; plt.imshow((w[:, :, :, 0] - w.min()) / (w.max() - w.min()))",
        returns: "filters")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let layer = arguments.string("layer")!
        let arrays = try LayerArrays.of(layer, model: model)
        guard let kernel = arrays.first, kernel.name == "kernel", kernel.shape.count == 4 else {
            let convs = model.layerTable.filter { $0.type == "Conv2D" }.map(\.name)
            throw CommandError("'\(layer)' is not a convolution: its weights are "
                               + arrays.map { "\($0.name) \(Format.shape($0.shape))" }.joined(separator: ", ")
                               + "; convolutions: \(convs.prefix(3).joined(separator: ", ")), …, \(convs.last ?? "")",
                               argument: "layer")
        }
        let pairs = arguments.int("pairs")!
        let chosen = FilterGrid.selection(shape: kernel.shape, maxPairs: pairs)
        let caption = "\(layer) \(Format.shape(kernel.shape))"
        let picture = FilterGrid.render(kernel: kernel.scalars, shape: kernel.shape, maxPairs: pairs, caption: caption)
        let path = try PictureFile.write(picture.image, folder: arguments.path("folder")!, name: "\(layer)-filters.png") {
            session.outputPath($0, showing: "filters of \(layer)")
        }
        session.show(Picture(image: picture.image, title: caption, path: path))
        return .host(FiltersValue(layer: layer, shape: kernel.shape, isRGB: chosen.isRGB, drawn: chosen.patches.count,
                                  leftOut: chosen.leftOut, path: path))
    }
}

/// What `show filters` returns: the kernel's shape, what was drawn and left out, the file.
struct FiltersValue: HostValue {
    var layer: String
    var shape: [Int]
    var isRGB: Bool
    var drawn: Int
    var leftOut: Int
    var path: String

    var typeName: String { "filters" }
    var fieldNames: [String] { ["layer", "shape", "kind", "drawn", "left_out", "path"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "layer": return .string(layer)
        case "shape": return .list(shape.map(Value.int))
        case "kind": return .string(isRGB ? "rgb" : "grey")
        case "drawn": return .int(drawn)
        case "left_out": return .int(leftOut)
        case "path": return .string(path)
        default: return nil
        }
    }

    var text: String {
        let what = isRGB ? "\(drawn) RGB filters" : "\(drawn) grey input–output patches"
        let rest = leftOut > 0 ? " (\(leftOut) \(isRGB ? "filters" : "pairs") left out; raise `pairs` to see more)" : ""
        return "\(path): \(layer) kernel \(Format.shape(shape)), \(what)\(rest)"
    }
}
