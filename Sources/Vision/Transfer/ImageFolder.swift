// ImageFolder.swift — a labelled image folder as Keras'
// image_dataset_from_directory / flow_from_directory read it: one sub-folder
// per class, class names sorted by Unicode code points (Python's sorted()),
// every visible file below a class folder a candidate image (sorted the same
// way), and a seeded per-class split into training and validation files.
import Foundation

/// Why a folder of class sub-folders cannot be used. The description is one
/// line naming the folder; the shell adds what to do about it.
public enum ImageFolderError: Error, Equatable, CustomStringConvertible {
    /// Nothing at `path`.
    case noSuchFolder(String)
    /// `path` is a file.
    case notAFolder(String)
    /// The system refused to list `folder` (`reason`: its words).
    case cannotList(String, reason: String)
    /// `root` has fewer than two class folders.
    case tooFewClasses(root: String, count: Int)
    /// The class folder `path` (class `name`) holds no files.
    case emptyClass(name: String, path: String)
    /// More than `ImageFolder.maxFiles` files below `folder`.
    case tooManyFiles(folder: String)
    /// No file of class `name` could be read (`unreadable` of them tried).
    case noReadableImages(name: String, unreadable: Int)
    /// The class folder `path` is not one of `classes`, the head's.
    case notAHeadClass(path: String, classes: [String])

    public var description: String {
        switch self {
        case .noSuchFolder(let path): return "\(path): no such folder"
        case .notAFolder(let path): return "\(path) is a file, not a folder of class sub-folders"
        case .cannotList(let folder, let reason): return "\(folder): cannot list the folder (\(reason))"
        case .tooFewClasses(let root, let count):
            return "\(root) has \(count) class folder\(count == 1 ? "" : "s"); training needs at least 2"
        case .emptyClass(let name, let path): return "class '\(name)' has no files (\(path) is empty)"
        case .tooManyFiles(let folder): return "more than \(ImageFolder.maxFiles) files below \(folder); is this the right folder?"
        case .noReadableImages(let name, let unreadable):
            return "class '\(name)' has no readable training images" + (unreadable > 0 ? " (\(unreadable) could not be read)" : "")
        case .notAHeadClass(let path, _): return "\(path) is not one of the head's classes"
        }
    }
}

/// The classes and files of a folder of class sub-folders.
///
///     let folder = try ImageFolder.scan("examples/objects")
///     folder.classes                   // ["fish", "monument", "tool", "windmill"]
///     let split = folder.split(validation: 0.2, seed: 0)
public struct ImageFolder: Equatable, Sendable {
    /// One candidate image and its class.
    public struct Item: Equatable, Sendable {
        /// The file's path (the folder's path joined with the relative path).
        public var path: String
        /// Index into `classes`.
        public var label: Int

        public init(path: String, label: Int) {
            self.path = path
            self.label = label
        }
    }

    /// What a walk left out, for one warning per kind.
    public struct Omissions: Equatable, Sendable {
        /// Paths (as bytes) whose names are not valid UTF-8.
        public var undecodable: [[UInt8]] = []
        /// Symbolic links to folders, listed and not followed.
        public var linkedFolders: [String] = []
        /// Folders already listed under another name (bind mounts).
        public var revisited: [String] = []

        /// What was left out (nothing by default).
        public init(undecodable: [[UInt8]] = [], linkedFolders: [String] = [], revisited: [String] = []) {
            self.undecodable = undecodable
            self.linkedFolders = linkedFolders
            self.revisited = revisited
        }

        /// True when nothing was left out.
        public var isEmpty: Bool { undecodable.isEmpty && linkedFolders.isEmpty && revisited.isEmpty }
    }

    /// The folder as the learner named it.
    public var root: String
    /// Class names: the sub-folder names in code-point order.
    public var classes: [String]
    /// Every candidate file, grouped by class in class order, then folder by
    /// folder below the class folder, names in code-point order.
    public var items: [Item]

    public init(root: String, classes: [String], items: [Item]) {
        self.root = root
        self.classes = classes
        self.items = items
    }

    /// Files of one class.
    public func items(ofClass label: Int) -> [Item] { items.filter { $0.label == label } }

    /// Files per class, in class order.
    public var counts: [Int] { classes.indices.map { label in items.filter { $0.label == label }.count } }

    /// The most files a folder may hold: 200,000 photos are 1.6 GB of pooled
    /// base features (2048 floats each) and about 3 hours of computing them
    /// here; a folder with more is almost surely the wrong folder.
    public static let maxFiles = 200_000

    /// Reads the class sub-folders of `root` and the visible files below each
    /// (hidden names, starting with '.', are left out; files directly in
    /// `root` are not images of any class and are ignored, as in Keras).
    /// Symbolic links to folders are not followed and no folder is listed
    /// twice; what was left out goes to `omitted` (once, before returning
    /// or throwing, when anything was). Throws `ImageFolderError` when the
    /// folder cannot be read, has fewer than 2 class folders, a class folder
    /// has no files, or there are more than `maxFiles` files.
    public static func scan(_ root: String, omitted: (Omissions) -> Void = { _ in }) throws -> ImageFolder {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isFolder) else {
            throw ImageFolderError.noSuchFolder(root)
        }
        guard isFolder.boolValue else { throw ImageFolderError.notAFolder(root) }
        var walk = Walk()
        defer { if !walk.omissions.isEmpty { omitted(walk.omissions) } }
        if let id = FolderListing.id(of: root) { walk.visited.insert(id) }
        let listing = try walk.list(root)
        let classFolders = listing.entries.filter { $0.kind == .folder && walk.firstVisit($0) }
            .sorted { codePointOrder($0.name, $1.name) }
        let classes = classFolders.map(\.name)
        guard classes.count >= 2 else { throw ImageFolderError.tooFewClasses(root: root, count: classes.count) }
        var items: [Item] = []
        for (label, folder) in classFolders.enumerated() {
            let files = try walk.files(below: folder.path)
            guard !files.isEmpty else { throw ImageFolderError.emptyClass(name: folder.name, path: folder.path) }
            items += files.map { Item(path: $0, label: label) }
        }
        return ImageFolder(root: root, classes: classes, items: items)
    }

    /// One walk of a folder tree: what it visited and what it left out.
    private struct Walk {
        var visited = Set<FolderListing.FileID>()
        var omissions = Omissions()
        var fileCount = 0

        /// The listing of `folder`, its left-out names recorded.
        mutating func list(_ folder: String) throws -> FolderListing {
            let listing = try FolderListing.read(folder)
            omissions.undecodable += listing.undecodable
            omissions.linkedFolders += listing.entries.filter { $0.kind == .linkedFolder }.map(\.path)
            return listing
        }

        /// True the first time a folder is seen (a bind mount can show one
        /// folder at two places, and inside itself).
        mutating func firstVisit(_ entry: FolderListing.Entry) -> Bool {
            guard let id = entry.id else { return true }
            if visited.insert(id).inserted { return true }
            omissions.revisited.append(entry.path)
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
                    guard fileCount <= ImageFolder.maxFiles else { throw ImageFolderError.tooManyFiles(folder: folder) }
                    files.append(entry.path)
                case .linkedFolder:
                    break
                }
            }
            return files
        }
    }

    /// The head's class index of each class folder; every folder must be one
    /// of `classes` (the head's; a subset is fine).
    public func labels(in classes: [String]) throws -> [Int] {
        try self.classes.map { name in
            guard let index = classes.firstIndex(of: name) else {
                throw ImageFolderError.notAHeadClass(path: ImageFolder.join(root, name), classes: classes)
            }
            return index
        }
    }

    /// A per-class split: in each class, a `fraction` of the files (rounded to
    /// the nearest whole file, at least one when the fraction is above 0 and
    /// the class has 2 or more) chosen by a generator seeded with `seed` goes
    /// to validation, the rest to training; both keep the folder's order.
    public func split(validation fraction: Double, seed: UInt64) -> (train: [Item], validation: [Item]) {
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
    public static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
    }

    /// `folder/name`, with one slash.
    public static func join(_ folder: String, _ name: String) -> String {
        folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }
}
