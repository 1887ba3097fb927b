// ModelValues.swift — what `load model`, `summary`, `layers`, `freeze` and
// `unfreeze` give back: the loaded model's facts, Keras' summary table, the
// layer list and what freezing changed, each a Lang host value with fields for scripts, text for humans and JSON
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
        parameters = model.parameterCounts
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
    var layer: ModelLayer

    var typeName: String { "layer" }
    var fieldNames: [String] {
        ["index", "name", "class", "shape", "parameters", "trainable", "trainable_parameters",
         "non_trainable_parameters", "inbound"]
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "index": return .int(layer.index)
        case "name": return .string(layer.name)
        case "class": return .string(layer.type)
        case "shape": return .list(layer.outputShape.map { .int($0) })
        case "parameters": return .int(layer.parameterCount)
        case "trainable": return .bool(layer.trainable)
        case "trainable_parameters": return .int(layer.trainableParameterCount)
        case "non_trainable_parameters": return .int(layer.nonTrainableParameterCount)
        case "inbound": return .list(layer.inbound.map { .string($0) })
        default: return nil
        }
    }

    var text: String { "\(layer.index) \(layer.name) (\(layer.type)) \(Format.kerasShape(layer.outputShape))" }
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
            table.append([String(layer.layer.index), layer.layer.name, layer.layer.type,
                          Format.kerasShape(layer.layer.outputShape), layer.layer.trainable ? "true" : "false"])
        }
        let what = pattern.map { "\(layers.count) layers matching \"\($0)\"" } ?? "\(layers.count) layers"
        return (table.lines + [what]).joined(separator: "\n")
    }
}

/// The result of `summary`: Keras 2's plain `model.summary()` table and totals.
struct SummaryValue: HostValue {
    var name: String
    var layers: [ModelLayer]
    var parameters: (total: Int, trainable: Int, nonTrainable: Int)

    /// The summary of `model`: its layer table (the head's rows included) and Keras' totals.
    init(_ model: LoadedModel) {
        name = model.name
        layers = model.layerTable
        parameters = model.parameterCounts
    }

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

/// The result of `freeze layers` and `unfreeze layers`: which layers were
/// chosen, how many changed, and the model's trainable state afterwards.
struct TrainableChangeValue: HostValue {
    /// Which command made the change.
    enum Action: String {
        case freeze, unfreeze
    }

    var action: Action
    /// The base layers the command chose (indexes in `model.layers`).
    var selected: Range<Int>
    /// How many of them changed (the others already were as asked).
    var changed: Int
    /// Every row of the model after the change.
    var layers: [ModelLayer]
    var parameters: (total: Int, trainable: Int, nonTrainable: Int)

    /// What a frozen batch-norm layer does, said whenever one is frozen.
    static let batchNormNote = "frozen batch-norm layers run in inference mode: they normalise with their "
        + "moving mean and variance, which training leaves unchanged"

    /// The change and `model` after it.
    init(action: Action, selected: Range<Int>, changed: Int, model: LoadedModel) {
        self.action = action
        self.selected = selected
        self.changed = changed
        self.layers = model.layerTable
        self.parameters = model.parameterCounts
    }

    var frozen: [ModelLayer] { layers.filter { !$0.trainable } }
    var notes: [String] {
        frozen.contains { $0.type == "BatchNormalization" } ? [Self.batchNormNote] : []
    }

    var typeName: String { action.rawValue }
    var fieldNames: [String] {
        ["changed", "layers", "frozen", "trainable", "first_frozen", "last_frozen", "parameters",
         "trainable_parameters", "non_trainable_parameters", "notes"]
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "changed": return .int(changed)
        case "layers": return .int(layers.count)
        case "frozen": return .int(frozen.count)
        case "trainable": return .int(layers.count - frozen.count)
        case "first_frozen": return .string(frozen.first?.name ?? "")
        case "last_frozen": return .string(frozen.last?.name ?? "")
        case "parameters": return .int(parameters.total)
        case "trainable_parameters": return .int(parameters.trainable)
        case "non_trainable_parameters": return .int(parameters.nonTrainable)
        case "notes": return .list(notes.map { .string($0) })
        default: return nil
        }
    }

    var text: String {
        let verb = action == .freeze ? "froze" : "unfroze"
        let chosen = selected.isEmpty
            ? "\(verb) no layers"
            : "\(verb) layers \(selected.lowerBound)…\(selected.upperBound - 1) "
                + "(\(layers[selected.lowerBound].name) … \(layers[selected.upperBound - 1].name)): "
                + "\(changed) changed"
        let span = frozen.isEmpty ? "" : " (\(frozen.first!.name) … \(frozen.last!.name))"
        var lines = [chosen,
                     "frozen: \(frozen.count) of \(layers.count) layers\(span); trainable: \(layers.count - frozen.count)",
                     "parameters: \(Format.grouped(parameters.total)) total, "
                        + "\(Format.grouped(parameters.trainable)) trainable, "
                        + "\(Format.grouped(parameters.nonTrainable)) non-trainable"]
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n")
    }
}
