// EvaluateCommand.swift — `evaluate on DIR [worst N]`: runs the trained head
// over every image of a class folder through exactly the training pipeline
// (load_img nearest resize, 'tf' preprocessing, pooled base features) and
// reports loss, accuracy, per-class precision and recall, the confusion
// matrix, and the most confidently wrong files (fastai's top losses).
import Foundation
import Lang
import Plot
import Vision

/// `evaluate`: model.evaluate(ds) plus sklearn's classification_report and confusion_matrix, and fastai's top_losses.
struct EvaluateCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "evaluate",
        summary: "Measure the trained head on a folder of class sub-folders: accuracy, precision, recall, confusion, worst mistakes.",
        parameters: [
            .keyword("folder", .string, keyword: "on", required: true, placeholder: "folder",
                     summary: "a folder with one sub-folder per class, named as the head's classes"),
            .keyword("worst", .integer, default: .int(5), range: .integers(0...1000), summary: "how many of the most confidently wrong files to list"),
        ],
        example: "evaluate on \"examples/objects\"",
        keras: "model.evaluate(ds); sklearn.metrics.classification_report(y, y_pred); confusion_matrix(y, y_pred)",
        returns: "evaluation")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        guard let head = model.head else {
            throw CommandError("no head to evaluate: the model still has its ImageNet classifier",
                               notes: ["train one first: train head on \"examples/objects\""])
        }
        let worst = arguments.int("worst")!
        let path = arguments.path("folder")!
        let folder = try ImageFolder.scan(path, argument: "folder")
        let labelOf = try folder.labels(in: head)
        let shouldStop = { context.isInterruptRequested }
        let result = try TrainingData.features(of: folder.items.map(\.path), model: model, context: context,
                                               explain: false, shouldStop: shouldStop)
        guard !result.kept.isEmpty else {
            throw CommandError("none of the \(folder.items.count) files in \(path) is a readable image", argument: "folder")
        }
        let items = result.kept.map { folder.items[$0] }
        let data = LabelledFeatures(features: result.features, labels: items.map { labelOf[$0.label] },
                                    width: result.width)
        let evaluation = head.evaluate(data)
        let confusion = ConfusionRecord(matrix: evaluation.confusion, classes: head.classes, source: "images of \(path)")
        var training = model.training ?? TrainingRecord(folder: path, history: [], confusion: nil)
        training.confusion = confusion
        model.training = training
        session.model = model
        return .host(EvaluationValue(folder: path, classes: head.classes, paths: items.map(\.path), labels: data.labels,
                                     evaluation: evaluation, worst: worst, skipped: result.skipped.count))
    }
}

/// `evaluation`: the head's scores on one folder. JSON:
///   {"type":"evaluation","folder":…,"images":108,"skipped":0,"loss":0.21,"accuracy":0.94,
///    "classes":[{"class":"fish","precision":1.0,"recall":0.96,"support":28},…],
///    "confusion":[[27,1,0,0],…],"worst":[{"path":…,"true":"tool","predicted":"fish","probability":0.91,"loss":3.2},…]}
/// (precision is null for a class nothing was predicted as).
struct EvaluationValue: HostValue {
    var folder: String
    var classes: [String]
    var paths: [String]
    /// The true class of each image (index into `classes`).
    var labels: [Int]
    var evaluation: Evaluation
    var worst: Int
    var skipped: Int

    var typeName: String { "evaluation" }
    var fieldNames: [String] { ["folder", "images", "skipped", "loss", "accuracy", "classes", "confusion", "worst"] }

    /// Support (true images) per class.
    var support: [Int] { evaluation.confusion.map { $0.reduce(0, +) } }

    /// The wrong predictions, most confident first (ties: the larger loss, then the path).
    var mistakes: [(path: String, truth: Int, predicted: Int, probability: Float, loss: Double)] {
        let n = classes.count
        var wrong: [(path: String, truth: Int, predicted: Int, probability: Float, loss: Double)] = []
        for (i, path) in paths.enumerated() {
            let truth = labels[i], predicted = evaluation.predicted[i]
            if truth != predicted {
                wrong.append((path, truth, predicted, evaluation.probabilities[i * n + predicted], evaluation.losses[i]))
            }
        }
        return wrong.sorted { a, b in
            a.probability != b.probability ? a.probability > b.probability
                : a.loss != b.loss ? a.loss > b.loss : a.path < b.path
        }
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "folder": return .string(folder)
        case "images": return .int(paths.count)
        case "skipped": return .int(skipped)
        case "loss": return .float(evaluation.loss)
        case "accuracy": return .float(evaluation.accuracy)
        case "classes":
            return .list(classes.indices.map { c in
                .host(ClassScoreValue(name: classes[c], precision: evaluation.precision[c],
                                      recall: evaluation.recall[c], support: support[c]))
            })
        case "confusion": return .list(evaluation.confusion.map { .list($0.map { .int($0) }) })
        case "worst":
            return .list(mistakes.prefix(worst).map { m in
                .host(MistakeValue(path: m.path, truth: classes[m.truth], predicted: classes[m.predicted],
                                   probability: Double(m.probability), loss: m.loss))
            })
        default: return nil
        }
    }

    var text: String {
        var lines = ["\(folder): \(paths.count) images"
                     + (skipped > 0 ? " (\(skipped) unreadable skipped)" : "")
                     + ", loss \(ProgressBar.metricValue(evaluation.loss)), accuracy \(Format.percent(evaluation.accuracy))", ""]
        var table = TextTable(["class", "precision", "recall", "images"], alignments: [.left, .right, .right, .right])
        for c in classes.indices {
            table.append([classes[c], evaluation.precision[c].map(Format.percent) ?? "-",
                          evaluation.recall[c].map(Format.percent) ?? "-", String(support[c])])
        }
        lines += table.lines
        lines += ["", "confusion matrix (rows: true class, columns: predicted):"]
        lines += TrainingCharts.confusionText(matrix: evaluation.confusion, classes: classes)
            .split(separator: "\n").map(String.init)
        let wrong = mistakes
        if worst > 0 {
            lines.append("")
            if wrong.isEmpty {
                lines.append("no mistakes")
            } else {
                lines.append("most confidently wrong (\(min(worst, wrong.count)) of \(wrong.count)):")
                var table = TextTable(["file", "true", "predicted", "probability", "loss"],
                                      alignments: [.left, .left, .left, .right, .right])
                for m in wrong.prefix(worst) {
                    table.append([m.path, classes[m.truth], classes[m.predicted], Format.percent(Double(m.probability)),
                                  ProgressBar.metricValue(m.loss)])
                }
                lines += table.lines
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// One class's scores in an evaluation.
struct ClassScoreValue: HostValue {
    var name: String
    var precision: Double?
    var recall: Double?
    var support: Int

    var typeName: String { "class score" }
    var fieldNames: [String] { ["class", "precision", "recall", "support"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "class": return .string(name)
        case "precision": return precision.map { .float($0) }
        case "recall": return recall.map { .float($0) }
        case "support": return .int(support)
        default: return nil
        }
    }

    var text: String {
        "\(name): precision \(precision.map(Format.percent) ?? "-"), recall \(recall.map(Format.percent) ?? "-"), \(support) images"
    }
}

/// One confidently wrong file.
struct MistakeValue: HostValue {
    var path: String
    var truth: String
    var predicted: String
    var probability: Double
    var loss: Double

    var typeName: String { "mistake" }
    var fieldNames: [String] { ["path", "true", "predicted", "probability", "loss"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "path": return .string(path)
        case "true": return .string(truth)
        case "predicted": return .string(predicted)
        case "probability": return .float(probability)
        case "loss": return .float(loss)
        default: return nil
        }
    }

    var text: String { "\(path): \(truth), predicted \(predicted) (\(Format.percent(probability)))" }
}
