// PredictCommand.swift — `predict PATH [top K]`: the ImageNet classes of one
// image, of the files a glob matches, or of the images in a folder. Images are
// loaded as keras.utils.load_img does (nearest resize to the model's input),
// preprocessed in 'tf' mode and run through the network 8 at a time.
import Common
import Foundation
import Lang
import Vision

/// `predict`: decode_predictions(model.predict(preprocess_input(x)), top=K).
struct PredictCommand: HostCommand {
    let session: Session
    /// Images per forward pass.
    static let batchSize = 8

    let spec = CommandSpec(
        "predict",
        summary: "Classify an image, a glob of images or a folder of images into ImageNet classes.",
        parameters: [
            .positional("path", .string, placeholder: "image|glob|folder",
                        summary: "a JPEG or PNG file, a glob such as \"examples/testset/*.jpg\", or a folder"),
            .keyword("top", .integer, default: .int(5), range: .integers(1...1000), summary: "how many classes to show per image (with a head: at most its classes)"),
        ],
        example: "predict \"examples/testset/1.jpg\" top 3",
        keras: "decode_predictions(model.predict(preprocess_input(img_to_array(load_img(path, target_size=(299, 299)))[None])), top=3)",
        returns: "predictions")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        guard model.head != nil || model.network.configuration.includeTop else {
            throw CommandError("predict needs the ImageNet classifier, but this model was loaded with top false",
                               notes: ["load one with it: load model inception_v3 top true"])
        }
        let classCount = model.head?.classes.count ?? 1000
        let top = arguments.wasGiven("top") ? arguments.int("top")! : min(arguments.int("top")!, classCount)
        guard (1...classCount).contains(top) else {
            throw CommandError("top must be between 1 and \(classCount), got \(top)", argument: "top",
                               notes: model.head.map { ["the trained head has \($0.classes.count) classes: "
                                                        + $0.classes.joined(separator: ", ")] } ?? [])
        }
        let path = arguments.path("path")!
        let (files, isSingle) = try ImagePaths.expand(path)
        let start = ProgressBar.monotonicSeconds()
        if isSingle {
            let image = try ImagePaths.load(files[0], for: model.network)
            let predictions = try classify([image], model, top: top)[0]
            return .host(ImagePredictionsValue(path: files[0], predictions: predictions,
                                               seconds: ProgressBar.monotonicSeconds() - start))
        }
        let bar = ProgressBar(total: files.count, kind: .steps(unit: "image"), sink: .standardError)
        var results: [ImagePredictionsValue] = []
        var skipped: [String] = []
        var done = 0
        for chunkStart in stride(from: 0, to: files.count, by: Self.batchSize) {
            if context.isInterruptRequested { throw Interrupted() }
            let chunk = files[chunkStart..<min(files.count, chunkStart + Self.batchSize)]
            var images: [Image] = [], names: [String] = []
            for file in chunk {
                do {
                    images.append(try ImagePaths.load(file, for: model.network))
                    names.append(file)
                } catch {
                    Warnings.emit("warning: \(TerminalText.escaped("\(error)")) (skipped)")
                    skipped.append(file)
                }
            }
            if !images.isEmpty {
                for (name, predictions) in zip(names, try classify(images, model, top: top)) {
                    results.append(ImagePredictionsValue(path: name, predictions: predictions, seconds: nil))
                }
            }
            done += chunk.count
            bar.update(done)
        }
        bar.finish(done)
        guard !results.isEmpty else {
            throw CommandError("none of the \(files.count) files matching \"\(path)\" is a readable image", argument: "path")
        }
        return .host(PredictionBatchValue(pattern: path, results: results, skipped: skipped,
                                          seconds: ProgressBar.monotonicSeconds() - start))
    }

    /// The top classes of each image (all of the model's input size): the
    /// trained head's classes when there is one, else ImageNet's.
    private func classify(_ images: [Image], _ model: LoadedModel, top: Int) throws -> [[Prediction]] {
        let probabilities = try model.transfer.probabilities(images)   // (N, classes)
        try Self.checkFinite(probabilities.scalars)
        if let head = model.head { return Self.ranked(probabilities.scalars, classes: head.classes, top: top) }
        return try decodePredictions(probabilities, top: top)
    }

    /// A NaN or infinite probability means broken weights (loading refuses
    /// non-finite ones, but training can diverge): an error, never a table
    /// that looks like an answer.
    static func checkFinite(_ probabilities: [Float]) throws {
        guard probabilities.allSatisfy(\.isFinite) else {
            throw CommandError("the model's output is not a number (NaN or infinite): its weights are broken",
                               notes: ["a head trained with too high a rate can diverge; train it again with a smaller rate"])
        }
    }

    /// The `top` most probable classes per row, by decode_predictions' rule
    /// (Vision's `predictionRanking`: NaN first, ties by the higher index).
    static func ranked(_ probabilities: [Float], classes: [String], top: Int) -> [[Prediction]] {
        let n = classes.count
        return stride(from: 0, to: probabilities.count, by: n).map { start in
            predictionRanking(probabilities[start..<start + n]).prefix(top).map {
                Prediction(index: $0, label: classes[$0], probability: probabilities[start + $0])
            }
        }
    }
}

/// Turning what a learner typed into image files, and loading them as Keras does.
enum ImagePaths {
    /// File extensions taken from a folder (case-insensitive).
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]

    /// The error for a folder without .jpg, .jpeg or .png files, saying what
    /// it has instead: other files by extension (skipped: kungfu decodes
    /// JPEG and PNG only) and sub-folders (a folder of class folders is what
    /// `evaluate on` and `train head on` read).
    static func noImages(in path: String, listing names: [String]) -> CommandError {
        let fm = FileManager.default
        let folders = names.filter { name in
            var isFolder: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: ImageFolder.join(path, name), isDirectory: &isFolder) && isFolder.boolValue
        }
        var notes: [String] = []
        if let skipped = skippedExtensions(names.filter { !$0.hasPrefix(".") && !folders.contains($0) }) {
            notes.append("skipped: \(skipped) (kungfu reads JPEG and PNG)")
        }
        if !folders.isEmpty {
            let shown = folders.prefix(4).joined(separator: ", ") + (folders.count > 4 ? ", …" : "")
            notes.append("it has \(folders.count) sub-folder\(folders.count == 1 ? "" : "s") (\(shown)): a folder of class folders "
                         + "is for evaluate on \"\(path)\" or train head on \"\(path)\"; predict takes images, "
                         + "e.g. predict \"\(ImageFolder.join(path, folders[0]))\"")
        }
        return CommandError("\(path): the folder has no .jpg, .jpeg or .png files", argument: "path", notes: notes)
    }

    /// Files counted by extension, `1 .bmp, 2 .webp`; nil for none.
    static func skippedExtensions(_ names: [String]) -> String? {
        guard !names.isEmpty else { return nil }
        var counts: [String: Int] = [:]
        for name in names {
            let ext = PathText.fileExtension(name).lowercased()
            counts[ext.isEmpty ? "(no extension)" : "." + ext, default: 0] += 1
        }
        return counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// The files `path` names: itself (single), the files a glob in its last
    /// component matches, or the image files of a folder, in natural order
    /// (`2.jpg` before `10.jpg`). Throws when nothing matches.
    static func expand(_ path: String) throws -> (files: [String], isSingle: Bool) {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            let files = try listing(path)
            let names = files.filter { name in
                imageExtensions.contains(PathText.fileExtension(name).lowercased())
            }
            if !names.isEmpty, let skipped = skippedExtensions(files.filter { !names.contains($0) }) {
                Warnings.emit("warning: \(path): skipped \(skipped) (kungfu reads JPEG and PNG)")
            }
            guard !names.isEmpty else {
                throw noImages(in: path, listing: ((try? fm.contentsOfDirectory(atPath: path)) ?? []).sorted(by: naturalOrder))
            }
            return (names.map { ImageFolder.join(path, $0) }, false)
        }
        let folder = PathText.folder(path)
        let last = PathText.lastComponent(path)
        let glob = Glob(last)
        guard glob.hasWildcards else { return ([path], true) }
        if Glob(folder).hasWildcards {
            throw CommandError("\(path): wildcards are only allowed in the file name, not in folders", argument: "path")
        }
        let names = try listing(folder.isEmpty ? "." : folder).filter(glob.matches)
        guard !names.isEmpty else {
            throw CommandError("no file matches \"\(path)\"", argument: "path")
        }
        return (names.map { folder.isEmpty ? $0 : ImageFolder.join(folder, $0) }, false)
    }

    /// The image at `path`, resized (nearest) to the network's input, as keras.utils.load_img.
    static func load(_ path: String, for network: InceptionV3) throws -> Image {
        let config = network.configuration
        do {
            return try KerasImage.load(path, targetSize: (config.inputHeight, config.inputWidth))
        } catch {
            throw CommandError(String(describing: error), argument: "path")
        }
    }

    /// Visible entries of a folder that are not folders, in natural order.
    /// Names that are not valid UTF-8 and links to folders are left out with
    /// one warning line each on stderr.
    private static func listing(_ folder: String) throws -> [String] {
        let listing: FolderListing
        do {
            listing = try FolderListing.read(folder)
        } catch let error as ImageFolderError {
            throw CommandError(error.description, argument: "path")
        }
        for line in ImageFolder.warnings(root: folder, ImageFolder.Omissions(undecodable: listing.undecodable)) {
            Warnings.emit(line)
        }
        return listing.entries.filter { $0.kind == .file }.map(\.name).sorted(by: naturalOrder)
    }

    /// Natural order: runs of digits compare as numbers, the rest by Unicode scalars.
    static func naturalOrder(_ a: String, _ b: String) -> Bool {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        var i = 0, j = 0
        while i < x.count && j < y.count {
            if ("0"..."9").contains(x[i]),
               ("0"..."9").contains(y[j]) {
                var i2 = i, j2 = j
                while i2 < x.count, ("0"..."9").contains(x[i2]) { i2 += 1 }
                while j2 < y.count, ("0"..."9").contains(y[j2]) { j2 += 1 }
                let n = String(String.UnicodeScalarView(x[i..<i2])), m = String(String.UnicodeScalarView(y[j..<j2]))
                let nt = n.drop(while: { $0 == "0" }), mt = m.drop(while: { $0 == "0" })
                if nt.count != mt.count { return nt.count < mt.count }
                if nt != mt { return nt < mt }
                i = i2; j = j2
            } else {
                if x[i] != y[j] { return x[i].value < y[j].value }
                i += 1; j += 1
            }
        }
        return x.count - i < y.count - j || (x.count - i == y.count - j && a < b)
    }
}
