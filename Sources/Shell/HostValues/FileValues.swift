// FileValues.swift — what `show image`, `show activations` and
// `save activations` give back: the file they read or wrote and what is in
// it, as Lang host values (docs/commands.md lists the JSON shapes).
import Lang

/// The result of `show image`: the picture's file, size and format.
struct ImageInfoValue: HostValue {
    var path: String
    var width: Int
    var height: Int
    var format: String

    var typeName: String { "image" }
    var fieldNames: [String] { ["path", "width", "height", "format"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "path": return .string(path)
        case "width": return .int(width)
        case "height": return .int(height)
        case "format": return .string(format)
        default: return nil
        }
    }

    var text: String { "\(path): \(width)×\(height) \(format)" }
}

/// The result of `show activations` and `save activations`: which layer of
/// which image, its output shape, and the file written.
struct ActivationsValue: HostValue {
    /// "grid" for a PNG picture, "npy" for a NumPy array.
    var kind: String
    var layer: String
    var image: String
    var shape: [Int]
    var path: String
    /// Maps drawn (grid only).
    var maps: Int?
    /// Picture size (grid only).
    var pictureSize: (width: Int, height: Int)?

    var typeName: String { "activations" }
    var fieldNames: [String] {
        kind == "grid" ? ["kind", "layer", "image", "shape", "path", "maps", "width", "height"]
                       : ["kind", "layer", "image", "shape", "path", "dtype"]
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "kind": return .string(kind)
        case "layer": return .string(layer)
        case "image": return .string(image)
        case "shape": return .list(shape.map { .int($0) })
        case "path": return .string(path)
        case "maps": return maps.map(Value.int)
        case "width": return pictureSize.map { .int($0.width) }
        case "height": return pictureSize.map { .int($0.height) }
        case "dtype": return kind == "npy" ? .string("float32") : nil
        default: return nil
        }
    }

    var text: String {
        if kind == "grid", let maps, let pictureSize {
            let channels = shape.count == 4 ? "\(maps) of \(shape[3]) maps" : "\(shape.last ?? 0) values"
            return "\(path): \(layer) of \(image), shape \(Format.shape(shape)), \(channels), "
                + "\(pictureSize.width)×\(pictureSize.height) PNG"
        }
        return "\(path): \(layer) of \(image), float32 \(Format.shape(shape))"
    }
}
