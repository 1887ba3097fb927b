// TrainingChartsTests.swift — Vision/Render charts: canvas shapes, rotated and
// lowercase text, axis arithmetic, the history and confusion pictures, and
// their text renderings. Oracles: geometry written out in the test (linear
// data→pixel maps, distances, dash arithmetic); glyph bits counted from the
// font table; the WCAG contrast formula; golden strings worked out by hand.
import Foundation
import XCTest
@testable import Plot
import Vision

final class TrainingChartsTests: XCTestCase {
    typealias RGB = (UInt8, UInt8, UInt8)

    private func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] {
        let i = 3 * (y * image.width + x)
        return Array(image.pixels[i..<(i + 3)])
    }

    private func rgb(_ c: RGB) -> [UInt8] { [c.0, c.1, c.2] }

    /// True when one of the pixels of column `x` within one row of `y` is exactly `colour`.
    private func colourNear(_ image: Image, x: Double, y: Double, _ colour: RGB) -> Bool {
        let column = Int(x.rounded(.down)), row = Int(y.rounded(.down))
        return (row - 1...row + 1).contains { pixel(image, column, $0) == rgb(colour) }
    }

    // MARK: Canvas shapes and text

    // Oracle: a horizontal 2-pixel line on y = 5 covers rows 4 and 5 fully
    // (pixel centres 0.5 away); rows 3 and 6 (1.5 away) get nothing; round
    // ends reach half the width past the end points.
    func testLineCoversPixelsWithinHalfWidth() {
        var canvas = Canvas(width: 20, height: 10, fill: (255, 255, 255))
        canvas.drawLine(from: (4, 5), to: (14, 5), colour: (10, 20, 30), lineWidth: 2)
        for x in 4..<14 {
            XCTAssertEqual(rgb(canvas.pixel(x: x, y: 4)), [10, 20, 30], "x \(x)")
            XCTAssertEqual(rgb(canvas.pixel(x: x, y: 5)), [10, 20, 30], "x \(x)")
            XCTAssertEqual(rgb(canvas.pixel(x: x, y: 3)), [255, 255, 255], "x \(x)")
            XCTAssertEqual(rgb(canvas.pixel(x: x, y: 6)), [255, 255, 255], "x \(x)")
        }
        XCTAssertEqual(rgb(canvas.pixel(x: 1, y: 5)), [255, 255, 255], "3.5 px before the start")
        // Pixel (15, 5): centre (15.5, 5.5), 1.58 from the end (14, 5): coverage 1.5 − 1.58 < 0.
        XCTAssertEqual(rgb(canvas.pixel(x: 15, y: 5)), [255, 255, 255])
        // A diagonal: pixel centres on the line itself are exact, the edges are blended.
        var diagonal = Canvas(width: 20, height: 20, fill: (0, 0, 0))
        diagonal.drawLine(from: (2, 2), to: (18, 18), colour: (200, 200, 200), lineWidth: 2)
        for k in 3..<17 { XCTAssertEqual(diagonal.pixel(x: k, y: k).0, 200, "(\(k), \(k))") }
        // (k+1, k): centre 0.707 from the line → coverage 1.5 − 0.707 = 0.79 → 158.
        XCTAssertEqual(diagonal.pixel(x: 9, y: 8).0, UInt8((200 * (1.5 - 0.5.squareRoot())).rounded()))
    }

    // Oracle: the dash pattern (7 on, 5 off) measured along the path, which
    // runs on across the corner at (10, 5): arc length 10 + (y − 5) below it.
    func testDashPatternRunsAcrossCorners() {
        var canvas = Canvas(width: 20, height: 40, fill: (255, 255, 255))
        canvas.drawPolyline([(0, 5), (10, 5), (10, 35)], colour: (0, 0, 0), lineWidth: 2, dash: (7, 5))
        XCTAssertEqual(canvas.pixel(x: 3, y: 5).0, 0, "arc 3.5: on")
        XCTAssertEqual(canvas.pixel(x: 9, y: 5).0, 255, "arc 9.5: off (7…12), 2.5 from the dash end")
        XCTAssertEqual(canvas.pixel(x: 9, y: 10).0, 0, "arc 15.5: on (12…19)")
        XCTAssertEqual(canvas.pixel(x: 10, y: 15).0, 255, "arc 20.5: off (19…24)")
        XCTAssertEqual(canvas.pixel(x: 10, y: 22).0, 0, "arc 27.5: on (24…31)")
    }

    // Oracle: a quarter turn anticlockwise maps upright text pixel (tx, ty)
    // to (ty, L − 1 − tx), L the text's width.
    func testRotatedTextIsUprightTextTurned() {
        let text = "ag1"
        let length = BitmapFont.width(of: text)
        let tall = BitmapFont.glyphHeight + BitmapFont.descender
        var upright = Canvas(width: length, height: tall, fill: (0, 0, 0))
        BitmapFont.draw(text, on: &upright, x: 0, y: 0, colour: (255, 255, 255), lowercase: true)
        var turned = Canvas(width: tall, height: length, fill: (0, 0, 0))
        BitmapFont.drawRotated(text, on: &turned, x: 0, y: 0, colour: (255, 255, 255), lowercase: true)
        var set = 0
        for ty in 0..<tall {
            for tx in 0..<length {
                XCTAssertEqual(upright.pixel(x: tx, y: ty).0, turned.pixel(x: ty, y: length - 1 - tx).0, "(\(tx), \(ty))")
                if upright.pixel(x: tx, y: ty).0 == 255 { set += 1 }
            }
        }
        XCTAssertGreaterThan(set, 20)
    }

    // Oracle: the glyph table — lowercase is opt-in; without it a small
    // letter is its capital (the behaviour FeatureMapGrid captions rely on).
    func testLowercaseGlyphsAreOptIn() {
        XCTAssertEqual(BitmapFont.rows(of: "g"), BitmapFont.rows(of: "G"))
        XCTAssertNotEqual(BitmapFont.rows(of: "e", lowercase: true), BitmapFont.rows(of: "E"))
        XCTAssertEqual(BitmapFont.rows(of: "g", lowercase: true).count, BitmapFont.glyphHeight + BitmapFont.descender)
        XCTAssertEqual(BitmapFont.rows(of: "a", lowercase: true).count, BitmapFont.glyphHeight)
        XCTAssertEqual(BitmapFont.rows(of: "A", lowercase: true), BitmapFont.rows(of: "A"))
        XCTAssertEqual(BitmapFont.rows(of: "7", lowercase: true), BitmapFont.rows(of: "7"))
    }

    // MARK: Axis arithmetic

    // Oracle: nice steps and labels worked out by hand.
    func testNiceStepsTicksAndLabels() {
        XCTAssertEqual(ChartAxis.niceStep(span: 0.8, maxTicks: 6), 0.2, accuracy: 1e-12)   // 0.133 → 0.2
        XCTAssertEqual(ChartAxis.niceStep(span: 1.1, maxTicks: 6), 0.2, accuracy: 1e-12)   // 0.183 → 0.2
        XCTAssertEqual(ChartAxis.niceStep(span: 0.11, maxTicks: 6), 0.02, accuracy: 1e-12)  // 0.0183 → 0.02
        XCTAssertEqual(ChartAxis.niceStep(span: 0.13, maxTicks: 6), 0.025, accuracy: 1e-12) // 0.0217 → 0.025
        XCTAssertEqual(ChartAxis.niceStep(span: 13.1, maxTicks: 7, integer: true), 2)
        XCTAssertEqual(ChartAxis.niceStep(span: 0.2, maxTicks: 7, integer: true), 1)
        XCTAssertEqual(ChartAxis.niceStep(span: 218, maxTicks: 7, integer: true), 50)        // 31 → 50, never 25
        XCTAssertEqual(ChartAxis.ticks(in: -0.05...1.05, step: 0.2), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1])
        XCTAssertEqual(ChartAxis.labels(ChartAxis.ticks(in: -0.05...1.05, step: 0.2), step: 0.2),
                       ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(ChartAxis.labels([0.25, 0.5, 0.75], step: 0.25), ["0.25", "0.50", "0.75"])
        XCTAssertEqual(ChartAxis.labels([0, 1e12, 1.5e12], step: 5e11), ["0", "1.0e12", "1.5e12"])
        XCTAssertEqual(ChartAxis.labels([0, 2e-4, 4e-4], step: 2e-4), ["0", "2e-4", "4e-4"])
        XCTAssertEqual(ChartAxis.labels([50, 100, 150], step: 50), ["50", "100", "150"])
        XCTAssertEqual(ChartAxis.paddedDomain(lo: 2, hi: 2), 1.8...2.2)
        XCTAssertEqual(ChartAxis.paddedDomain(lo: 0, hi: 10), -0.5...10.5)
    }

    // MARK: History picture

    private let trainLoss: [Double?] = [0.9, 0.5, 0.3]
    private let validationLoss: [Double?] = [1.2, 0.9, 0.8]
    private var sample: (loss: [ChartSeries], accuracy: [ChartSeries]) {
        ([ChartSeries(name: "train", values: trainLoss),
          ChartSeries(name: "validation", values: validationLoss, dashed: true)],
         [ChartSeries(name: "train", values: [0.5, 0.8, 0.9]),
          ChartSeries(name: "validation", values: [0.4, 0.6, 0.65], dashed: true)])
    }

    // Oracle: the linear map epoch → x, value → y (y upwards) written out
    // from the panel's domain; a 2-pixel curve puts its exact colour within
    // one row of the path in every column it crosses.
    func testSolidTrainCurveFollowsItsPath() {
        let (loss, accuracy) = sample
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "pets")
        let layout = TrainingCharts.historyLayout(loss: loss, accuracy: accuracy, title: "pets")
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        let panel = layout.panels[0]
        let p = panel.plot
        func expected(_ epoch: Double, _ value: Double) -> (Double, Double) {
            let fx = (epoch - panel.xDomain.lowerBound) / (panel.xDomain.upperBound - panel.xDomain.lowerBound)
            let fy = (value - panel.yDomain.lowerBound) / (panel.yDomain.upperBound - panel.yDomain.lowerBound)
            return (Double(p.x) + fx * Double(p.width), Double(p.y + p.height) - fy * Double(p.height))
        }
        // x domain: epochs 1…3 padded by 5% of 2 = 0.1; y: 0.3…1.2 padded by 0.045.
        XCTAssertEqual(panel.xDomain.lowerBound, 0.9, accuracy: 1e-12)
        XCTAssertEqual(panel.yDomain.upperBound, 1.245, accuracy: 1e-12)
        for (e, v) in [(1.0, 0.9), (2.0, 0.5)] {
            let got = panel.point(epoch: e, value: v), want = expected(e, v)
            XCTAssertEqual(got.x, want.0, accuracy: 1e-9)
            XCTAssertEqual(got.y, want.1, accuracy: 1e-9)
        }
        let a = expected(1, 0.9), b = expected(2, 0.5)
        let blue = TrainingCharts.palette[0]
        for k in 0...60 {
            let t = 0.2 + 0.6 * Double(k) / 60
            let x = a.0 + (b.0 - a.0) * t, y = a.1 + (b.1 - a.1) * t
            XCTAssertTrue(colourNear(image, x: x, y: y, blue), "train curve missing at t \(t) (\(x), \(y))")
        }
    }

    // Oracle: along the validation path, samples 1 pixel apart alternate
    // between runs of its colour and runs without it (dashes 7 on / 5 off),
    // while the solid train path has no such gap.
    func testValidationCurveIsDashed() {
        let (loss, accuracy) = sample
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "pets")
        let panel = TrainingCharts.historyLayout(loss: loss, accuracy: accuracy, title: "pets").panels[0]
        let orange = TrainingCharts.palette[1]
        let a = panel.point(epoch: 2, value: 0.9), b = panel.point(epoch: 3, value: 0.8)
        let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
        var pattern = ""
        for s in stride(from: 8.0, to: length - 8, by: 1) {
            let x = a.x + (b.x - a.x) * s / length, y = a.y + (b.y - a.y) * s / length
            pattern.append(colourNear(image, x: x, y: y, orange) ? "#" : ".")
        }
        let dashes = pattern.split(separator: ".").filter { !$0.isEmpty }
        let gaps = pattern.split(separator: "#").filter { !$0.isEmpty }
        XCTAssertGreaterThanOrEqual(dashes.count, 10, pattern)
        XCTAssertGreaterThanOrEqual(gaps.count, 10, pattern)
        // Each full dash is 7 px long (±2 for the round ends and the one-row slack), each gap 5 (±2).
        for dash in dashes.dropFirst().dropLast() { XCTAssertTrue((5...9).contains(dash.count), pattern) }
        for gap in gaps.dropFirst().dropLast() { XCTAssertTrue((3...7).contains(gap.count), pattern) }
    }

    // Oracle: the frame is the ring of ink just outside the plot area; each
    // y tick is a 5-pixel ink mark left of the frame at row
    // ⌊top + (1 − (v − lo)/(hi − lo)) · height⌋, with label pixels left of it.
    func testAxesFrameTicksAndLabels() {
        let (loss, accuracy) = sample
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "pets")
        let panel = TrainingCharts.historyLayout(loss: loss, accuracy: accuracy, title: "pets").panels[1]
        let p = panel.plot
        let ink = rgb(TrainingCharts.ink)
        for y in (p.y - 1)...(p.y + p.height) {
            XCTAssertEqual(pixel(image, p.x - 1, y), ink, "left spine at y \(y)")
            XCTAssertEqual(pixel(image, p.x + p.width, y), ink, "right spine at y \(y)")
        }
        for x in (p.x - 1)...(p.x + p.width) { XCTAssertEqual(pixel(image, x, p.y + p.height), ink, "bottom spine x \(x)") }
        XCTAssertEqual(panel.yLabels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"], "accuracy axis shows 0…1")
        for v in panel.yTicks {
            let f = (v - panel.yDomain.lowerBound) / (panel.yDomain.upperBound - panel.yDomain.lowerBound)
            let row = Int((Double(p.y) + (1 - f) * Double(p.height)).rounded(.down))
            for x in (p.x - 6)...(p.x - 2) { XCTAssertEqual(pixel(image, x, row), ink, "tick \(v) at x \(x)") }
            let labelInk = ((p.x - 60)...(p.x - 11)).filter { x in ((row - 7)...(row + 6)).contains { pixel(image, x, $0) == ink } }
            XCTAssertFalse(labelInk.isEmpty, "label of tick \(v)")
        }
        XCTAssertEqual(panel.xLabels, ["1", "2", "3"])
        XCTAssertEqual(rgb(TrainingCharts.gridColour), pixel(image, p.x + 3, Int(panel.point(epoch: 1, value: 0.2).y)),
                       "grid line at 0.2, left of the first epoch")
    }

    // Oracle: the legend's line samples start with a dash, so a pixel 3 px
    // into each sample has its series' colour; names follow in ink.
    func testLegendSwatchesAndPlacement() {
        let (loss, accuracy) = sample
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "pets")
        let layout = TrainingCharts.historyLayout(loss: loss, accuracy: accuracy, title: "pets")
        for panel in layout.panels {
            let box = try! XCTUnwrap(panel.legend)
            XCTAssertEqual(panel.legendEntries, [0, 1])
            for k in 0..<2 {
                let (a, _) = TrainingCharts.legendSwatch(box, entry: k)
                XCTAssertEqual(pixel(image, Int(a.x) + 3, Int(a.y)), rgb(TrainingCharts.palette[k]), "\(panel.name) entry \(k)")
            }
        }
        // Falling loss leaves the upper right empty; rising accuracy reaches
        // 0.9 there at epoch 3 but is below 0.8 left of epoch 2, so the next
        // choice, upper left, is free.
        let loss0 = layout.panels[0], acc = layout.panels[1]
        XCTAssertEqual(loss0.legend!.x + loss0.legend!.width, loss0.plot.x + loss0.plot.width - 10, "loss: right")
        XCTAssertEqual(loss0.legend!.y, loss0.plot.y + 10, "loss: top")
        XCTAssertEqual(acc.legend!.x, acc.plot.x + 10, "accuracy: left")
        XCTAssertEqual(acc.legend!.y, acc.plot.y + 10, "accuracy: top")
    }

    // Oracle: rendering is a pure function of its inputs.
    func testRenderingIsDeterministic() {
        let (loss, accuracy) = sample
        XCTAssertEqual(TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "t"),
                       TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "t"))
        let matrix = [[5, 1], [2, 7]]
        XCTAssertEqual(TrainingCharts.confusionImage(matrix: matrix, classes: ["a", "b"], title: "c"),
                       TrainingCharts.confusionImage(matrix: matrix, classes: ["a", "b"], title: "c"))
    }

    // Oracle: one epoch is a marker disc of radius 3.5: every pixel whose
    // centre is within 3 px of the point has the series colour.
    func testSingleEpochDrawsAMarkerAndMissingValidationIsLeftOut() {
        let loss = [ChartSeries(name: "train", values: [0.7]), ChartSeries(name: "validation", values: [nil], dashed: true)]
        let accuracy = [ChartSeries(name: "train", values: [0.5])]
        let image = TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "one epoch")
        let layout = TrainingCharts.historyLayout(loss: loss, accuracy: accuracy, title: "one epoch")
        XCTAssertEqual(layout.epochs, 1)
        for panel in layout.panels {
            XCTAssertEqual(panel.legendEntries, [0], "the all-missing validation has no legend entry")
            XCTAssertEqual(panel.xLabels, ["1"])
            let c = panel.point(epoch: 1, value: panel.name == "loss" ? 0.7 : 0.5)
            for dy in -2...2 {
                for dx in -2...2 {
                    let x = Int(c.x.rounded(.down)) + dx, y = Int(c.y.rounded(.down)) + dy
                    let d = ((Double(x) + 0.5 - c.x) * (Double(x) + 0.5 - c.x) + (Double(y) + 0.5 - c.y) * (Double(y) + 0.5 - c.y)).squareRoot()
                    if d <= 3 { XCTAssertEqual(pixel(image, x, y), rgb(TrainingCharts.palette[0]), "\(panel.name) (\(dx), \(dy))") }
                }
            }
        }
    }

    // Oracle: a nil value is a gap — no curve colour halfway between the
    // epochs on either side of it — and the runs around it are still drawn.
    func testMissingValueIsAGap() {
        let loss = [ChartSeries(name: "train", values: [0.9, nil, 0.5, 0.4])]
        let image = TrainingCharts.historyImage(loss: loss, accuracy: [], title: "gap")
        let panel = TrainingCharts.historyLayout(loss: loss, accuracy: [], title: "gap").panels[0]
        let blue = TrainingCharts.palette[0]
        let a = panel.point(epoch: 1, value: 0.9), b = panel.point(epoch: 3, value: 0.5)
        let column = Int(((a.x + b.x) / 2).rounded(.down))
        XCTAssertFalse((panel.plot.y..<(panel.plot.y + panel.plot.height)).contains { pixel(image, column, $0) == rgb(blue) })
        let c = panel.point(epoch: 4, value: 0.4)
        XCTAssertTrue(colourNear(image, x: (b.x + c.x) / 2, y: (b.y + c.y) / 2, blue))
    }

    // Oracle: 200 epochs with losses near 3·10¹² — exponent tick labels,
    // epochs ticked every 50, the whole curve inside the plot area.
    func testHugeLossesOverTwoHundredEpochs() {
        let values: [Double?] = (0..<200).map { 3e12 * exp(-Double($0) / 30) + 1e11 }
        let loss = [ChartSeries(name: "train", values: values)]
        let layout = TrainingCharts.historyLayout(loss: loss, accuracy: [], title: "long")
        let panel = layout.panels[0]
        XCTAssertEqual(panel.xLabels, ["50", "100", "150", "200"])
        XCTAssertEqual(panel.yLabels, ["0", "1e12", "2e12", "3e12"])
        let image = TrainingCharts.historyImage(loss: loss, accuracy: [], title: "long")
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        for (i, v) in values.enumerated() {
            let q = panel.point(epoch: Double(i + 1), value: v!)
            XCTAssertTrue(panel.plot.contains(q), "epoch \(i + 1) at \(q)")
        }
    }

    // MARK: Confusion picture

    // Oracle: the WCAG 2 contrast ratio (L1 + 0.05) / (L2 + 0.05) with sRGB
    // relative luminance, written out here.
    private func contrast(_ a: RGB, _ b: RGB) -> Double {
        func channel(_ v: UInt8) -> Double {
            let s = Double(v) / 255
            return s <= 0.04045 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        func lum(_ c: RGB) -> Double { 0.2126 * channel(c.0) + 0.7152 * channel(c.1) + 0.0722 * channel(c.2) }
        let (l1, l2) = (max(lum(a), lum(b)), min(lum(a), lum(b)))
        return (l1 + 0.05) / (l2 + 0.05)
    }

    // Oracle: WCAG luminance falls as the share grows (darker = more), and
    // the chosen text colour always contrasts at least 4.5 : 1 (WCAG AA).
    func testHeatScaleIsMonotoneAndTextReadable() {
        var previous = Double.infinity
        for k in 0...200 {
            let colour = TrainingCharts.heatColour(Double(k) / 200)
            let l = TrainingCharts.luminance(colour)
            XCTAssertLessThanOrEqual(l, previous, "share \(Double(k) / 200)")
            previous = l
            XCTAssertGreaterThanOrEqual(contrast(colour, TrainingCharts.readableTextColour(on: colour)), 4.5, "share \(k)/200")
        }
        XCTAssertEqual(rgb(TrainingCharts.heatColour(0)), [247, 251, 255])
        XCTAssertEqual(rgb(TrainingCharts.heatColour(1)), [8, 48, 107])
    }

    /// Pixels set in `text`'s glyphs at `scale` (the font table as oracle).
    private func glyphPixels(_ text: String, scale: Int) -> Int {
        text.reduce(0) { sum, c in sum + BitmapFont.rows(of: c).reduce(0) { $0 + $1.nonzeroBitCount } } * scale * scale
    }

    // Oracle: each cell's background is heatColour(count / row total), its
    // darkness grows with the count, and its count is drawn in the readable
    // colour with exactly as many pixels as the font's glyph bits.
    func testCellsColourAndCounts() {
        let matrix = [[0, 1, 2, 5, 12], [3, 3, 3, 3, 3], [0, 0, 0, 0, 0], [100, 0, 0, 0, 7], [1, 0, 0, 0, 0]]
        let classes = ["a", "b", "c", "d", "e"]
        let image = TrainingCharts.confusionImage(matrix: matrix, classes: classes, title: "m")
        let layout = TrainingCharts.confusionLayout(matrix: matrix, classes: classes, title: "m")
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        XCTAssertEqual(layout.cell, 80)   // max(6·3 + 5, 20, min(80, 640 / 5))
        XCTAssertEqual(layout.countScale, 2)
        for t in 0..<5 {
            let total = matrix[t].reduce(0, +)
            for p in 0..<5 {
                let x = layout.gridX + p * layout.cell, y = layout.gridY + t * layout.cell
                let background = TrainingCharts.heatColour(total > 0 ? Double(matrix[t][p]) / Double(total) : 0)
                XCTAssertEqual(pixel(image, x + 1, y + 1), rgb(background), "cell (\(t), \(p)) background")
                let textColour = rgb(TrainingCharts.readableTextColour(on: background))
                var count = 0
                for yy in y..<(y + layout.cell) {
                    for xx in x..<(x + layout.cell) where pixel(image, xx, yy) == textColour { count += 1 }
                }
                XCTAssertEqual(count, glyphPixels(String(matrix[t][p]), scale: layout.countScale), "cell (\(t), \(p)) text")
            }
        }
        // Row 0: 0 < 1 < 2 < 5 < 12 → strictly darker cells.
        let row0 = (0..<5).map { p in pixel(image, layout.gridX + p * layout.cell + 1, layout.gridY + 1) }
        for p in 1..<5 {
            XCTAssertLessThan(TrainingCharts.luminance((row0[p][0], row0[p][1], row0[p][2])),
                              TrainingCharts.luminance((row0[p - 1][0], row0[p - 1][1], row0[p - 1][2])))
        }
        // The all-zero row is the lightest colour everywhere.
        XCTAssertEqual(pixel(image, layout.gridX + 4 * layout.cell + 1, layout.gridY + 2 * layout.cell + 1),
                       rgb(TrainingCharts.heatColour(0)))
        XCTAssertFalse(layout.columnLabelsRotated, "one-letter names fit a cell")
    }

    // Oracle: 50 classes shrink cells to 20 px (640 / 50 < 20), long names
    // end in '…' after 15 characters and columns are turned; counts still
    // show in every cell of the diagonal.
    func testFiftyClassesWithLongNames() {
        let n = 50
        let classes = (0..<n).map { "class number \($0) with a long name" }
        let matrix = (0..<n).map { t in (0..<n).map { p in t == p ? 40 + t : (t * 7 + p * 3) % 5 } }
        let layout = TrainingCharts.confusionLayout(matrix: matrix, classes: classes, title: "fifty")
        XCTAssertEqual(layout.cell, 20)
        XCTAssertEqual(layout.countScale, 1)
        XCTAssertTrue(layout.columnLabelsRotated)
        XCTAssertEqual(layout.labels[7], "class number 7 …")
        XCTAssertEqual(layout.labels[7].count, TrainingCharts.maxLabelCharacters)
        let image = TrainingCharts.confusionImage(matrix: matrix, classes: classes, title: "fifty")
        XCTAssertEqual([image.width, image.height], [layout.width, layout.height])
        for t in 0..<n {
            let x = layout.gridX + t * layout.cell, y = layout.gridY + t * layout.cell
            let background = TrainingCharts.heatColour(Double(matrix[t][t]) / Double(matrix[t].reduce(0, +)))
            let textColour = rgb(TrainingCharts.readableTextColour(on: background))
            var count = 0
            for yy in y..<(y + layout.cell) {
                for xx in x..<(x + layout.cell) where pixel(image, xx, yy) == textColour { count += 1 }
            }
            XCTAssertEqual(count, glyphPixels(String(matrix[t][t]), scale: 1), "diagonal cell \(t)")
        }
    }

    // MARK: Text renderings

    // Oracle: golden text worked out by hand: levels round(7·(v − lo)/(hi − lo)),
    // loss lo 0.3 hi 1.0, accuracy lo 0.4 hi 0.9; nil is a space; best = lowest
    // loss, highest accuracy.
    func testHistoryTextGolden() {
        let loss = [ChartSeries(name: "train", values: [0.9, 0.6, 0.4, 0.3]),
                    ChartSeries(name: "validation", values: [1.0, nil, 0.7, 0.62], dashed: true)]
        let accuracy = [ChartSeries(name: "train", values: [0.5, 0.7, 0.8, 0.9]),
                        ChartSeries(name: "validation", values: [0.4, nil, 0.85, 0.8], dashed: true)]
        XCTAssertEqual(TrainingCharts.historyText(loss: loss, accuracy: accuracy, ascii: false), """
            history: epochs 1–4                         first      last      best
            loss (▁ = 0.30, █ = 1.00)
              train       ▇▄▂▁                           0.90      0.30      0.30 @4
              validation  █ ▅▄                           1.00      0.62      0.62 @4
            accuracy (▁ = 0.40, █ = 0.90)
              train       ▂▅▇█                           0.50      0.90      0.90 @4
              validation  ▁ ▇▇                           0.40      0.80      0.85 @3

            """)
        XCTAssertEqual(TrainingCharts.historyText(loss: loss, accuracy: accuracy, ascii: true), """
            history: epochs 1-4                         first      last      best
            loss (_ = 0.30, # = 1.00)
              train       *~._                           0.90      0.30      0.30 @4
              validation  # =~                           1.00      0.62      0.62 @4
            accuracy (_ = 0.40, # = 0.90)
              train       .=*#                           0.50      0.90      0.90 @4
              validation  _ **                           0.40      0.80      0.85 @3

            """)
    }

    // Oracle: the epoch lines' own values (Keras prints 4 decimals): a loss
    // going 1.0990 → 1.0979 needs 4 decimals to show it moved, in every column.
    func testHistoryTextTakesItsDigitsFromTheRange() {
        let text = TrainingCharts.historyText(loss: [ChartSeries(name: "train", values: [1.0990, 1.0984, 1.0979])],
                                              accuracy: [ChartSeries(name: "train", values: [0.25, 0.25, 0.25])])
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[1], "loss (▁ = 1.0979, █ = 1.0990)")
        XCTAssertEqual(lines[2], "  train       █▄▁                          1.0990    1.0979    1.0979 @3")
        XCTAssertEqual(lines[3], "accuracy (every mark = 0.2500)")
        XCTAssertEqual(lines[4], "  train       ▄▄▄                          0.2500    0.2500    0.2500 @1")
    }

    // Oracle: 200 epochs make 24 marks of 200/24 ≈ 8.3 epochs (the marks
    // computed from the documented definition in Python, by hand); a series
    // with no values says so; lines fit 80 columns, the whole ≤ 12 lines.
    func testHistoryTextLongAndMissing() {
        let long = (0..<200).map { Optional(3e12 * exp(-Double($0) / 30) + 1e11) }
        let text = TrainingCharts.historyText(
            loss: [ChartSeries(name: "train", values: long),
                   ChartSeries(name: "validation with a long name", values: Array(repeating: nil, count: 200), dashed: true)],
            accuracy: [ChartSeries(name: "train", values: (0..<200).map { Double($0) / 199 })], ascii: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines[0], "history: epochs 1–200 (8.3 per mark)        first      last      best")
        XCTAssertEqual(lines[1], "loss (▁ = 1.04e+11, █ = 3.1e+12)")
        XCTAssertEqual(lines[2], "  train       ▇▆▅▄▃▃▂▂▂▂▁▁▁▁▁▁▁▁▁▁▁▁▁▁    3.1e+12  1.04e+11  1.04e+11 @200")
        XCTAssertEqual(lines[3], "  validation… (no values)")
        XCTAssertLessThanOrEqual(lines.count, 12)
        for line in lines { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    // Oracle: golden table worked out by hand (totals summed by hand).
    func testConfusionTextGolden() {
        let text = TrainingCharts.confusionText(matrix: [[50, 3, 1], [4, 45, 0], [0, 0, 0]],
                                                classes: ["cats", "dogs", "rabbits and hares"])
        XCTAssertEqual(text, """
            true \\ predicted  cats  dogs  rabbits…  total
            cats                50     3         1     54
            dogs                 4    45         0     49
            rabbits and har…     0     0         0      0
            total               54    48         1    103
            correct: 95 of 103 (92.2%)

            """)
    }

    // MARK: PNG round trip

    // Oracle: the project's own PNG decoder gives back the rendered pixels.
    func testChartsRoundTripThroughPNGFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kungfu-charts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let (loss, accuracy) = sample
        let pictures = [
            ("history.png", TrainingCharts.historyImage(loss: loss, accuracy: accuracy, title: "Training history")),
            ("confusion.png", TrainingCharts.confusionImage(matrix: [[50, 3, 1], [4, 45, 0], [0, 0, 0]],
                                                           classes: ["cats", "dogs", "rabbits"], title: "Confusion")),
        ]
        for (name, picture) in pictures {
            let path = folder.appendingPathComponent(name).path
            try picture.writePNG(toFile: path)
            XCTAssertEqual(try Image(contentsOfFile: path), picture, name)
        }
    }
}
