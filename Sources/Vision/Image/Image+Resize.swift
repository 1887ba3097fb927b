// Image+Resize.swift — Pillow 13's `Image.resize`, bit for bit, on RGB images.
// NEAREST: a double source coordinate stepped by the scale and truncated (not
// floor((i + 0.5)·scale)). BILINEAR/BICUBIC: separable convolution with the
// support widened when downscaling, 22-bit fixed-point weights, two passes
// each clipped to 8 bits, in Pillow's pass order (see `convolved`).

/// A resampling filter, as Pillow and Keras' `load_img(interpolation:)` name them.
public enum ResizeFilter: String, Sendable, CaseIterable {
    /// The source pixel under each output pixel's centre: Keras' default.
    case nearest
    /// Triangle filter, support 1 (widened when downscaling).
    case bilinear
    /// Cubic convolution with a = −0.5, support 2 (widened when downscaling).
    case bicubic
}

/// A rectangle of the source image to resize, in pixel units, edges
/// included from `left`/`top` up to `right`/`bottom`. Pillow keeps these in
/// single precision, and so does this type.
public struct ResizeBox: Sendable, Equatable {
    /// Left edge (x).
    public var left: Float
    /// Top edge (y).
    public var top: Float
    /// Right edge (x), greater than `left`.
    public var right: Float
    /// Bottom edge (y), greater than `top`.
    public var bottom: Float

    /// A box with the given edges.
    public init(left: Float, top: Float, right: Float, bottom: Float) {
        self.left = left
        self.top = top
        self.right = right
        self.bottom = bottom
    }
}

extension Image {
    /// This image resized to `width` × `height`, with Pillow's exact pixels.
    ///
    /// Equivalent to Pillow's `im.resize((width, height), filter, box)`.
    /// `box` selects the source region (default: the whole image); filters
    /// may still read pixels just outside it, as Pillow's do. Same size and
    /// no box returns the image unchanged. The target must be at least 1×1
    /// and the box inside the image with right ≥ left, bottom ≥ top
    /// (preconditions: Pillow raises ValueError for these).
    ///
    ///     let small = image.resized(width: 299, height: 299)   // Keras load_img default
    ///     let smooth = image.resized(width: 299, height: 299, filter: .bicubic)
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResizeFilter = .nearest,
                        box: ResizeBox? = nil) -> Image {
        precondition(outWidth > 0 && outHeight > 0, "resized: target size \(outWidth)×\(outHeight) is empty")
        let box = box ?? ResizeBox(left: 0, top: 0, right: Float(width), bottom: Float(height))
        precondition(box.left >= 0 && box.top >= 0, "resized: box \(box) starts outside the image")
        precondition(box.right <= Float(width) && box.bottom <= Float(height),
                     "resized: box \(box) exceeds the \(width)×\(height) image")
        precondition(box.right >= box.left && box.bottom >= box.top, "resized: box \(box) has negative size")

        // A whole-pixel box of exactly the target size is a crop in Pillow.
        if box.left == box.left.rounded(.towardZero) && box.top == box.top.rounded(.towardZero)
            && box.right - box.left == Float(outWidth) && box.bottom - box.top == Float(outHeight) {
            return cropped(x: Int(box.left), y: Int(box.top), width: outWidth, height: outHeight)
        }
        switch filter {
        case .nearest: return nearest(outWidth, outHeight, box)
        case .bilinear: return convolved(outWidth, outHeight, box, .bilinear)
        case .bicubic: return convolved(outWidth, outHeight, box, .bicubic)
        }
    }

    /// The `width` × `height` region whose top-left pixel is (x, y).
    func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && x + w <= width && y + h <= height, "cropped: region outside the image")
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for row in y..<y + h {
            out.append(contentsOf: pixels[(row * width + x) * 3..<(row * width + x + w) * 3])
        }
        return Image(width: w, height: h, pixels: out)
    }

    /// Pillow's NEAREST: source index = trunc(coordinate), the coordinate
    /// starting at box edge + scale/2 and incremented by scale (a double) per
    /// output pixel. Indices outside the image give black, as in Pillow.
    private func nearest(_ outWidth: Int, _ outHeight: Int, _ box: ResizeBox) -> Image {
        func indices(_ count: Int, _ start: Float, _ end: Float, _ limit: Int) -> [Int] {
            let scale = Double(end - start) / Double(count)  // the difference in Float, as Pillow's box
            var coordinate = Double(start) + scale * 0.5
            var result = [Int](repeating: -1, count: count)
            for i in 0..<count {
                let index = coordinate < 0 ? -1 : Int(coordinate)
                if index < limit { result[i] = index }
                coordinate += scale
            }
            return result
        }
        let columns = indices(outWidth, box.left, box.right, width)
        let rows = indices(outHeight, box.top, box.bottom, height)
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        for (y, sourceRow) in rows.enumerated() where sourceRow >= 0 {
            for (x, sourceColumn) in columns.enumerated() where sourceColumn >= 0 {
                let from = (sourceRow * width + sourceColumn) * 3, to = (y * outWidth + x) * 3
                out[to] = pixels[from]
                out[to + 1] = pixels[from + 1]
                out[to + 2] = pixels[from + 2]
            }
        }
        return Image(width: outWidth, height: outHeight, pixels: out)
    }

    /// Pillow's ImagingResample for 8-bit images: two separable passes.
    /// Pillow 13 runs the vertical pass first when the height shrinks by more
    /// than twice as many pixels as the width (whole-image sizes, box ignored);
    /// otherwise the horizontal pass first, over only the rows the vertical
    /// pass will read. The order changes the rounding, so it is followed.
    private func convolved(_ outWidth: Int, _ outHeight: Int, _ box: ResizeBox, _ kernel: Kernel) -> Image {
        let needHorizontal = outWidth != width || box.left != 0 || box.right != Float(outWidth)
        let needVertical = outHeight != height || box.top != 0 || box.bottom != Float(outHeight)
        let horizontalFirst = !(height - outHeight > 0 && height - outHeight > 2 * (width - outWidth))
        let horizontal = Weights(inSize: width, start: box.left, end: box.right, outSize: outWidth, kernel: kernel)
        var vertical = Weights(inSize: height, start: box.top, end: box.bottom, outSize: outHeight, kernel: kernel)

        if !horizontalFirst {  // needVertical holds: the height shrinks
            let tall = Self.verticalPass(pixels, width: width, vertical)           // outHeight × width × 3
            guard needHorizontal else { return Image(width: width, height: outHeight, pixels: tall) }
            return Image(width: outWidth, height: outHeight,
                         pixels: Self.horizontalPass(tall, width: width, rows: 0..<outHeight, horizontal))
        }
        var source = (pixels: pixels, width: width, height: height)
        if needHorizontal {
            // Only the source rows the vertical pass reads.
            let firstRow = vertical.bounds[0].first
            let lastRow = vertical.bounds[outHeight - 1].first + vertical.bounds[outHeight - 1].count
            source = (Self.horizontalPass(pixels, width: width, rows: firstRow..<lastRow, horizontal),
                      outWidth, lastRow - firstRow)                              // rows × outWidth × 3
            for i in vertical.bounds.indices { vertical.bounds[i].first -= firstRow }
        }
        if needVertical {
            return Image(width: source.width, height: outHeight,
                         pixels: Self.verticalPass(source.pixels, width: source.width, vertical))
        }
        return Image(width: source.width, height: source.height, pixels: source.pixels)
    }

    /// Horizontal pass over the given rows of a `width`-wide image →
    /// rows.count × weights.outSize × 3.
    private static func horizontalPass(_ pixels: [UInt8], width: Int, rows: Range<Int>, _ weights: Weights) -> [UInt8] {
        let outWidth = weights.outSize
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * 3)
        pixels.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                weights.fixed.withUnsafeBufferPointer { k in
                    // The hot loop: one fixed-point dot product per output byte.
                    for (j, y) in rows.enumerated() {
                        let row = input.baseAddress! + y * width * 3
                        for x in 0..<outWidth {
                            let (first, count) = weights.bounds[x]
                            let taps = k.baseAddress! + x * weights.ksize
                            var r = Weights.half, g = Weights.half, b = Weights.half
                            for t in 0..<count {
                                let p = row + (first + t) * 3
                                r &+= Int32(p[0]) &* taps[t]
                                g &+= Int32(p[1]) &* taps[t]
                                b &+= Int32(p[2]) &* taps[t]
                            }
                            let o = (j * outWidth + x) * 3
                            output[o] = Weights.clip(r)
                            output[o + 1] = Weights.clip(g)
                            output[o + 2] = Weights.clip(b)
                        }
                    }
                }
            }
        }
        return out
    }

    /// Vertical pass: (rows read) × width × 3 → weights.outSize × width × 3.
    private static func verticalPass(_ input: [UInt8], width: Int, _ weights: Weights) -> [UInt8] {
        let outHeight = weights.outSize
        var out = [UInt8](repeating: 0, count: outHeight * width * 3)
        input.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                weights.fixed.withUnsafeBufferPointer { k in
                    for y in 0..<outHeight {
                        let (first, count) = weights.bounds[y]
                        let taps = k.baseAddress! + y * weights.ksize
                        for i in 0..<width * 3 {
                            var sum = Weights.half
                            for t in 0..<count {
                                sum &+= Int32(input[(first + t) * width * 3 + i]) &* taps[t]
                            }
                            output[y * width * 3 + i] = Weights.clip(sum)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// A resampling kernel: its support at scale 1 and its function.
private enum Kernel {
    case bilinear
    /// Keys' cubic convolution with a = −0.5.
    case bicubic

    var support: Double { self == .bilinear ? 1 : 2 }

    /// The weight at distance `x`, written term by term as Pillow evaluates
    /// it, so the doubles round the same way.
    func callAsFunction(_ x: Double) -> Double {
        let x = abs(x)
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// One axis' resampling weights, as Pillow precomputes them: for each output
/// index the first source index, the tap count and `ksize` weights,
/// normalised to sum 1 in double precision, then rounded half away from zero
/// to fixed point with 22 fractional bits.
private struct Weights {
    static let precisionBits: Int32 = 22
    /// Rounding offset every sum starts from: 0.5 in fixed point.
    static let half: Int32 = 1 << (precisionBits - 1)

    let outSize: Int
    let ksize: Int
    var bounds: [(first: Int, count: Int)]
    let fixed: [Int32]

    init(inSize: Int, start: Float, end: Float, outSize: Int, kernel: Kernel) {
        let scale = Double(end - start) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = kernel.support * filterScale
        let ksize = Int(support.rounded(.up)) * 2 + 1
        var bounds = [(first: Int, count: Int)]()
        var fixed = [Int32](repeating: 0, count: outSize * ksize)
        var taps = [Double](repeating: 0, count: ksize)
        for i in 0..<outSize {
            let center = Double(start) + (Double(i) + 0.5) * scale
            let inverse = 1 / filterScale
            let first = max(0, Int(center - support + 0.5))
            let count = min(inSize, Int(center + support + 0.5)) - first
            var total = 0.0
            for t in 0..<count {
                let w = kernel((Double(t + first) - center + 0.5) * inverse)
                taps[t] = w
                total += w
            }
            for t in 0..<max(count, 0) {
                let w = total != 0 ? taps[t] / total : taps[t]
                let scaled = w * Double(1 << Self.precisionBits)
                fixed[i * ksize + t] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            bounds.append((first, max(count, 0)))
        }
        self.outSize = outSize
        self.ksize = ksize
        self.bounds = bounds
        self.fixed = fixed
    }

    /// 8-bit result of a fixed-point sum: floor(sum / 2^22) clamped to 0...255.
    @inline(__always) static func clip(_ sum: Int32) -> UInt8 {
        UInt8(clamping: sum >> precisionBits)
    }
}
