// KerasWeightsFile+Write.swift — writes the Keras 2 legacy weights layout,
// which both Keras 2 and Keras 3 `load_weights("x.h5")` read:
//
//   /                 attrs backend, keras_version, layer_names (+ caller's)
//   <layer>/          attr weight_names = ["<layer>/kernel:0", …] ([] if none)
//   <layer>/<layer>/kernel:0   float32 dataset
//
// Strings are fixed-length, as Keras 2 stored them through h5py. The file is
// built in memory by libhdf5 (its core driver), then written through Common's
// AtomicFile like every file kungfu writes: a reader never sees half a file,
// and a full disk is reported as the system says it ("No space left on
// device"), not as libhdf5's error stack.
import Common
import Foundation

extension KerasWeightsFile {
    /// The `keras_version` written into new files: the Keras 2 release
    /// whose loader was checked against this writer (tf_keras 2.21 writes the
    /// same groups, attributes and dataset names, with variable-length
    /// strings and an extra empty `top_level_model_weights` group that
    /// loaders do not need). Keras only tests it for "1" (Keras 1
    /// conversions). Callers may override it through `attributes`.
    public static let legacyKerasVersion = "2.21.0"

    /// Writes `layers` as a Keras 2 legacy weights file at `path`, replacing
    /// any file there.
    ///
    /// - Parameters:
    ///   - layers: the weighted layers in model order.
    ///   - allLayerNames: every layer of the model in order, weightless ones
    ///     included (they get an empty `weight_names`), as Keras lists them
    ///     in `layer_names`; nil lists only `layers`. Must contain each of
    ///     `layers`' names, in the same relative order.
    ///   - attributes: extra root string attributes (e.g. class names for a
    ///     head); `backend` (default `tensorflow`) and `keras_version`
    ///     (default `legacyKerasVersion`) may be overridden here.
    /// - Throws: `WeightsError(.write)` naming `path` and the cause; no file
    ///   and no temporary file are left at `path`'s folder on failure.
    public static func writeLegacy(_ layers: [LayerWeights], allLayerNames: [String]?, to path: String,
                                   attributes: [String: String]) throws {
        let names = allLayerNames ?? layers.map(\.layerName)
        precondition(Set(names).count == names.count, "writeLegacy: layer names are not unique")
        precondition(names.allSatisfy { !$0.isEmpty && !$0.contains("/") && $0 != "." },
                     "writeLegacy: a layer name is empty or contains '/'")
        precondition(attributes["layer_names"] == nil, "writeLegacy: 'layer_names' is written from the layers")
        var position = names.startIndex
        for layer in layers {
            guard let found = names[position...].firstIndex(of: layer.layerName) else {
                preconditionFailure("writeLegacy: '\(layer.layerName)' is missing from allLayerNames or out of order")
            }
            position = found + 1
        }

        let bytes: [UInt8]
        do {
            bytes = try HDF5.serialized {
                let file = try HDF5File.createInMemory(path)
                try writeContents(layers, names: names, attributes: attributes, into: file.root())
                return try file.image()
            }
        } catch {
            throw WeightsError(.write, "\(path): cannot write weights (\(error))")
        }
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let error as FileWriteError {
            throw WeightsError(.write, "\(path): cannot write weights (\(error.reason))")
        }
    }

    private static func writeContents(_ layers: [LayerWeights], names: [String], attributes: [String: String],
                                      into root: HDF5Object) throws {
        var rootAttributes = ["backend": "tensorflow", "keras_version": legacyKerasVersion]
        rootAttributes.merge(attributes) { _, caller in caller }
        for (name, value) in rootAttributes.sorted(by: { $0.key < $1.key }) {
            try root.writeStrings(attribute: name, [value], scalar: true)
        }
        try writeList(names, attribute: "layer_names", on: root)
        let byName = Dictionary(uniqueKeysWithValues: layers.map { ($0.layerName, $0) })
        // Keras creates the groups sorted by name (so no name is created
        // after one it prefixes); readers follow `layer_names`.
        for name in names.sorted() {
            let group = try root.createGroup(name)
            guard let layer = byName[name], !layer.tensors.isEmpty else {
                try group.writeEmptyList(attribute: "weight_names")
                continue
            }
            try writeList(layer.tensors.map { "\(name)/\($0.name):0" }, attribute: "weight_names", on: group)
            let inner = try group.createGroup(name)
            for tensor in layer.tensors {
                try inner.createDataset("\(tensor.name):0", shape: tensor.shape, scalars: tensor.scalars)
            }
        }
    }

    /// Keras' `save_attributes_to_hdf5_group`: one attribute, or `name0`,
    /// `name1`, … when the list is over HDF5's 64 KB object-header limit
    /// (NumPy `array_split` chunks, all at the longest string's width).
    private static func writeList(_ values: [String], attribute name: String, on object: HDF5Object) throws {
        if values.isEmpty {
            try object.writeEmptyList(attribute: name)
            return
        }
        let headerLimit = 64512
        let width = values.map(\.utf8.count).max() ?? 1
        var chunks = 1
        while (values.count + chunks - 1) / chunks * width > headerLimit { chunks += 1 }
        if chunks == 1 {
            try object.writeStrings(attribute: name, values, scalar: false)
            return
        }
        var start = 0
        for chunk in 0..<chunks {
            let size = values.count / chunks + (chunk < values.count % chunks ? 1 : 0)
            try object.writeStrings(attribute: "\(name)\(chunk)", Array(values[start..<start + size]), scalar: false,
                                    width: width)
            start += size
        }
    }
}
