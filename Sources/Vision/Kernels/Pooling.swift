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

    /// Per-channel scale and bias applied to each pooled value as
    /// bias + value · scale (one fused multiply-add, the convolutions' store),
    /// then max(·, 0) if `relu`; both padded to whole blocks of 16 channels.
    struct Affine {
        let scale: UnsafePointer<Float>, bias: UnsafePointer<Float>, relu: Bool

        @inline(__always)
        func callAsFunction(_ value: SIMD16<Float>, block b: Int) -> SIMD16<Float> {
            let factor = UnsafeRawPointer(scale + 16 * b).loadUnaligned(as: SIMD16<Float>.self)
            let sum = UnsafeRawPointer(bias + 16 * b).loadUnaligned(as: SIMD16<Float>.self).addingProduct(value, factor)
            return relu ? sum.replacing(with: 0, where: sum .< 0) : sum
        }
    }

    /// Pools `input` into `output` with `size` windows moved by `strides`.
    ///
    /// Separable: for each output row, the window's input rows are first
    /// reduced pixel by pixel into a scratch row (width × channels, read and
    /// written contiguously, it stays in L1/L2), then each output pixel
    /// reduces its window's columns of that row. A 3×3 window costs 2 + 2
    /// operations per output instead of 8, and 3 + 3 loads instead of 9 at
    /// stride 1. Max is exact in any order; the average adds the rows of a
    /// column, then the columns, and divides by the in-bounds cell count as
    /// TensorFlow does. Each output value is computed the same way whatever
    /// the split into parts, so results do not depend on the thread count.
    /// `affine`, if given, is applied to every pooled value before it is stored.
    static func apply(_ kind: Kind, _ input: FeatureMap, _ output: FeatureMap,
                      size: (Int, Int), strides: (Int, Int), padding: Padding, affine: Affine? = nil) {
        switch kind {
        case .max: apply(MaxReduction.self, input, output, size: size, strides: strides, padding: padding, affine)
        case .average: apply(SumReduction.self, input, output, size: size, strides: strides, padding: padding, affine)
        }
    }

    /// `apply` with the reduction known at compile time, so the hot loops
    /// carry no per-element test of the kind.
    private static func apply<R: Reduction>(_ reduction: R.Type, _ input: FeatureMap, _ output: FeatureMap,
                                            size: (Int, Int), strides: (Int, Int), padding: Padding,
                                            _ affine: Affine?) {
        let rows = padding.window(input: input.height, kernel: size.0, stride: strides.0)
        let columns = padding.window(input: input.width, kernel: size.1, stride: strides.1)
        precondition(output.batch == input.batch && output.height == rows.output
                     && output.width == columns.output && output.channels == input.channels,
                     "Pool2D: output view \([output.batch, output.height, output.width, output.channels]) but "
                     + "pooling gives \([input.batch, rows.output, columns.output, input.channels])")
        let outputRows = output.batch * output.height
        if outputRows == 0 || output.width == 0 { return }
        let blocks = (input.channels + 15) / 16
        let parts = min(Parallel.threadCount * Parallel.partsPerThread, outputRows)
        Parallel.forEach(parts: parts) { part in
            withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: input.width * blocks) { scratch in
                let reduced = scratch.baseAddress!   // width × blocks column values of one output row
                for row in Parallel.slice(part, of: parts, count: outputRows) {
                    let n = row / output.height, oy = row % output.height
                    let y0 = oy * strides.0 - rows.before
                    let ys = max(y0, 0)..<min(y0 + size.0, input.height)
                    precondition(!ys.isEmpty, "Pool2D: output row \(oy) has no input rows")
                    let image = input.base + n * input.height * input.width * input.pixelStride
                    reduceColumns(R.self, image, input, ys, reduced)
                    reduceWindows(R.self, reduced, input.width, blocks, ys.count,
                                  output.base + row * output.width * output.pixelStride, output,
                                  size.1, strides.1, columns.before, affine)
                }
            }
        }
    }

    /// Vertical pass, the hot loop's first half: `reduced[x × blocks + b]` =
    /// the reduction over rows `ys` of channels 16b… of input pixel x.
    @inline(__always)
    private static func reduceColumns<R: Reduction>(_ reduction: R.Type, _ image: UnsafeMutablePointer<Float>,
                                                    _ input: FeatureMap, _ ys: Range<Int>,
                                                    _ reduced: UnsafeMutablePointer<SIMD16<Float>>) {
        let rowStride = input.width * input.pixelStride
        let full = input.channels / 16, tail = input.channels % 16, blocks = full + (tail > 0 ? 1 : 0)
        for x in 0..<input.width {
            let pixel = image + ys.lowerBound * rowStride + x * input.pixelStride
            let out = reduced + x * blocks
            if ys.count == 3 {   // Inception's windows away from the border: no inner loop
                for b in 0..<full {
                    let top = loadLanes(pixel + 16 * b, 16), middle = loadLanes(pixel + rowStride + 16 * b, 16)
                    out[b] = R.combine(R.combine(top, middle), loadLanes(pixel + 2 * rowStride + 16 * b, 16))
                }
            } else {
                for b in 0..<full {
                    var acc = loadLanes(pixel + 16 * b, 16)
                    for y in 1..<ys.count { acc = R.combine(acc, loadLanes(pixel + y * rowStride + 16 * b, 16)) }
                    out[b] = acc
                }
            }
            if tail > 0 {
                var acc = loadLanes(pixel + 16 * full, tail)
                for y in 1..<ys.count { acc = R.combine(acc, loadLanes(pixel + y * rowStride + 16 * full, tail)) }
                out[full] = acc
            }
        }
    }

    /// Horizontal pass: output pixel ox reduces the in-bounds columns of its
    /// window in `reduced` (a row of `width` pixels of `blocks` column values
    /// over `rowCount` rows), an average divides by the in-bounds cell count,
    /// and the channels are stored at `out` + ox × pixel stride.
    @inline(__always)
    private static func reduceWindows<R: Reduction>(_ reduction: R.Type, _ reduced: UnsafeMutablePointer<SIMD16<Float>>,
                                                    _ width: Int, _ blocks: Int, _ rowCount: Int,
                                                    _ out: UnsafeMutablePointer<Float>, _ output: FeatureMap,
                                                    _ kernel: Int, _ stride: Int, _ before: Int,
                                                    _ affine: Affine?) {
        let full = output.channels / 16, tail = output.channels % 16
        for ox in 0..<output.width {
            let x0 = ox * stride - before
            let xs = max(x0, 0)..<min(x0 + kernel, width)
            precondition(!xs.isEmpty, "Pool2D: output column \(ox) has no input columns")
            let divisor = SIMD16<Float>(repeating: Float(rowCount * xs.count))
            let first = reduced + xs.lowerBound * blocks, pixel = out + ox * output.pixelStride
            if xs.count == 3 {   // Inception's windows away from the border: no inner loop
                for b in 0..<full {
                    var acc = R.combine(R.combine(first[b], first[blocks + b]), first[2 * blocks + b])
                    if R.divides { acc /= divisor }
                    if let affine { acc = affine(acc, block: b) }
                    storeLanes(acc, pixel + 16 * b, 16)
                }
            } else {
                for b in 0..<full {
                    var acc = first[b]
                    for x in 1..<xs.count { acc = R.combine(acc, first[x * blocks + b]) }
                    if R.divides { acc /= divisor }
                    if let affine { acc = affine(acc, block: b) }
                    storeLanes(acc, pixel + 16 * b, 16)
                }
            }
            if tail > 0 {
                var acc = first[full]
                for x in 1..<xs.count { acc = R.combine(acc, first[x * blocks + full]) }
                if R.divides { acc /= divisor }
                if let affine { acc = affine(acc, block: full) }
                storeLanes(acc, pixel + 16 * full, tail)
            }
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

/// How window pooling combines two sets of 16 channel values, and whether
/// it then divides by the cell count (average) or not (max).
private protocol Reduction {
    static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float>
    static var divides: Bool { get }
}

/// Max pooling: lane-wise max, exact in any order.
private enum MaxReduction: Reduction {
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a.maximum(b) }
    static var divides: Bool { false }
}

/// Average pooling: lane-wise sum, divided by the in-bounds cell count.
private enum SumReduction: Reduction {
    @inline(__always) static func combine(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a + b }
    static var divides: Bool { true }
}
