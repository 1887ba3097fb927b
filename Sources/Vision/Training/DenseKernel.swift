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
                    for j in (blocks * lanes)..<units {
                        for r in 0..<rows {
                            var sum = bias[j]
                            for i in 0..<inputs { sum = sum.addingProduct(x[r * inputs + i], kernel[i * units + j]) }
                            y[r * units + j] = sum
                        }
                    }
                }
            }
        }
    }

    /// The hot loop of the forward pass: 16 units × up to 4 rows held in
    /// registers while i runs over the inputs; the kernel row slice is loaded
    /// once per 4 rows.
    @inline(__always)
    private static func affineBlock(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                                    kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>, units: Int,
                                    column: Int, into y: UnsafeMutablePointer<Float>) {
        let b = load(bias + column)
        var r = 0
        while r + 4 <= rows {
            var a0 = b, a1 = b, a2 = b, a3 = b
            let x0 = x + r * inputs, x1 = x0 + inputs, x2 = x1 + inputs, x3 = x2 + inputs
            for i in 0..<inputs {
                let k = load(kernel + i * units + column)
                a0 = a0.addingProduct(x0[i], k)
                a1 = a1.addingProduct(x1[i], k)
                a2 = a2.addingProduct(x2[i], k)
                a3 = a3.addingProduct(x3[i], k)
            }
            store(a0, y + r * units + column)
            store(a1, y + (r + 1) * units + column)
            store(a2, y + (r + 2) * units + column)
            store(a3, y + (r + 3) * units + column)
            r += 4
        }
        while r < rows {
            var a = b
            let xr = x + r * inputs
            for i in 0..<inputs { a = a.addingProduct(xr[i], load(kernel + i * units + column)) }
            store(a, y + r * units + column)
            r += 1
        }
    }

    /// Rows `range` of dK = xᵀ·dy, written to `gradient` (row i of dK at
    /// `gradient + (i - range.lowerBound) * units`). Serial: callers split
    /// the rows of dK among parts (see `HeadTrainer`), each with its own range.
    static func kernelGradient(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                               outputGradient dy: UnsafePointer<Float>, units: Int,
                               kernelRows range: Range<Int>, into gradient: UnsafeMutablePointer<Float>) {
        let blocks = units / lanes
        var i = range.lowerBound
        // The hot loop of the backward pass: 4 kernel rows × 16 units in
        // registers while r runs over the batch; dy's row slice loaded once.
        while i + 4 <= range.upperBound {
            let out = gradient + (i - range.lowerBound) * units
            for block in 0..<blocks {
                let column = block * lanes
                var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
                for r in 0..<rows {
                    let d = load(dy + r * units + column)
                    let xr = x + r * inputs + i
                    a0 = a0.addingProduct(xr[0], d)
                    a1 = a1.addingProduct(xr[1], d)
                    a2 = a2.addingProduct(xr[2], d)
                    a3 = a3.addingProduct(xr[3], d)
                }
                store(a0, out + column)
                store(a1, out + units + column)
                store(a2, out + 2 * units + column)
                store(a3, out + 3 * units + column)
            }
            for row in 0..<4 {
                kernelGradientTail(x, rows: rows, inputs: inputs, dy, units: units, row: i + row, into: out + row * units)
            }
            i += 4
        }
        while i < range.upperBound {
            let out = gradient + (i - range.lowerBound) * units
            for block in 0..<blocks {
                let column = block * lanes
                var a = Lanes()
                for r in 0..<rows { a = a.addingProduct(x[r * inputs + i], load(dy + r * units + column)) }
                store(a, out + column)
            }
            kernelGradientTail(x, rows: rows, inputs: inputs, dy, units: units, row: i, into: out)
            i += 1
        }
    }

    /// The scalar units past the last SIMD block of one dK row.
    @inline(__always)
    private static func kernelGradientTail(_ x: UnsafePointer<Float>, rows: Int, inputs: Int,
                                           _ dy: UnsafePointer<Float>, units: Int, row i: Int,
                                           into out: UnsafeMutablePointer<Float>) {
        for j in (units / lanes * lanes)..<units {
            var sum: Float = 0
            for r in 0..<rows { sum = sum.addingProduct(x[r * inputs + i], dy[r * units + j]) }
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
