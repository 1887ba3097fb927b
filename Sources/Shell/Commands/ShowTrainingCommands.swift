// ShowTrainingCommands.swift — `show history [to DIR]` (loss and accuracy
// curves of the last `train head`, train and validation) and `show confusion
// [to DIR]` (the latest confusion matrix as a heatmap): each a PNG written
// atomically to DIR (history.png, confusion.png), shown in the terminal and
// the notebook, and returned with a compact text rendering.
import Common
import Foundation
import Lang
import Plot
import Vision

/// `show history`: matplotlib plots of history.history['loss'], ['val_loss'], ['accuracy'], ['val_accuracy'].
struct ShowHistoryCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "show history",
        summary: "Plot the last training's loss and accuracy per epoch (train and validation), saved as a PNG.",
        parameters: [
            .keyword("folder", .string, keyword: "to", default: .string("plots"), placeholder: "folder",
                     summary: "where history.png goes (history-fine-tune.png after fine tune; created if missing)"),
        ],
        example: "show history to \"plots\"",
        keras: "plt.plot(history.history['loss']); plt.plot(history.history['val_loss']); …; plt.legend(); plt.show()",
        returns: "chart")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        guard let training = model.training, !training.history.isEmpty else {
            throw CommandError("there is no training history yet",
                               notes: ["train a head first: train head on \"examples/objects\""])
        }
        let history = training.history
        let hasValidation = history.contains { $0.validationLoss != nil }
        var loss = [ChartSeries(name: "train", values: history.map { $0.loss }, dashed: false)]
        var accuracy = [ChartSeries(name: "train", values: history.map { $0.accuracy }, dashed: false)]
        if hasValidation {
            loss.append(ChartSeries(name: "validation", values: history.map(\.validationLoss), dashed: true))
            accuracy.append(ChartSeries(name: "validation", values: history.map(\.validationAccuracy), dashed: true))
        }
        let title = "training history: \(training.folder)"
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: title)
        // One name per kind of training: fine-tuning's curves never replace the head's (Tutorial 03's out/history.png).
        let name = switch training.kind {
        case .head: "history.png"
        case .fineTune: "history-fine-tune.png"
        case .headAndBase: "history-head-and-base.png"
        }
        let path = try PictureFile.write(image, folder: arguments.path("folder")!, name: name)
        session.show(Picture(image: image, title: "\(title), \(history.count) epochs", path: path))
        let ascii = !ChartFile.unicodeTerminal(session.environment)
        return .host(ChartValue(kind: "history", path: path, size: (image.width, image.height),
                                text: ChartFile.trimmed(TrainingCharts.historyText(loss: loss, accuracy: accuracy,
                                                                                   ascii: ascii))))
    }
}

/// `show confusion`: sklearn.metrics.ConfusionMatrixDisplay(confusion_matrix(y, y_pred), display_labels=classes).plot().
struct ShowConfusionCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "show confusion",
        summary: "Draw the latest confusion matrix (validation after train head, or the last evaluate) as a heatmap PNG.",
        parameters: [
            .keyword("folder", .string, keyword: "to", default: .string("plots"), placeholder: "folder",
                     summary: "where confusion.png goes (created if missing)"),
        ],
        example: "show confusion",
        keras: "ConfusionMatrixDisplay(confusion_matrix(y_true, y_pred), display_labels=class_names).plot()",
        returns: "chart")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        guard let confusion = model.training?.confusion else {
            throw CommandError("there is no confusion matrix yet",
                               notes: ["train a head with a validation split, or run: evaluate on \"examples/objects\""])
        }
        let title = "confusion: \(confusion.source)"
        let image = TrainingCharts.confusionImage(matrix: confusion.matrix, classes: confusion.classes, title: title)
        let path = try PictureFile.write(image, folder: arguments.path("folder")!, name: "confusion.png")
        session.show(Picture(image: image, title: title, path: path))
        return .host(ChartValue(kind: "confusion", path: path, size: (image.width, image.height),
                                text: ChartFile.trimmed(TrainingCharts.confusionText(matrix: confusion.matrix,
                                                                                     classes: confusion.classes))))
    }
}

/// Chart text.
enum ChartFile {
    /// `text` without trailing newlines (a result's text never ends with one).
    static func trimmed(_ text: String) -> String {
        String(text.reversed().drop(while: { $0 == "\n" }).reversed())
    }

    /// True unless the environment says the terminal cannot draw Unicode
    /// blocks (TERM=dumb, or a locale that is not UTF-8).
    static func unicodeTerminal(_ environment: [String: String]) -> Bool {
        if environment["TERM"] == "dumb" { return false }
        let locale = environment["LC_ALL"] ?? environment["LC_CTYPE"] ?? environment["LANG"] ?? ""
        return locale.isEmpty || locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
    }
}

/// `chart`: a picture a command drew and saved, with its text rendering.
/// JSON: {"type":"chart","kind":"history","path":"plots/history.png","width":…,"height":…,"text":…}.
struct ChartValue: HostValue {
    var kind: String
    var path: String
    var size: (width: Int, height: Int)
    var text: String

    var typeName: String { "chart" }
    var fieldNames: [String] { ["kind", "path", "width", "height", "text"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "kind": return .string(kind)
        case "path": return .string(path)
        case "width": return .int(size.width)
        case "height": return .int(size.height)
        case "text": return .string(text)
        default: return nil
        }
    }
}
