// TrainingValues.swift — what `train head` returns: the per-epoch history
// (Keras' History.history) with the classes and the split. JSON:
//   {"type":"history","trained":"head","folder":"examples/objects","classes":["fish",…],
//    "train_images":[22,22,31,11],"validation_images":[6,5,8,3],"epochs":10,"completed":10,"stopped":false,
//    "loss":[…],"accuracy":[…],"val_loss":[…],"val_accuracy":[…],"seconds":[…]}
// (val_loss and val_accuracy are empty lists without validation; "trained" is
// "head" for train head, "fine-tune" for fine tune).
import Lang
import Vision

/// `history`: the epochs of one `train head` run.
struct TrainingHistoryValue: HostValue {
    var folder: String
    var classes: [String]
    var trainCounts: [Int]
    var validationCounts: [Int]
    var history: [EpochRecord]
    /// Epochs asked for.
    var epochs: Int
    /// True when Ctrl-C ended the run early.
    var stopped: Bool
    /// What trained: the head alone, or the head with the unfrozen base.
    var kind: Kind = .head

    /// What a run trained.
    enum Kind: String {
        case head
        case fineTune = "fine-tune"
        /// `train head` over a base that was not frozen: head and base trained together.
        case headAndBase = "head-and-base"
    }

    var typeName: String { "history" }
    var fieldNames: [String] {
        ["trained", "folder", "classes", "train_images", "validation_images", "epochs", "completed", "stopped",
         "loss", "accuracy", "val_loss", "val_accuracy", "seconds"]
    }

    func field(_ field: String) -> Value? {
        switch field {
        case "trained": return .string(kind.rawValue)
        case "folder": return .string(folder)
        case "classes": return .list(classes.map { .string($0) })
        case "train_images": return .list(trainCounts.map { .int($0) })
        case "validation_images": return .list(validationCounts.map { .int($0) })
        case "epochs": return .int(epochs)
        case "completed": return .int(history.count)
        case "stopped": return .bool(stopped)
        case "loss": return .list(history.map { .float($0.loss) })
        case "accuracy": return .list(history.map { .float($0.accuracy) })
        case "val_loss": return .list(history.compactMap(\.validationLoss).map { .float($0) })
        case "val_accuracy": return .list(history.compactMap(\.validationAccuracy).map { .float($0) })
        case "seconds": return .list(history.map { .float($0.seconds) })
        default: return nil
        }
    }

    /// One line: what was trained and where it ended. After Ctrl-C it says,
    /// once, what was kept (the commands print no other stop message).
    var text: String {
        guard let last = history.last else {
            if stopped {
                return "stopped by Ctrl-C before the first epoch ended on \(folder): "
                    + (kind == .head ? "no new head, the model is as it was" : "the model is unchanged")
            }
            return "no epoch completed on \(folder): " + (kind == .head ? "no head was trained" : "the model is unchanged")
        }
        let what = switch kind {
        case .head: "head trained"
        case .fineTune: "head and unfrozen base fine-tuned"
        case .headAndBase: "head and trainable base trained"
        }
        let epochsText = "\(history.count) epoch\(history.count == 1 ? "" : "s")"
        let classesText = "(\(classes.count) classes: \(classes.joined(separator: ", ")))"
        var text = stopped
            ? "stopped by Ctrl-C after epoch \(history.count) of \(epochs): kept "
                + (kind == .head ? "the head" : "the weights") + " of epoch \(history.count) (\(what) on \(folder) \(classesText))"
            : "\(what) on \(folder) \(classesText) for \(epochsText)"
        text += ": loss \(ProgressBar.metricValue(last.loss)), accuracy \(Format.percent(last.accuracy))"
        if let loss = last.validationLoss, let accuracy = last.validationAccuracy {
            text += ", val_loss \(ProgressBar.metricValue(loss)), val_accuracy \(Format.percent(accuracy))"
        }
        return text
    }

    /// A short decimal for messages: 0.001 → "0.001", 0.2 → "0.2", 1e-05 →
    /// "1e-05" (Lang's `ValueRange.number`, the one number formatter).
    static func number(_ x: Double) -> String { ValueRange.number(x) }

    /// The same for a Float, by its own shortest spelling (0.001, not 0.0010000000474974513).
    static func number(_ x: Float) -> String { ValueRange.number(x) }
}
