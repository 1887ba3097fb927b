// FolderListing.swift — one folder's entries as `train head`, `fine tune`,
// `evaluate` and `predict FOLDER` use them, read with readdir so nothing is
// dropped silently: names that are not valid UTF-8 are reported (escaped),
// symbolic links to folders are told apart from real folders (they are not
// followed: a link can lead out of the tree or back into it, and a cycle
// would list the same photos forever), and every folder has its device and
// inode so a walk can refuse to enter one twice.
import Foundation

/// The visible entries of one folder (names not starting with '.').
public struct FolderListing: Sendable {
    /// What an entry is, as a walk needs to know it.
    public enum Kind: Equatable, Sendable {
        /// Anything that is not a folder: a file, a link to one, a FIFO, a
        /// broken link. Readers open it and refuse what is not a regular file.
        case file
        /// A real folder (not reached through a symbolic link).
        case folder
        /// A symbolic link to a folder: listed, never followed.
        case linkedFolder
    }

    /// A folder's identity: the same folder reached twice has the same one.
    public struct FileID: Hashable, Sendable {
        public var device: UInt64
        public var inode: UInt64
    }

    /// One entry.
    public struct Entry: Sendable {
        public var name: String
        public var path: String
        public var kind: Kind
        /// The folder's identity (folders only).
        public var id: FileID?
    }

    /// Valid UTF-8 entries, in the order the system listed them.
    public var entries: [Entry]
    /// Paths, as bytes, of entries whose names are not valid UTF-8 (the
    /// folder's path, '/', the name's bytes): they cannot be named in a
    /// String path. Shown escaped (`photos/a/caf\xe9.jpg`) by whoever warns.
    public var undecodable: [[UInt8]]

    /// The identity of the folder at `path` (symbolic links followed), nil if
    /// it cannot be read.
    public static func id(of path: String) -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Lists `folder`; throws `ImageFolderError.cannotList` with the
    /// system's reason when it cannot be listed.
    public static func read(_ folder: String) throws -> FolderListing {
        guard let directory = opendir(folder) else {
            throw ImageFolderError.cannotList(folder, reason: String(cString: strerror(errno)))
        }
        defer { closedir(directory) }
        var listing = FolderListing(entries: [], undecodable: [])
        while let entry = readdir(directory) {
            let bytes = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            guard let first = bytes.first, first != UInt8(ascii: ".") else { continue }
            guard let name = String(validating: bytes, as: UTF8.self) else {
                listing.undecodable.append(Array(ImageFolder.join(folder, "").utf8) + bytes)
                continue
            }
            let path = ImageFolder.join(folder, name)
            var own = stat()
            guard lstat(path, &own) == 0 else { continue }   // vanished since readdir
            switch own.st_mode & S_IFMT {
            case S_IFDIR:
                listing.entries.append(Entry(name: name, path: path, kind: .folder,
                                             id: FileID(device: UInt64(own.st_dev), inode: UInt64(own.st_ino))))
            case S_IFLNK:
                var target = stat()
                let isFolder = stat(path, &target) == 0 && (target.st_mode & S_IFMT) == S_IFDIR
                listing.entries.append(Entry(name: name, path: path, kind: isFolder ? .linkedFolder : .file, id: nil))
            default:
                listing.entries.append(Entry(name: name, path: path, kind: .file, id: nil))
            }
        }
        return listing
    }
}
