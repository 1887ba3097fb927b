// FeatureMapGrid.swift — a layer's output as one picture, like keract: the
// first N maps of a (1, H, W, C) output in a near-square grid (⌈√N⌉ columns),
// each scaled on its own to 0…255 grey (a constant map is black), upscaled by
// whole pixels to at least `minimumCell`, thin separators, a caption above.
// A (1, C) output (avg_pool, predictions) is one map of C cells in rows of ⌈√C⌉.
import Vision

/// Renders activations into a grid picture with a caption.
///
///     let maps = try model.output(of: "mixed5", for: x)           // (1, 17, 17, 768)
///     let picture = FeatureMapGrid.render(maps, layer: "mixed5", maxMaps: 64)
public enum FeatureMapGrid {
    /// Pixels between cells and around the grid.
    public static let separator = 2
    /// The smallest side of a cell, in pixels: small maps are upscaled to it.
    public static let minimumCell = 48
    /// Pixels around the caption text.
    public static let captionPadding = 4
    /// Separator and empty-cell colour (dark blue, so it never reads as a map value).
    public static let separatorColour: (UInt8, UInt8, UInt8) = (32, 56, 96)
    /// Caption text colour (on black).
    public static let captionColour: (UInt8, UInt8, UInt8) = (255, 255, 255)

    /// Where everything goes in a grid picture.
    public struct Layout: Sendable, Equatable {
        /// Maps drawn.
        public var count: Int
        /// Cells per row (⌈√count⌉).
        public var columns: Int
        /// Rows of cells (⌈count / columns⌉).
        public var rows: Int
        /// Width of one map in map pixels.
        public var mapWidth: Int
        /// Height of one map in map pixels.
        public var mapHeight: Int
        /// Picture pixels per map pixel.
        public var scale: Int
        /// Pixels per caption font pixel.
        public var captionScale: Int
        /// Height of the caption band at the top.
        public var captionHeight: Int
        /// Picture width.
        public var width: Int
        /// Picture height.
        public var height: Int

        /// The top-left corner of map `index` (row-major order of cells).
        public func origin(ofMap index: Int) -> (x: Int, y: Int) {
            precondition(index >= 0 && index < count, "FeatureMapGrid.Layout: map \(index) of \(count)")
            let sep = FeatureMapGrid.separator
            return (sep + (index % columns) * (mapWidth * scale + sep),
                    captionHeight + sep + (index / columns) * (mapHeight * scale + sep))
        }
    }

    /// The layout of `count` maps of `mapWidth × mapHeight` under a caption
    /// of these lines; each map is upscaled to at least `minimumSide` pixels.
    public static func layout(count: Int, mapWidth: Int, mapHeight: Int, caption: [String],
                              minimumSide: Int = minimumCell) -> Layout {
        precondition(count > 0 && mapWidth > 0 && mapHeight > 0,
                     "FeatureMapGrid.layout: \(count) maps of \(mapWidth)×\(mapHeight)")
        var columns = 1
        while columns * columns < count { columns += 1 }
        let rows = (count + columns - 1) / columns
        let side = max(mapWidth, mapHeight)
        let scale = max(1, (minimumSide + side - 1) / side)
        let gridWidth = columns * mapWidth * scale + (columns + 1) * separator
        let gridHeight = rows * mapHeight * scale + (rows + 1) * separator
        let widest = caption.map { BitmapFont.width(of: $0) }.max() ?? 0
        let captionScale = gridWidth >= 2 * widest + 2 * captionPadding ? 2 : 1
        let lineHeight = (BitmapFont.glyphHeight + 2) * captionScale
        let captionHeight = caption.isEmpty ? 0 : caption.count * lineHeight + 2 * captionPadding
        let width = max(gridWidth, widest * captionScale + 2 * captionPadding)
        return Layout(count: count, columns: columns, rows: rows, mapWidth: mapWidth, mapHeight: mapHeight,
                      scale: scale, captionScale: captionScale, captionHeight: captionHeight,
                      width: width, height: captionHeight + gridHeight)
    }

    /// One map scaled to 0…255: `round(255 · (v − min) / (max − min))` over
    /// its finite values; a constant map (max == min), or one with no finite
    /// value, is all 0 (black); a non-finite value is 0.
    public static func normalised(_ values: [Float]) -> [UInt8] {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        guard hi > lo else { return [UInt8](repeating: 0, count: values.count) }
        let range = hi - lo
        return values.map { v in
            guard v.isFinite else { return 0 }
            return UInt8(((v - lo) / range * 255).rounded())
        }
    }

    /// The caption of a rendering: the layer and shape, then what was drawn
    /// and how it was scaled.
    public static func caption(layer: String, shape: [Int], maxMaps: Int) -> [String] {
        let shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        if shape.count == 4 {
            let count = min(shape[3], maxMaps)
            return ["\(layer) \(shapeText)",
                    "\(count) of \(shape[3]) maps, each scaled to its own min-max (constant: black)"]
        }
        let columns = Self.stripColumns(shape.last ?? 1)
        return ["\(layer) \(shapeText)",
                "\(shape.last ?? 0) values in rows of \(columns), scaled together to min-max"]
    }

    /// Draws the first `maxMaps` maps of a (1, H, W, C) output, or the whole
    /// vector of a (1, C) output, with a caption naming `layer`.
    public static func render(_ activation: Tensor, layer: String, maxMaps: Int) -> Image {
        precondition(maxMaps > 0, "FeatureMapGrid.render: maxMaps must be positive, got \(maxMaps)")
        precondition((activation.rank == 4 || activation.rank == 2) && activation.shape[0] == 1,
                     "FeatureMapGrid.render: expected (1, H, W, C) or (1, C), got \(activation.shape)")
        let caption = Self.caption(layer: layer, shape: activation.shape, maxMaps: maxMaps)
        if activation.rank == 2 { return renderStrip(activation.scalars, caption: caption) }
        let (h, w, c) = (activation.shape[1], activation.shape[2], activation.shape[3])
        let count = min(c, maxMaps)
        let layout = layout(count: count, mapWidth: w, mapHeight: h, caption: caption)
        var canvas = Canvas(width: layout.width, height: layout.height, fill: (0, 0, 0))
        canvas.fill(x: 0, y: layout.captionHeight, width: layout.width, height: layout.height - layout.captionHeight,
                    colour: separatorColour)
        drawCaption(caption, on: &canvas, layout: layout)
        let scalars = activation.scalars
        var map = [Float](repeating: 0, count: h * w)   // (H, W) of channel k
        for k in 0..<count {
            for i in 0..<(h * w) { map[i] = scalars[i * c + k] }
            let origin = layout.origin(ofMap: k)
            canvas.drawGrey(normalised(map), mapWidth: w, mapHeight: h, x: origin.x, y: origin.y, scale: layout.scale)
        }
        return canvas.image
    }

    /// Cells per row when a vector of `count` values is drawn as a strip.
    public static func stripColumns(_ count: Int) -> Int {
        var columns = 1
        while columns * columns < count { columns += 1 }
        return columns
    }

    /// A vector as one map of ⌈√C⌉ columns, scaled together; cells past the
    /// end keep the separator colour.
    private static func renderStrip(_ values: [Float], caption: [String]) -> Image {
        let columns = stripColumns(values.count)
        let rows = (values.count + columns - 1) / columns
        // 8 pixels per value at least, so single values stay visible.
        let layout = layout(count: 1, mapWidth: columns, mapHeight: rows, caption: caption,
                            minimumSide: 8 * max(columns, rows))
        var canvas = Canvas(width: layout.width, height: layout.height, fill: (0, 0, 0))
        canvas.fill(x: 0, y: layout.captionHeight, width: layout.width, height: layout.height - layout.captionHeight,
                    colour: separatorColour)
        drawCaption(caption, on: &canvas, layout: layout)
        let levels = normalised(values)
        let origin = layout.origin(ofMap: 0)
        for (i, v) in levels.enumerated() {
            canvas.fill(x: origin.x + (i % columns) * layout.scale, y: origin.y + (i / columns) * layout.scale,
                        width: layout.scale, height: layout.scale, colour: (v, v, v))
        }
        return canvas.image
    }

    private static func drawCaption(_ lines: [String], on canvas: inout Canvas, layout: Layout) {
        let lineHeight = (BitmapFont.glyphHeight + 2) * layout.captionScale
        for (i, line) in lines.enumerated() {
            BitmapFont.draw(line, on: &canvas, x: captionPadding, y: captionPadding + i * lineHeight,
                            scale: layout.captionScale, colour: captionColour)
        }
    }
}
