// WeightsCache.swift — where `weights imagenet` finds its file.
//
//   1. kungfu's cache   $KUNGFU_HOME/models, else $XDG_CACHE_HOME/kungfu/models,
//                       else ~/.cache/kungfu/models
//   2. Keras' cache     $KERAS_HOME/models, else ~/.keras/models
//   3. a download into kungfu's cache (WeightsDownloader)
//
// A file found in either cache is used only if its SHA-256 matches; a file
// that does not match is reported (never silently used or replaced). The
// hash is computed on every lookup (about 0.1-0.3 s for the 92 MB file),
// so a file changed on disk is always noticed.
import Common
import Foundation

/// The weights caches of one environment (injectable for tests).
///
///     let cache = WeightsCache()
///     let path = try cache.file(for: .imagenet(includeTop: true))
public struct WeightsCache: Sendable {
    /// kungfu's own cache folder, where downloads go.
    public var folder: String
    /// Keras' cache folder, searched second and never written.
    public var kerasFolder: String

    /// The caches of `environment` (`KUNGFU_HOME`, `XDG_CACHE_HOME`,
    /// `KERAS_HOME`, `HOME`; without `HOME`, the user's home from the
    /// password database).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.passwordHome()
        if let kungfuHome = environment["KUNGFU_HOME"], !kungfuHome.isEmpty {
            folder = "\(kungfuHome)/models"
        } else if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            folder = "\(xdg)/kungfu/models"
        } else {
            folder = "\(home)/.cache/kungfu/models"
        }
        if let kerasHome = environment["KERAS_HOME"], !kerasHome.isEmpty {
            kerasFolder = "\(kerasHome)/models"
        } else {
            kerasFolder = "\(home)/.keras/models"
        }
    }

    /// Caches at explicit folders.
    public init(folder: String, kerasFolder: String) {
        self.folder = folder
        self.kerasFolder = kerasFolder
    }

    /// The folders searched, in order.
    public var searchFolders: [String] { [folder, kerasFolder] }

    /// The verified cached copy of `source`, or nil if neither cache has it.
    ///
    /// Throws `WeightsError(.corrupt)` for a cached file whose SHA-256 does
    /// not match, naming it, both checksums and what to do.
    public func cachedFile(for source: WeightsSource) throws -> String? {
        for folder in searchFolders {
            let path = "\(folder)/\(source.fileName)"
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let digest = try SHA256Hasher.hex(ofFileAt: path)
            guard digest == source.sha256 else {
                throw WeightsError(.corrupt, """
                    \(path): damaged or different file (\(WeightsSource.grouped(Int64(info.st_size))) bytes, \
                    SHA-256 \(digest))
                      expected: \(source.sizeDescription), SHA-256 \(source.sha256)
                    Delete it to download \(source.fileName) again from \(source.url)
                    """)
            }
            return path
        }
        return nil
    }

    /// The verified path of `source`: from a cache, else downloaded into
    /// `folder` by `downloader` (see `WeightsDownloader.download`).
    public func file(for source: WeightsSource, downloader: WeightsDownloader = WeightsDownloader(),
                     progress: ((DownloadProgress) -> Void)? = nil,
                     cancellation: CancellationFlag? = nil) throws -> String {
        if let cached = try cachedFile(for: source) { return cached }
        return try downloader.download(source, into: folder, progress: progress, cancellation: cancellation)
    }

    private static func passwordHome() -> String {
        guard let entry = getpwuid(getuid()), let directory = entry.pointee.pw_dir else { return "/" }
        return String(cString: directory)
    }
}
