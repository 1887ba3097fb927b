// PooledFeatures.swift — the base's pooled output (global average of mixed10,
// 2048 per image) for image files, computed in batches and kept per model:
// while the base is frozen a file's features never change, so `train head`
// and `evaluate` compute each file once per loaded model and reuse it. Files
// are recognised by path, size and modification time.
import Common
import Foundation
import Lang
import Vision

/// Features already computed for one loaded model, by file.
final class FeatureCache {
    /// A file as it was when its features were computed.
    struct Key: Hashable {
        var path: String
        var size: Int
        var modified: Double
    }

    /// What reading a file gave: its features, or why it could not be read.
    enum Entry {
        case features([Float])
        case unreadable(String)
    }

    private var store: [Key: Entry] = [:]

    /// Files whose outcome is kept.
    var count: Int { store.count }

    /// The outcome for the file as it is now, if it was read before.
    func entry(for key: Key) -> Entry? { store[key] }

    /// Keeps a file's outcome.
    func keep(_ entry: Entry, for key: Key) { store[key] = entry }

    /// The key of `path` as it is on disk now, or nil if it cannot be read.
    static func key(for path: String) -> Key? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
              let size = attributes[.size] as? Int,
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return Key(path: absolute, size: size, modified: modified.timeIntervalSince1970)
    }
}

/// Turns image files into pooled base features through the loaded model.
enum PooledFeatures {
    /// Images per forward pass.
    static let batchSize = 8

    /// What came out for a list of files.
    struct Result {
        /// One row of `width` features per readable file, in the files' order.
        var features: [Float]
        /// Features per image (2048 for Inception V3).
        var width: Int
        /// Positions (in the given list) of the files that were read.
        var kept: [Int]
        /// Files that could not be read, with the reason (already warned about).
        var skipped: [(path: String, reason: String)]
        /// How many features were taken from the cache rather than computed.
        var reused: Int
    }

    /// The pooled features of `network` for one batch of images (same size,
    /// the network's input): `avg_pool` when the network has it, else the
    /// global average of mixed10.
    static func pooled(_ network: InceptionV3, _ images: [Image]) throws -> Tensor {
        let x = Preprocessing.inceptionV3(images)
        if network.layerNames.contains("avg_pool") {
            return try network.output(of: "avg_pool", for: x)
        }
        let maps = try network.output(of: "mixed10", for: x)       // (N, h, w, 2048)
        let (n, h, w, c) = (maps.shape[0], maps.shape[1], maps.shape[2], maps.shape[3])
        var pooled = [Float](repeating: 0, count: n * c)
        let scale = 1 / Float(h * w)
        for image in 0..<n {
            for pixel in 0..<(h * w) {
                let base = (image * h * w + pixel) * c
                for channel in 0..<c { pooled[image * c + channel] += maps.scalars[base + channel] }
            }
            for channel in 0..<c { pooled[image * c + channel] *= scale }
        }
        return Tensor(shape: [n, c], scalars: pooled)
    }

    /// Features of every readable file in `paths`, using and filling
    /// `cache`. An unreadable file is skipped with a one-line warning naming
    /// it. A progress bar counts the images computed (not those reused).
    /// Stops with `Interrupted` when `shouldStop` becomes true between batches.
    static func compute(_ paths: [String], model: LoadedModel, warn: (String) -> Void,
                        progress: ProgressSink, shouldStop: () -> Bool) throws -> Result {
        let network = model.network
        let width = 2048
        var rows = [[Float]?](repeating: nil, count: paths.count)
        var keys = [FeatureCache.Key?](repeating: nil, count: paths.count)
        var missing: [Int] = []
        var skipped: [(path: String, reason: String)] = []
        var reused = 0
        for (i, path) in paths.enumerated() {
            keys[i] = FeatureCache.key(for: path)
            switch keys[i].flatMap(model.featureCache.entry(for:)) {
            case .features(let cached):
                rows[i] = cached
                reused += 1
            case .unreadable(let reason):
                warn("warning: \(reason) (skipped)")
                skipped.append((path, reason))
            case nil:
                missing.append(i)
            }
        }
        if !missing.isEmpty {
            let bar = ProgressBar(total: missing.count, kind: .steps(unit: "image"), sink: progress)
            var done = 0
            for start in stride(from: 0, to: missing.count, by: batchSize) {
                if shouldStop() { throw Interrupted() }
                let chunk = missing[start..<min(missing.count, start + batchSize)]
                var images: [Image] = [], positions: [Int] = []
                for i in chunk {
                    do {
                        images.append(try KerasImage.load(paths[i], targetSize: (network.configuration.inputHeight,
                                                                                  network.configuration.inputWidth)))
                        positions.append(i)
                    } catch {
                        let reason = String(describing: error)
                        warn("warning: \(reason) (skipped)")
                        skipped.append((paths[i], reason))
                        if let key = keys[i] { model.featureCache.keep(.unreadable(reason), for: key) }
                    }
                }
                if !images.isEmpty {
                    let pooled = try Self.pooled(network, images)
                    for (row, i) in positions.enumerated() {
                        let features = Array(pooled.scalars[(row * width)..<((row + 1) * width)])
                        rows[i] = features
                        if let key = keys[i] { model.featureCache.keep(.features(features), for: key) }
                    }
                }
                done += chunk.count
                bar.update(done)
            }
            bar.finish(done)
        }
        var features: [Float] = []
        var kept: [Int] = []
        for (i, row) in rows.enumerated() {
            guard let row else { continue }
            features += row
            kept.append(i)
        }
        return Result(features: features, width: width, kept: kept, skipped: skipped,
                      reused: reused)
    }
}
