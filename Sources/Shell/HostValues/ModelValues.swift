// ModelValues.swift — what `load model`, `summary` and `layers` give back:
// the loaded model's facts, Keras' summary table and the layer list, each a
// Lang host value with fields for scripts, text for humans and JSON
// (`{"type": …, field: value, …}`, docs/commands.md).
import Lang
import Vision

/// The result of `load model`: what was loaded, from where, how long it took.
struct ModelInfoValue: HostValue {
    var name: String
    var layerCount: Int
    var parameters: (total: Int, trainable: Int, nonTrainable: Int)
    var weights: String
    var includeTop: Bool
    var pooling: String
    var inputSize: Int
    var seconds: Double
    var notes: [String] = []

    /// The facts of a loaded model (taking `seconds` to load).
    init(_ model: LoadedModel, seconds: Double, notes: [String] = []) {
        let config = model.network.configuration
        name = model.name
        layerCount = model.network.layers.count
        parameters = model.network.parameterCounts
        weights = model.weightsDescription
        includeTop = config.includeTop
        pooling = config.pooling.rawValue
        inputSize = config.inputHeight
        self.seconds = seconds
        self.notes = notes
    }

    var typeName: String { "model" }
    var fieldNames: [String] {
        ["name", "layers", "parameters", "trainable", "non_trainable", "weights", "top", "pooling", "input", "seconds"]
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "name": return .string(name)
        case "layers": return .int(layerCount)
        case "parameters": return .int(parameters.total)
        case "trainable": return .int(parameters.trainable)
        case "non_trainable": return .int(parameters.nonTrainable)
        case "weights": return .string(weights)
        case "top": return .bool(includeTop)
        case "pooling": return .string(pooling)
        case "input": return .int(inputSize)
        case "seconds": return .float(seconds)
        default: return nil
        }
    }

    var text: String {
        var lines = notes
        let shape = includeTop ? "top" : "no top, pooling \(pooling)"
        lines.append("loaded \(name) (\(shape), input \(inputSize)×\(inputSize)): \(layerCount) layers, "
                     + "\(Format.grouped(parameters.total)) parameters "
                     + "(\(Format.grouped(parameters.trainable)) trainable, "
                     + "\(Format.grouped(parameters.nonTrainable)) non-trainable)")
        lines.append("weights: \(weights)")
        lines.append("time: \(Format.seconds(seconds))")
        return lines.joined(separator: "\n")
    }
}

/// One layer of the model, as `layers` lists it and `summary` counts it.
struct LayerValue: HostValue {
    var info: InceptionV3.LayerInfo
    var trainable: Bool

    var typeName: String { "layer" }
    var fieldNames: [String] { ["index", "name", "class", "shape", "parameters", "trainable", "inbound"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "index": return .int(info.index)
        case "name": return .string(info.name)
        case "class": return .string(info.type)
        case "shape": return .list(info.outputShape.map { .int($0) })
        case "parameters": return .int(info.parameterCount)
        case "trainable": return .bool(trainable)
        case "inbound": return .list(info.inbound.map { .string($0) })
        default: return nil
        }
    }

    var text: String { "\(info.index) \(info.name) (\(info.type)) \(Format.kerasShape(info.outputShape))" }
}

/// The result of `layers`: the chosen layers, as a table and as elements.
struct LayerListValue: HostValue {
    var layers: [LayerValue]
    var pattern: String?

    var typeName: String { "layers" }
    var fieldNames: [String] { ["count", "matching", "layers"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "count": return .int(layers.count)
        case "matching": return pattern.map(Value.string) ?? .string("*")
        case "layers": return .list(layers.map { .host($0) })
        default: return nil
        }
    }

    var elementCount: Int? { layers.count }
    func element(at index: Int) -> Value { .host(layers[index]) }

    var text: String {
        var table = TextTable(["index", "name", "type", "output shape", "trainable"],
                              alignments: [.right, .left, .left, .left, .left])
        for layer in layers {
            table.append([String(layer.info.index), layer.info.name, layer.info.type,
                          Format.kerasShape(layer.info.outputShape), layer.trainable ? "true" : "false"])
        }
        let what = pattern.map { "\(layers.count) layers matching \"\($0)\"" } ?? "\(layers.count) layers"
        return (table.lines + [what]).joined(separator: "\n")
    }
}

/// The result of `summary`: Keras 2's plain `model.summary()` table and totals.
struct SummaryValue: HostValue {
    var name: String
    var layers: [InceptionV3.LayerInfo]
    var parameters: (total: Int, trainable: Int, nonTrainable: Int)

    var typeName: String { "summary" }
    var fieldNames: [String] { ["name", "layers", "parameters", "trainable", "non_trainable"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "name": return .string(name)
        case "layers": return .int(layers.count)
        case "parameters": return .int(parameters.total)
        case "trainable": return .int(parameters.trainable)
        case "non_trainable": return .int(parameters.nonTrainable)
        default: return nil
        }
    }

    /// Keras 2's layout (line length 98 for a functional model; columns at
    /// 33%, 55%, 67%): `_` rules, `=` under the header, one row per inbound
    /// connection written `name[0][0]`. Cells are never truncated: a column
    /// grows to its widest cell instead.
    var text: String {
        let headers = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        var rows: [[String]] = []
        for layer in layers {
            let shape = layer.type == "InputLayer"
                ? "[" + Format.kerasShape(layer.outputShape) + "]" : Format.kerasShape(layer.outputShape)
            let inbound = layer.inbound.map { "'\($0)[0][0]'" }
            let first = inbound.isEmpty ? "[]" : "[" + inbound[0] + (inbound.count == 1 ? "]" : ",")
            rows.append(["\(layer.name) (\(layer.type))", shape, String(layer.parameterCount), first])
            for (k, more) in inbound.enumerated().dropFirst() {
                rows.append(["", "", "", " " + more + (k == inbound.count - 1 ? "]" : ",")])
            }
        }
        var widths = [32, 21, 12, 33]
        for row in rows + [headers] {
            for (c, cell) in row.enumerated() { widths[c] = max(widths[c], cell.count + 2) }
        }
        let length = widths.reduce(0, +)
        func line(_ cells: [String]) -> String {
            var text = ""
            for (c, cell) in cells.enumerated() {
                text += " " + cell + String(repeating: " ", count: widths[c] - cell.count - 1)
            }
            return String(text.reversed().drop(while: { $0 == " " }).reversed())
        }
        var out = ["Model: \"\(name)\"", String(repeating: "_", count: length), line(headers),
                   String(repeating: "=", count: length)]
        for row in rows { out.append(line(row)) }
        out += [String(repeating: "=", count: length),
                "Total params: \(Format.grouped(parameters.total))",
                "Trainable params: \(Format.grouped(parameters.trainable))",
                "Non-trainable params: \(Format.grouped(parameters.nonTrainable))",
                String(repeating: "_", count: length)]
        return out.joined(separator: "\n")
    }
}
