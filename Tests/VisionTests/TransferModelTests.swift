// TransferModelTests.swift — the transfer-learning model: pooled features,
// the feature cache, predictions and layer outputs through a head, and the
// layer lookup freeze and unfreeze use. Oracles: a scalar Float64 average of
// the network's own mixed10 output; the head's own forward pass; the layer
// table of the network (Keras' order, checked against Keras itself in the
// shell's CommandsFreezeTests); files written here with known contents.
import Common
import Foundation
import XCTest
@testable import Vision

final class TransferModelTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "kungfu-transfer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A 139×139 image (the test network's input) of seeded pixels.
    private func photo(_ seed: UInt8) -> Image {
        Image(width: 139, height: 139, pixels: (0..<(139 * 139 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 97) })
    }

    /// Mean over height and width of mixed10, in Float64: (N, channels).
    private func referencePooled(_ network: InceptionV3, _ images: [Image]) throws -> [Double] {
        let maps = try network.output(of: "mixed10", for: Preprocessing.inceptionV3(images))
        let (n, h, w, c) = (maps.shape[0], maps.shape[1], maps.shape[2], maps.shape[3])
        var out = [Double](repeating: 0, count: n * c)
        for i in 0..<n {
            for p in 0..<(h * w) {
                for k in 0..<c { out[i * c + k] += Double(maps.scalars[(i * h * w + p) * c + k]) }
            }
        }
        return out.map { $0 / Double(h * w) }
    }

    func testPooledFeaturesAreTheGlobalAverageOfTheFeatureLayer() throws {
        let model = TransferModel(network: FineTunerTests.model)
        XCTAssertEqual(TransferModel.featureLayer, "mixed10")
        XCTAssertEqual(model.featureWidth, 2048)
        XCTAssertEqual(model.network.layers[model.featureLayerIndex].name, "mixed10")
        let images = [photo(1), photo(2)]
        let pooled = try model.pooledFeatures(images)
        XCTAssertEqual(pooled.shape, [2, 2048])
        let reference = try referencePooled(model.network, images)
        for (got, want) in zip(pooled.scalars, reference) {
            XCTAssertEqual(Double(got), want, accuracy: 1e-5 * max(1, abs(want)))
        }
    }

    func testFeaturesAreComputedOncePerFileAndUnreadableFilesAreSkipped() throws {
        let model = TransferModel(network: FineTunerTests.model)
        let paths = [folder + "/a.png", folder + "/broken.jpg", folder + "/b.png"]
        try photo(1).writePNG(toFile: paths[0])
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: paths[1]))
        try photo(2).writePNG(toFile: paths[2])
        XCTAssertEqual(model.uncachedCount(paths), 3)

        var skipped: [String] = [], progress: [[Int]] = []
        let first = try model.features(of: paths, skip: { skipped.append($0) }, progress: { progress.append([$0, $1]) },
                                       shouldStop: { false })
        XCTAssertEqual(first.kept, [0, 2])
        XCTAssertEqual(first.width, 2048)
        XCTAssertEqual(first.reused, 0)
        XCTAssertEqual(first.skipped.map(\.path), [paths[1]])
        XCTAssertEqual(skipped.count, 1)
        XCTAssertTrue(skipped[0].contains("broken.jpg"), skipped[0])
        XCTAssertEqual(progress, [[3, 3]], "one batch of 3 images")
        let reference = try referencePooled(model.network, [photo(1), photo(2)])
        for (got, want) in zip(first.features, reference) {
            XCTAssertEqual(Double(got), want, accuracy: 1e-5 * max(1, abs(want)))
        }

        // Again: nothing is computed; the unreadable file is reported again.
        XCTAssertEqual(model.uncachedCount(paths), 0)
        progress = []
        let second = try model.features(of: paths, skip: { skipped.append($0) }, progress: { progress.append([$0, $1]) },
                                        shouldStop: { false })
        XCTAssertEqual(second.reused, 2)
        XCTAssertEqual(second.features, first.features)
        XCTAssertEqual(skipped.count, 2)
        XCTAssertEqual(progress, [])

        // A changed file is computed again; a stop request ends the run.
        try photo(3).writePNG(toFile: paths[0])
        XCTAssertThrowsError(try model.features(of: paths, skip: { _ in }, progress: { _, _ in }, shouldStop: { true })) {
            XCTAssertTrue($0 is Interrupted, "\($0)")
        }
    }

    /// A batch's files are decoded on the worker threads; every file's
    /// outcome stays in its place whatever the thread count (oracle: the
    /// 1-thread run, and each file loaded on its own by KerasImage.load).
    func testBatchLoadingKeepsEachFilesOutcomeInPlaceForAnyThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var paths: [String] = []
        for i in 0..<7 {
            let path = folder + "/\(i)." + (i == 3 ? "jpg" : "png")
            if i == 3 {
                try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: path))
            } else {
                try photo(UInt8(i)).writePNG(toFile: path)
            }
            paths.append(path)
        }
        let alone = paths.map { path in Result { try KerasImage.load(path, targetSize: (75, 75)) } }
        for threads in [1, 2, 5] {
            Parallel.threadCount = threads
            let batch = TransferModel.load(paths, size: (75, 75))
            XCTAssertEqual(batch.count, paths.count)
            for (i, (got, want)) in zip(batch, alone).enumerated() {
                switch (got, want) {
                case (.success(let a), .success(let b)):
                    XCTAssertEqual(a.pixels, b.pixels, "file \(i), \(threads) threads")
                case (.failure(let a), .failure(let b)):
                    XCTAssertEqual(String(describing: a), String(describing: b), "file \(i), \(threads) threads")
                default:
                    XCTFail("file \(i), \(threads) threads: \(got) but alone \(want)")
                }
            }
        }
    }

    /// The batch loader gives the batches in order, each file's outcome in
    /// its place, whether a batch was decoded on the workers (the first) or
    /// in the background while the caller worked (the rest), and stops after
    /// the last (oracle: each file loaded on its own by KerasImage.load).
    func testBatchLoaderGivesEachBatchInOrderWhileTheNextIsDecoded() throws {
        var paths: [String] = []
        for i in 0..<7 {
            let path = folder + "/loader\(i)." + (i == 4 ? "jpg" : "png")
            if i == 4 {
                try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: path))
            } else {
                try photo(UInt8(10 + i)).writePNG(toFile: path)
            }
            paths.append(path)
        }
        let alone = paths.map { path in Result { try KerasImage.load(path, targetSize: (75, 75)) } }
        let batches = [Array(paths[0..<3]), Array(paths[3..<6]), [paths[6]]]
        // 0: every later batch in the background; Int.max: none (small photos, the default here).
        for overlapFrom in [0, Int.max, BatchLoader.overlapPixels] {
            let loader = BatchLoader(batches, size: (75, 75), overlapFrom: overlapFrom)
            var got: [Result<Image, Error>] = []
            var given = 0
            while let batch = loader.next() {
                XCTAssertEqual(batch.count, batches[given].count, "batch \(given)")
                given += 1
                // The caller's work on this batch: the next one decodes meanwhile.
                _ = Kernels.globalAveragePool2D(Tensor(shape: [1, 64, 64, 32], scalars: [Float](repeating: 1, count: 131072)))
                got += batch
            }
            XCTAssertEqual(given, batches.count)
            XCTAssertNil(loader.next(), "a finished loader stays finished")
            XCTAssertEqual(got.count, paths.count)
            for (i, (a, b)) in zip(got, alone).enumerated() {
                switch (a, b) {
                case (.success(let x), .success(let y)): XCTAssertEqual(x.pixels, y.pixels, "file \(i)")
                case (.failure(let x), .failure(let y)): XCTAssertEqual(String(describing: x), String(describing: y), "file \(i)")
                default: XCTFail("file \(i): \(a) but alone \(b), overlapping from \(overlapFrom) pixels")
                }
            }
        }
        // Which batches go to the background: by the photos' mean size from
        // their headers (the PNGs are 139×139, 19321 pixels; the bad file counts 0).
        let pngs = [paths[0], paths[1]], withBad = [paths[3], paths[4]]
        XCTAssertFalse(BatchLoader(batches, size: (75, 75)).overlaps(pngs), "small photos decode between passes")
        XCTAssertTrue(BatchLoader(batches, size: (75, 75), overlapFrom: 19321).overlaps(pngs))
        XCTAssertFalse(BatchLoader(batches, size: (75, 75), overlapFrom: 19322).overlaps(pngs))
        XCTAssertFalse(BatchLoader(batches, size: (75, 75), overlapFrom: 9661).overlaps(withBad), "mean 9660.5 pixels")
        XCTAssertTrue(BatchLoader(batches, size: (75, 75), overlapFrom: 9660).overlaps(withBad))
        // A loader dropped mid-way (a stopped training) waits for its decode and leaks nothing.
        var early: BatchLoader? = BatchLoader(batches, size: (75, 75), overlapFrom: 0)
        XCTAssertEqual(early?.next()?.count, 3)
        early = nil
        XCTAssertNil(early)
    }

    func testPredictionsAndLayerOutputsGoThroughTheHead() throws {
        var model = TransferModel(network: FineTunerTests.model)
        let head = Head(inputs: model.featureWidth, classes: ["a", "b", "c"], hidden: 8, dropout: 0.5, seed: 3)
        model.head = head
        let image = photo(4)
        let pooled = try model.pooledFeatures([image])
        let probabilities = try model.probabilities([image])
        XCTAssertEqual(probabilities.shape, [1, 3])
        XCTAssertEqual(probabilities.scalars, head.probabilities(pooled.scalars, count: 1))
        XCTAssertEqual(try model.output(of: Head.poolingLayerName, for: image).scalars, pooled.scalars)
        let hidden = try model.output(of: head.hidden!.name, for: image)
        XCTAssertEqual(hidden.shape, [1, 8])
        XCTAssertEqual(hidden.scalars, head.hidden!.forward(pooled.scalars, count: 1))
        XCTAssertTrue(hidden.scalars.allSatisfy { $0 >= 0 }, "relu")
        XCTAssertEqual(try model.output(of: head.output.name, for: image).scalars, probabilities.scalars,
                       "dropout passes its input on at inference")
        XCTAssertEqual(try model.output(of: "mixed2", for: image).scalars,
                       try model.network.output(of: "mixed2", for: Preprocessing.inceptionV3([image])).scalars)
    }

    func testLayerLookupAndFreezingActOnTheBaseThroughTheFeatureLayer() throws {
        var model = TransferModel(network: FineTunerTests.model)
        XCTAssertEqual(model.baseLayerCount, model.network.layers.count)
        XCTAssertNotNil(model.trainableBaseLayers, "all layers train after loading")
        model.head = Head(inputs: 2048, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 0)
        XCTAssertEqual(model.baseLayerCount, model.featureLayerIndex + 1)
        XCTAssertEqual(model.layerTable.suffix(2).map(\.name), ["global_average_pooling2d", "dense"])
        XCTAssertEqual(try model.baseIndex(of: .name("mixed8"), blockStart: false), model.network.layerNames.firstIndex(of: "mixed8"))
        XCTAssertEqual(try model.baseIndex(of: .name("mixed9"), blockStart: true),
                       model.network.layerNames.firstIndex(of: "mixed8")! + 1, "mixed9 starts right after mixed8")
        let count = model.baseLayerCount
        XCTAssertThrowsError(try model.baseIndex(of: .index(count), blockStart: false)) {
            XCTAssertEqual($0 as? LayerLookupError, .indexOutOfRange(count, baseLayers: count, hasHead: true))
        }
        XCTAssertThrowsError(try model.baseIndex(of: .name("dense"), blockStart: false)) {
            XCTAssertEqual($0 as? LayerLookupError, .headLayer("dense", baseLayers: count))
        }
        XCTAssertThrowsError(try model.baseIndex(of: .name("mixed11"), blockStart: false)) {
            guard case .unknown("mixed11", let candidates)? = $0 as? LayerLookupError else { return XCTFail("\($0)") }
            XCTAssertEqual(candidates.count, count)
        }
        XCTAssertEqual(model.setTrainable(false, 0..<count), count)
        XCTAssertEqual(model.setTrainable(false, 0..<count), 0, "already frozen")
        XCTAssertNil(model.trainableBaseLayers, "a frozen base trains through cached features")
        XCTAssertEqual(model.parameterCounts.trainable, model.head!.parameterCount)
    }

    func testAdoptingATunerTakesItsBaseAndHeadAndDropsTheCache() throws {
        var model = TransferModel(network: FineTunerTests.model)
        let path = folder + "/a.png"
        try photo(1).writePNG(toFile: path)
        _ = try model.features(of: [path], skip: { _ in }, progress: { _, _ in }, shouldStop: { false })
        XCTAssertEqual(model.featureCache.count, 1)
        let head = Head(inputs: 2048, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 0)
        let tuner = try model.fineTuner(head: head, optimizer: .sgd(rate: 0.01, momentum: 0), seed: 0)
        try model.adopt(tuner)
        XCTAssertEqual(model.featureCache.count, 0)
        XCTAssertEqual(model.head, head)
    }
}
