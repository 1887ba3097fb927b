// HeatmapOverlay.swift — a Grad-CAM heatmap over its photo: the photo at its
// own size, the (h, w) map resized bilinearly to it (pixel centres aligned,
// edges clamped), coloured with a jet-like map and alpha-blended,
//
//   out = (1 − alpha) · photo + alpha · jet(map),   alpha = 0.4,
//
// rounded to the nearest byte, then a caption strip below ("class (p)").
import Foundation
import Vision

/// Draws Grad-CAM heatmaps over photos.
public enum HeatmapOverlay {
    /// The heatmap's weight in the blend (Keras' example uses 0.4).
    public static let alpha = 0.4
    /// Caption strip height: glyphs at scale 2 with a margin.
    public static let captionHeight = 2 * BitmapFont.glyphHeight + 10

    /// matplotlib's "jet" for t in [0, 1]: dark blue, blue, cyan, yellow, red,
    /// dark red (each channel a clipped tent: 1.5 − |4t − k|).
    public static func jet(_ t: Double) -> (UInt8, UInt8, UInt8) {
        func channel(_ k: Double) -> UInt8 { UInt8((min(max(1.5 - abs(4 * t - k), 0), 1) * 255).rounded()) }
        return (channel(3), channel(2), channel(1))
    }

    /// The heatmap value at photo pixel (x, y): bilinear between the map's
    /// cells, whose centres sit at ((i + 0.5)·W/w − 0.5) in photo pixels.
    public static func sample(_ map: [Float], mapWidth w: Int, mapHeight h: Int,
                              x: Int, y: Int, width: Int, height: Int) -> Double {
        func axis(_ p: Int, _ size: Int, _ cells: Int) -> (Int, Int, Double) {
            let u = min(max((Double(p) + 0.5) * Double(cells) / Double(size) - 0.5, 0), Double(cells - 1))
            let low = Int(u.rounded(.down))
            return (low, min(low + 1, cells - 1), u - Double(low))
        }
        let (x0, x1, fx) = axis(x, width, w), (y0, y1, fy) = axis(y, height, h)
        func at(_ i: Int, _ j: Int) -> Double { Double(map[j * w + i]) }
        let top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
        let bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
        return top * (1 - fy) + bottom * fy
    }

    /// The photo with `map` (row-major, `mapHeight` × `mapWidth`, values in
    /// [0, 1]) blended over it and `caption` in a white strip below.
    public static func render(photo: Image, map: [Float], mapWidth: Int, mapHeight: Int, caption: String) -> Canvas {
        precondition(map.count == mapWidth * mapHeight && !map.isEmpty,
                     "HeatmapOverlay: \(map.count) values for a \(mapHeight)×\(mapWidth) map")
        let (width, height) = (photo.width, photo.height)
        var canvas = Canvas(width: max(width, BitmapFont.width(of: caption, scale: 2) + 10),
                            height: height + captionHeight, fill: (255, 255, 255))
        for y in 0..<height { for x in 0..<width {
            let base = (y * width + x) * 3
            let colour = jet(sample(map, mapWidth: mapWidth, mapHeight: mapHeight, x: x, y: y, width: width, height: height))
            func mix(_ photoByte: UInt8, _ heat: UInt8) -> UInt8 {
                UInt8(((1 - alpha) * Double(photoByte) + alpha * Double(heat)).rounded())
            }
            canvas.fill(x: x, y: y, width: 1, height: 1,
                        colour: (mix(photo.pixels[base], colour.0), mix(photo.pixels[base + 1], colour.1),
                                 mix(photo.pixels[base + 2], colour.2)))
        } }
        BitmapFont.draw(caption, on: &canvas, x: 5, y: height + 5, scale: 2, colour: (0, 0, 0))
        return canvas
    }
}
