// TrainingCharts.swift — the training history as a picture, matplotlib style:
// two panels side by side ("loss" and "accuracy" against epoch 1…n), each
// with a framed plot area, light grid, outward ticks with round-number
// labels, axis titles, its series (solid or dashed, one colour per series
// index) and a legend placed where it covers the fewest data; a title on top.
// A value that is nil or not finite is a gap. Text renderings and the
// confusion matrix live in TrainingCharts+Text.swift and +Confusion.swift.
import Vision

/// One curve of a chart: a value per epoch (index 0 is epoch 1).
///
///     ChartSeries(name: "validation", values: [0.71, nil, 0.52], dashed: true)
public struct ChartSeries: Sendable, Equatable {
    /// The legend text ("train", "validation").
    public var name: String
    /// One value per epoch, epoch 1 first; nil (or a non-finite value) is a gap.
    public var values: [Double?]
    /// Drawn dashed (validation, by convention) instead of solid.
    public var dashed: Bool

    /// A named series; `dashed` defaults to a solid line.
    public init(name: String, values: [Double?], dashed: Bool = false) {
        self.name = name
        self.values = values
        self.dashed = dashed
    }

    /// (epoch, value) for every finite value, epochs counted from 1.
    var points: [(epoch: Int, value: Double)] {
        values.enumerated().compactMap { i, v in
            guard let v, v.isFinite else { return nil }
            return (i + 1, v)
        }
    }

    /// Runs of consecutive finite values, as (epoch, value) lists.
    var runs: [[(epoch: Int, value: Double)]] {
        var runs: [[(epoch: Int, value: Double)]] = []
        var current: [(epoch: Int, value: Double)] = []
        for (i, v) in values.enumerated() {
            if let v, v.isFinite {
                current.append((i + 1, v))
            } else if !current.isEmpty {
                runs.append(current)
                current = []
            }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }
}

/// Pictures and text of a training run: loss/accuracy curves and the
/// confusion matrix, for notebooks (PNG via `Image.pngData()`) and terminals.
///
///     let loss = [ChartSeries(name: "train", values: [0.9, 0.5, 0.3]),
///                 ChartSeries(name: "validation", values: [1.0, 0.7, 0.6], dashed: true)]
///     let picture = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "pets head")
public enum TrainingCharts {
    /// Series colours by index (matplotlib's tab10: blue, orange, green, red, purple, brown).
    public static let palette: [(UInt8, UInt8, UInt8)] = [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    ]
    /// Text, frame and tick colour (near black).
    public static let ink: (UInt8, UInt8, UInt8) = (38, 38, 38)
    /// Grid line colour (light grey, behind the data).
    public static let gridColour: (UInt8, UInt8, UInt8) = (232, 232, 232)
    /// Picture background.
    public static let background: (UInt8, UInt8, UInt8) = (255, 255, 255)
    /// Legend frame colour.
    public static let legendFrame: (UInt8, UInt8, UInt8) = (204, 204, 204)
    /// Curve width in pixels.
    public static let lineWidth = 2.0
    /// Dash pattern of dashed series, in pixels along the curve.
    public static let dash = (on: 7.0, off: 5.0)
    /// Series with at most this many epochs get a marker on every point.
    public static let markerLimit = 30
    /// Marker radius in pixels.
    public static let markerRadius = 3.5

    /// The loss and accuracy curves as one picture: two panels side by side,
    /// each against epoch 1…n, with axes, round-number ticks, axis titles
    /// ("epoch", "loss" / "accuracy"), a legend and `title` above. The
    /// accuracy axis always shows 0…1. One epoch draws markers; huge values
    /// get exponent tick labels; nil and non-finite values are gaps.
    public static func historyImage(loss: [ChartSeries], accuracy: [ChartSeries], title: String) -> Image {
        let layout = historyLayout(loss: loss, accuracy: accuracy, title: title)
        var canvas = Canvas(width: layout.width, height: layout.height, fill: background)
        drawTitle(layout.title, on: &canvas, y: layout.margin, scale: layout.titleScale)
        for (panel, series) in zip(layout.panels, [loss, accuracy]) {
            drawPanel(panel, series: series, epochs: layout.epochs, on: &canvas)
        }
        return canvas.image
    }

    // MARK: Layout

    /// A rectangle in whole pixels.
    struct Rect: Equatable {
        var x: Int, y: Int, width: Int, height: Int
        func contains(_ p: Canvas.Point) -> Bool {
            p.x >= Double(x) && p.x < Double(x + width) && p.y >= Double(y) && p.y < Double(y + height)
        }
    }

    /// Where one panel's parts go and how data maps to pixels.
    struct PanelLayout {
        var name: String
        /// The data area; the frame is the 1-pixel ring just outside it.
        var plot: Rect
        var xDomain: ClosedRange<Double>
        var yDomain: ClosedRange<Double>
        var xTicks: [Double], xLabels: [String]
        var yTicks: [Double], yLabels: [String]
        /// Left edge of the rotated y-axis title.
        var yTitleX: Int
        /// Top of the x tick labels.
        var xLabelY: Int
        /// The legend box, nil when no series has a value.
        var legend: Rect?
        /// The series listed in the legend (indexes into the panel's series).
        var legendEntries: [Int]

        /// The pixel position of (epoch, value): linear in both, y upwards.
        func point(epoch: Double, value: Double) -> Canvas.Point {
            let fx = (epoch - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound)
            let fy = (value - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound)
            return (Double(plot.x) + fx * Double(plot.width), Double(plot.y) + (1 - fy) * Double(plot.height))
        }
    }

    /// The whole history picture's geometry.
    struct HistoryLayout {
        var width: Int, height: Int
        var margin: Int
        var title: String
        var titleScale: Int
        var epochs: Int
        var panels: [PanelLayout]
    }

    static let plotWidth = 440, plotHeight = 280
    static let textScale = 2
    static let tickLength = 5
    static let legendPadding = 8, legendSwatch = 30, legendRow = 20

    /// The geometry of `historyImage` for these series (tests probe through it).
    static func historyLayout(loss: [ChartSeries], accuracy: [ChartSeries], title: String) -> HistoryLayout {
        let epochs = max(1, (loss + accuracy).map(\.values.count).max() ?? 1)
        let margin = 14
        let textHeight = BitmapFont.glyphHeight * textScale
        let top = margin + 3 * BitmapFont.glyphHeight + 16
        let xDomain = ChartAxis.paddedDomain(lo: 1, hi: Double(epochs))
        let xStep = ChartAxis.niceStep(span: xDomain.upperBound - xDomain.lowerBound, maxTicks: 7, integer: true)
        let xTicks = ChartAxis.ticks(in: xDomain, step: xStep).filter { $0 >= 1 }
        let xLabels = ChartAxis.labels(xTicks, step: xStep)
        var panels: [PanelLayout] = []
        var left = margin
        for (name, series) in [("loss", loss), ("accuracy", accuracy)] {
            let values = series.flatMap(\.points).map(\.value)
            let yDomain: ClosedRange<Double>
            if name == "accuracy" {
                yDomain = ChartAxis.paddedDomain(lo: min(0, values.min() ?? 0), hi: max(1, values.max() ?? 1))
            } else {
                yDomain = values.isEmpty ? 0...1 : ChartAxis.paddedDomain(lo: values.min()!, hi: values.max()!)
            }
            let yStep = ChartAxis.niceStep(span: yDomain.upperBound - yDomain.lowerBound, maxTicks: 6, integer: false)
            let yTicks = ChartAxis.ticks(in: yDomain, step: yStep)
            let yLabels = ChartAxis.labels(yTicks, step: yStep)
            let labelWidth = yLabels.map { BitmapFont.width(of: $0, scale: textScale) }.max() ?? 0
            let plotX = left + textHeight + 10 + labelWidth + 6 + tickLength + 1
            let plot = Rect(x: plotX, y: top, width: plotWidth, height: plotHeight)
            var panel = PanelLayout(name: name, plot: plot, xDomain: xDomain, yDomain: yDomain,
                                    xTicks: xTicks, xLabels: xLabels, yTicks: yTicks, yLabels: yLabels,
                                    yTitleX: left, xLabelY: top + plotHeight + 1 + tickLength + 5,
                                    legend: nil, legendEntries: [])
            panel.legendEntries = series.indices.filter { !series[$0].points.isEmpty }
            panel.legend = legendBox(for: panel, series: series, epochs: epochs)
            panels.append(panel)
            left = plot.x + plot.width + 1 + 28
        }
        let width = left - 28 + margin + 14
        let height = top + plotHeight + 1 + tickLength + 5 + textHeight + 10 + textHeight + margin
        let titleScale = BitmapFont.width(of: title, scale: 3) <= width - 2 * margin ? 3 : 2
        return HistoryLayout(width: width, height: height, margin: margin,
                             title: fitted(title, width: width - 2 * margin, scale: titleScale),
                             titleScale: titleScale, epochs: epochs, panels: panels)
    }

    /// The legend box in the plot corner its series cross least (counting
    /// curve samples within 4 pixels of the box), in
    /// matplotlib's order of preference: upper right, upper left, lower left,
    /// lower right.
    static func legendBox(for panel: PanelLayout, series: [ChartSeries], epochs: Int) -> Rect? {
        guard !panel.legendEntries.isEmpty else { return nil }
        let nameWidth = panel.legendEntries.map { BitmapFont.width(of: series[$0].name, scale: textScale) }.max()!
        let w = legendPadding + legendSwatch + 8 + nameWidth + legendPadding
        let h = 2 * legendPadding + panel.legendEntries.count * legendRow - (legendRow - BitmapFont.glyphHeight * textScale)
        let inset = 10
        let p = panel.plot
        let candidates = [
            Rect(x: p.x + p.width - inset - w, y: p.y + inset, width: w, height: h),
            Rect(x: p.x + inset, y: p.y + inset, width: w, height: h),
            Rect(x: p.x + inset, y: p.y + p.height - inset - h, width: w, height: h),
            Rect(x: p.x + p.width - inset - w, y: p.y + p.height - inset - h, width: w, height: h),
        ]
        // Sample each curve every pixel or so; count samples inside each box.
        var samples: [Canvas.Point] = []
        for s in series {
            for run in s.runs {
                let points = run.map { panel.point(epoch: Double($0.epoch), value: $0.value) }
                samples.append(points[0])
                for (a, b) in zip(points, points.dropFirst()) {
                    let steps = max(1, Int(abs(b.x - a.x) + abs(b.y - a.y)))
                    for k in 1...steps {
                        let t = Double(k) / Double(steps)
                        samples.append((a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t))
                    }
                }
            }
        }
        // A curve passing within 4 pixels of a box counts as covered by it.
        let scores = candidates.map { box in
            let clear = Rect(x: box.x - 4, y: box.y - 4, width: box.width + 8, height: box.height + 8)
            return samples.filter { clear.contains($0) }.count
        }
        return candidates[scores.firstIndex(of: scores.min()!)!]
    }

    /// `text` cut with '…' so it is at most `width` pixels at `scale`.
    static func fitted(_ text: String, width: Int, scale: Int) -> String {
        guard BitmapFont.width(of: text, scale: scale) > width else { return text }
        let characters = max(1, (width / scale + 1) / BitmapFont.advance)
        return String(text.prefix(characters - 1)) + "…"
    }

    // MARK: Drawing

    static func drawTitle(_ title: String, on canvas: inout Canvas, y: Int, scale: Int) {
        let w = BitmapFont.width(of: title, scale: scale)
        BitmapFont.draw(title, on: &canvas, x: (canvas.width - w) / 2, y: y, scale: scale, colour: ink, lowercase: true)
    }

    static func drawPanel(_ panel: PanelLayout, series: [ChartSeries], epochs: Int, on canvas: inout Canvas) {
        let p = panel.plot
        let textHeight = BitmapFont.glyphHeight * textScale
        func row(_ value: Double) -> Int {
            min(p.y + p.height - 1, max(p.y, Int(panel.point(epoch: 1, value: value).y.rounded(.down))))
        }
        func column(_ epoch: Double) -> Int {
            min(p.x + p.width - 1, max(p.x, Int(panel.point(epoch: epoch, value: 0).x.rounded(.down))))
        }
        // Grid behind the data.
        for v in panel.yTicks { canvas.fill(x: p.x, y: row(v), width: p.width, height: 1, colour: gridColour) }
        for e in panel.xTicks { canvas.fill(x: column(e), y: p.y, width: 1, height: p.height, colour: gridColour) }
        // Curves, then markers on top of them.
        for (index, s) in series.enumerated() {
            let colour = palette[index % palette.count]
            for run in s.runs {
                let points = run.map { panel.point(epoch: Double($0.epoch), value: $0.value) }
                canvas.drawPolyline(points, colour: colour, lineWidth: lineWidth, dash: s.dashed ? dash : nil)
                if points.count == 1 || epochs <= markerLimit {
                    for point in points { canvas.fillCircle(centre: point, radius: markerRadius, colour: colour) }
                }
            }
        }
        // Frame, ticks and their labels.
        canvas.strokeRectangle(x: p.x - 1, y: p.y - 1, width: p.width + 2, height: p.height + 2, colour: ink)
        for (v, label) in zip(panel.yTicks, panel.yLabels) {
            let y = row(v)
            canvas.fill(x: p.x - 1 - tickLength, y: y, width: tickLength, height: 1, colour: ink)
            let w = BitmapFont.width(of: label, scale: textScale)
            BitmapFont.draw(label, on: &canvas, x: p.x - 1 - tickLength - 5 - w, y: y - textHeight / 2,
                            scale: textScale, colour: ink, lowercase: true)
        }
        for (e, label) in zip(panel.xTicks, panel.xLabels) {
            let x = column(e)
            canvas.fill(x: x, y: p.y + p.height + 1, width: 1, height: tickLength, colour: ink)
            let w = BitmapFont.width(of: label, scale: textScale)
            BitmapFont.draw(label, on: &canvas, x: x - w / 2, y: panel.xLabelY, scale: textScale, colour: ink,
                            lowercase: true)
        }
        // Axis titles.
        let epochWidth = BitmapFont.width(of: "epoch", scale: textScale)
        BitmapFont.draw("epoch", on: &canvas, x: p.x + (p.width - epochWidth) / 2, y: panel.xLabelY + textHeight + 10,
                        scale: textScale, colour: ink, lowercase: true)
        let nameLength = BitmapFont.width(of: panel.name, scale: textScale)
        BitmapFont.drawRotated(panel.name, on: &canvas, x: panel.yTitleX, y: p.y + (p.height - nameLength) / 2,
                               scale: textScale, colour: ink, lowercase: true)
        if let box = panel.legend { drawLegend(box, entries: panel.legendEntries, series: series, on: &canvas) }
    }

    static func drawLegend(_ box: Rect, entries: [Int], series: [ChartSeries], on canvas: inout Canvas) {
        canvas.fill(x: box.x, y: box.y, width: box.width, height: box.height, colour: background)
        canvas.strokeRectangle(x: box.x, y: box.y, width: box.width, height: box.height, colour: legendFrame)
        for (k, index) in entries.enumerated() {
            let s = series[index]
            let colour = palette[index % palette.count]
            let (a, b) = legendSwatch(box, entry: k)
            canvas.drawPolyline([a, b], colour: colour, lineWidth: lineWidth, dash: s.dashed ? dash : nil)
            BitmapFont.draw(s.name, on: &canvas, x: box.x + legendPadding + legendSwatch + 8,
                            y: box.y + legendPadding + k * legendRow, scale: textScale, colour: ink, lowercase: true)
        }
    }

    /// The ends of legend entry `k`'s line sample (through the middle of its text row).
    static func legendSwatch(_ box: Rect, entry k: Int) -> (Canvas.Point, Canvas.Point) {
        let y = Double(box.y + legendPadding + k * legendRow) + Double(BitmapFont.glyphHeight * textScale) / 2
        let x = Double(box.x + legendPadding)
        return ((x, y), (x + Double(legendSwatch), y))
    }
}
