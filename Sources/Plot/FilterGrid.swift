// FilterGrid.swift — a convolution's kernels (kh, kw, in, out), HWIO as Keras
// stores them, as pictures. With 3 inputs (the first layer) each output
// filter is one RGB patch; otherwise one grey patch per (input, output)
// pair, the first `maxPairs` in output-major order. All patches share one
// scale: level = round(255 · (w − min) / (max − min)) over the patches drawn
// (128 everywhere when they are all equal). Patches are `scale` pixels per
// weight with a `gap` between them, under a caption.
import Foundation

/// Draws convolution kernels as a grid of patches.
public enum FilterGrid {
    /// Pixels per weight.
    public static let scale = 8
    /// Pixels between patches and around the grid.
    public static let gap = 2
    /// Caption band height (one line of the bitmap font at scale 1).
    public static let captionHeight = BitmapFont.glyphHeight + 6

    /// What one grid shows: RGB patches (one per output) or grey ones (one per pair).
    public struct Selection: Equatable, Sendable {
        /// True when each patch is an output's 3 input channels as RGB.
        public var isRGB: Bool
        /// (input, output) of each patch (input is 0 for RGB patches).
        public var patches: [(input: Int, output: Int)]
        /// Pairs (or filters) not drawn.
        public var leftOut: Int

        public static func == (a: Selection, b: Selection) -> Bool {
            a.isRGB == b.isRGB && a.leftOut == b.leftOut && a.patches.map(\.input) == b.patches.map(\.input)
                && a.patches.map(\.output) == b.patches.map(\.output)
        }
    }

    /// The patches a kernel of `shape` (kh, kw, in, out) gets, at most `maxPairs`.
    public static func selection(shape: [Int], maxPairs: Int) -> Selection {
        let (cin, cout) = (shape[2], shape[3])
        if cin == 3 {
            let drawn = min(cout, maxPairs)
            return Selection(isRGB: true, patches: (0..<drawn).map { (0, $0) }, leftOut: cout - drawn)
        }
        var patches: [(input: Int, output: Int)] = []
        outer: for o in 0..<cout { for i in 0..<cin {
            if patches.count == maxPairs { break outer }
            patches.append((i, o))
        } }
        return Selection(isRGB: false, patches: patches, leftOut: cin * cout - patches.count)
    }

    /// The weight at (y, x, input, output) of an HWIO kernel.
    static func weight(_ kernel: [Float], _ shape: [Int], _ y: Int, _ x: Int, _ i: Int, _ o: Int) -> Float {
        kernel[((y * shape[1] + x) * shape[2] + i) * shape[3] + o]
    }

    /// The grid picture of `kernel` (HWIO `shape`), columns = ceil(sqrt(patches)).
    public static func render(kernel: [Float], shape: [Int], maxPairs: Int, caption: String) -> Canvas {
        precondition(shape.count == 4 && kernel.count == shape.reduce(1, *), "FilterGrid: kernel \(kernel.count) for \(shape)")
        let chosen = selection(shape: shape, maxPairs: maxPairs)
        let (kh, kw) = (shape[0], shape[1])
        var values: [Float] = []
        for p in chosen.patches { for y in 0..<kh { for x in 0..<kw {
            if chosen.isRGB { for c in 0..<3 { values.append(weight(kernel, shape, y, x, c, p.output)) } }
            else { values.append(weight(kernel, shape, y, x, p.input, p.output)) }
        } } }
        let low = values.min() ?? 0, high = values.max() ?? 0
        func level(_ w: Float) -> UInt8 {
            high > low ? UInt8((255 * Double(w - low) / Double(high - low)).rounded()) : 128
        }
        let columns = max(1, Int(Double(chosen.patches.count).squareRoot().rounded(.up)))
        let rows = (chosen.patches.count + columns - 1) / columns
        let (pw, ph) = (kw * scale, kh * scale)
        let width = max(gap + columns * (pw + gap), BitmapFont.width(of: caption) + 2 * gap)
        var canvas = Canvas(width: width, height: captionHeight + gap + rows * (ph + gap), fill: (255, 255, 255))
        BitmapFont.draw(caption, on: &canvas, x: gap, y: 3, colour: (0, 0, 0))
        for (n, p) in chosen.patches.enumerated() {
            let left = gap + (n % columns) * (pw + gap), top = captionHeight + gap + (n / columns) * (ph + gap)
            for y in 0..<kh { for x in 0..<kw {
                let colour: (UInt8, UInt8, UInt8)
                if chosen.isRGB {
                    colour = (level(weight(kernel, shape, y, x, 0, p.output)), level(weight(kernel, shape, y, x, 1, p.output)),
                              level(weight(kernel, shape, y, x, 2, p.output)))
                } else {
                    let v = level(weight(kernel, shape, y, x, p.input, p.output))
                    colour = (v, v, v)
                }
                canvas.fill(x: left + x * scale, y: top + y * scale, width: scale, height: scale, colour: colour)
            } }
        }
        return canvas
    }
}
