// DenseKernel.swift — the three matrix products of a Dense layer's training
// step, Float32, row-major, Keras' kernel layout (inputs, units).
//
//   affine          y  (rows, units)   = x (rows, inputs) · K (inputs, units) + b
//   kernelGradient  dK (inputs, units) = xᵀ · dy (rows, units)      (db = Σ_rows dy)
//   inputGradient   dx (rows, inputs)  = dy · Kᵀ
//
// Every output element is summed by one part in a fixed order (over i, over
// rows, over units respectively), and which code path (16-wide SIMD or
// scalar tail) computes it depends on its index only, so results do not
// depend on `Parallel.threadCount`. The definitions are the scalar Double
// references in Tests/VisionTests/TrainingGradientTests.swift.

enum DenseKernel {
    /// Units per SIMD block; the last `units % lanes` units take a scalar path.
    static let lanes = 16
    typealias Lanes = SIMD16<Float>

    /// y = x·K + b for `rows` rows. Parallel over blocks of units.
    static func affine(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                       kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>, units: Int,
                       into y: UnsafeMutablePointer<Float>) {
        let blocks = units / lanes, tail = units % lanes
        let parts = partCount(work: rows * inputs * units, items: blocks + (tail > 0 ? 1 : 0))
        Parallel.forEach(parts: parts) { part in
            for block in Parallel.slice(part, of: parts, count: blocks + (tail > 0 ? 1 : 0)) {
                if block < blocks {
                    affineBlock(x, rows: rows, inputs: inputs, kernel: kernel, bias: bias, units: units,
                                column: block * lanes, into: y)
                } else {
                    affineTail(x, rows: rows, inputs: inputs, kernel: kernel, bias: bias, units: units,
                               from: blocks * lanes, into: y)
                }
            }
        }
    }

    /// The last `units % 16` units (all of them for a few-class output
    /// layer): per row, one running sum per unit, i ascending; the units'
    /// independent sums interleave so the FMA latency is hidden.
    private static func affineTail(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                                   kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>, units: Int,
                                   from first: Int, into y: UnsafeMutablePointer<Float>) {
        let width = units - first                                   // < 16
        withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes) { sums in
            for r in 0..<rows {
                let xr = x + r * inputs
                for j in 0..<width { sums[j] = bias[first + j] }
                for i in 0..<inputs {
                    let xi = xr[i], k = kernel + i * units + first
                    for j in 0..<width { sums[j] = sums[j].addingProduct(xi, k[j]) }
                }
                for j in 0..<width { y[r * units + first + j] = sums[j] }
            }
        }
    }

    /// Kernel rows per pass of `affineBlock`: a 16-unit column of 128 rows
    /// (8 KB at a 4 KB stride) stays in L2 while every row group reads it;
    /// a whole 2048-row column would alias to too few sets and be re-fetched.
    static let inputBlock = 128

    /// The hot loop of the forward pass: 16 units × up to 4 rows held in
    /// registers while i runs over a block of inputs; the kernel row slice is
    /// loaded once per 4 rows. Sums run bias first, then i ascending.
    @inline(__always)
    private static func affineBlock(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                                    kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>, units: Int,
                                    column: Int, into y: UnsafeMutablePointer<Float>) {
        let b = load(bias + column)
        var start = 0
        while start < inputs {
            let end = min(start + inputBlock, inputs)
            var r = 0
            while r + 4 <= rows {
                let y0 = y + r * units + column, y1 = y0 + units, y2 = y1 + units, y3 = y2 + units
                var a0 = start == 0 ? b : load(y0), a1 = start == 0 ? b : load(y1)
                var a2 = start == 0 ? b : load(y2), a3 = start == 0 ? b : load(y3)
                let x0 = x + r * inputs, x1 = x0 + inputs, x2 = x1 + inputs, x3 = x2 + inputs
                for i in start..<end {
                    let k = load(kernel + i * units + column)
                    a0 = a0.addingProduct(x0[i], k)
                    a1 = a1.addingProduct(x1[i], k)
                    a2 = a2.addingProduct(x2[i], k)
                    a3 = a3.addingProduct(x3[i], k)
                }
                store(a0, y0)
                store(a1, y1)
                store(a2, y2)
                store(a3, y3)
                r += 4
            }
            while r < rows {
                let yr = y + r * units + column
                var a = start == 0 ? b : load(yr)
                let xr = x + r * inputs
                for i in start..<end { a = a.addingProduct(xr[i], load(kernel + i * units + column)) }
                store(a, yr)
                r += 1
            }
            start = end
        }
    }

    /// The operands of `kernelGradient` rearranged so its loops read
    /// contiguous memory: xᵀ (inputs, rows) and dy's 16-unit column blocks
    /// one after another, (blocks, rows, 16). Rows of dy sit 4 KB apart for
    /// 1024 units and alias in L1; the packed blocks do not.
    struct GradientOperands {
        var transposedInput: [Float]     // (inputs, rows)
        var packedGradient: [Float]      // (units / 16, rows, 16)

        init(_ x: UnsafePointer<Float>, rows: Int, inputs: Int, outputGradient dy: UnsafePointer<Float>, units: Int) {
            transposedInput = [Float](unsafeUninitializedCapacity: rows * inputs) { buffer, count in
                for r in 0..<rows { for i in 0..<inputs { buffer[i * rows + r] = x[r * inputs + i] } }
                count = rows * inputs
            }
            let blocks = units / lanes
            packedGradient = [Float](unsafeUninitializedCapacity: blocks * rows * lanes) { buffer, count in
                for block in 0..<blocks {
                    for r in 0..<rows {
                        (buffer.baseAddress! + (block * rows + r) * lanes).update(from: dy + r * units + block * lanes, count: lanes)
                    }
                }
                count = blocks * rows * lanes
            }
        }
    }

    /// Rows `range` of dK = xᵀ·dy, written to `gradient` (row i of dK at
    /// `gradient + (i - range.lowerBound) * units`). Serial: callers split
    /// the rows of dK among parts, each with its own range. Each element is
    /// Σ_r in row order, whatever the range.
    static func kernelGradient(_ operands: GradientOperands, rows: Int, inputs: Int,
                               outputGradient dy: UnsafePointer<Float>, units: Int,
                               kernelRows range: Range<Int>, into gradient: UnsafeMutablePointer<Float>) {
        let blocks = units / lanes
        operands.transposedInput.withUnsafeBufferPointer { xT in
            operands.packedGradient.withUnsafeBufferPointer { packed in
                let xT = xT.baseAddress!, packed = packed.baseAddress   // nil when units < 16: no blocks
                var i = range.lowerBound
                // The hot loop of the backward pass: 4 kernel rows × 16 units in
                // registers while r runs over the batch; dy's block row loaded once.
                while i + 4 <= range.upperBound {
                    let out = gradient + (i - range.lowerBound) * units
                    let x0 = xT + i * rows, x1 = x0 + rows, x2 = x1 + rows, x3 = x2 + rows
                    for block in 0..<blocks {
                        let d = packed! + block * rows * lanes
                        var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
                        for r in 0..<rows {
                            let dr = load(d + r * lanes)
                            a0 = a0.addingProduct(x0[r], dr)
                            a1 = a1.addingProduct(x1[r], dr)
                            a2 = a2.addingProduct(x2[r], dr)
                            a3 = a3.addingProduct(x3[r], dr)
                        }
                        let column = block * lanes
                        store(a0, out + column)
                        store(a1, out + units + column)
                        store(a2, out + 2 * units + column)
                        store(a3, out + 3 * units + column)
                    }
                    for row in 0..<4 {
                        kernelGradientTail(xT + (i + row) * rows, rows: rows, dy, units: units, into: out + row * units)
                    }
                    i += 4
                }
                while i < range.upperBound {
                    let out = gradient + (i - range.lowerBound) * units
                    let xi = xT + i * rows
                    for block in 0..<blocks {
                        let d = packed! + block * rows * lanes
                        var a = Lanes()
                        for r in 0..<rows { a = a.addingProduct(xi[r], load(d + r * lanes)) }
                        store(a, out + block * lanes)
                    }
                    kernelGradientTail(xi, rows: rows, dy, units: units, into: out)
                    i += 1
                }
            }
        }
    }

    /// The scalar units past the last SIMD block of one dK row; `xi` is
    /// that row's column of x (rows values, from xᵀ).
    @inline(__always)
    private static func kernelGradientTail(_ xi: UnsafePointer<Float>, rows: Int, _ dy: UnsafePointer<Float>, units: Int,
                                           into out: UnsafeMutablePointer<Float>) {
        for j in (units / lanes * lanes)..<units {
            var sum: Float = 0
            for r in 0..<rows { sum = sum.addingProduct(xi[r], dy[r * units + j]) }
            out[j] = sum
        }
    }

    /// db[j] = Σ_r dy[r, j], rows in order.
    static func biasGradient(_ dy: UnsafePointer<Float>, rows: Int, units: Int, into gradient: UnsafeMutablePointer<Float>) {
        for j in 0..<units { gradient[j] = 0 }
        for r in 0..<rows {
            for j in 0..<units { gradient[j] += dy[r * units + j] }
        }
    }

    /// dx = dy·Kᵀ: dx[r, i] = Σ_j dy[r, j]·K[i, j], units in order. Serial;
    /// used for the output layer, whose units are the few classes.
    static func inputGradient(_ dy: UnsafePointer<Float>, rows: Int, units: Int,
                              kernel: UnsafePointer<Float>, inputs: Int, into dx: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for i in 0..<inputs {
                var sum: Float = 0
                for j in 0..<units { sum = sum.addingProduct(dy[r * units + j], kernel[i * units + j]) }
                dx[r * inputs + i] = sum
            }
        }
    }

    /// How many parts to cut `items` independent items into: one when the
    /// whole job is too small (< ~256 k multiply-adds) to pay for waking threads.
    static func partCount(work: Int, items: Int) -> Int {
        if work < 1 << 18 || items <= 1 { return 1 }
        return min(items, Parallel.threadCount * Parallel.partsPerThread)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func load(_ p: UnsafeMutablePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always)
    static func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }
}
