// WeightsFileValues.swift — what `save head`, `load head` and `save model`
// give back: the file written or read and what is in it, as Lang host values
// (docs/commands.md lists the JSON shapes).
import Lang
import Vision

/// The result of `save head` and `load head`: the file and the head in it.
struct HeadFileValue: HostValue {
    /// "saved" or "loaded".
    var action: String
    var path: String
    var head: Head
    /// Lines after the first (what the head replaced), for `load head`.
    var notes: [String] = []

    var typeName: String { "head file" }
    var fieldNames: [String] { ["action", "path", "classes", "hidden", "dropout", "inputs", "parameters"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "action": return .string(action)
        case "path": return .string(path)
        case "classes": return .list(head.classes.map(Value.string))
        case "hidden": return head.hidden.map { .int($0.units) }
        case "dropout": return .float(Double(head.dropout))
        case "inputs": return .int(head.inputs)
        case "parameters": return .int(head.parameterCount)
        default: return nil
        }
    }

    var text: String {
        let direction = action == "saved" ? "to" : "from"
        return ([
            "\(action) head \(direction) \(path): \(WeightsFileText.classes(head.classes))",
            WeightsFileText.layers(of: head),
        ] + notes).joined(separator: "\n")
    }
}

/// The result of `save model`: the file and what it holds.
struct ModelFileValue: HostValue {
    var path: String
    var modelName: String
    /// Every layer name written (`layer_names`), weightless ones included.
    var layerCount: Int
    var weightedLayerCount: Int
    var parameters: Int
    /// The configuration of the network that was written.
    var configuration: InceptionV3.Configuration
    var head: Head?

    var typeName: String { "model file" }
    var fieldNames: [String] { ["path", "layers", "weighted_layers", "parameters", "top", "head", "classes"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "path": return .string(path)
        case "layers": return .int(layerCount)
        case "weighted_layers": return .int(weightedLayerCount)
        case "parameters": return .int(parameters)
        case "top": return .bool(head == nil && configuration.includeTop)
        case "head": return .bool(head != nil)
        case "classes": return head.map { .list($0.classes.map(Value.string)) }
        default: return nil
        }
    }

    /// The `load model` line that reads the file back.
    var loadLine: String {
        var line = "load model \(modelName) weights \(Value.string(path).resultText)"
        if head == nil, !configuration.includeTop {
            line += " top false"
            if configuration.pooling != .none { line += " pooling \(configuration.pooling.rawValue)" }
        }
        if configuration.inputHeight != 299 { line += " input \(configuration.inputHeight)" }
        return line
    }

    var text: String {
        let counts = "\(layerCount) layers (\(weightedLayerCount) weighted), \(Format.grouped(parameters)) parameters"
        var lines: [String]
        if let head {
            lines = ["saved \(modelName) and its head to \(path): \(counts)",
                     "base through mixed10 (no ImageNet top), head for \(WeightsFileText.classes(head.classes))",
                     WeightsFileText.layers(of: head)]
        } else {
            let shape = configuration.includeTop ? "top" : "no top, pooling \(configuration.pooling.rawValue)"
            lines = ["saved \(modelName) (\(shape)) to \(path): \(counts)"]
        }
        lines.append("load it back with: \(loadLine)")
        return lines.joined(separator: "\n")
    }
}

/// Phrases the head results share.
enum WeightsFileText {
    /// "3 classes (fish, monument, café)", the first 10 named.
    static func classes(_ names: [String]) -> String {
        let shown = names.prefix(10).joined(separator: ", ")
        return "\(names.count) classes (\(shown)\(names.count > 10 ? ", … \(names.count - 10) more" : ""))"
    }

    /// "dense 2048→256 relu, dropout 0.5, dense_1 256→3 softmax: 525,315 parameters".
    static func layers(of head: Head) -> String {
        var parts: [String] = []
        if let hidden = head.hidden {
            parts.append("\(hidden.name) \(hidden.inputs)→\(hidden.units) relu")
            if head.hasDropoutLayer { parts.append("dropout \(head.dropout)") }
        }
        parts.append("\(head.output.name) \(head.output.inputs)→\(head.output.units) softmax")
        return parts.joined(separator: ", ") + ": \(Format.grouped(head.parameterCount)) parameters"
    }
}
