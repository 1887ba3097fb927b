// PooledFeatures.swift — the base's pooled output (global average of
// TransferModel.featureLayer, 2048 per image) for image files, computed in
// batches and kept per model:
// while the base is frozen a file's features never change, so `train head`
// and `evaluate` compute each file once per loaded model and reuse it. Files
// are recognised by path, size and modification time.
import Common
import Foundation

/// Features already computed for one base, by file.
public final class FeatureCache {
    /// A file as it was when its features were computed.
    public struct Key: Hashable, Sendable {
        public var path: String
        public var size: Int
        public var modified: Double
    }

    /// What reading a file gave: its features, or why it could not be read.
    public enum Entry {
        case features([Float])
        case unreadable(String)
    }

    private var store: [Key: Entry] = [:]

    /// An empty cache.
    public init() {}

    /// Files whose outcome is kept.
    public var count: Int { store.count }

    /// The outcome for the file as it is now, if it was read before.
    public func entry(for key: Key) -> Entry? { store[key] }

    /// Keeps a file's outcome.
    public func keep(_ entry: Entry, for key: Key) { store[key] = entry }

    /// The key of `path` as it is on disk now, or nil if it cannot be read.
    public static func key(for path: String) -> Key? {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: absolute),
              let size = attributes[.size] as? Int,
              let modified = attributes[.modificationDate] as? Date else { return nil }
        return Key(path: absolute, size: size, modified: modified.timeIntervalSince1970)
    }
}

/// The pooled base features of a list of files.
public struct PooledFeatures {
    /// One row of `width` features per readable file, in the files' order.
    public var features: [Float]
    /// Features per image (`TransferModel.featureWidth`).
    public var width: Int
    /// Positions (in the given list) of the files that were read.
    public var kept: [Int]
    /// Files that could not be read, with the reason.
    public var skipped: [(path: String, reason: String)]
    /// How many features were taken from the cache rather than computed.
    public var reused: Int

    /// Images per forward pass when computing features or boundary values.
    public static let batchSize = 8
}

extension TransferModel {
    /// The pooled features of the base for one batch of images (same size,
    /// the network's input): `avg_pool` when the network has it, else the
    /// global average of `featureLayer`. (N, featureWidth).
    public func pooledFeatures(_ images: [Image]) throws -> Tensor {
        let x = Preprocessing.inceptionV3(images)
        if network.layerNames.contains("avg_pool") {
            return try network.output(of: "avg_pool", for: x)
        }
        return Kernels.globalAveragePool2D(try network.output(of: Self.featureLayer, for: x))
    }

    /// How many of `paths` have no cached outcome (they would be computed).
    public func uncachedCount(_ paths: [String]) -> Int {
        paths.filter { path in FeatureCache.key(for: path).flatMap(featureCache.entry(for:)) == nil }.count
    }

    /// Features of every readable file in `paths`, using and filling the
    /// feature cache. An unreadable file is skipped and reported to `skip`
    /// with the reason (also when its failure was cached). `progress(done,
    /// total)` follows the images computed (not those reused), after each
    /// batch. Throws `Interrupted` when `shouldStop` becomes true between batches.
    public func features(of paths: [String], skip: (String) -> Void, progress: (Int, Int) -> Void,
                         shouldStop: () -> Bool) throws -> PooledFeatures {
        let width = featureWidth
        let size = (network.configuration.inputHeight, network.configuration.inputWidth)
        var rows = [[Float]?](repeating: nil, count: paths.count)
        var keys = [FeatureCache.Key?](repeating: nil, count: paths.count)
        var missing: [Int] = []
        var skipped: [(path: String, reason: String)] = []
        var reused = 0
        for (i, path) in paths.enumerated() {
            keys[i] = FeatureCache.key(for: path)
            switch keys[i].flatMap(featureCache.entry(for:)) {
            case .features(let cached):
                rows[i] = cached
                reused += 1
            case .unreadable(let reason):
                skip(reason)
                skipped.append((path, reason))
            case nil:
                missing.append(i)
            }
        }
        var done = 0
        let chunks = stride(from: 0, to: missing.count, by: PooledFeatures.batchSize).map {
            Array(missing[$0..<min(missing.count, $0 + PooledFeatures.batchSize)])
        }
        let loader = BatchLoader(chunks.map { $0.map { paths[$0] } }, size: size)
        for chunk in chunks {
            if shouldStop() { throw Interrupted() }
            guard let batch = loader.next() else { break }
            var images: [Image] = [], positions: [Int] = []
            for (i, loaded) in zip(chunk, batch) {
                switch loaded {
                case .success(let image):
                    images.append(image)
                    positions.append(i)
                case .failure(let error):
                    let reason = String(describing: error)
                    skip(reason)
                    skipped.append((paths[i], reason))
                    if let key = keys[i] { featureCache.keep(.unreadable(reason), for: key) }
                }
            }
            if !images.isEmpty {
                let pooled = try pooledFeatures(images)
                for (row, i) in positions.enumerated() {
                    let features = Array(pooled.scalars[(row * width)..<((row + 1) * width)])
                    rows[i] = features
                    if let key = keys[i] { featureCache.keep(.features(features), for: key) }
                }
            }
            done += chunk.count
            progress(done, missing.count)
        }
        var features: [Float] = []
        var kept: [Int] = []
        for (i, row) in rows.enumerated() {
            guard let row else { continue }
            features += row
            kept.append(i)
        }
        return PooledFeatures(features: features, width: width, kept: kept, skipped: skipped, reused: reused)
    }

    /// Runs the frozen bottom of `tuner` once over `items` (`PooledFeatures.batchSize`
    /// images per pass) and keeps its boundary values with each image's label
    /// `labelOf[item.label]`. Unreadable files are reported to `skip` and left
    /// out; `progress(done, total)` after each pass; throws `Interrupted`
    /// when `shouldStop` becomes true between passes.
    public func boundaries(_ items: [ImageFolder.Item], _ tuner: FineTuner, labelOf: [Int], skip: (String) -> Void,
                           progress: (Int, Int) -> Void, shouldStop: () -> Bool) throws -> LabelledBoundary {
        let size = (network.configuration.inputHeight, network.configuration.inputWidth)
        var parts: [[Tensor]] = []
        var labels: [Int] = []
        let batches = stride(from: 0, to: items.count, by: PooledFeatures.batchSize).map {
            items[$0..<min(items.count, $0 + PooledFeatures.batchSize)]
        }
        let loader = BatchLoader(batches.map { $0.map(\.path) }, size: size)
        for batch in batches {
            if shouldStop() { throw Interrupted() }
            var images: [Image] = []
            guard let outcomes = loader.next() else { break }
            for (item, loaded) in zip(batch, outcomes) {
                switch loaded {
                case .success(let image):
                    images.append(image)
                    labels.append(labelOf[item.label])
                case .failure(let error):
                    skip(String(describing: error))
                }
            }
            if !images.isEmpty { parts.append(try tuner.boundary(for: Preprocessing.inceptionV3(images))) }
            progress(batch.endIndex, items.count)
        }
        guard let first = parts.first else { return LabelledBoundary(values: [], labels: []) }
        let values = first.indices.map { k in
            Tensor(shape: [labels.count] + Array(first[k].shape.dropFirst()), scalars: parts.flatMap { $0[k].scalars })
        }
        return LabelledBoundary(values: values, labels: labels)
    }

    /// Loads one batch of image files as Keras' load_img does, one file per
    /// worker thread (decoding and resizing are single-threaded per image,
    /// so a batch decoded one file at a time leaves the other cores idle).
    /// Each file's outcome is in its place; the order never depends on threads.
    static func load(_ paths: [String], size: (Int, Int)) -> [Result<Image, Error>] {
        var outcomes = [Result<Image, Error>?](repeating: nil, count: paths.count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            Parallel.forEach(parts: paths.count) { i in
                slots[i] = Result { try KerasImage.load(paths[i], targetSize: size) }
            }
        }
        return outcomes.map { $0! }
    }
}
