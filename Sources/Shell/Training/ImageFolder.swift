// ImageFolder.swift — a labelled image folder as Keras'
// image_dataset_from_directory / flow_from_directory read it: one sub-folder
// per class, class names sorted by Unicode code points (Python's sorted()),
// every visible file below a class folder a candidate image (sorted the same
// way), and a seeded per-class split into training and validation files.
import Foundation
import Lang
import Vision

/// The classes and files of a folder of class sub-folders.
///
///     let folder = try ImageFolder.scan("examples/objects")
///     folder.classes                   // ["fish", "monument", "tool", "windmill"]
///     let split = folder.split(validation: 0.2, seed: 0)
struct ImageFolder: Equatable {
    /// One candidate image and its class.
    struct Item: Equatable {
        /// The file's path (the folder's path joined with the relative path).
        var path: String
        /// Index into `classes`.
        var label: Int
    }

    /// The folder as the learner named it.
    var root: String
    /// Class names: the sub-folder names in code-point order.
    var classes: [String]
    /// Every candidate file, grouped by class in class order, then folder by
    /// folder below the class folder, names in code-point order.
    var items: [Item]

    /// Files of one class.
    func items(ofClass label: Int) -> [Item] { items.filter { $0.label == label } }

    /// Reads the class sub-folders of `root` and the visible files below each
    /// (hidden names, starting with '.', are left out; files directly in
    /// `root` are not images of any class and are ignored, as in Keras).
    /// Throws, naming the folder, when it cannot be read, has fewer than 2
    /// class folders, or a class folder has no files.
    static func scan(_ root: String, argument: String? = nil) throws -> ImageFolder {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isFolder) else {
            throw CommandError("\(root): no such folder", argument: argument)
        }
        guard isFolder.boolValue else {
            throw CommandError("\(root) is a file, not a folder of class sub-folders", argument: argument,
                               notes: ["give a folder such as examples/objects, with one sub-folder per class"])
        }
        let entries: [String]
        do { entries = try fm.contentsOfDirectory(atPath: root) } catch {
            throw CommandError("\(root): cannot list the folder (\(Self.reason(error)))", argument: argument)
        }
        let classes = entries.filter { name in
            var sub: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: join(root, name), isDirectory: &sub) && sub.boolValue
        }.sorted(by: codePointOrder)
        guard classes.count >= 2 else {
            throw CommandError("\(root) has \(classes.count) class folder\(classes.count == 1 ? "" : "s"); "
                               + "training needs at least 2", argument: argument,
                               notes: ["make one sub-folder per class, e.g. \(root)/cats and \(root)/dogs, "
                                       + "and put each class's images in its folder"])
        }
        var items: [Item] = []
        for (label, name) in classes.enumerated() {
            let files = try visibleFiles(below: join(root, name), argument: argument)
            guard !files.isEmpty else {
                throw CommandError("class '\(name)' has no files (\(join(root, name)) is empty)", argument: argument,
                                   notes: ["every class needs images; add some or remove the folder"])
            }
            items += files.map { Item(path: $0, label: label) }
        }
        return ImageFolder(root: root, classes: classes, items: items)
    }

    /// A per-class split: in each class, a `fraction` of the files (rounded to
    /// the nearest whole file, at least one when the fraction is above 0 and
    /// the class has 2 or more) chosen by a generator seeded with `seed` goes
    /// to validation, the rest to training; both keep the folder's order.
    func split(validation fraction: Double, seed: UInt64) -> (train: [Item], validation: [Item]) {
        precondition(fraction >= 0 && fraction < 1, "split: fraction \(fraction) is outside [0, 1)")
        var train: [Item] = [], validation: [Item] = []
        for label in classes.indices {
            let members = items(ofClass: label)
            var count = Int((fraction * Double(members.count)).rounded())
            if fraction > 0 && members.count >= 2 { count = max(count, 1) }
            count = min(count, members.count - 1)
            // The training loop's Fisher–Yates, one seed per class.
            let order = TrainingLoop.shuffled(count: members.count,
                                              seed: TrainingLoop.derive(seed ^ 0x5EED_5E11_7000_0000, 0, UInt64(label)))
            let chosen = Set(order.prefix(max(0, count)))
            for (i, item) in members.enumerated() {
                if chosen.contains(i) { validation.append(item) } else { train.append(item) }
            }
        }
        return (train, validation)
    }

    /// Visible regular files below `folder`, recursively, names in code-point
    /// order at each level.
    private static func visibleFiles(below folder: String, argument: String?) throws -> [String] {
        let fm = FileManager.default
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: folder) } catch {
            throw CommandError("\(folder): cannot list the folder (\(reason(error)))", argument: argument)
        }
        var files: [String] = []
        for name in names.sorted(by: codePointOrder) where !name.hasPrefix(".") {
            let path = join(folder, name)
            var isFolder: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isFolder) else { continue }
            if isFolder.boolValue {
                files += try visibleFiles(below: path, argument: argument)
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Python's string order: by Unicode scalar values.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
