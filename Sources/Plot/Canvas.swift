// Canvas.swift — a mutable RGB8 picture to draw into (HWC, top-left first,
// no row padding, as `Image`), turned into an `Image` when done. Drawing
// outside the canvas is clipped, never an error.
import Vision

/// A picture being drawn: rectangles, grey-level maps, text, and (in
/// Canvas+Shapes.swift) anti-aliased lines and discs.
public struct Canvas: Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// RGB8 pixels, row-major, 3 bytes per pixel.
    public private(set) var pixels: [UInt8]

    /// A canvas of the given size filled with one colour.
    public init(width: Int, height: Int, fill colour: (UInt8, UInt8, UInt8)) {
        precondition(width > 0 && height > 0, "Canvas: size \(width)×\(height) is empty")
        self.width = width
        self.height = height
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = colour.0
            pixels[3 * i + 1] = colour.1
            pixels[3 * i + 2] = colour.2
        }
        self.pixels = pixels
    }

    /// Fills a rectangle (clipped to the canvas).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, colour: (UInt8, UInt8, UInt8)) {
        let x0 = max(0, x), x1 = min(width, x + w)
        let y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 {
                let i = 3 * (row * width + column)
                pixels[i] = colour.0
                pixels[i + 1] = colour.1
                pixels[i + 2] = colour.2
            }
        }
    }

    /// Draws a grey-level map (`levels` is `mapHeight × mapWidth`, row-major)
    /// with its top-left at (x, y), each level as a `scale × scale` square
    /// (nearest-neighbour upscaling).
    public mutating func drawGrey(_ levels: [UInt8], mapWidth: Int, mapHeight: Int, x: Int, y: Int, scale: Int) {
        precondition(levels.count == mapWidth * mapHeight,
                     "Canvas.drawGrey: \(levels.count) levels for a \(mapWidth)×\(mapHeight) map")
        precondition(scale > 0, "Canvas.drawGrey: scale must be positive, got \(scale)")
        for my in 0..<mapHeight {
            for mx in 0..<mapWidth {
                let v = levels[my * mapWidth + mx]
                fill(x: x + mx * scale, y: y + my * scale, width: scale, height: scale, colour: (v, v, v))
            }
        }
    }

    /// Mixes `colour` into the pixel at (x, y) by `coverage` (0 keeps the
    /// pixel, 1 replaces it; values outside 0…1 are clamped): the one
    /// primitive anti-aliased shapes are drawn with. Outside the canvas: nothing.
    public mutating func blend(x: Int, y: Int, colour: (UInt8, UInt8, UInt8), coverage: Double) {
        guard x >= 0, x < width, y >= 0, y < height, coverage > 0 else { return }
        let a = min(1, coverage)
        let i = 3 * (y * width + x)
        func mix(_ old: UInt8, _ new: UInt8) -> UInt8 {
            UInt8((Double(old) * (1 - a) + Double(new) * a).rounded())
        }
        pixels[i] = mix(pixels[i], colour.0)
        pixels[i + 1] = mix(pixels[i + 1], colour.1)
        pixels[i + 2] = mix(pixels[i + 2], colour.2)
    }

    /// The RGB8 pixel at (x, y).
    public func pixel(x: Int, y: Int) -> (UInt8, UInt8, UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "Canvas.pixel: (\(x), \(y)) is outside \(width)×\(height)")
        let i = 3 * (y * width + x)
        return (pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// The picture as an `Image`.
    public var image: Image { Image(width: width, height: height, pixels: pixels) }
}
