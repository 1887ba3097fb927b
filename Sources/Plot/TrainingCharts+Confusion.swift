// TrainingCharts+Confusion.swift — the confusion matrix as a heatmap:
// matrix[true][predicted], rows = true class (names on the left), columns =
// predicted class (names below, turned a quarter turn when they do not fit a
// cell), each cell coloured by its share of the row total on matplotlib's
// white→blue "Blues" scale, its count printed in black or white (whichever
// contrasts more), a colour bar for the scale on the right, axis titles
// "true" and "predicted" and a title on top.
import Foundation
import Vision

extension TrainingCharts {
    /// The confusion matrix as a picture: `matrix[t][p]` counts the images
    /// of true class `t` predicted as `p`; `classes` names them in the same
    /// order. Cell colour = count / row total (a row of zeros is white);
    /// names longer than `maxLabelCharacters` end in '…'. Meant for 2…~50
    /// classes (cells shrink to 20 pixels, about 1000 pixels for 50).
    public static func confusionImage(matrix: [[Int]], classes: [String], title: String) -> Image {
        checkConfusion(matrix: matrix, classes: classes)
        let layout = confusionLayout(matrix: matrix, classes: classes, title: title)
        var canvas = Canvas(width: layout.width, height: layout.height, fill: background)
        let n = classes.count
        let cell = layout.cell
        let labelHeight = BitmapFont.glyphHeight * layout.labelScale
        drawTitle(layout.title, on: &canvas, y: layout.margin, scale: layout.titleScale)
        // Cells with their counts.
        for t in 0..<n {
            let total = matrix[t].reduce(0, +)
            for p in 0..<n {
                let count = matrix[t][p]
                let colour = heatColour(total > 0 ? Double(count) / Double(total) : 0)
                let x = layout.gridX + p * cell, y = layout.gridY + t * cell
                canvas.fill(x: x, y: y, width: cell, height: cell, colour: colour)
                let text = String(count)
                let w = BitmapFont.width(of: text, scale: layout.countScale)
                BitmapFont.draw(text, on: &canvas, x: x + (cell - w) / 2,
                                y: y + (cell - BitmapFont.glyphHeight * layout.countScale) / 2,
                                scale: layout.countScale, colour: readableTextColour(on: colour))
            }
        }
        canvas.strokeRectangle(x: layout.gridX - 1, y: layout.gridY - 1, width: n * cell + 2, height: n * cell + 2,
                               colour: ink)
        // Class names: rows on the left (right-aligned), columns below.
        for (i, name) in layout.labels.enumerated() {
            let w = BitmapFont.width(of: name, scale: layout.labelScale)
            BitmapFont.draw(name, on: &canvas, x: layout.gridX - 1 - 8 - w,
                            y: layout.gridY + i * cell + (cell - labelHeight) / 2,
                            scale: layout.labelScale, colour: ink, lowercase: true)
            let centre = layout.gridX + i * cell + cell / 2
            if layout.columnLabelsRotated {
                BitmapFont.drawRotated(name, on: &canvas, x: centre - labelHeight / 2, y: layout.columnLabelY,
                                       scale: layout.labelScale, colour: ink, lowercase: true)
            } else {
                BitmapFont.draw(name, on: &canvas, x: centre - w / 2, y: layout.columnLabelY,
                                scale: layout.labelScale, colour: ink, lowercase: true)
            }
        }
        // Axis titles.
        let grid = n * cell
        let predictedWidth = BitmapFont.width(of: "predicted", scale: textScale)
        BitmapFont.draw("predicted", on: &canvas, x: layout.gridX + (grid - predictedWidth) / 2,
                        y: layout.predictedTitleY, scale: textScale, colour: ink, lowercase: true)
        let trueLength = BitmapFont.width(of: "true", scale: textScale)
        BitmapFont.drawRotated("true", on: &canvas, x: layout.margin, y: layout.gridY + (grid - trueLength) / 2,
                               scale: textScale, colour: ink, lowercase: true)
        drawColourBar(layout.colourBar, on: &canvas)
        return canvas.image
    }

    /// Longest class name drawn in full; longer ones are cut and end in '…'.
    public static let maxLabelCharacters = 16

    /// The colour of a cell whose count is `fraction` (0…1) of its row:
    /// piecewise linear through five stops of matplotlib's "Blues", from
    /// near white (0) to dark blue (1); darker as the fraction grows.
    static func heatColour(_ fraction: Double) -> (UInt8, UInt8, UInt8) {
        let stops: [(Double, Double, Double)] = [
            (247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107),
        ]
        let f = min(1, max(0, fraction)) * Double(stops.count - 1)
        let i = min(stops.count - 2, Int(f.rounded(.down)))
        let t = f - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ u: Double, _ v: Double) -> UInt8 { UInt8((u + (v - u) * t).rounded()) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    /// WCAG relative luminance of an sRGB colour (0 black … 1 white).
    static func luminance(_ c: (UInt8, UInt8, UInt8)) -> Double {
        func linear(_ v: UInt8) -> Double {
            let s = Double(v) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(c.0) + 0.7152 * linear(c.1) + 0.0722 * linear(c.2)
    }

    /// Black or white, whichever has the higher WCAG contrast on `background`
    /// (always at least 4.58 : 1).
    static func readableTextColour(on background: (UInt8, UInt8, UInt8)) -> (UInt8, UInt8, UInt8) {
        let l = luminance(background)
        let onBlack = (l + 0.05) / 0.05, onWhite = 1.05 / (l + 0.05)
        return onBlack >= onWhite ? (0, 0, 0) : (255, 255, 255)
    }

    /// Where the parts of a confusion picture go.
    struct ConfusionLayout {
        var width: Int, height: Int
        var margin: Int
        var title: String
        var titleScale: Int
        /// Side of one cell in pixels.
        var cell: Int
        /// Top-left corner of the cell grid (row 0, column 0).
        var gridX: Int, gridY: Int
        var countScale: Int
        var labelScale: Int
        /// Class names as drawn (cut to `maxLabelCharacters`).
        var labels: [String]
        var columnLabelsRotated: Bool
        /// Top of the column labels.
        var columnLabelY: Int
        var predictedTitleY: Int
        var colourBar: Rect
    }

    static func confusionLayout(matrix: [[Int]], classes: [String], title: String) -> ConfusionLayout {
        let n = classes.count
        let margin = 14
        let digits = String(matrix.flatMap { $0 }.max() ?? 0).count
        let cell = max(BitmapFont.advance * digits + 5, 20, min(80, 640 / n))
        let countScale = BitmapFont.width(of: String(repeating: "0", count: digits), scale: 2) + 8 <= cell
            && BitmapFont.glyphHeight * 2 + 6 <= cell ? 2 : 1
        let labelScale = 2
        let labels = classes.map { truncated($0, maxCharacters: maxLabelCharacters) }
        let labelWidths = labels.map { BitmapFont.width(of: $0, scale: labelScale) }
        let widest = labelWidths.max() ?? 0
        let rotated = widest > cell - 4
        let textHeight = BitmapFont.glyphHeight * textScale
        let gridX = margin + textHeight + 10 + widest + 8 + 1
        let gridY = margin + 3 * BitmapFont.glyphHeight + 16
        let grid = n * cell
        let columnLabelY = gridY + grid + 1 + 8
        let columnBand = rotated ? widest : BitmapFont.glyphHeight * labelScale
        let predictedTitleY = columnLabelY + columnBand + 10
        let colourBar = Rect(x: gridX + grid + 1 + 20, y: gridY, width: 16, height: grid)
        var width = colourBar.x + colourBar.width + 1 + tickLength + 4 + colourBarLabelWidth + 10 + textHeight + margin
        width = max(width, BitmapFont.width(of: title, scale: 2) + 2 * margin)
        let titleScale = BitmapFont.width(of: title, scale: 3) <= width - 2 * margin ? 3 : 2
        return ConfusionLayout(width: width, height: predictedTitleY + textHeight + margin, margin: margin,
                               title: fitted(title, width: width - 2 * margin, scale: titleScale),
                               titleScale: titleScale, cell: cell, gridX: gridX, gridY: gridY,
                               countScale: countScale, labelScale: labelScale, labels: labels,
                               columnLabelsRotated: rotated, columnLabelY: columnLabelY,
                               predictedTitleY: predictedTitleY, colourBar: colourBar)
    }

    /// The colour scale, 100% at the top, framed, with ticks at 0, 50, 100%
    /// (and 25, 75% when it is tall enough) and the rotated title "share of row"
    /// when the bar is tall enough for it.
    static func drawColourBar(_ bar: Rect, on canvas: inout Canvas) {
        for y in 0..<bar.height {
            let fraction = 1 - (Double(y) + 0.5) / Double(bar.height)
            canvas.fill(x: bar.x, y: bar.y + y, width: bar.width, height: 1, colour: heatColour(fraction))
        }
        canvas.strokeRectangle(x: bar.x - 1, y: bar.y - 1, width: bar.width + 2, height: bar.height + 2, colour: ink)
        let textHeight = BitmapFont.glyphHeight * textScale
        let percents = bar.height >= 160 ? [0, 25, 50, 75, 100] : [0, 50, 100]
        for percent in percents {
            let y = bar.y + min(bar.height - 1, (100 - percent) * bar.height / 100)
            canvas.fill(x: bar.x + bar.width + 1, y: y, width: tickLength, height: 1, colour: ink)
            BitmapFont.draw("\(percent)%", on: &canvas, x: bar.x + bar.width + 1 + tickLength + 4,
                            y: min(bar.y + bar.height - textHeight / 2, max(bar.y - textHeight / 2, y - textHeight / 2)),
                            scale: textScale, colour: ink)
        }
        let titleLength = BitmapFont.width(of: colourBarTitle, scale: textScale)
        guard titleLength <= bar.height else { return }   // a one-class matrix: no room
        BitmapFont.drawRotated(colourBarTitle, on: &canvas, x: bar.x + bar.width + 1 + tickLength + 4 + colourBarLabelWidth + 10,
                               y: bar.y + (bar.height - titleLength) / 2, scale: textScale, colour: ink, lowercase: true)
    }

    static let colourBarTitle = "share of row"
    static var colourBarLabelWidth: Int { BitmapFont.width(of: "100%", scale: textScale) }

    /// `text` cut to `maxCharacters`, the last being '…' when cut.
    static func truncated(_ text: String, maxCharacters: Int) -> String {
        text.count <= maxCharacters ? text : String(text.prefix(maxCharacters - 1)) + "…"
    }

    /// The contract of every confusion rendering.
    static func checkConfusion(matrix: [[Int]], classes: [String]) {
        precondition(!classes.isEmpty, "TrainingCharts: a confusion matrix needs at least one class")
        precondition(matrix.count == classes.count && matrix.allSatisfy { $0.count == classes.count },
                     "TrainingCharts: the confusion matrix must be \(classes.count)×\(classes.count), one row and column per class")
        precondition(matrix.allSatisfy { $0.allSatisfy { $0 >= 0 } }, "TrainingCharts: confusion counts must not be negative")
    }
}
