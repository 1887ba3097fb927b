// Canvas+Shapes.swift — anti-aliased lines, dashed polylines, discs and
// rectangle outlines on a `Canvas`. Coordinates are Doubles in pixel units:
// pixel (i, j) covers [i, i+1) × [j, j+1), its centre is (i + 0.5, j + 0.5).
// A pixel's coverage is `halfWidth + 0.5 − distance` clamped to 0…1, so pixel
// centres within `halfWidth − 0.5` of the shape get exactly the colour.
import Vision

extension Canvas {
    /// A point in pixel units (see the file header for the convention).
    public typealias Point = (x: Double, y: Double)

    /// Draws a straight line of `lineWidth` pixels from `a` to `b` with round
    /// ends, anti-aliased by distance to the segment.
    public mutating func drawLine(from a: Point, to b: Point, colour: (UInt8, UInt8, UInt8), lineWidth: Double = 1) {
        precondition(lineWidth > 0, "Canvas.drawLine: lineWidth must be positive, got \(lineWidth)")
        let half = lineWidth / 2
        let reach = half + 1
        let xs = max(0, Int((min(a.x, b.x) - reach).rounded(.down)))
        let xe = min(width - 1, Int((max(a.x, b.x) + reach).rounded(.up)))
        let ys = max(0, Int((min(a.y, b.y) - reach).rounded(.down)))
        let ye = min(height - 1, Int((max(a.y, b.y) + reach).rounded(.up)))
        guard xs <= xe, ys <= ye else { return }
        let dx = b.x - a.x, dy = b.y - a.y
        let lengthSquared = dx * dx + dy * dy
        for py in ys...ye {
            for px in xs...xe {
                let cx = Double(px) + 0.5, cy = Double(py) + 0.5
                // Distance from the pixel centre to the closest point of the segment.
                let t = lengthSquared > 0 ? min(1, max(0, ((cx - a.x) * dx + (cy - a.y) * dy) / lengthSquared)) : 0
                let ex = cx - (a.x + t * dx), ey = cy - (a.y + t * dy)
                let distance = (ex * ex + ey * ey).squareRoot()
                blend(x: px, y: py, colour: colour, coverage: half + 0.5 - distance)
            }
        }
    }

    /// Draws the segments joining `points` in order. With `dash` (lengths in
    /// pixels along the path), only the "on" stretches are drawn; the
    /// pattern runs on across corners, starting with an "on" stretch.
    public mutating func drawPolyline(_ points: [Point], colour: (UInt8, UInt8, UInt8), lineWidth: Double = 1,
                                      dash: (on: Double, off: Double)? = nil) {
        guard points.count >= 2 else { return }
        guard let dash else {
            for i in 1..<points.count { drawLine(from: points[i - 1], to: points[i], colour: colour, lineWidth: lineWidth) }
            return
        }
        precondition(dash.on > 0 && dash.off > 0, "Canvas.drawPolyline: dash lengths must be positive, got \(dash)")
        let period = dash.on + dash.off
        var travelled = 0.0   // path length before the current segment
        for i in 1..<points.count {
            let a = points[i - 1], b = points[i]
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            guard length > 0 else { continue }
            // Walk the "on" stretches that overlap [travelled, travelled + length].
            var start = (travelled / period).rounded(.down) * period
            while start < travelled + length {
                let from = max(start, travelled) - travelled, to = min(start + dash.on, travelled + length) - travelled
                if to > from {
                    let p = (x: a.x + (b.x - a.x) * from / length, y: a.y + (b.y - a.y) * from / length)
                    let q = (x: a.x + (b.x - a.x) * to / length, y: a.y + (b.y - a.y) * to / length)
                    drawLine(from: p, to: q, colour: colour, lineWidth: lineWidth)
                }
                start += period
            }
            travelled += length
        }
    }

    /// Fills a disc of `radius` pixels centred on `centre`, anti-aliased.
    public mutating func fillCircle(centre: Point, radius: Double, colour: (UInt8, UInt8, UInt8)) {
        precondition(radius > 0, "Canvas.fillCircle: radius must be positive, got \(radius)")
        drawLine(from: centre, to: centre, colour: colour, lineWidth: 2 * radius)
    }

    /// Draws the 1-pixel outline of a rectangle: the pixels on its border,
    /// inside the rectangle (x…x+w−1, y…y+h−1).
    public mutating func strokeRectangle(x: Int, y: Int, width w: Int, height h: Int, colour: (UInt8, UInt8, UInt8)) {
        guard w > 0, h > 0 else { return }
        fill(x: x, y: y, width: w, height: 1, colour: colour)
        fill(x: x, y: y + h - 1, width: w, height: 1, colour: colour)
        fill(x: x, y: y, width: 1, height: h, colour: colour)
        fill(x: x + w - 1, y: y, width: 1, height: h, colour: colour)
    }
}
