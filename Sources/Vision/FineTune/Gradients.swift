// Gradients.swift — backward kernels of Inception V3's layers, NHWC, Float32:
// given the loss gradient of a layer's output, the gradient of its input (and
// of its weights). Forward definitions are the Kernels/ ones (TF semantics).
//
// Every kernel splits its output into parts that own disjoint memory and sums
// in a fixed order, so results do not depend on the thread count.
import Foundation

/// Backward passes, one per layer kind. `dy` is ∂L/∂output, shaped as the
/// forward output; each function returns ∂L/∂input (and weight gradients).
enum Gradients {
    // MARK: Convolution

    /// ∂L/∂x of `y = conv2D(x, kernel)`: dy (N, Ho, Wo, Cout), kernel (kh, kw,
    /// Cin, Cout) → (N, H, W, Cin).
    ///
    /// A full correlation of dy with the kernel turned 180° and its channel
    /// axes swapped: dy is spread onto a zero grid (stride − 1 zeros between
    /// rows and columns, kh − 1 − padTop rows before, the rest after, so the
    /// grid is (H + kh − 1) × (W + kw − 1)), then the packed forward kernel runs
    /// a 'valid' convolution over it. A 1×1 stride-1 convolution skips the grid.
    static func conv2DInput(_ dy: Tensor, kernel: Tensor, inputHeight h: Int, inputWidth w: Int,
                            strides: (Int, Int), padding: Padding) -> Tensor {
        let (kh, kw, cin, cout) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        let rows = padding.window(input: h, kernel: kh, stride: strides.0)
        let columns = padding.window(input: w, kernel: kw, stride: strides.1)
        let (n, oh, ow) = (dy.shape[0], dy.shape[1], dy.shape[2])
        precondition(dy.rank == 4 && oh == rows.output && ow == columns.output && dy.shape[3] == cout,
                     "Gradients.conv2DInput: dy \(dy.shape) does not fit input \(h)×\(w) and kernel \(kernel.shape)")
        // turned[j, i, co, ci] = kernel[kh-1-j, kw-1-i, ci, co]   (kh, kw, Cout, Cin),
        // each tap's Cin × Cout matrix transposed 16 × 16 values at a time
        // (both sides then touch 16 cache lines, not one per value), a part
        // per tap and 16 input channels.
        let taps = kh * kw, groups = (cin + 15) / 16
        let turned = [Float](unsafeUninitializedCapacity: kernel.count) { t, count in
            kernel.scalars.withUnsafeBufferPointer { k in
                let (from, to) = (k.baseAddress!, t.baseAddress!)
                Parallel.forEach(parts: taps * groups) { part in
                    let tap = part / groups, ci0 = part % groups * 16
                    let source = from + (taps - 1 - tap) * cin * cout, target = to + tap * cout * cin
                    for co0 in stride(from: 0, to: cout, by: 16) {
                        for ci in ci0..<min(ci0 + 16, cin) { for co in co0..<min(co0 + 16, cout) {
                            target[co * cin + ci] = source[ci * cout + co]
                        } }
                    }
                }
            }
            count = kernel.count
        }
        let packed = turned.withUnsafeBufferPointer {
            PackedConv2D(kernel: $0, shape: [kh, kw, cout, cin], padding: .valid)
        }
        var dx = Tensor(zeros: [n, h, w, cin])
        if kh == 1 && kw == 1 && strides == (1, 1) {
            withFeatureMap(dy) { g in dx.withFeatureMap { packed.apply(g, $0, relu: false) } }
            return dx
        }
        let (gh, gw) = (h + kh - 1, w + kw - 1)
        let top = kh - 1 - rows.before, left = kw - 1 - columns.before
        var grid = Tensor(zeros: [n, gh, gw, cout])   // (N, H + kh − 1, W + kw − 1, Cout)
        grid.scalars.withUnsafeMutableBufferPointer { g in
            dy.scalars.withUnsafeBufferPointer { d in
                for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow {
                    let target = ((b * gh + top + oy * strides.0) * gw + left + ox * strides.1) * cout
                    (g.baseAddress! + target).update(from: d.baseAddress! + ((b * oh + oy) * ow + ox) * cout, count: cout)
                } } }
            }
        }
        withFeatureMap(grid) { g in dx.withFeatureMap { packed.apply(g, $0, relu: false) } }
        return dx
    }

    /// ∂L/∂kernel of `y = conv2D(x, kernel)`: x (N, H, W, Cin), dy (N, Ho, Wo,
    /// Cout) → (kh, kw, Cin, Cout).
    ///
    /// dK[tap, ci, co] = Σ_p X[tap, ci, p] · dy[p, co] over the P = N·Ho·Wo
    /// output pixels, where X[tap, ci, p] is the input value that output pixel
    /// p reads at tap (zero in the padding). X is laid out (taps·Cin) × P, and
    /// dy is packed as a (1, 1, P, Cout) kernel, so the product is one 1×1
    /// forward convolution of taps·Cin "pixels" of P channels: the fast
    /// micro-kernel, summing over p in order.
    static func conv2DKernel(_ x: Tensor, _ dy: Tensor, kernelHeight kh: Int, kernelWidth kw: Int,
                             strides: (Int, Int), padding: Padding) -> Tensor {
        let (n, h, w, cin) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let rows = padding.window(input: h, kernel: kh, stride: strides.0)
        let columns = padding.window(input: w, kernel: kw, stride: strides.1)
        let (oh, ow, cout) = (rows.output, columns.output, dy.shape[3])
        precondition(dy.rank == 4 && dy.shape[0] == n && dy.shape[1] == oh && dy.shape[2] == ow,
                     "Gradients.conv2DKernel: dy \(dy.shape) does not fit x \(x.shape) and a \(kh)×\(kw) kernel")
        let pixels = n * oh * ow, taps = kh * kw
        let columnsOfX = AlignedBuffer(count: taps * cin * pixels)   // X: (taps·Cin, P)
        let chunk = 16
        let chunks = (pixels + chunk - 1) / chunk
        x.scalars.withUnsafeBufferPointer { xs in
            let source = xs.baseAddress!, target = columnsOfX.base
            // A part is one tap × 16 pixels: it finds the 16 input pixels
            // (nil in the padding: those columns stay zero), then writes each
            // channel's 16 values side by side — one cache line per row of X,
            // not one scattered value per (pixel, channel).
            Parallel.forEach(parts: taps * chunks) { part in
                let tap = part / chunks, ky = tap / kw, kx = tap % kw
                let first = part % chunks * chunk, count = min(pixels, first + chunk) - first
                withUnsafeTemporaryAllocation(of: UnsafePointer<Float>?.self, capacity: chunk) { inputs in
                    for j in 0..<count {
                        let p = first + j
                        let ox = p % ow, oy = (p / ow) % oh, b = p / (ow * oh)
                        let iy = oy * strides.0 + ky - rows.before, ix = ox * strides.1 + kx - columns.before
                        inputs[j] = iy < 0 || iy >= h || ix < 0 || ix >= w ? nil : source + ((b * h + iy) * w + ix) * cin
                    }
                    for ci in 0..<cin {
                        let row = target + (tap * cin + ci) * pixels + first
                        for j in 0..<count { if let pixel = inputs[j] { row[j] = pixel[ci] } }
                    }
                }
            }
        }
        let packed = dy.scalars.withUnsafeBufferPointer {
            PackedConv2D(kernel: $0, shape: [1, 1, pixels, cout], padding: .valid)
        }
        var dk = Tensor(zeros: [kh, kw, cin, cout])
        dk.scalars.withUnsafeMutableBufferPointer { out in
            packed.apply(FeatureMap(base: columnsOfX.base, batch: 1, height: 1, width: taps * cin, channels: pixels),
                         FeatureMap(base: out.baseAddress!, batch: 1, height: 1, width: taps * cin, channels: cout),
                         relu: false)
        }
        return dk
    }

    // MARK: Batch norm, ReLU

    /// Inference batch norm `y = x·inv + shift` per channel: ∂L/∂x = dy·inv,
    /// ∂L/∂beta[c] = Σ over N, H, W of dy[·, c] (summed pixel by pixel in order).
    static func batchNorm(_ dy: Tensor, inv: [Float]) -> (dx: Tensor, dbeta: [Float]) {
        let c = inv.count
        precondition(dy.count % max(c, 1) == 0 && dy.shape.last == c,
                     "Gradients.batchNorm: dy \(dy.shape) for \(c) channels")
        var dx = dy
        for i in 0..<dx.count { dx.scalars[i] *= inv[i % c] }
        return (dx, channelSums(dy))
    }

    /// Σ over every pixel of dy (…, C) per channel, pixels in order; parts
    /// own 64 channels each.
    static func channelSums(_ dy: Tensor) -> [Float] {
        let c = dy.shape.last!, pixels = dy.count / max(c, 1)
        var sums = [Float](repeating: 0, count: c)
        let parts = (c + 63) / 64
        sums.withUnsafeMutableBufferPointer { out in
            dy.scalars.withUnsafeBufferPointer { d in
                let (o, g) = (out.baseAddress!, d.baseAddress!)
                Parallel.forEach(parts: parts) { part in
                    for ch in (part * 64)..<min(c, part * 64 + 64) {
                        var sum: Float = 0
                        for p in 0..<pixels { sum += g[p * c + ch] }
                        o[ch] = sum
                    }
                }
            }
        }
        return sums
    }

    /// ReLU from its output y: ∂L/∂x = dy where y > 0, else 0 (TF's ReluGrad:
    /// zero gradient at 0).
    static func relu(_ dy: Tensor, output y: Tensor) -> Tensor {
        precondition(dy.shape == y.shape, "Gradients.relu: dy \(dy.shape) vs y \(y.shape)")
        var dx = dy
        for i in 0..<dx.count where !(y.scalars[i] > 0) { dx.scalars[i] = 0 }
        return dx
    }

    // MARK: Pooling, concatenation

    /// Max pooling: each output's gradient goes to the first maximal cell of
    /// its window, cells taken row by row (TF's CPU MaxPoolGrad and oneDNN
    /// both update on a strictly greater value). x (N, H, W, C), dy (N, Ho, Wo, C).
    static func maxPool(_ dy: Tensor, input x: Tensor, size: (Int, Int), strides: (Int, Int),
                        padding: Padding) -> Tensor {
        windowBackward(dy, inputShape: x.shape, size: size, strides: strides, padding: padding) {
            image, cells, g, dx, c in
            var best = [Float](repeating: -.infinity, count: c), at = [Int](repeating: -1, count: c)
            for cell in cells {
                for ch in 0..<c where x.scalars[image + cell * c + ch] > best[ch] {
                    best[ch] = x.scalars[image + cell * c + ch]
                    at[ch] = cell
                }
            }
            for ch in 0..<c where at[ch] >= 0 { dx[image + at[ch] * c + ch] += g[ch] }
        }
    }

    /// Average pooling: each output's gradient, divided by the number of its
    /// window's cells inside the input (padding is not counted), goes to each
    /// of those cells.
    static func averagePool(_ dy: Tensor, inputShape: [Int], size: (Int, Int), strides: (Int, Int),
                            padding: Padding) -> Tensor {
        windowBackward(dy, inputShape: inputShape, size: size, strides: strides, padding: padding) {
            image, cells, g, dx, c in
            let divisor = Float(cells.count)
            for cell in cells {
                let base = dx + image + cell * c
                for ch in 0..<c { base[ch] += g[ch] / divisor }
            }
        }
    }

    /// Shared walk of the window kernels: one part per image; within it the
    /// outputs in order, each handing `route(imageOffset, cells, dy of that
    /// output, dx, C)` the in-bounds cells (y·W + x) of its window, row by row.
    private static func windowBackward(
        _ dy: Tensor, inputShape: [Int], size: (Int, Int), strides: (Int, Int), padding: Padding,
        route: (Int, [Int], UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let (n, h, w, c) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        let rows = padding.window(input: h, kernel: size.0, stride: strides.0)
        let columns = padding.window(input: w, kernel: size.1, stride: strides.1)
        precondition(dy.shape == [n, rows.output, columns.output, c],
                     "Gradients pooling: dy \(dy.shape) does not fit input \(inputShape)")
        var dx = Tensor(zeros: inputShape)
        dx.scalars.withUnsafeMutableBufferPointer { out in
            dy.scalars.withUnsafeBufferPointer { d in
                let (o, g) = (out.baseAddress!, d.baseAddress!)
                Parallel.forEach(parts: n) { b in
                    for oy in 0..<rows.output { for ox in 0..<columns.output {
                        let y0 = oy * strides.0 - rows.before, x0 = ox * strides.1 - columns.before
                        var cells: [Int] = []
                        for y in max(y0, 0)..<min(y0 + size.0, h) { for x in max(x0, 0)..<min(x0 + size.1, w) {
                            cells.append(y * w + x)
                        } }
                        route(b * h * w * c, cells, g + ((b * rows.output + oy) * columns.output + ox) * c, o, c)
                    } }
                }
            }
        }
        return dx
    }

    /// Global average pooling: dy (N, C) → (N, H, W, C), each cell dy / (H·W).
    static func globalAveragePool(_ dy: Tensor, height: Int, width: Int) -> Tensor {
        let (n, c) = (dy.shape[0], dy.shape[1]), count = Float(height * width)
        var dx = Tensor(zeros: [n, height, width, c])
        for b in 0..<n { for p in 0..<(height * width) { for ch in 0..<c {
            dx.scalars[(b * height * width + p) * c + ch] = dy.scalars[b * c + ch] / count
        } } }
        return dx
    }

    /// Concatenation on channels: dy (…, ΣC) cut back into the inputs' channel
    /// counts, in order.
    static func concatenate(_ dy: Tensor, channels: [Int]) -> [Tensor] {
        let total = dy.shape.last!, pixels = dy.count / max(total, 1)
        precondition(channels.reduce(0, +) == total, "Gradients.concatenate: \(channels) vs \(dy.shape)")
        var offset = 0
        return channels.map { c in
            defer { offset += c }
            var part = [Float](repeating: 0, count: pixels * c)
            for p in 0..<pixels { for ch in 0..<c { part[p * c + ch] = dy.scalars[p * total + offset + ch] } }
            return Tensor(shape: Array(dy.shape.dropLast()) + [c], scalars: part)
        }
    }
}
