// TrainingData.swift — the pipeline `train head` and `evaluate` share: a
// scanned class folder → (split) → images loaded as Keras' load_img does
// (nearest resize to the input, 'tf' preprocessing) → pooled base features,
// computed once per model and file. It says what it found and why the
// features may be computed only once.
import Foundation
import Lang
import Vision

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
            throw CommandError("class '\(name)' has no readable training images"
                               + (unreadable > 0 ? " (\(unreadable) could not be read)" : ""), argument: "folder",
                               notes: ["every class needs at least one image the model can learn from"])
        }
        func describe(_ counts: [Int]) -> String {
            "\(counts.reduce(0, +)) (" + zip(folder.classes, counts).map { "\($0) \($1)" }.joined(separator: ", ") + ")"
        }
        context.print(validation > 0
            ? "split (seed \(seed), validation \(TrainingHistoryValue.number(validation)) of each class): "
                + "train \(describe(trainCounts)), validation \(describe(validationCounts))"
            : "no validation split: all \(trainCounts.reduce(0, +)) readable images train")
        return TrainingData(train: train!, validation: held, trainCounts: trainCounts,
                            validationCounts: validationCounts, width: result.width)
    }

    /// The pooled features of `paths`, saying how many are computed (and,
    /// with `explain`, why once is enough); warnings for unreadable files go to stderr.
    static func features(of paths: [String], model: LoadedModel, context: CommandContext, explain: Bool = true,
                         shouldStop: () -> Bool) throws -> PooledFeatures.Result {
        let fresh = paths.filter { path in
            FeatureCache.key(for: path).flatMap(model.featureCache.entry(for:)) == nil
        }.count
        if fresh > 0 {
            context.print("computing base features of \(fresh) image\(fresh == 1 ? "" : "s") "
                          + "(\(model.name) through mixed10, averaged to 2048 numbers each); "
                          + (explain ? "the base is not trained here, so they never change and are computed once for this model"
                                     : "they are kept until the base changes"))
        }
        let result = try PooledFeatures.compute(paths, model: model, warn: { message in
            StandardStream.error.write(TerminalText.escaped(message) + "\n")
        }, progress: .standardError, shouldStop: shouldStop)
        if result.reused > 0 {
            context.print("reusing the base features of \(result.reused) image\(result.reused == 1 ? "" : "s") "
                          + "computed before with this model")
        }
        return result
    }
}
