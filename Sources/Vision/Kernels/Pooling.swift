// Pooling.swift — max and average pooling over windows, and global pooling,
// channels last, with TensorFlow's semantics.
//
//   input   (N, H, W, C)  →  output (N, Ho, Wo, C), Ho, Wo by Padding.window
//   max:     padded cells never win (they are not -inf values, they are absent)
//   average: the divisor counts only the cells inside the input
//   global:  (N, H, W, C) → (N, C), mean or max over H × W
//
// The definitions are `Reference.maxPool2D`, `Reference.averagePool2D` and
// `Reference.globalPool` in Tests/VisionTests.

/// Window pooling kernels over FeatureMap views; all threads, any channel count.
enum Pool2D {
    enum Kind { case max, average }

    /// Pools `input` into `output` with `size` windows moved by `strides`.
    static func apply(_ kind: Kind, _ input: FeatureMap, _ output: FeatureMap,
                      size: (Int, Int), strides: (Int, Int), padding: Padding) {
        let rows = padding.window(input: input.height, kernel: size.0, stride: strides.0)
        let columns = padding.window(input: input.width, kernel: size.1, stride: strides.1)
        precondition(output.batch == input.batch && output.height == rows.output
                     && output.width == columns.output && output.channels == input.channels,
                     "Pool2D: output view \([output.batch, output.height, output.width, output.channels]) but "
                     + "pooling gives \([input.batch, rows.output, columns.output, input.channels])")
        let outputRows = output.batch * output.height
        if outputRows == 0 { return }
        let parts = min(Parallel.threadCount * Parallel.partsPerThread, outputRows)
        Parallel.forEach(parts: parts) { part in
            for row in Parallel.slice(part, of: parts, count: outputRows) {
                let n = row / output.height, oy = row % output.height
                let y0 = oy * strides.0 - rows.before
                let ys = max(y0, 0)..<min(y0 + size.0, input.height)
                for ox in 0..<output.width {
                    let x0 = ox * strides.1 - columns.before
                    let xs = max(x0, 0)..<min(x0 + size.1, input.width)
                    let out = output.base + (row * output.width + ox) * output.pixelStride
                    let first = input.base + (n * input.height) * input.width * input.pixelStride
                    window(kind, first, input.width * input.pixelStride, input.pixelStride,
                           ys, xs, input.channels, out)
                }
            }
        }
    }

    /// One output pixel: reduces the in-bounds window `ys` × `xs` of the
    /// image starting at `image`, 16 channels at a time.
    @inline(__always)
    private static func window(_ kind: Kind, _ image: UnsafeMutablePointer<Float>, _ rowStride: Int,
                               _ pixelStride: Int, _ ys: Range<Int>, _ xs: Range<Int>, _ channels: Int,
                               _ out: UnsafeMutablePointer<Float>) {
        let divisor = Float(ys.count * xs.count)
        var c = 0
        while c + 16 <= channels {
            var acc = kind == .max ? SIMD16<Float>(repeating: -.infinity) : SIMD16<Float>()
            for y in ys {
                for x in xs {
                    let v = UnsafeRawPointer(image + y * rowStride + x * pixelStride + c)
                        .loadUnaligned(as: SIMD16<Float>.self)
                    acc = kind == .max ? acc.maximum(v) : acc + v
                }
            }
            if kind == .average { acc /= SIMD16(repeating: divisor) }
            UnsafeMutableRawPointer(out + c).storeBytes(of: acc, as: SIMD16<Float>.self)
            c += 16
        }
        while c < channels {
            var acc: Float = kind == .max ? -.infinity : 0
            for y in ys {
                for x in xs {
                    let v = image[y * rowStride + x * pixelStride + c]
                    acc = kind == .max ? Swift.max(acc, v) : acc + v
                }
            }
            out[c] = kind == .average ? acc / divisor : acc
            c += 1
        }
    }

    /// Global pooling: output[n, c] = mean or max of input[n, :, :, c].
    /// `output` points at N rows of `input.channels` values, `outputStride` apart.
    static func global(_ kind: Kind, _ input: FeatureMap, _ output: UnsafeMutablePointer<Float>, outputStride: Int) {
        let pixels = input.height * input.width
        precondition(pixels >= 1, "Pool2D.global: empty image \(input.height)×\(input.width)")
        let count = Float(pixels)
        for n in 0..<input.batch {
            let image = input.base + n * pixels * input.pixelStride
            let out = output + n * outputStride
            var c = 0
            while c + 16 <= input.channels {
                var acc = kind == .max ? SIMD16<Float>(repeating: -.infinity) : SIMD16<Float>()
                for p in 0..<pixels {
                    let v = UnsafeRawPointer(image + p * input.pixelStride + c).loadUnaligned(as: SIMD16<Float>.self)
                    acc = kind == .max ? acc.maximum(v) : acc + v
                }
                if kind == .average { acc /= SIMD16(repeating: count) }
                UnsafeMutableRawPointer(out + c).storeBytes(of: acc, as: SIMD16<Float>.self)
                c += 16
            }
            while c < input.channels {
                var acc = kind == .max ? -Float.infinity : 0
                for p in 0..<pixels {
                    let v = image[p * input.pixelStride + c]
                    acc = kind == .max ? Swift.max(acc, v) : acc + v
                }
                out[c] = kind == .average ? acc / count : acc
                c += 1
            }
        }
    }
}
