// KernelSiblingConvolutionsTests.swift — convolutions of one input run as one
// step (SiblingConvolutions) and row tables kept across calls (RowTable).
// Oracles: the same convolutions run one by one with tables written per call
// (bit for bit), and Reference.conv2D, the scalar definition (to 1e-5).
import XCTest
@testable import Vision

/// An NHWC tensor's values in 64-byte-aligned memory that outlives one call,
/// so that a row table built for its address can be used again.
private final class Storage {
    let buffer: AlignedBuffer
    let shape: [Int]

    init(_ shape: [Int], filledWith value: Float = 0) {
        self.shape = shape
        buffer = AlignedBuffer(count: shape.reduce(1, *))
        buffer.base.update(repeating: value, count: buffer.count)
    }

    /// The whole tensor as a view.
    var map: FeatureMap {
        FeatureMap(base: buffer.base, batch: shape[0], height: shape[1], width: shape[2], channels: shape[3])
    }

    /// Overwrites the values with `tensor`'s (same shape).
    func load(_ tensor: Tensor) {
        precondition(tensor.shape == shape, "Storage.load: \(tensor.shape) into \(shape)")
        buffer.base.update(from: tensor.scalars, count: tensor.scalars.count)
    }
}

final class KernelSiblingConvolutionsTests: XCTestCase {
    /// Three 1×1 convolutions and a 3×3 of one input (odd channel counts: SIMD
    /// tails, one and two 64-wide tiles), two writing into channel slices of
    /// one wide tensor as branches fill a concatenation, two into tensors of
    /// their own: the same bits as running them one by one, close to the
    /// reference, the wide tensor's other channels untouched; with and without
    /// kept row tables, on every SIMD path, at 1, 2 and 3 threads.
    func testSiblingsGiveTheBitsOfSeparateRunsAndAgreeWithReference() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let (n, h, w, cin) = (2, 7, 9, 37)
        let x = Tensor.random([n, h, w, cin], seed: 60)
        let shapes: [(kh: Int, kw: Int, cout: Int)] = [(1, 1, 19), (1, 1, 64), (1, 1, 70), (3, 3, 21)]
        let kernels = shapes.enumerated().map { Tensor.random([$1.kh, $1.kw, cin, $1.cout], seed: UInt64(70 + $0)) }
        let biases = shapes.enumerated().map { Tensor.random([$1.cout], seed: UInt64(80 + $0)).scalars }
        // Convolutions 0 and 2 write channels 3..<22 and 25..<95 of a 98-channel tensor.
        let slices = [0: 3, 2: 25], wideChannels = 98
        let input = Storage([n, h, w, cin])
        input.load(x)
        for path in SIMDPath.supported {
            let convs = shapes.indices.map { i in
                kernels[i].scalars.withUnsafeBufferPointer {
                    PackedConv2D(kernel: $0, shape: kernels[i].shape, bias: biases[i], padding: .same, path: path)
                }
            }
            for relu in [false, true] {
                let references = shapes.indices.map {
                    Reference.conv2D(x, kernels[$0], bias: biases[$0], padding: .same, relu: relu)
                }
                for threads in [1, 2, 3] {
                    Parallel.threadCount = threads
                    let what = "\(path) relu \(relu) \(threads) threads"
                    let apart = Outputs(shapes.map(\.cout), batch: n, height: h, width: w, slices: slices,
                                        wideChannels: wideChannels)
                    for i in convs.indices { convs[i].apply(input.map, apart.views[i], relu: relu) }
                    for keepTables in [false, true] {
                        let together = Outputs(shapes.map(\.cout), batch: n, height: h, width: w, slices: slices,
                                               wideChannels: wideChannels)
                        let tables = convs.indices.map {
                            keepTables ? RowTable(convs[$0], input.map, together.views[$0]) : nil
                        }
                        SiblingConvolutions.apply(convs, input.map, together.views, relu: relu, rows: tables)
                        for i in convs.indices {
                            let y = together.views[i].tensor()
                            XCTAssertEqual(y, apart.views[i].tensor(), "conv \(i), \(what), tables \(keepTables)")
                            assertClose(y, references[i], tolerance: 1e-5, "conv \(i), \(what), tables \(keepTables)")
                        }
                        XCTAssertTrue(together.untouchedOutsideSlices(), "\(what): a wide channel outside the slices changed")
                    }
                }
            }
        }
    }

    /// No parts to run (an empty batch) is no work, not a crash.
    func testEmptyBatchWritesNothing() {
        let k = Tensor.random([1, 1, 5, 7], seed: 90)
        let conv = k.scalars.withUnsafeBufferPointer { PackedConv2D(kernel: $0, shape: k.shape, padding: .same) }
        let input = Storage([0, 3, 3, 5]), output = Storage([0, 3, 3, 7])
        SiblingConvolutions.apply([conv, conv], input.map, [output.map, output.map], relu: true, rows: [nil, nil])
    }
}

/// Output tensors for sibling convolutions: convolution i writes a slice of
/// one wide tensor if `slices[i]` gives its first channel, else a tensor of
/// its own. The wide tensor starts filled with 7s.
private struct Outputs {
    let wide: Storage
    let own: [Int: Storage]
    let views: [FeatureMap]
    let slices: [Int: Int]

    init(_ channels: [Int], batch: Int, height: Int, width: Int, slices: [Int: Int], wideChannels: Int) {
        wide = Storage([batch, height, width, wideChannels], filledWith: 7)
        var own: [Int: Storage] = [:]
        var views: [FeatureMap] = []
        for (i, c) in channels.enumerated() {
            if let first = slices[i] {
                views.append(wide.map.channels(first..<(first + c)))
            } else {
                own[i] = Storage([batch, height, width, c])
                views.append(own[i]!.map)
            }
        }
        self.own = own
        self.views = views
        self.slices = slices
    }

    /// Whether every wide channel outside the slices still holds 7.
    func untouchedOutsideSlices() -> Bool {
        let inside = Set(slices.flatMap { i, first in first..<(first + views[i].channels) })
        let map = wide.map
        return (0..<map.pixels).allSatisfy { p in
            (0..<map.channels).allSatisfy { c in inside.contains(c) || map.base[p * map.channels + c] == 7 }
        }
    }
}

final class KernelRowTableTests: XCTestCase {
    /// A table built once and used for later calls with new values at the
    /// same addresses gives the bits of tables written per call (plain
    /// `apply`) and agrees with the reference, for every kernel shape the
    /// network uses (merged and unmerged tiles, padding, strides 1 and 2, a
    /// schedule split both ways), on every SIMD path, at 1 and 3 threads.
    func testKeptTableGivesTheBitsOfTablesWrittenPerCall() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let cases: [(n: Int, h: Int, w: Int, cin: Int, cout: Int, kh: Int, kw: Int, s: Int, p: Padding)] = [
            (1, 17, 19, 3, 32, 3, 3, 2, .valid),  // the stem's first convolution
            (2, 13, 11, 5, 19, 3, 3, 1, .valid),
            (1, 9, 10, 7, 35, 3, 3, 1, .same),
            (2, 11, 12, 17, 16, 1, 1, 1, .valid),
            (1, 8, 9, 6, 33, 5, 5, 1, .same),
            (1, 9, 7, 10, 21, 1, 7, 1, .same),
            (1, 7, 9, 10, 21, 7, 1, 1, .same),
            (1, 10, 11, 4, 12, 3, 3, 2, .same),
            (1, 4, 4, 3, 5, 5, 5, 1, .same),      // kernel larger than the image
            (1, 12, 12, 300, 160, 3, 3, 1, .same), // several chunks and channel groups
            (3, 23, 29, 4, 8, 3, 3, 1, .same),     // more tiles than one 64-tile chunk
        ]
        for (i, c) in cases.enumerated() {
            let k = Tensor.random([c.kh, c.kw, c.cin, c.cout], seed: UInt64(300 + i), scale: 0.1)
            let bias = Tensor.random([c.cout], seed: UInt64(400 + i)).scalars
            let images = (0..<2).map { Tensor.random([c.n, c.h, c.w, c.cin], seed: UInt64(500 + 10 * i + $0)) }
            let input = Storage([c.n, c.h, c.w, c.cin])
            for path in SIMDPath.supported {
                let conv = k.scalars.withUnsafeBufferPointer {
                    PackedConv2D(kernel: $0, shape: k.shape, bias: bias, strides: (c.s, c.s), padding: c.p, path: path)
                }
                let (oh, ow) = conv.outputSize(height: c.h, width: c.w)
                let kept = Storage([c.n, oh, ow, c.cout]), fresh = Storage([c.n, oh, ow, c.cout])
                let table = RowTable(conv, input.map, kept.map)
                for (pass, image) in images.enumerated() {
                    input.load(image)
                    for threads in [1, 3] {
                        Parallel.threadCount = threads
                        let what = "case \(i) \(c) \(path) pass \(pass) \(threads) threads"
                        conv.apply(input.map, kept.map, relu: true, rows: table)
                        conv.apply(input.map, fresh.map, relu: true)
                        XCTAssertEqual(kept.map.tensor(), fresh.map.tensor(), what)
                        assertClose(kept.map.tensor(), Reference.conv2D(image, k, bias: bias, strides: (c.s, c.s),
                                                                        padding: c.p, relu: true),
                                    tolerance: 1e-5, what)
                    }
                }
            }
        }
    }

    /// Merged tiles keep only their kh taps (oracle: the count worked by
    /// hand), and a table answers only for the convolution and views it was
    /// built for.
    func testTableIsCompactAndKnowsItsViews() {
        // 3×3 stride 2 'valid' on 31×31: 15×15 outputs, 38 tiles. A tile is
        // merged (3 taps) unless a window crosses the right edge — never
        // with 'valid' — so every tile lists 3 · 6 pointers, not 9 · 6.
        let k = Tensor.random([3, 3, 3, 8], seed: 95)
        let conv = k.scalars.withUnsafeBufferPointer {
            PackedConv2D(kernel: $0, shape: k.shape, strides: (2, 2), padding: .valid)
        }
        let other = k.scalars.withUnsafeBufferPointer {
            PackedConv2D(kernel: $0, shape: k.shape, strides: (2, 2), padding: .valid)
        }
        let input = Storage([1, 31, 31, 3]), output = Storage([1, 15, 15, 8])
        let table = RowTable(conv, input.map, output.map)
        XCTAssertEqual(table.tiles, 38)
        XCTAssertEqual(table.pointerCount, 38 * 3 * 6)
        XCTAssertEqual(table.bytes, 38 * 3 * 6 * 8 + 38 * 16)
        XCTAssertTrue(table.fits(conv, input.map, output.map))
        let elsewhere = Storage([1, 31, 31, 3])
        XCTAssertFalse(table.fits(conv, elsewhere.map, output.map), "another input address")
        XCTAssertFalse(table.fits(other, input.map, output.map), "another convolution")
        let wider = Storage([1, 31, 31, 6])
        XCTAssertFalse(table.fits(conv, wider.map.channels(0..<3), output.map), "another pixel stride")
        let outputElsewhere = Storage([1, 15, 15, 8])
        XCTAssertTrue(table.fits(conv, input.map, outputElsewhere.map), "the output's address is not in the table")

        // 'same' 3×3 stride 1 on 5×5: windows of columns 0 and 4 cross an
        // edge. Tiles (pixels 6t…6t+5): tile 0 holds column 0, so every tile
        // of 25 pixels crosses an edge and lists 9 taps.
        let same = k.scalars.withUnsafeBufferPointer { PackedConv2D(kernel: $0, shape: k.shape, padding: .same) }
        let small = Storage([1, 5, 5, 3]), smallOut = Storage([1, 5, 5, 8])
        let full = RowTable(same, small.map, smallOut.map)
        XCTAssertEqual(full.tiles, 5)
        XCTAssertEqual(full.pointerCount, 5 * 9 * 6)
    }
}
