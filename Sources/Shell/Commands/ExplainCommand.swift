// ExplainCommand.swift — `explain IMAGE [as CLASS] [layer LAYER] [to DIR]
// [save FILE]`: Grad-CAM (Vision's GradCAM, Keras' keras.io example) of one
// photo for its top class or CLASS, drawn over the photo at its own size
// (Plot's HeatmapOverlay), written atomically to DIR/<stem>-<class>-<layer>.png
// and shown like every picture; `save` also writes the raw float32 heatmap as .npy.
import Common
import Foundation
import Lang
import Plot
import Vision

/// `explain`: make_gradcam_heatmap(img_array, model, "mixed10") of Keras' Grad-CAM example.
struct ExplainCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "explain",
        summary: "Show where in a photo the network looked for a class (Grad-CAM), as a heatmap over the photo.",
        parameters: [
            .positional("image", .string, placeholder: "image", summary: "the photo (JPEG or PNG)"),
            .keyword("class", .oneOf([.integer, .name]), keyword: "as", placeholder: "class",
                     summary: "the class to explain: an ImageNet label, wnid or index, or a head class (default: the top class)"),
            .keyword("layer", .name, default: .string(TransferModel.featureLayer),
                     summary: "the layer whose output is weighed: mixed0…mixed10 or a stem activation"),
            .keyword("folder", .string, keyword: "to", default: .string("explanations"), placeholder: "folder",
                     summary: "where the PNG goes (created if missing)"),
            .keyword("npy", .string, keyword: "save", placeholder: "file.npy",
                     summary: "also write the raw heatmap (float32, height × width) for numpy"),
        ],
        example: "explain \"examples/testset/1.jpg\" as tabby layer mixed7",
        keras: "heatmap = make_gradcam_heatmap(img_array, model, 'mixed10', pred_index)  # keras.io Grad-CAM example",
        returns: "explanation")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        let imagePath = arguments.path("image")!
        let layer = arguments.string("layer")!
        let classIndex = try arguments["class"].map { try Self.classIndex($0, model: model) }
        let photo: Image
        do {
            photo = try Image(contentsOfFile: imagePath)
        } catch {
            throw CommandError(String(describing: error), argument: "image")
        }
        let input: Image
        do { input = try ImagePaths.load(imagePath, for: model.network) } catch var error as CommandError {
            error.argument = "image"
            throw error
        }
        let result: GradCAMResult
        do {
            result = try GradCAM.explain(model.transfer, image: input, layer: layer, classIndex: classIndex)
        } catch let error as GradCAMError {
            switch error {
            case .unknownLayer(_, let candidates):
                throw CommandError("\(model.name) has no layer '\(layer)'\(Suggestions.hint(for: layer, among: candidates))",
                                   argument: "layer", notes: [String(describing: error)])
            case .notExplainable: throw CommandError(String(describing: error), argument: "layer")
            case .classOutOfRange: throw CommandError(String(describing: error), argument: "class")
            case .noClassifier:
                throw CommandError(String(describing: error), notes: ["load model inception_v3 top true, or train head on a folder"])
            case .notFinite: throw CommandError(String(describing: error))
            }
        }
        let name = Self.className(result.classIndex, model: model)
        let caption = "\(name) (\(String(format: "%.2f", result.probability)))"
        let picture = HeatmapOverlay.render(photo: photo, map: result.heatmap, mapWidth: result.width,
                                            mapHeight: result.height, caption: caption)
        let stem = PathText.stem(PathText.lastComponent(imagePath))
        let absolute = URL(fileURLWithPath: imagePath).standardizedFileURL.path
        let path = try PictureFile.write(picture.image, folder: arguments.path("folder")!,
                                         name: "\(stem)-\(name)-\(layer).png") {
            session.outputPath($0, showing: "\(name) at \(layer) of \(absolute)")
        }
        let npy = arguments.path("npy")
        if let npy {
            do {
                try NPYWriter.write(shape: [result.height, result.width], scalars: result.heatmap, to: npy)
            } catch {
                throw CommandError(String(describing: error), argument: "npy")
            }
        }
        session.show(Picture(image: picture.image, title: "Grad-CAM of \(imagePath) at \(layer): \(caption)", path: path))
        return .host(ExplanationValue(image: imagePath, className: name, index: result.classIndex,
                                      probability: result.probability, layer: result.layer, heatmap: result.heatmap,
                                      height: result.height, width: result.width, file: path, npy: npy))
    }

    /// The class index `value` names: a head class name (with a head), else
    /// an ImageNet index, wnid or label; "did you mean" for an unknown name.
    static func classIndex(_ value: Value, model: LoadedModel) throws -> Int {
        let classes = model.head?.classes ?? ImageNetLabels.classes.map(\.label)
        switch value {
        case .int(let i):
            guard classes.indices.contains(i) else {
                throw CommandError("class \(i) is out of range: the classifier has classes 0…\(classes.count - 1)",
                                   argument: "class")
            }
            return i
        case .string(let name):
            if let i = classes.firstIndex(of: name) { return i }
            if model.head == nil, let i = ImageNetLabels.classes.firstIndex(where: { $0.wnid == name }) { return i }
            let owner = model.head == nil ? "ImageNet has" : "the trained head has"
            throw CommandError("\(owner) no class '\(name)'\(Suggestions.hint(for: name, among: classes))", argument: "class",
                               notes: model.head.map { ["its classes: " + $0.classes.joined(separator: ", ")] } ?? [])
        default:
            throw CommandError("a class is a name or an index", argument: "class")
        }
    }

    /// What a class is called: the head's name, or ImageNet's label.
    static func className(_ index: Int, model: LoadedModel) -> String {
        model.head?.classes[index] ?? ImageNetLabels.classes[index].label
    }
}

/// What `explain` returns: the class explained, its probability, the layer,
/// the heatmap as rows of numbers, and the files written.
struct ExplanationValue: HostValue {
    var image: String
    var className: String
    var index: Int
    var probability: Float
    var layer: String
    /// Row-major, height × width, in [0, 1].
    var heatmap: [Float]
    var height: Int
    var width: Int
    /// The overlay PNG.
    var file: String
    /// The raw heatmap .npy, when saved.
    var npy: String?

    var typeName: String { "explanation" }
    var fieldNames: [String] { ["image", "class", "index", "probability", "layer", "shape", "heatmap", "file", "npy"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "image": return .string(image)
        case "class": return .string(className)
        case "index": return .int(index)
        case "probability": return .float(Double(probability))
        case "layer": return .string(layer)
        case "shape": return .list([.int(height), .int(width)])
        case "heatmap":
            return .list((0..<height).map { row in .list(heatmap[(row * width)..<((row + 1) * width)].map { .float(Double($0)) }) })
        case "file": return .string(file)
        case "npy": return npy.map(Value.string)
        default: return nil
        }
    }

    var text: String {
        let peak = heatmap.indices.max { heatmap[$0] < heatmap[$1] }.map { "peak at row \($0 / width), column \($0 % width)" }
            ?? "no peak"
        let zero = heatmap.allSatisfy { $0 == 0 } ? "all zero: no location raises the class score" : peak
        return "\(file): \(className) (\(String(format: "%.4f", probability))) at \(layer), "
            + "heatmap \(height)×\(width), \(zero)" + (npy.map { "; raw heatmap in \($0)" } ?? "")
    }
}
