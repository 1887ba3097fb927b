// TrainingCharts+Text.swift — the training history and the confusion matrix
// as plain text for terminals: one sparkline row per series (at most 24
// marks, each the mean of its epochs, scaled to the panel's own min…max)
// with first / last / best values (one format per panel, digits from its
// range), in at most 80 columns; and the confusion
// matrix as a table with row and column totals. `ascii` avoids Unicode.
import Foundation
import Vision

extension TrainingCharts {
    /// Most marks in a sparkline; longer histories are averaged into this many.
    public static let sparklineWidth = 24

    /// The history as a few lines of text (≤ 80 columns): a header with the
    /// epoch count and column titles, then per panel ("loss", "accuracy") a
    /// line with its scale and one line per series: its sparkline (8 levels
    /// from the panel's lowest to highest value, a space for a gap), then its
    /// first, last and best value (lowest loss, highest accuracy) with the
    /// best epoch. With `ascii`, the marks are `_.-~=+*#` and the dash is '-'.
    ///
    ///     history: epochs 1–4                         first      last      best
    ///     loss (▁ = 0.30, █ = 1.00)
    ///       train       ▇▄▂▁                           0.90      0.30      0.30 @4
    ///       validation  █ ▅▄                           1.00      0.62      0.62 @4
    public static func historyText(loss: [ChartSeries], accuracy: [ChartSeries], ascii: Bool = false) -> String {
        let marks: [Character] = ascii ? Array("_.-~=+*#") : Array("▁▂▃▄▅▆▇█")
        let epochs = max(1, (loss + accuracy).map(\.values.count).max() ?? 1)
        let width = min(epochs, sparklineWidth)
        let dash = ascii ? "-" : "–"
        var header = epochs == 1 ? "history: epoch 1" : "history: epochs 1\(dash)\(epochs)"
        if epochs > sparklineWidth { header += String(format: " (%.1f per mark)", Double(epochs) / Double(width)) }
        var lines = [pad(header, 40) + column("first") + " " + column("last") + " " + column("best")]
        for (name, series, lowerIsBetter) in [("loss", loss, true), ("accuracy", accuracy, false)] where !series.isEmpty {
            let values = series.flatMap(\.points).map(\.value)
            let number = numberFormat(values)
            if let lo = values.min(), let hi = values.max() {
                lines.append(lo == hi ? "\(name) (every mark = \(number(lo)))"
                                      : "\(name) (\(marks.first!) = \(number(lo)), \(marks.last!) = \(number(hi)))")
            } else {
                lines.append(name)
            }
            for s in series {
                let label = "  " + pad(truncated(s.name, maxCharacters: 11), 12)
                let points = s.points
                guard let first = points.first, let last = points.last else {
                    lines.append(label + "(no values)")
                    continue
                }
                let best = points.dropFirst().reduce(first) { best, p in
                    (lowerIsBetter ? p.value < best.value : p.value > best.value) ? p : best
                }
                let spark = sparkline(s.values, epochs: epochs, width: width, lo: values.min()!, hi: values.max()!,
                                      marks: marks)
                lines.append(label + pad(spark, 26) + column(number(first.value)) + " " + column(number(last.value))
                             + " " + column(number(best.value)) + " @\(best.epoch)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The confusion matrix as a table: one row per true class (names cut to
    /// 16 characters), one column per predicted class (names cut to 8), a
    /// "total" column and row, and the share on the diagonal.
    ///
    ///     true \ predicted  cat  dog  total
    ///     cat                 5    1      6
    ///     dog                 0    4      4
    ///     total               5    5     10
    ///     correct: 9 of 10 (90.0%)
    public static func confusionText(matrix: [[Int]], classes: [String]) -> String {
        checkConfusion(matrix: matrix, classes: classes)
        let n = classes.count
        let rowTotals = matrix.map { $0.reduce(0, +) }
        let columnTotals = (0..<n).map { p in matrix.reduce(0) { $0 + $1[p] } }
        let total = rowTotals.reduce(0, +)
        let corner = "true \\ predicted"
        let rowNames = classes.map { truncated($0, maxCharacters: maxLabelCharacters) }
        let firstWidth = ([corner, "total"] + rowNames).map(\.count).max()!
        let columnNames = classes.map { truncated($0, maxCharacters: 8) } + ["total"]
        let columnValues = (0..<n).map { p in matrix.map { $0[p] } + [columnTotals[p]] } + [rowTotals + [total]]
        let widths = zip(columnNames, columnValues).map { name, values in
            max(name.count, values.map { String($0).count }.max()!)
        }
        func line(_ first: String, _ cells: [String]) -> String {
            pad(first, firstWidth) + zip(cells, widths).map { "  " + leftPad($0, $1) }.joined()
        }
        var lines = [line(corner, columnNames)]
        for t in 0..<n { lines.append(line(rowNames[t], (matrix[t] + [rowTotals[t]]).map(String.init))) }
        lines.append(line("total", (columnTotals + [total]).map(String.init)))
        let correct = (0..<n).reduce(0) { $0 + matrix[$1][$1] }
        lines.append(total > 0 ? String(format: "correct: %d of %d (%.1f%%)", correct, total, 100 * Double(correct) / Double(total))
                               : "correct: 0 of 0")
        return lines.joined(separator: "\n") + "\n"
    }

    /// `width` marks for `values` over `epochs` epochs: mark k is the mean of
    /// the finite values of epochs [k·epochs/width, (k+1)·epochs/width), a
    /// space if there are none; level round(7 · (mean − lo) / (hi − lo)),
    /// the middle level when hi == lo.
    static func sparkline(_ values: [Double?], epochs: Int, width: Int, lo: Double, hi: Double,
                          marks: [Character]) -> String {
        precondition(marks.count == 8, "TrainingCharts.sparkline: 8 marks expected, got \(marks.count)")
        var text = ""
        for k in 0..<width {
            let bucket = (k * epochs / width)..<((k + 1) * epochs / width)
            let finite = bucket.compactMap { $0 < values.count ? values[$0] : nil }.filter(\.isFinite)
            guard !finite.isEmpty else {
                text.append(" ")
                continue
            }
            let mean = finite.reduce(0, +) / Double(finite.count)
            let level = hi > lo ? Int((7 * (mean - lo) / (hi - lo)).rounded()) : 3
            text.append(marks[min(7, max(0, level))])
        }
        return text
    }

    /// One format for a panel's values (its scale and every column), with
    /// the digits its range needs: fixed decimals enough to tell its lowest
    /// and highest value apart (2 to 8; 4 when all are equal, as Keras
    /// prints them), so 1.0990 → 1.0979 reads "1.0990" and "1.0979", not
    /// "1.1" twice; 3 significant digits ("1.5e+12") beyond ±100,000.
    static func numberFormat(_ values: [Double]) -> (Double) -> String {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max(), max(abs(lo), abs(hi)) < 1e5 else {
            return { String(format: "%.3g", $0) }
        }
        let decimals = hi > lo ? min(8, max(2, Int((-log10(hi - lo)).rounded(.up)) + 1)) : 4
        return { $0.isFinite ? String(format: "%.\(decimals)f", $0) : String(format: "%.3g", $0) }
    }

    /// `text` padded with spaces on the right to `width` characters.
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `text` padded with spaces on the left to `width` characters.
    static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// A statistics column: right-aligned in 9 characters.
    private static func column(_ text: String) -> String { leftPad(text, 9) }
}
