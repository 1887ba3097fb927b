// KerasWeightsFile+Arrange.swift — matches a file's layers to a model's
// weighted layers, as Keras' `load_weights` does, and checks every shape.
//
//   legacy: by position among weighted layers (`layer_names` order), so any
//           layer-name numbering loads (conv2d_1… from Keras 2.0, conv2d…).
//   keras3: by Keras 3's own key, `layers/<class_snake>[_k]` (k counts the
//           model's layers of that class); if the keys do not all match (a
//           nested model, other numbering), by position within each class.
//
// The result carries the model's layer and weight names and the file's
// numbers. Nothing is changed when it throws.

extension KerasWeightsFile {
    /// Matches `file`'s weighted layers to the model's `specs` (its weighted
    /// layers in Keras order) and returns one `LayerWeights` per spec, in
    /// spec order, named as the model names them.
    ///
    /// Every disagreement throws `WeightsError(.mismatch)` naming `fileName`:
    /// layer counts (`my.h5: the file has 95 weighted layers, the model
    /// expects 94`), array counts of one layer, and shapes (`my.h5: layer
    /// 'conv2d_5' (file 'conv2d_6'), dataset 'kernel': file has shape (3, 3,
    /// 64, 80), model expects (1, 1, 64, 80)`).
    public static func arrange(_ file: Contents, for specs: [LayerWeightSpec], fileName: String) throws -> [LayerWeights] {
        let matched: [StoredLayer]
        switch file.layout {
        case .legacy:
            guard file.layers.count == specs.count else {
                throw WeightsError(.mismatch, "\(fileName): the file has \(file.layers.count) weighted layers,"
                                       + " the model expects \(specs.count)")
            }
            matched = file.layers
        case .keras3:
            matched = try keras3ByKey(file.layers, specs) ?? keras3ByClassOrder(file.layers, specs, fileName: fileName)
        }
        return try zip(specs, matched).map { spec, stored in
            try check(stored, against: spec, layout: file.layout, fileName: fileName)
        }
    }

    /// Keras 3's key for each spec: the class name in snake case, numbered
    /// among the model's layers of that class (`conv2d`, `conv2d_1`, …).
    static func keras3Keys(_ specs: [LayerWeightSpec]) -> [String] {
        var seen: [String: Int] = [:]
        return specs.map { spec in
            let stem = snakeCase(spec.layerType)
            let count = seen[stem, default: 0]
            seen[stem] = count + 1
            return count == 0 ? stem : "\(stem)_\(count)"
        }
    }

    /// Keras' `to_snake_case`: `Conv2D` → `conv2d`, `BatchNormalization` →
    /// `batch_normalization`, `DepthwiseConv2D` → `depthwise_conv2d`.
    static func snakeCase(_ className: String) -> String {
        let characters = Array(className.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        var result = ""
        for (index, character) in characters.enumerated() {
            if index > 0, character.isUppercase {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                // `(.)([A-Z][a-z]+)` then `([a-z])([A-Z])`, as in keras.src.utils.naming.
                if previous.isLowercase || (next?.isLowercase ?? false) {
                    result.append("_")
                }
            }
            result.append(character)
        }
        return result.lowercased()
    }

    /// The file's layers in spec order if every spec's key is a top-level
    /// layer of the file and the counts agree; otherwise nil.
    private static func keras3ByKey(_ layers: [StoredLayer], _ specs: [LayerWeightSpec]) -> [StoredLayer]? {
        guard layers.count == specs.count else { return nil }
        var byPath: [String: StoredLayer] = [:]
        for layer in layers { byPath[layer.path] = layer }
        var matched: [StoredLayer] = []
        for key in keras3Keys(specs) {
            guard let layer = byPath["layers/\(key)"] else { return nil }
            matched.append(layer)
        }
        return matched
    }

    /// The file's layers in spec order, taking for each spec the next file
    /// layer of the same class (the file's reading order).
    private static func keras3ByClassOrder(_ layers: [StoredLayer], _ specs: [LayerWeightSpec],
                                           fileName: String) throws -> [StoredLayer] {
        var queues: [String: [StoredLayer]] = [:]
        var fileStems: [String] = []
        for layer in layers {
            let stem = numberedName(String(layer.path.split(separator: "/").last ?? "")).stem
            if queues[stem] == nil { fileStems.append(stem) }
            queues[stem, default: []].append(layer)
        }
        var modelCounts: [String: Int] = [:]
        var modelStems: [String] = []
        for spec in specs {
            let stem = snakeCase(spec.layerType)
            if modelCounts[stem] == nil { modelStems.append(stem) }
            modelCounts[stem, default: 0] += 1
        }
        let differences = (modelStems + fileStems.filter { modelCounts[$0] == nil }).compactMap { stem -> String? in
            let inFile = queues[stem]?.count ?? 0
            let inModel = modelCounts[stem] ?? 0
            return inFile == inModel ? nil : "'\(stem)' layers: the file has \(inFile), the model expects \(inModel)"
        }
        guard differences.isEmpty else {
            throw WeightsError(.mismatch, "\(fileName): \(differences.joined(separator: "; "))"
                                   + " (\(layers.count) weighted layers in the file, \(specs.count) in the model)")
        }
        var taken: [String: Int] = [:]
        return specs.map { spec in
            let stem = snakeCase(spec.layerType)
            let index = taken[stem, default: 0]
            taken[stem] = index + 1
            return queues[stem]![index]
        }
    }

    private static func check(_ stored: StoredLayer, against spec: LayerWeightSpec, layout: Layout,
                              fileName: String) throws -> LayerWeights {
        let layerLabel = "layer '\(spec.layerName)' (file '\(stored.path)')"
        guard stored.tensors.count == spec.tensors.count else {
            let expected = spec.tensors.map(\.name).joined(separator: ", ")
            throw WeightsError(.mismatch, "\(fileName): \(layerLabel) has \(stored.tensors.count) arrays in the file,"
                                   + " the model expects \(spec.tensors.count) (\(expected))")
        }
        let tensors = try zip(stored.tensors, spec.tensors).map { tensor, expected in
            guard tensor.shape == expected.shape else {
                let dataset = layout == .legacy ? "'\(tensor.name)'" : "'vars/\(tensor.name)' (\(expected.name))"
                throw WeightsError(.mismatch, "\(fileName): \(layerLabel), dataset \(dataset): file has shape"
                                       + " \(pythonShape(tensor.shape)), model expects \(pythonShape(expected.shape))")
            }
            return WeightTensor(name: expected.name, shape: expected.shape, scalars: tensor.scalars)
        }
        return LayerWeights(layerName: spec.layerName, tensors: tensors)
    }

    /// A shape as Python prints a tuple: `(3, 3, 64, 80)`, `(80,)`, `()`.
    static func pythonShape(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }
}
