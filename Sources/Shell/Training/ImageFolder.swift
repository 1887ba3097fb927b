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

    /// The most files a folder may hold: 200,000 photos are 1.6 GB of pooled
    /// base features (2048 floats each) and about 3 hours of computing them
    /// here; a folder with more is almost surely the wrong folder.
    static let maxFiles = 200_000

    /// Reads the class sub-folders of `root` and the visible files below each
    /// (hidden names, starting with '.', are left out; files directly in
    /// `root` are not images of any class and are ignored, as in Keras).
    /// Symbolic links to folders are not followed and no folder is listed
    /// twice; they and names that are not valid UTF-8 are reported by `warn`
    /// (one line per kind). Throws, naming the folder, when it cannot be read,
    /// has fewer than 2 class folders, a class folder has no files, or there
    /// are more than `maxFiles` files.
    static func scan(_ root: String, argument: String? = nil,
                     warn: (String) -> Void = { StandardStream.error.write($0 + "\n") }) throws -> ImageFolder {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isFolder) else {
            throw CommandError("\(root): no such folder", argument: argument)
        }
        guard isFolder.boolValue else {
            throw CommandError("\(root) is a file, not a folder of class sub-folders", argument: argument,
                               notes: ["give a folder such as examples/objects, with one sub-folder per class"])
        }
        var walk = Walk(argument: argument)
        if let id = FolderListing.id(of: root) { walk.visited.insert(id) }
        let listing = try walk.list(root)
        let classFolders = listing.entries.filter { $0.kind == .folder && walk.firstVisit($0) }
            .sorted { codePointOrder($0.name, $1.name) }
        let classes = classFolders.map(\.name)
        guard classes.count >= 2 else {
            walk.report(root, warn)
            throw CommandError("\(root) has \(classes.count) class folder\(classes.count == 1 ? "" : "s"); "
                               + "training needs at least 2", argument: argument,
                               notes: ["make one sub-folder per class, e.g. \(root)/cats and \(root)/dogs, "
                                       + "and put each class's images in its folder"])
        }
        var items: [Item] = []
        for (label, folder) in classFolders.enumerated() {
            let files = try walk.files(below: folder.path)
            guard !files.isEmpty else {
                walk.report(root, warn)
                throw CommandError("class '\(folder.name)' has no files (\(folder.path) is empty)", argument: argument,
                                   notes: ["every class needs images; add some or remove the folder"])
            }
            items += files.map { Item(path: $0, label: label) }
        }
        walk.report(root, warn)
        return ImageFolder(root: root, classes: classes, items: items)
    }

    /// One walk of a folder tree: what it visited and what it left out.
    private struct Walk {
        let argument: String?
        var visited = Set<FolderListing.FileID>()
        var undecodable: [String] = [], linkedFolders: [String] = [], revisited: [String] = []
        var fileCount = 0

        init(argument: String?) { self.argument = argument }

        /// The listing of `folder`, its left-out names recorded.
        mutating func list(_ folder: String) throws -> FolderListing {
            let listing: FolderListing
            do { listing = try FolderListing.read(folder) } catch {
                throw CommandError("\(folder): cannot list the folder (\(reason(error)))", argument: argument)
            }
            undecodable += listing.undecodable
            linkedFolders += listing.entries.filter { $0.kind == .linkedFolder }.map(\.path)
            return listing
        }

        /// True the first time a folder is seen (a bind mount can show one
        /// folder at two places, and inside itself).
        mutating func firstVisit(_ entry: FolderListing.Entry) -> Bool {
            guard let id = entry.id else { return true }
            if visited.insert(id).inserted { return true }
            revisited.append(entry.path)
            return false
        }

        /// Visible files below `folder`, recursively, names in code-point
        /// order at each level.
        mutating func files(below folder: String) throws -> [String] {
            let listing = try list(folder)
            var files: [String] = []
            for entry in listing.entries.sorted(by: { codePointOrder($0.name, $1.name) }) {
                switch entry.kind {
                case .folder:
                    if firstVisit(entry) { files += try self.files(below: entry.path) }
                case .file:
                    fileCount += 1
                    guard fileCount <= ImageFolder.maxFiles else {
                        throw CommandError("more than \(ImageFolder.maxFiles) files below \(folder); "
                                           + "is this the right folder?", argument: argument)
                    }
                    files.append(entry.path)
                case .linkedFolder:
                    break
                }
            }
            return files
        }

        func report(_ root: String, _ warn: (String) -> Void) {
            for line in FolderListing.warnings(root: root, undecodable: undecodable, linkedFolders: linkedFolders,
                                               revisited: revisited) {
                warn(line)
            }
        }
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

    /// Python's string order: by Unicode scalar values.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
