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
    ///
    /// Separable: for each output row and block of 16 channels, the window's
    /// rows are first reduced column by column into a scratch row (one value
    /// per input column, in L1), then each output pixel reduces its window's
    /// columns of that row. A 3×3 window costs 2 + 2 operations and 3 + 3
    /// loads per output instead of 8 and 9; neighbouring windows share their
    /// column values. Max is exact in any order; the average adds the rows of
    /// a column, then the columns, and divides by the in-bounds cell count as
    /// TensorFlow does. Each output value is computed the same way whatever
    /// the split into parts, so results do not depend on the thread count.
    static func apply(_ kind: Kind, _ input: FeatureMap, _ output: FeatureMap,
                      size: (Int, Int), strides: (Int, Int), padding: Padding) {
        let rows = padding.window(input: input.height, kernel: size.0, stride: strides.0)
        let columns = padding.window(input: input.width, kernel: size.1, stride: strides.1)
        precondition(output.batch == input.batch && output.height == rows.output
                     && output.width == columns.output && output.channels == input.channels,
                     "Pool2D: output view \([output.batch, output.height, output.width, output.channels]) but "
                     + "pooling gives \([input.batch, rows.output, columns.output, input.channels])")
        let outputRows = output.batch * output.height
        if outputRows == 0 || output.width == 0 { return }
        let parts = min(Parallel.threadCount * Parallel.partsPerThread, outputRows)
        Parallel.forEach(parts: parts) { part in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: input.width) { scratch in
                let reduced = scratch.baseAddress!
                for row in Parallel.slice(part, of: parts, count: outputRows) {
                    let n = row / output.height, oy = row % output.height
                    let y0 = oy * strides.0 - rows.before
                    let ys = max(y0, 0)..<min(y0 + size.0, input.height)
                    precondition(!ys.isEmpty, "Pool2D: output row \(oy) has no input rows")
                    let image = input.base + n * input.height * input.width * input.pixelStride
                    let out = output.base + row * output.width * output.pixelStride
                    var c = 0
                    while c < input.channels {
                        let lanes = min(16, input.channels - c)
                        reduceColumns(kind, image + c, input, ys, lanes, reduced)
                        reduceWindows(kind, reduced, input.width, ys.count, out + c, output, size.1,
                                      strides.1, columns.before, lanes)
                        c += 16
                    }
                }
            }
        }
    }

    /// Vertical pass, the hot loop's first half: `reduced[x]` = max or sum of
    /// the `lanes` channels at `image` over rows `ys` of column x, for every x.
    @inline(__always)
    private static func reduceColumns(_ kind: Kind, _ image: UnsafeMutablePointer<Float>, _ input: FeatureMap,
                                      _ ys: Range<Int>, _ lanes: Int, _ reduced: UnsafeMutablePointer<SIMD16<Float>>) {
        let rowStride = input.width * input.pixelStride
        for x in 0..<input.width {
            let column = image + ys.lowerBound * rowStride + x * input.pixelStride
            var acc = load(column, lanes)
            for y in 1..<ys.count {
                let v = load(column + y * rowStride, lanes)
                acc = kind == .max ? acc.maximum(v) : acc + v
            }
            reduced[x] = acc
        }
    }

    /// Horizontal pass: output pixel ox reduces the in-bounds columns of its
    /// window in `reduced` (a row of `width` column values over `rowCount`
    /// rows), divides an average by the in-bounds cell count, and stores
    /// `lanes` channels at `out` + ox × pixel stride.
    @inline(__always)
    private static func reduceWindows(_ kind: Kind, _ reduced: UnsafeMutablePointer<SIMD16<Float>>, _ width: Int,
                                      _ rowCount: Int, _ out: UnsafeMutablePointer<Float>, _ output: FeatureMap,
                                      _ kernel: Int, _ stride: Int, _ before: Int, _ lanes: Int) {
        for ox in 0..<output.width {
            let x0 = ox * stride - before
            let xs = max(x0, 0)..<min(x0 + kernel, width)
            precondition(!xs.isEmpty, "Pool2D: output column \(ox) has no input columns")
            var acc = reduced[xs.lowerBound]
            for x in (xs.lowerBound + 1)..<xs.upperBound {
                let v = reduced[x]
                acc = kind == .max ? acc.maximum(v) : acc + v
            }
            if kind == .average { acc /= SIMD16(repeating: Float(rowCount * xs.count)) }
            store(acc, out + ox * output.pixelStride, lanes)
        }
    }

    /// The first `lanes` (1…16) floats at `p`, zeros in the other lanes.
    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>, _ lanes: Int) -> SIMD16<Float> {
        if lanes == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        for i in 0..<lanes { v[i] = p[i] }
        return v
    }

    /// Stores the first `lanes` (1…16) lanes of `v` at `p`.
    @inline(__always)
    private static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
        if lanes == 16 { return UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self) }
        for i in 0..<lanes { p[i] = v[i] }
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
