// FileKind.swift — what a path that is not a regular file is, in words, for
// every reader that must refuse it (images, weights, head files, training
// folders): a FIFO or a device would block or stream without end.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kinds of file a reader refuses, named as `ls -l` and `stat` do.
public enum FileKind: Sendable, Equatable {
    case folder, fifo, characterDevice, blockDevice, socket, symbolicLink, unknown

    /// The kind of a `stat` mode that is not a regular file, nil for one that is.
    public static func nonRegular(_ mode: mode_t) -> FileKind? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return .folder
        case S_IFIFO: return .fifo
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        case S_IFLNK: return .symbolicLink
        default: return .unknown
        }
    }

    /// "a FIFO", "a character device", …: for `x is a FIFO, not a regular file`.
    public var phrase: String {
        switch self {
        case .folder: return "a folder"
        case .fifo: return "a FIFO"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        case .unknown: return "a special file"
        }
    }
}
