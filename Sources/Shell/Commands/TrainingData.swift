// TrainingData.swift — what `train head`, `fine tune` and `evaluate` say
// around Vision's data pipeline: the folder scan (its errors with what to
// do, its warnings about names left out), the seeded split, and the pooled
// base features (how many are computed and why once is enough, a progress
// bar, a warning per unreadable file). The work itself is Vision's:
// ImageFolder, ImageFolder.split, TransferModel.features(of:…).
import Common
import Foundation
import Lang
import Vision

extension ImageFolder {
    /// Scans `root` as Vision's `scan` does; its errors become command errors
    /// at `argument` with what to do, and names left out are warned about (Warnings: stderr and the notebook).
    static func scan(_ root: String, argument: String?) throws -> ImageFolder {
        do {
            return try scan(root, omitted: { omissions in
                for line in Self.warnings(root: root, omissions) { Warnings.emit(line) }
            })
        } catch let error as ImageFolderError {
            throw CommandError(error.description, argument: argument, notes: error.notes)
        }
    }

    /// One warning line per kind of name a walk left out:
    /// `warning: 2 names are not valid UTF-8 and were skipped (rename to use): photos/a/caf\xe9.jpg, …`.
    static func warnings(root: String, _ omissions: Omissions) -> [String] {
        func sample(_ paths: [String]) -> String {
            paths.prefix(5).map { TerminalText.escaped($0) }.joined(separator: ", ") + (paths.count > 5 ? ", …" : "")
        }
        var lines: [String] = []
        let undecodable = omissions.undecodable, linked = omissions.linkedFolders, revisited = omissions.revisited
        if !undecodable.isEmpty {
            lines.append("warning: \(undecodable.count) name\(undecodable.count == 1 ? " is" : "s are") not valid UTF-8 "
                         + "and \(undecodable.count == 1 ? "was" : "were") skipped (rename to use): "
                         + undecodable.prefix(5).map { TerminalText.escaped(bytes: $0) }.joined(separator: ", ")
                         + (undecodable.count > 5 ? ", …" : ""))
        }
        if !linked.isEmpty {
            lines.append("warning: \(linked.count) symbolic link\(linked.count == 1 ? "" : "s") to folders "
                         + "not followed (a link can lead out of \(TerminalText.escaped(root)) or back into it): "
                         + sample(linked))
        }
        if !revisited.isEmpty {
            lines.append("warning: \(revisited.count) folder\(revisited.count == 1 ? "" : "s") already listed under "
                         + "another name, not listed again: \(sample(revisited))")
        }
        return lines
    }

    /// `found 108 files in 4 classes: fish 28, monument 27, tool 39, windmill 14`.
    var foundLine: String {
        "found \(items.count) files in \(classes.count) classes: "
            + zip(classes, counts).map { "\($0) \($1)" }.joined(separator: ", ")
    }

    /// The head's class index of each class folder (Vision's `labels(in:)`),
    /// an error at `folder` naming the head's classes otherwise.
    func labels(in head: Head) throws -> [Int] {
        do { return try labels(in: head.classes) } catch let error as ImageFolderError {
            throw CommandError(error.description, argument: "folder", notes: error.notes)
        }
    }
}

extension ImageFolderError {
    /// What the learner can do about it.
    var notes: [String] {
        switch self {
        case .notAFolder: return ["give a folder such as examples/objects, with one sub-folder per class"]
        case .tooFewClasses(let root, _):
            return ["make one sub-folder per class, e.g. \(root)/cats and \(root)/dogs, "
                    + "and put each class's images in its folder"]
        case .emptyClass: return ["every class needs images; add some or remove the folder"]
        case .noReadableImages: return ["every class needs at least one image the model can learn from"]
        case .notAHeadClass(_, let classes): return ["the head knows: " + classes.joined(separator: ", ")]
        case .noSuchFolder, .cannotList, .tooManyFiles: return []
        }
    }
}

/// Labelled features ready for the head, with per-class counts.
struct TrainingData {
    /// Training images' features and labels.
    var train: LabelledFeatures
    /// Validation images' features and labels, nil when none are held out.
    var validation: LabelledFeatures?
    /// Readable training images per class.
    var trainCounts: [Int]
    /// Readable validation images per class.
    var validationCounts: [Int]
    /// Features per image.
    var width: Int

    /// Splits `folder` (per class, seeded) and computes the features of its
    /// readable images, printing what it does. Throws when a class is left
    /// without readable images.
    static func prepare(_ folder: ImageFolder, model: LoadedModel, validation: Double, seed: UInt64,
                        context: CommandContext, shouldStop: () -> Bool) throws -> TrainingData {
        context.print(folder.foundLine)
        let (trainItems, validationItems) = folder.split(validation: validation, seed: seed)
        let all = trainItems + validationItems
        let result = try features(of: all.map(\.path), model: model, context: context, shouldStop: shouldStop)
        let readable = Set(result.kept)

        func labelled(_ range: Range<Int>) -> (LabelledFeatures?, [Int]) {
            var features: [Float] = [], labels: [Int] = []
            var perClass = [Int](repeating: 0, count: folder.classes.count)
            for (row, index) in result.kept.enumerated() where range.contains(index) {
                features += result.features[(row * result.width)..<((row + 1) * result.width)]
                labels.append(all[index].label)
                perClass[all[index].label] += 1
            }
            return labels.isEmpty ? (nil, perClass)
                : (LabelledFeatures(features: features, labels: labels, width: result.width), perClass)
        }
        let (train, trainCounts) = labelled(0..<trainItems.count)
        let (held, validationCounts) = labelled(trainItems.count..<all.count)
        for (label, name) in folder.classes.enumerated() where trainCounts[label] == 0 {
            let unreadable = all.indices.filter { all[$0].label == label && !readable.contains($0) }.count
            let error = ImageFolderError.noReadableImages(name: name, unreadable: unreadable)
            throw CommandError(error.description, argument: "folder", notes: error.notes)
        }
        context.print(splitLine(folder.classes, trainCounts, validationCounts, validation: validation, seed: seed,
                                held: held != nil))
        return TrainingData(train: train!, validation: held, trainCounts: trainCounts,
                            validationCounts: validationCounts, width: result.width)
    }

    /// `split (seed 0, validation 0.2 of each class): train 87 (fish 22, …), validation 21 (…)`,
    /// or the line saying all images train.
    static func splitLine(_ classes: [String], _ trainCounts: [Int], _ validationCounts: [Int], validation: Double,
                          seed: UInt64, held: Bool) -> String {
        func describe(_ counts: [Int]) -> String {
            "\(counts.reduce(0, +)) (" + zip(classes, counts).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
        }
        return held
            ? "split (seed \(seed), validation \(TrainingHistoryValue.number(validation)) of each class): "
                + "train \(describe(trainCounts)), validation \(describe(validationCounts))"
            : "no validation split: all \(trainCounts.reduce(0, +)) readable images train"
    }

    /// The pooled features of `paths`, saying how many are computed (and,
    /// with `explain`, why once is enough); a progress bar and the warnings
    /// for unreadable files go to stderr.
    static func features(of paths: [String], model: LoadedModel, context: CommandContext, explain: Bool = true,
                         shouldStop: () -> Bool) throws -> PooledFeatures {
        let fresh = model.transfer.uncachedCount(paths)
        if fresh > 0 {
            context.print("computing base features of \(fresh) image\(fresh == 1 ? "" : "s") "
                          + "(\(model.name) through \(TransferModel.featureLayer), averaged to "
                          + "\(model.featureWidth) numbers each); "
                          + (explain ? "the base is not trained here, so they never change and are computed once for this model"
                                     : "they are kept until the base changes"))
        }
        let bar = fresh > 0 ? ProgressBar(total: fresh, kind: .steps(unit: "image"), sink: .standardError) : nil
        var done = 0
        let result = try model.transfer.features(of: paths, skip: warnSkipped, progress: { current, _ in
            done = current
            bar?.update(current)
        }, shouldStop: shouldStop)
        bar?.finish(done)
        if result.reused > 0 {
            context.print("reusing the base features of \(result.reused) image\(result.reused == 1 ? "" : "s") "
                          + "computed before with this model")
        }
        return result
    }

    /// Runs `tuner`'s frozen bottom over `items` (Vision's `boundaries`),
    /// with a progress bar and warnings on stderr, then says what it kept.
    static func boundaries(_ items: [ImageFolder.Item], _ tuner: FineTuner, model: LoadedModel, labelOf: [Int],
                           context: CommandContext, shouldStop: () -> Bool, what: String) throws -> LabelledBoundary {
        let bar = ProgressBar(total: items.count, kind: .steps(unit: "image"), sink: .standardError)
        var done = 0
        let kept = try model.transfer.boundaries(items, tuner, labelOf: labelOf, skip: warnSkipped, progress: { current, _ in
            done = current
            bar.update(current)
        }, shouldStop: shouldStop)
        bar.finish(done)
        context.print("kept the \(what) images' \(tuner.boundaryLayerNames.joined(separator: ", ")) outputs: "
                      + "\(kept.labels.count) images, "
                      + "\(Format.grouped(kept.values.map(\.count).reduce(0, +) * 4 / 1_048_576)) MB")
        return kept
    }

    /// `warning: REASON (skipped)` on stderr and in the notebook, for a file that could not be read.
    static func warnSkipped(_ reason: String) {
        Warnings.emit("warning: \(TerminalText.escaped(reason)) (skipped)")
    }
}
