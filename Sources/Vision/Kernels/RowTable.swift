// RowTable.swift — one PackedConv2D call's row pointers for every tile,
// written once for fixed input and output views and read on every later call.
//
// A ForwardPlan's arena fixes every view's address, so the plan keeps one
// table per convolution step and builds it when the step first runs.

/// The row pointers of every 6-pixel tile of one PackedConv2D call (what
/// `PackedConv2D.fillRowTable` writes per chunk), kept for views whose
/// addresses and shapes do not change.
///
/// Tiles are stored back to back: a merged tile keeps kh · 6 pointers, the
/// others kh · kw · 6 (the stem's 3×3 interior tiles cost a third of a full
/// table). A table answers only for the convolution and views it was built
/// for, or the first images of them (a call on fewer images reads the front
/// of the table: tile t covers the same pixels either way); `check` says so
/// before a call reads it.
final class RowTable: @unchecked Sendable {
    // Sendable: written only in init, then only read.
    private let pointers: UnsafeMutablePointer<UnsafePointer<Float>>
    /// Per tile: where its pointers start in `pointers`, and how many taps they list.
    private let starts: UnsafeMutablePointer<(offset: Int, taps: Int)>
    /// Tiles of the call (output pixels / 6, rounded up).
    let tiles: Int
    /// Pointers stored, over all tiles.
    let pointerCount: Int
    /// What it was built for: the convolution, the input view, the output's extent.
    private let convolution: ObjectIdentifier
    private let input: FeatureMap
    private let output: (batch: Int, height: Int, width: Int)

    /// Memory the table holds, in bytes.
    var bytes: Int { pointerCount * MemoryLayout<UnsafePointer<Float>>.stride
                     + tiles * MemoryLayout<(offset: Int, taps: Int)>.stride }

    /// Writes the row pointers of `conv` reading `input` into `output`:
    /// chunk by chunk into a scratch table, keeping each tile's used part.
    init(_ conv: PackedConv2D, _ input: FeatureMap, _ output: FeatureMap) {
        _ = conv.checkedOutputSize(input, output, kernel: "RowTable")
        let mr = PackedConv2D.rowsPerTile, taps = conv.taps, chunk = 64
        let tiles = (output.pixels + mr - 1) / mr
        let starts = UnsafeMutablePointer<(offset: Int, taps: Int)>.allocate(capacity: max(tiles, 1))
        var kept: [UnsafePointer<Float>] = []
        withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: chunk * taps * mr) { scratch in
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: chunk) { merged in
            for tile0 in stride(from: 0, to: tiles, by: chunk) {
                let range = tile0..<min(tiles, tile0 + chunk)
                conv.fillRowTable(scratch.baseAddress!, merged: merged.baseAddress!, tiles: range, input, output)
                for tile in range {
                    // A tile lists its taps first to last; a merged one only kh of them.
                    let tileTaps = merged[tile - tile0] ? conv.kernelHeight : taps
                    starts[tile] = (kept.count, tileTaps)
                    let first: Int = (tile - tile0) * taps * mr
                    kept.append(contentsOf: scratch[first..<(first + tileTaps * mr)])
                }
            }
        }
        }
        self.tiles = tiles
        self.starts = starts
        convolution = ObjectIdentifier(conv)
        self.input = input
        self.output = (output.batch, output.height, output.width)
        pointerCount = kept.count
        pointers = .allocate(capacity: max(kept.count, 1))
        pointers.initialize(from: kept, count: kept.count)
    }

    deinit {
        pointers.deallocate()
        starts.deallocate()
    }

    /// Tile `tile`'s row pointers ([tap][6]) and how many taps they list.
    @inline(__always)
    func tile(_ tile: Int) -> (UnsafePointer<UnsafePointer<Float>>, Int) {
        let (offset, taps) = starts[tile]
        return (UnsafePointer(pointers + offset), taps)
    }

    /// Whether the table was built for `conv` reading `input` into an output
    /// of `output`'s extent, or for more images of the same views (the
    /// output's own address does not enter it).
    func fits(_ conv: PackedConv2D, _ input: FeatureMap, _ output: FeatureMap) -> Bool {
        ObjectIdentifier(conv) == convolution && input.base == self.input.base
            && input.batch <= self.input.batch && input.height == self.input.height
            && input.width == self.input.width && input.channels == self.input.channels
            && input.pixelStride == self.input.pixelStride
            && output.batch == input.batch && output.batch <= self.output.batch
            && (output.height, output.width) == (self.output.height, self.output.width)
    }

    /// Stops with what differs unless `fits(conv, input, output)`: reading a
    /// table built for other views would compute from the wrong memory.
    func check(for conv: PackedConv2D, _ input: FeatureMap, _ output: FeatureMap) {
        precondition(fits(conv, input, output),
                     "RowTable: built for input \(self.input.base) "
                     + "\([self.input.batch, self.input.height, self.input.width, self.input.channels]) "
                     + "stride \(self.input.pixelStride) → \(self.output), used with input \(input.base) "
                     + "\([input.batch, input.height, input.width, input.channels]) stride \(input.pixelStride) "
                     + "→ \((output.batch, output.height, output.width))"
                     + (ObjectIdentifier(conv) == convolution ? "" : " and another convolution"))
    }
}
