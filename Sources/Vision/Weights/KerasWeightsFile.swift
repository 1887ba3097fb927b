// KerasWeightsFile.swift — reads Keras weights files (HDF5) into plain values.
//
//   legacy (Keras 2 `save_weights`, `model.save(...h5)`, the official
//   ImageNet files): root (or `model_weights`) attribute `layer_names`; per
//   layer group attribute `weight_names`; datasets `<layer>/<weight name>`,
//   e.g. `conv2d_1/conv2d_1/kernel:0`.
//   keras3 (`.weights.h5`): `layers/<class_snake>[_k]/vars/0, 1, …`, nested
//   models as `layers/<model>/layers/…`; the `vars` group carries the layer's
//   `name` attribute.
//
// Reading only collects what is stored; `arrange` (KerasWeightsFile+Arrange)
// matches it to a model. Both are pure: nothing changes when they throw.
import Foundation

/// Keras weights files: read (`read`, `load`), match to a model (`arrange`),
/// write (`writeLegacy`).
public enum KerasWeightsFile {
    /// The two ways Keras stores weights in HDF5.
    public enum Layout: Sendable, Equatable {
        /// Keras 2 `save_weights`/`save` `.h5` (also written by Keras 3's
        /// legacy h5 code): ordered `layer_names`, named weights.
        case legacy
        /// Keras 3 `.weights.h5`: groups named after layer classes, numbered vars.
        case keras3
    }

    /// One weighted layer as stored in the file.
    public struct StoredLayer: Sendable, Equatable {
        /// Where it lives: legacy, the layer's group (`conv2d_1`); Keras 3,
        /// the group path (`layers/conv2d_1`, `layers/functional/layers/dense`).
        public var path: String
        /// The layer's name: legacy, its group name; Keras 3, the `name`
        /// attribute of its `vars` group (the layer's name when it was saved),
        /// or the last path component if there is none.
        public var name: String
        /// Its arrays in stored order. Legacy names are the weight's last
        /// component without `:0` (`kernel`); Keras 3 names are the var
        /// numbers (`0`, `1`, …).
        public var tensors: [WeightTensor]

        /// A stored layer.
        public init(path: String, name: String, tensors: [WeightTensor]) {
            self.path = path
            self.name = name
            self.tensors = tensors
        }
    }

    /// Everything read from one file.
    public struct Contents: Sendable, Equatable {
        /// Which layout the file uses.
        public var layout: Layout
        /// The layers that have weights. Legacy: in `layer_names` order.
        /// Keras 3 (the file does not record order): nested models first,
        /// then each container's own layers, by class name and number.
        public var layers: [StoredLayer]
        /// Legacy: every name in `layer_names`, weighted or not. Keras 3: empty.
        public var layerNames: [String]
        /// The file's string attributes (root, and for a full-model file also
        /// those of `model_weights`), e.g. `backend`, `keras_version`.
        public var attributes: [String: String]

        /// Contents read from a file (or built for tests).
        public init(layout: Layout, layers: [StoredLayer], layerNames: [String], attributes: [String: String]) {
            self.layout = layout
            self.layers = layers
            self.layerNames = layerNames
            self.attributes = attributes
        }
    }

    /// How much a file may make `read` allocate, checked against what each
    /// dataset declares before any of it is read.
    public struct ReadLimits: Sendable, Equatable {
        /// The most scalars one dataset may hold.
        public var maxDatasetScalars: Int
        /// The most scalars all datasets together may hold.
        public var maxTotalScalars: Int

        /// Limits; both must be positive.
        public init(maxDatasetScalars: Int, maxTotalScalars: Int) {
            precondition(maxDatasetScalars > 0 && maxTotalScalars > 0, "ReadLimits: limits must be positive")
            self.maxDatasetScalars = maxDatasetScalars
            self.maxTotalScalars = maxTotalScalars
        }

        /// What any file kungfu loads can need: a dataset of up to 2^24
        /// scalars (64 MB; the widest head kernel, 2048 × `Head.maxHiddenUnits`,
        /// is exactly that; Inception V3's largest is 2048 × 1000), 2^26 in all
        /// (256 MB; Inception V3 has 23.9 M).
        public static let any = ReadLimits(maxDatasetScalars: 1 << 24, maxTotalScalars: 1 << 26)

        /// Exactly what a model with these specs holds: its largest array,
        /// and its total.
        public static func expected(by specs: [LayerWeightSpec]) -> ReadLimits {
            let counts = specs.flatMap { $0.tensors.map { HDF5Object.count(of: $0.shape) ?? Int.max } }
            let total = counts.reduce(0) { $0.addingReportingOverflow($1).overflow ? Int.max : $0 + $1 }
            // Twice the total, so a file with a layer too many still reaches
            // `arrange` and its exact message; memory stays bounded either way.
            return ReadLimits(maxDatasetScalars: max(1, counts.max() ?? 1),
                              maxTotalScalars: max(1, total > Int.max / 2 ? Int.max : 2 * total))
        }
    }

    /// Reads `path` and arranges it for a model's `specs` (see `arrange`);
    /// no dataset larger than the model's largest array is read.
    public static func load(_ path: String, for specs: [LayerWeightSpec]) throws -> [LayerWeights] {
        try arrange(read(path, limits: .expected(by: specs)), for: specs, fileName: path)
    }

    /// Reads every weighted layer of a Keras weights file, either layout.
    ///
    /// Throws `WeightsError` naming `path`: `.unreadable` (missing, a folder,
    /// no permission), `.notHDF5`, `.damaged` (truncated or corrupt HDF5),
    /// `.notKerasWeights` (HDF5 without either layout, a listed layer or
    /// dataset missing, a non-float dataset, a dataset declaring more than
    /// `limits` allow, one stored in other files or behind an external link,
    /// a NaN or infinite value).
    public static func read(_ path: String, limits: ReadLimits = .any) throws -> Contents {
        try checkReadable(path)
        return try HDF5.serialized {
            guard HDF5File.hasSignature(path) else {
                throw WeightsError(.notHDF5, "\(path): not an HDF5 file (no HDF5 signature)")
            }
            let file: HDF5File
            let root: HDF5Object
            do {
                file = try HDF5File.openReadOnly(path)
                root = try file.root()
            } catch let error as HDF5Error {
                throw WeightsError(.damaged, "\(path): truncated or damaged HDF5 file (\(error))")
            }
            do {
                let budget = Budget(limits: limits)
                return try withExtendedLifetime(file) { try readContents(root, path: path, budget: budget) }
            } catch let error as HDF5Error {
                throw WeightsError(.damaged, "\(path): damaged HDF5 file (\(error))")
            }
        }
    }

    /// What is left of the limits while one file is read.
    private final class Budget {
        let limits: ReadLimits
        var used = 0
        init(limits: ReadLimits) { self.limits = limits }

        /// The most scalars the next dataset may hold.
        var nextMax: Int { min(limits.maxDatasetScalars, limits.maxTotalScalars - used) }
    }

    /// Opens `path` for reading without blocking and checks the opened file
    /// itself: a regular file gives its descriptor (the caller closes it) and
    /// its `stat`; anything else throws `WeightsError(.unreadable)` naming the
    /// path and the system's reason or what it is (a folder, a FIFO…).
    static func openRegular(_ path: String) throws -> (fd: Int32, info: stat) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == EISDIR { throw WeightsError(.unreadable, "\(path): is a folder, not a weights file") }
            throw WeightsError(.unreadable, "\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw WeightsError(.unreadable, "\(path): cannot open (\(reason))")
        }
        if let kind = FileKind.nonRegular(info.st_mode) {
            close(fd)
            if kind == .folder { throw WeightsError(.unreadable, "\(path): is a folder, not a weights file") }
            throw WeightsError(.unreadable, "\(path): is \(kind.phrase), not a regular file")
        }
        return (fd, info)
    }

    /// Fails early, with the system's reason, for a path that cannot be read.
    /// Opens without blocking and checks the opened file itself, so a FIFO
    /// or a device is refused instead of hanging libhdf5 (which would open
    /// it blocking).
    private static func checkReadable(_ path: String) throws {
        let (fd, info) = try openRegular(path)
        close(fd)
        guard info.st_size > 0 else { throw WeightsError(.notHDF5, "\(path): not an HDF5 file (empty)") }
    }

    private static func readContents(_ root: HDF5Object, path: String, budget: Budget) throws -> Contents {
        var attributes = try scalarStrings(of: root)
        if try hasList(root, "layer_names") {
            return try readLegacy(root, path: path, attributes: attributes, budget: budget)
        }
        if let modelWeights = try root.group("model_weights"), try hasList(modelWeights, "layer_names") {
            attributes.merge(try scalarStrings(of: modelWeights)) { _, inner in inner }
            return try readLegacy(modelWeights, path: path, attributes: attributes, budget: budget)
        }
        if let container = try containerGroup(root) {
            return Contents(layout: .keras3,
                            layers: try readKeras3(container.group, prefix: container.name, path: path, budget: budget),
                            layerNames: [], attributes: attributes)
        }
        throw WeightsError(.notKerasWeights,
                           "\(path): an HDF5 file, but not Keras weights (no 'layer_names' attribute,"
                               + " no 'model_weights' or 'layers' group)")
    }

    // MARK: Legacy layout

    private static func readLegacy(_ group: HDF5Object, path: String, attributes: [String: String],
                                   budget: Budget) throws -> Contents {
        let layerNames = try list(group, "layer_names", path: path)
        var layers: [StoredLayer] = []
        for layerName in layerNames {
            guard !layerName.isEmpty, !layerName.contains("/"), let layerGroup = try group.group(layerName) else {
                throw WeightsError(.notKerasWeights,
                                   "\(path): layer '\(layerName)' is listed in 'layer_names' but has no group")
            }
            guard try hasList(layerGroup, "weight_names") else {
                throw WeightsError(.notKerasWeights,
                                   "\(path): layer '\(layerName)' has no 'weight_names' attribute")
            }
            let weightNames = try list(layerGroup, "weight_names", path: path)
            if weightNames.isEmpty { continue }
            var tensors: [WeightTensor] = []
            for weightName in weightNames {
                guard let dataset = try descend(layerGroup, weightName), dataset.kind == .dataset else {
                    throw WeightsError(.notKerasWeights,
                                       "\(path): layer '\(layerName)' lists weight '\(weightName)'"
                                           + " but has no dataset '\(layerName)/\(weightName)'")
                }
                let (shape, scalars) = try readFloats(dataset, path: path, budget: budget)
                tensors.append(WeightTensor(name: shortWeightName(weightName), shape: shape, scalars: scalars))
            }
            layers.append(StoredLayer(path: layerName, name: layerName, tensors: tensors))
        }
        return Contents(layout: .legacy, layers: layers, layerNames: layerNames, attributes: attributes)
    }

    /// `conv2d_1/kernel:0` → `kernel`: the last component without the `:N`
    /// TensorFlow output index.
    static func shortWeightName(_ weightName: String) -> String {
        let last = weightName.split(separator: "/").last.map(String.init) ?? weightName
        if let colon = last.lastIndex(of: ":"), last[last.index(after: colon)...].allSatisfy(\.isNumber),
           last.index(after: colon) != last.endIndex {
            return String(last[..<colon])
        }
        return last
    }

    private static func descend(_ group: HDF5Object, _ relativePath: String) throws -> HDF5Object? {
        var object = group
        for component in relativePath.split(separator: "/") {
            guard object.kind == .group, let next = try object.child(String(component)) else { return nil }
            object = next
        }
        return object
    }

    /// True if `name` or its first chunk `name0` exists (Keras splits lists
    /// longer than 64 KB into `name0`, `name1`, …).
    private static func hasList(_ object: HDF5Object, _ name: String) throws -> Bool {
        try object.hasAttribute(name) || object.hasAttribute("\(name)0")
    }

    /// A string-list attribute, joined from its chunks if Keras split it.
    private static func list(_ object: HDF5Object, _ name: String, path: String) throws -> [String] {
        func strings(_ attribute: String) throws -> [String] {
            guard let values = try object.strings(attribute: attribute) else {
                throw WeightsError(.notKerasWeights,
                                   "\(path): attribute '\(attribute)' of '\(object.path)' is not a list of strings")
            }
            return values
        }
        if try object.hasAttribute(name) { return try strings(name) }
        var values: [String] = []
        var chunk = 0
        while try object.hasAttribute("\(name)\(chunk)") {
            values += try strings("\(name)\(chunk)")
            chunk += 1
        }
        return values
    }

    private static func scalarStrings(of object: HDF5Object) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try object.attributeNames() {
            if let values = try object.strings(attribute: name), values.count == 1 { result[name] = values[0] }
        }
        return result
    }

    private static func readFloats(_ dataset: HDF5Object, path: String, budget: Budget) throws -> (shape: [Int], scalars: [Float]) {
        do {
            let result = try dataset.readFloats(maxCount: budget.nextMax)
            budget.used += result.scalars.count
            return result
        } catch let error as HDF5Error {
            throw WeightsError(.notKerasWeights, "\(path): \(error)")
        }
    }

    // MARK: Keras 3 layout

    /// The `layers` group of a model (Keras 2.13 called it `_layer_checkpoint_dependencies`).
    private static func containerGroup(_ object: HDF5Object) throws -> (name: String, group: HDF5Object)? {
        for name in ["layers", "_layer_checkpoint_dependencies"] {
            if let group = try object.group(name) { return (name, group) }
        }
        return nil
    }

    /// How deep Keras 3 models may nest: a group hard-linked into itself
    /// would otherwise recurse without end.
    static let maxNesting = 16

    private static func readKeras3(_ container: HDF5Object, prefix: String, path: String, budget: Budget,
                                   depth: Int = 0) throws -> [StoredLayer] {
        guard depth < maxNesting else {
            throw WeightsError(.notKerasWeights, "\(path): '\(prefix)' nests models more than \(maxNesting) deep"
                                   + " (a group linked into itself?)")
        }
        var nested: [StoredLayer] = []
        var own: [StoredLayer] = []
        let children = try container.childNames().sorted { numberedName($0) < numberedName($1) }
        for childName in children {
            guard let child = try container.group(childName) else { continue }
            let childPath = "\(prefix)/\(childName)"
            if let inner = try containerGroup(child) {
                nested += try readKeras3(inner.group, prefix: "\(childPath)/\(inner.name)", path: path, budget: budget,
                                         depth: depth + 1)
            }
            guard let vars = try child.group("vars") else { continue }
            let tensors = try readVars(vars, path: path, budget: budget)
            if tensors.isEmpty { continue }
            let name = try vars.hasAttribute("name") ? (vars.strings(attribute: "name")?.first ?? childName) : childName
            own.append(StoredLayer(path: childPath, name: name, tensors: tensors))
        }
        return nested + own
    }

    private static func readVars(_ vars: HDF5Object, path: String, budget: Budget) throws -> [WeightTensor] {
        var numbered: [(Int, HDF5Object)] = []
        for name in try vars.childNames() {
            guard let index = Int(name), index >= 0, String(index) == name else {
                throw WeightsError(.notKerasWeights,
                                   "\(path): '\(vars.path)/\(name)' is not a numbered var (expected 0, 1, 2, …)")
            }
            guard let object = try vars.child(name), object.kind == .dataset else {
                throw WeightsError(.notKerasWeights, "\(path): '\(vars.path)/\(name)' is not a dataset")
            }
            numbered.append((index, object))
        }
        numbered.sort { $0.0 < $1.0 }
        for (position, (index, _)) in numbered.enumerated() where position != index {
            throw WeightsError(.notKerasWeights,
                               "\(path): '\(vars.path)' has var \(index) but no var \(position)")
        }
        return try numbered.map { index, dataset in
            let (shape, scalars) = try readFloats(dataset, path: path, budget: budget)
            return WeightTensor(name: String(index), shape: shape, scalars: scalars)
        }
    }

    /// `conv2d_12` → ("conv2d", 12); `conv2d` → ("conv2d", 0): Keras 3's
    /// unique names within a container (class name in snake case, then `_k`).
    static func numberedName(_ name: String) -> NumberedName {
        if let underscore = name.lastIndex(of: "_") {
            let digits = name[name.index(after: underscore)...]
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits) {
                return NumberedName(stem: String(name[..<underscore]), number: number)
            }
        }
        return NumberedName(stem: name, number: 0)
    }

    /// A name split into its stem and trailing `_k` number, ordered by stem then number.
    struct NumberedName: Comparable, Hashable {
        var stem: String
        var number: Int

        static func < (a: NumberedName, b: NumberedName) -> Bool {
            (a.stem, a.number) < (b.stem, b.number)
        }
    }
}
