// PredictionValues.swift — what `predict` gives back: one class (`p[0]`), the
// top-K classes of one image (`p.label`, `p.probability`, `p[0].label`), and
// the results of many images (`r[0].label`, `r.files`). Text is the table a
// learner reads; JSON is `{"type": …, field: value, …}` (docs/commands.md).
import Lang
import Vision

/// One ranked ImageNet class of one image.
struct PredictionValue: HostValue {
    var rank: Int
    var prediction: Prediction

    var typeName: String { "prediction" }
    var fieldNames: [String] { ["rank", "label", "wnid", "index", "probability"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "rank": return .int(rank)
        case "label": return .string(prediction.label)
        case "wnid": return .string(prediction.wnid)
        case "index": return .int(prediction.index)
        case "probability": return .float(Double(prediction.probability))
        default: return nil
        }
    }

    var text: String { "\(prediction.label) \(Format.percent(Double(prediction.probability)))" }
}

/// The top-K classes of one image; its fields are the top-1's, its elements
/// the ranked classes.
struct ImagePredictionsValue: HostValue {
    var path: String
    var classes: [PredictionValue]
    var seconds: Double?

    init(path: String, predictions: [Prediction], seconds: Double?) {
        precondition(!predictions.isEmpty, "ImagePredictionsValue: no predictions for \(path)")
        self.path = path
        self.classes = predictions.enumerated().map { PredictionValue(rank: $0.offset + 1, prediction: $0.element) }
        self.seconds = seconds
    }

    var typeName: String { "predictions" }
    var fieldNames: [String] { ["path", "label", "wnid", "index", "probability", "top", "classes"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "path": return .string(path)
        case "label", "wnid", "index", "probability": return classes[0].field(field)
        case "top": return .int(classes.count)
        case "classes": return .list(classes.map { .host($0) })
        default: return nil
        }
    }

    var elementCount: Int? { classes.count }
    func element(at index: Int) -> Value { .host(classes[index]) }

    var text: String {
        // A trained head's classes have no WordNet ids: no wnid column then.
        let withWNID = classes.contains { !$0.prediction.wnid.isEmpty }
        var table = withWNID
            ? TextTable(["rank", "label", "wnid", "probability"], alignments: [.right, .left, .left, .right])
            : TextTable(["rank", "label", "probability"], alignments: [.right, .left, .right])
        for c in classes {
            let probability = Format.percent(Double(c.prediction.probability))
            table.append(withWNID ? [String(c.rank), c.prediction.label, c.prediction.wnid, probability]
                                  : [String(c.rank), c.prediction.label, probability])
        }
        var lines = [path] + table.lines
        if let seconds { lines.append("time: \(Format.seconds(seconds))") }
        return lines.joined(separator: "\n")
    }
}

/// The results of a glob or a folder: one `predictions` per readable file,
/// in order, and the files that could not be read.
struct PredictionBatchValue: HostValue {
    var pattern: String
    var results: [ImagePredictionsValue]
    var skipped: [String]
    var seconds: Double

    var typeName: String { "prediction_batch" }
    var fieldNames: [String] { ["pattern", "count", "files", "skipped", "seconds"] }

    func field(_ field: String) -> Value? {
        switch field {
        case "pattern": return .string(pattern)
        case "count": return .int(results.count)
        case "files": return .list(results.map { .host($0) })
        case "skipped": return .list(skipped.map { .string($0) })
        case "seconds": return .float(seconds)
        default: return nil
        }
    }

    var elementCount: Int? { results.count }
    func element(at index: Int) -> Value { .host(results[index]) }

    /// One line per file: its top-1 with probability, then the rest of the
    /// top-K compactly (`label 12.34%`).
    var text: String {
        let top = results.first?.classes.count ?? 1
        var headers = ["file", "top-1", "probability"]
        var alignments: [TextTable.Alignment] = [.left, .left, .right]
        if top > 1 {
            headers.append("next")
            alignments.append(.left)
        }
        var table = TextTable(headers, alignments: alignments)
        for r in results {
            var row = [r.path, r.classes[0].prediction.label, Format.percent(Double(r.classes[0].prediction.probability))]
            if top > 1 { row.append(r.classes.dropFirst().map(\.text).joined(separator: ", ")) }
            table.append(row)
        }
        var lines = table.lines
        let skippedNote = skipped.isEmpty ? "" : ", \(skipped.count) skipped"
        lines.append("\(results.count) images\(skippedNote) in \(Format.seconds(seconds))")
        return lines.joined(separator: "\n")
    }
}
