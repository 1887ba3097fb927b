// HeadFile.swift — a transfer-learning head as a Keras 2 legacy weights file
// (`save head`, `load head`), which Keras' `load_weights` reads into
// Input((inputs,)) → Dense → Dropout → Dense, or the same on a base model:
//
//   /  layer_names = [global_average_pooling2d, dense, dropout, dense_1]
//      class_names = ["cat", "dog"]                       JSON, output order
//      kungfu_head = {"dropout": 0.5, "hidden": 256, "inputs": 2048}   JSON
//   dense/dense/kernel:0 (inputs, units), dense/dense/bias:0 (units), dense_1/…
import Common
import Foundation

/// Reads and writes a `Head` as a Keras 2 legacy weights file with its class
/// names. The layout, attributes and what Keras can read are in docs/weights.md.
///
///     try HeadFile.write(head, to: "out/pets.h5")
///     let again = try HeadFile.read("out/pets.h5")   // == head, bit for bit
public enum HeadFile {
    /// Root attribute holding the class names, a JSON array of strings in output order.
    public static let classNamesAttribute = "class_names"
    /// Root attribute holding the head's shape: `{"dropout": P, "hidden": H|null, "inputs": N}`.
    public static let descriptionAttribute = "kungfu_head"

    /// Writes `head` at `path` (replacing any file there, atomically).
    ///
    /// Throws `WeightsError(.write)` naming `path` and the cause; a failed
    /// write leaves no file and no temporary file.
    public static func write(_ head: Head, to path: String) throws {
        try KerasWeightsFile.writeLegacy(layerWeights(of: head), allLayerNames: head.layerNames, to: path,
                                         attributes: attributes(of: head))
    }

    /// Reads the head stored at `path`: its class names, dense layers (names,
    /// weights bit for bit) and dropout rate.
    ///
    /// Throws `WeightsError` naming `path`: the reader's errors (missing, not
    /// HDF5, truncated); `.notKerasWeights` for a file without `class_names`
    /// (a plain Keras weights file) or with attributes that are not the JSON
    /// described above; `.mismatch` for a whole model (more than 2 weighted
    /// layers), arrays that are not a kernel and a bias, shapes that do not
    /// chain, or a class count other than the output units.
    public static func read(_ path: String) throws -> Head {
        let contents = try KerasWeightsFile.read(path)
        guard isKungfuFile(contents) else {
            throw WeightsError(.notKerasWeights,
                               "\(path) is not a kungfu head file (no class_names attribute)\n"
                                   + "it may be a whole model: load model inception_v3 weights \"\(path)\"")
        }
        guard contents.layers.count <= 2 else {
            throw WeightsError(.mismatch,
                               "\(path): a kungfu head file has 1 or 2 Dense layers, this file has"
                                   + " \(contents.layers.count) weighted layers\n"
                                   + "it may be a whole model saved by `save model`:"
                                   + " load model inception_v3 weights \"\(path)\"")
        }
        return try head(from: contents.layers, attributes: contents.attributes, fileName: path)
    }

    /// True when a weights file carries a head: it has the `class_names`
    /// root attribute (head files and whole models saved with a head).
    public static func isKungfuFile(_ contents: KerasWeightsFile.Contents) -> Bool {
        contents.attributes[classNamesAttribute] != nil
    }

    /// The root attributes that describe `head`: `class_names` and `kungfu_head`.
    public static func attributes(of head: Head) -> [String: String] {
        let hidden = head.hidden.map { String($0.units) } ?? "null"
        return [
            classNamesAttribute: JSONValue.array(head.classes.map(JSONValue.string)).text(.python(indent: nil)),
            // Written by hand, not as a JSONValue: the dropout is a Float, and its
            // own shortest spelling (0.2, not the Double 0.20000000298023224)
            // is what reads back bit for bit. Keys are already in sorted order.
            descriptionAttribute: "{\"dropout\": \(head.dropout), \"hidden\": \(hidden), \"inputs\": \(head.inputs)}",
        ]
    }

    /// The head's dense layers as Keras stores them: `kernel` (inputs, units), `bias` (units).
    public static func layerWeights(of head: Head) -> [LayerWeights] {
        head.denseLayers.map { layer in
            LayerWeights(layerName: layer.name, tensors: [
                WeightTensor(name: "kernel", shape: [layer.inputs, layer.units], scalars: layer.kernel),
                WeightTensor(name: "bias", shape: [layer.units], scalars: layer.bias),
            ])
        }
    }

    /// Builds a head from the last 1 or 2 weighted layers of a file and its
    /// root attributes, checking everything; errors name `fileName`.
    static func head(from layers: [KerasWeightsFile.StoredLayer], attributes: [String: String],
                     fileName: String) throws -> Head {
        precondition(!layers.isEmpty && layers.count <= 2, "HeadFile.head: \(layers.count) layers")
        let classes = try classNames(attributes[classNamesAttribute] ?? "", fileName: fileName)
        let description = try attributes[descriptionAttribute].map { try parseDescription($0, fileName: fileName) }
        let dense = try layers.enumerated().map { index, stored in
            try denseLayer(stored, activation: index == layers.count - 1 ? .softmax : .relu, fileName: fileName)
        }
        let output = dense[dense.count - 1]
        let hidden = dense.count == 2 ? dense[0] : nil
        if let hidden, hidden.units > Head.maxHiddenUnits {
            throw WeightsError(.mismatch, "\(fileName): the hidden layer '\(hidden.name)' has \(hidden.units) units,"
                                   + " more than kungfu's limit of \(Head.maxHiddenUnits)")
        }
        if let hidden, hidden.units != output.inputs {
            throw WeightsError(.mismatch,
                               "\(fileName): the Dense layers do not chain: '\(hidden.name)' gives \(hidden.units)"
                                   + " features, '\(output.name)' takes \(output.inputs)")
        }
        guard output.units == classes.count else {
            throw WeightsError(.mismatch,
                               "\(fileName): \(classes.count) class names for \(output.units) output units"
                                   + " of '\(output.name)'")
        }
        let inputs = hidden?.inputs ?? output.inputs
        var dropout: Float = 0
        if let description {
            let stored = description.hidden.map(String.init) ?? "null"
            guard description.hidden == hidden?.units else {
                throw WeightsError(.mismatch,
                                   "\(fileName): kungfu_head says hidden \(stored), the file has"
                                       + (hidden.map { " a hidden layer of \($0.units) units" } ?? " no hidden layer"))
            }
            guard description.inputs == inputs else {
                throw WeightsError(.mismatch, "\(fileName): kungfu_head says inputs \(description.inputs),"
                                       + " the first Dense layer takes \(inputs)")
            }
            guard description.dropout >= 0, description.dropout < 1, hidden != nil || description.dropout == 0 else {
                throw WeightsError(.notKerasWeights,
                                   "\(fileName): kungfu_head dropout \(description.dropout) is not in [0, 1)"
                                       + (hidden == nil ? " or is not 0 without a hidden layer" : ""))
            }
            dropout = description.dropout
        }
        return Head(classes: classes, hidden: hidden, dropout: dropout, output: output)
    }

    private static func denseLayer(_ stored: KerasWeightsFile.StoredLayer, activation: DenseLayer.Activation,
                                   fileName: String) throws -> DenseLayer {
        let shapes = stored.tensors.map { KerasWeightsFile.pythonShape($0.shape) }.joined(separator: ", ")
        guard stored.tensors.count == 2, stored.tensors[0].shape.count == 2, stored.tensors[1].shape.count == 1,
              stored.tensors[0].shape[1] == stored.tensors[1].shape[0],
              stored.tensors[0].shape[0] > 0, stored.tensors[0].shape[1] > 0 else {
            throw WeightsError(.mismatch,
                               "\(fileName): layer '\(stored.name)' is not a Dense layer: expected a kernel"
                                   + " (inputs, units) and a bias (units,), found \(stored.tensors.count) arrays"
                                   + (shapes.isEmpty ? "" : " of shapes \(shapes)"))
        }
        let kernel = stored.tensors[0], bias = stored.tensors[1]
        return DenseLayer(name: stored.name, inputs: kernel.shape[0], units: kernel.shape[1],
                          kernel: kernel.scalars, bias: bias.scalars, activation: activation)
    }

    private static func classNames(_ text: String, fileName: String) throws -> [String] {
        guard let names = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw WeightsError(.notKerasWeights,
                               "\(fileName): attribute class_names is not a JSON array of strings: \(text.prefix(80))")
        }
        guard names.count >= 2 else {
            throw WeightsError(.mismatch, "\(fileName): class_names lists \(names.count) classes; a head needs at least 2")
        }
        guard names.count <= Head.maxClasses else {
            throw WeightsError(.mismatch, "\(fileName): class_names lists \(names.count) classes, more than kungfu's"
                                   + " limit of \(Head.maxClasses)")
        }
        return names
    }

    /// The `kungfu_head` attribute.
    private struct Description: Decodable {
        var dropout: Float
        var hidden: Int?
        var inputs: Int
    }

    private static func parseDescription(_ text: String, fileName: String) throws -> Description {
        guard let description = try? JSONDecoder().decode(Description.self, from: Data(text.utf8)) else {
            throw WeightsError(.notKerasWeights,
                               "\(fileName): attribute kungfu_head is not {\"dropout\": number, \"hidden\": integer"
                                   + " or null, \"inputs\": integer}: \(text.prefix(80))")
        }
        return description
    }
}
