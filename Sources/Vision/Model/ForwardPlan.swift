// ForwardPlan.swift — the steps and the memory of one forward pass up to a
// target layer for a batch size: which kernels run in which order, and where
// every intermediate value lives in one preallocated arena.
//
// Plans (with their arenas) are cached by WorkspaceCache, so repeated passes
// allocate no activation memory, and the row tables a plan's convolutions
// build on its first pass serve every later one.
import Foundation

/// The steps and memory of one forward pass up to `target` for up to `batch` images.
///
/// Values (layer outputs) live in roots: regions of one arena, reused once
/// nothing reads them any more (first-fit by liveness). A value whose only
/// reader is a concatenation lives in that concatenation's channel slice, so
/// the concatenation itself costs nothing.
final class ForwardPlan: @unchecked Sendable {
    // Sendable: a plan (and its arena) is used by one forward pass at a time;
    // WorkspaceCache hands it out exclusively.
    enum Step {
        /// Conv2D → BatchNormalization → ReLU, folded: reads `input`, writes `output`.
        case conv(layer: Int, input: Int, output: Int)
        /// 1×1, stride-1 folded convolutions (`layers`) that read the same
        /// `input`, run as one parallel step; layers[i] writes outputs[i].
        case siblings(layers: [Int], input: Int, outputs: [Int])
        case pool(layer: Int)
        /// An average pool whose only reader is a 1×1, stride-1 convolution,
        /// run the other way round (both are linear, so the sums are the same,
        /// reached by another rounding): the convolution's plain sums of
        /// `input` (no scale or bias) into the plan's scratch, then the pool
        /// `pool` of those sums with the convolution's batch-norm scale, bias
        /// and ReLU applied as each value is stored into `output`. The pool
        /// then averages Cout channels instead of Cin (mixed0: 32 for 192;
        /// mixed4–7: 192 for 768; mixed10: 192 for 2048).
        case pooledConv(pool: Int, conv: Int, input: Int, output: Int)
        /// Copies the inputs that are not already in their slice.
        case concatenate(layer: Int)
        case globalPool(layer: Int)
        case dense(layer: Int)
    }

    struct Placement {
        var root: Int        // index into roots; -1 is the caller's input tensor
        var channelOffset: Int
    }

    struct Root {
        var height: Int, width: Int, channels: Int
        var offset = 0
    }

    let graph: Graph
    let target: Int
    /// The most images one pass may hold: every value's region has room for
    /// this many, and a pass of fewer uses the front of each (an image's
    /// result does not depend on its batch, so the bits are those of a plan
    /// of its own size).
    let batch: Int
    private(set) var steps: [Step] = []
    private(set) var placement: [Int: Placement] = [:]
    private(set) var roots: [Root] = []
    let arena: AlignedBuffer
    /// Where the `.pooledConv` steps put their convolution's sums: room for
    /// the largest, at the full batch.
    let pooledScratch: AlignedBuffer
    /// The `.pooledConv` steps' convolutions without scale and bias (sharing
    /// the model's panels), by conv layer, made on each step's first run.
    private var unscaled: [Int: PackedConv2D] = [:]
    /// Row tables of the packed convolution steps, by conv layer, built on
    /// each step's first run: the arena fixes every address they hold.
    private var rowTables: [Int: RowTable] = [:]
    /// Conv layers whose table did not fit in `rowTableBudget`: they write
    /// theirs per call, as a plain `apply` does.
    private var overBudget: Set<Int> = []

    /// The most memory the kept row tables may hold; 0 keeps none (every
    /// call writes its own, as a plain `apply` does: the oracle in tests).
    let rowTableBudget: Int
    /// The model's budget: every table at batch 1 (1.0 MB at 299×299, 1%
    /// of a one-thread pass saved), the first steps' at batch 16 (all would
    /// take 16 MB, and measured no faster than writing them per call).
    static let defaultRowTableBudget = 2 << 20

    /// Memory the row tables built so far hold, in bytes.
    var rowTableBytes: Int { rowTables.values.map(\.bytes).reduce(0, +) }

    /// Plans the pass to `target` for `batch` images. The model fuses
    /// siblings and keeps row tables within the default budget; tests turn
    /// both off to compare against one convolution per step with tables
    /// written per call.
    init(_ graph: Graph, target: Int, batch: Int, fusingSiblings: Bool = true,
         rowTableBudget: Int = ForwardPlan.defaultRowTableBudget) {
        precondition(rowTableBudget >= 0, "ForwardPlan: row table budget \(rowTableBudget) bytes")
        self.graph = graph
        self.target = target
        self.batch = batch
        self.rowTableBudget = rowTableBudget
        let needed = graph.ancestors(of: target)
        var steps: [Step] = []
        for (index, layer) in graph.layers.enumerated() where needed.contains(index) {
            switch layer.operation {
            case .input, .conv2D, .batchNorm: break
            case .relu:
                let norm = layer.inputs[0], conv = graph.layers[norm].inputs[0]
                steps.append(.conv(layer: conv, input: graph.layers[conv].inputs[0], output: index))
            case .pool: steps.append(.pool(layer: index))
            case .concatenate: steps.append(.concatenate(layer: index))
            case .globalPool: steps.append(.globalPool(layer: index))
            case .dense: steps.append(.dense(layer: index))
            }
        }
        self.steps = ForwardPlan.poolingAfterConvolutions(fusingSiblings ? ForwardPlan.groupingSiblings(steps, graph)
                                                                          : steps, graph)
        pooledScratch = AlignedBuffer(count: self.steps.map { step in
            guard case .pooledConv(_, let conv, let input, _) = step else { return 0 }
            let shape = graph.layers[input].shape
            return batch * shape[0] * shape[1] * graph.layers[conv].shape[2]
        }.max() ?? 0)

        // Where each value lives; concatenations first (latest first, so an
        // enclosing one is placed before the ones nested in it).
        var placement: [Int: Placement] = [:]
        var roots: [Root] = []
        func newRoot(_ layer: Int) -> Placement {
            let shape = graph.layers[layer].shape
            roots.append(shape.count == 3 ? Root(height: shape[0], width: shape[1], channels: shape[2])
                                          : Root(height: 1, width: 1, channels: shape[0]))
            return Placement(root: roots.count - 1, channelOffset: 0)
        }
        for index in needed.sorted(by: >) {
            let layer = graph.layers[index]
            if layer.operation.isFolded { continue } // no value of its own: part of the fused step
            if placement[index] == nil {
                placement[index] = layer.operation.isInput ? Placement(root: -1, channelOffset: 0) : newRoot(index)
            }
            guard layer.operation.isConcatenate else { continue }
            var offset = placement[index]!.channelOffset
            for input in layer.inputs {
                let inSlice = input != target && !graph.layers[input].operation.isInput
                    && graph.consumers(of: input) == [index] && placement[input] == nil
                if inSlice { placement[input] = Placement(root: placement[index]!.root, channelOffset: offset) }
                offset += graph.layers[input].shape[2]
            }
        }
        self.placement = placement

        // Liveness in steps: a root is busy from its first write to its last read.
        var first = [Int](repeating: Int.max, count: roots.count)
        var last = [Int](repeating: -1, count: roots.count)
        for (s, step) in self.steps.enumerated() {
            let (reads, writes) = ForwardPlan.values(of: step, graph)
            for value in reads + writes {
                let root = placement[value]!.root
                if root < 0 { continue }
                first[root] = min(first[root], s)
                last[root] = max(last[root], s)
            }
        }
        if let root = placement[target].map(\.root), root >= 0 { last[root] = Int.max }
        // First-fit: each root takes the lowest offset clear of every root
        // whose busy interval overlaps its own.
        var placed: [Int] = []
        var size = 0
        for root in roots.indices.sorted(by: { first[$0] < first[$1] }) {
            let length = ForwardPlan.length(roots[root], batch)
            let busy = placed.filter { first[$0] <= last[root] && first[root] <= last[$0] }
                .map { (roots[$0].offset, roots[$0].offset + ForwardPlan.length(roots[$0], batch)) }
                .sorted { $0.0 < $1.0 }
            var offset = 0
            for (start, end) in busy where offset + length > start { offset = max(offset, end) }
            roots[root].offset = offset
            size = max(size, offset + length)
            placed.append(root)
        }
        self.roots = roots
        arena = AlignedBuffer(count: size)
    }

    private static func length(_ root: Root, _ batch: Int) -> Int {
        (batch * root.height * root.width * root.channels + 15) / 16 * 16
    }

    /// The values a step reads and the ones it writes.
    private static func values(of step: Step, _ graph: Graph) -> (reads: [Int], writes: [Int]) {
        switch step {
        case .conv(_, let input, let output): return ([input], [output])
        case .siblings(_, let input, let outputs): return ([input], outputs)
        case .pooledConv(_, _, let input, let output): return ([input], [output])
        case .pool(let layer), .concatenate(let layer), .globalPool(let layer), .dense(let layer):
            return (graph.layers[layer].inputs, [layer])
        }
    }

    /// Whether `layer` is a 1×1, stride-1 convolution (never Winograd's; one
    /// that may join its siblings, or run before an average pool).
    private static func isPointwise(_ layer: Int, _ graph: Graph) -> Bool {
        guard case .conv2D(let kernel, let strides, _) = graph.layers[layer].operation else { return false }
        return kernel[0] == 1 && kernel[1] == 1 && strides == (1, 1)
    }

    /// `steps` with every set of two or more 1×1, stride-1 convolutions that
    /// read the same value made one `.siblings` step, where the first of them
    /// was: the others depend on nothing but that value, so they may run
    /// earlier. (A 1×1 stride-1 convolution is never Winograd's.)
    private static func groupingSiblings(_ steps: [Step], _ graph: Graph) -> [Step] {
        var byInput: [Int: [(layer: Int, output: Int)]] = [:]
        for step in steps {
            if case .conv(let layer, let input, let output) = step, isPointwise(layer, graph) {
                byInput[input, default: []].append((layer, output))
            }
        }
        var grouped: [Step] = []
        for step in steps {
            guard case .conv(let layer, let input, _) = step, let siblings = byInput[input],
                  siblings.count > 1, siblings.contains(where: { $0.layer == layer }) else {
                grouped.append(step)
                continue
            }
            if siblings[0].layer == layer {
                grouped.append(.siblings(layers: siblings.map(\.layer), input: input, outputs: siblings.map(\.output)))
            }
        }
        return grouped
    }

    /// `steps` with every average pool whose only reader is a 1×1, stride-1
    /// convolution made one `.pooledConv` step with it, where the
    /// convolution was (the pool's value is then never written).
    private static func poolingAfterConvolutions(_ steps: [Step], _ graph: Graph) -> [Step] {
        var pooled: [Int: Int] = [:] // conv layer → the average pool it reads
        for step in steps {
            guard case .conv(let layer, let input, _) = step, isPointwise(layer, graph),
                  case .pool(.average, _, _, _) = graph.layers[input].operation,
                  graph.consumers(of: input) == [layer] else { continue }
            pooled[layer] = input
        }
        let pools = Set(pooled.values)
        return steps.compactMap { step in
            switch step {
            case .pool(let layer) where pools.contains(layer): return nil
            case .conv(let layer, _, let output):
                guard let pool = pooled[layer] else { return step }
                return .pooledConv(pool: pool, conv: layer, input: graph.layers[pool].inputs[0], output: output)
            default: return step
            }
        }
    }

    /// The row table of packed conv `layer` reading value `input` into
    /// `output` (a view of the full batch), built on first use for the
    /// plan's full batch (so it serves passes of any size up to it) and kept
    /// with the plan while the tables fit in `rowTableBudget`. None when this
    /// one did not fit (or the budget is 0), and for a convolution of the
    /// caller's input, whose address changes from pass to pass.
    private func rowTable(_ layer: Int, _ conv: PackedConv2D, _ input: Int, _ output: FeatureMap) -> RowTable? {
        if rowTableBudget == 0 || overBudget.contains(layer) || placement[input]!.root < 0 {
            return nil
        }
        if let table = rowTables[layer] { return table }
        let table = RowTable(conv, view(input, images: batch), output)
        if rowTableBytes + table.bytes > rowTableBudget {
            overBudget.insert(layer)
            return nil
        }
        rowTables[layer] = table
        return table
    }

    /// Where `value` lives for a pass on `input`, as an NHWC view of
    /// input.batch images ((N, 1, 1, C) for flat values).
    func view(_ value: Int, input: FeatureMap) -> FeatureMap {
        placement[value]!.root < 0 ? input : view(value, images: input.batch)
    }

    /// The first `images` images of arena value `value`.
    private func view(_ value: Int, images: Int) -> FeatureMap {
        let place = placement[value]!
        let root = roots[place.root]
        let shape = graph.layers[value].shape
        let (h, w, c) = shape.count == 3 ? (shape[0], shape[1], shape[2]) : (1, 1, shape[0])
        return FeatureMap(base: arena.base + root.offset + place.channelOffset, batch: images,
                          height: h, width: w, channels: c, pixelStride: root.channels)
    }

    /// Runs every step on the images of `input` (at most `batch`), in
    /// creation order (a sibling step where its first member was).
    func run(_ model: InceptionV3, input: FeatureMap) {
        precondition(input.batch >= 0 && input.batch <= batch,
                     "ForwardPlan: planned for up to \(batch) images, given \(input.batch)")
        for step in steps {
            switch step {
            case .conv(let layer, let x, let y):
                let (from, to) = (view(x, input: input), view(y, input: input))
                if let conv = model.packed[layer] as? PackedConv2D {
                    conv.apply(from, to, relu: true, rows: rowTable(layer, conv, x, view(y, images: batch)))
                } else {
                    model.packed[layer]!.apply(from, to, relu: true)
                }
            case .siblings(let layers, let x, let ys):
                let from = view(x, input: input), to = ys.map { view($0, input: input) }
                let convs = layers.map { layer in
                    guard let conv = model.packed[layer] as? PackedConv2D else {
                        preconditionFailure("ForwardPlan: 1×1 \(graph.layers[layer].name) is not a PackedConv2D")
                    }
                    return conv
                }
                let tables = layers.indices.map { rowTable(layers[$0], convs[$0], x, view(ys[$0], images: batch)) }
                SiblingConvolutions.apply(convs, from, to, relu: true, rows: tables)
            case .pooledConv(let pool, let layer, let x, let y):
                guard case .pool(let kind, let size, let strides, let padding) = graph.layers[pool].operation,
                      let conv = model.packed[layer] as? PackedConv2D else {
                    preconditionFailure("ForwardPlan: \(graph.layers[pool].name) → \(graph.layers[layer].name) "
                                        + "is not a pool and a packed convolution")
                }
                let plain = unscaled[layer] ?? PackedConv2D(unscaled: conv)
                unscaled[layer] = plain
                let from = view(x, input: input)
                func sums(_ images: Int) -> FeatureMap {
                    FeatureMap(base: pooledScratch.base, batch: images, height: from.height, width: from.width,
                               channels: conv.outputChannels, pixelStride: conv.outputChannels)
                }
                plain.apply(from, sums(input.batch), relu: false, rows: rowTable(layer, plain, x, sums(batch)))
                Pool2D.apply(kind, sums(input.batch), view(y, input: input), size: size, strides: strides,
                             padding: padding,
                             affine: .init(scale: conv.scale.base, bias: conv.bias.base, relu: true))
            case .pool(let layer):
                guard case .pool(let kind, let size, let strides, let padding) = graph.layers[layer].operation else {
                    preconditionFailure("ForwardPlan: \(graph.layers[layer].name) is not a pool")
                }
                Pool2D.apply(kind, view(graph.layers[layer].inputs[0], input: input), view(layer, input: input),
                             size: size, strides: strides, padding: padding)
            case .concatenate(let layer):
                let out = view(layer, input: input)
                var offset = 0
                for x in graph.layers[layer].inputs {
                    let source = view(x, input: input)
                    if source.base != out.base + offset || source.pixelStride != out.pixelStride {
                        Elementwise.concatenate([source], into: out.channels(offset..<(offset + source.channels)))
                    }
                    offset += source.channels
                }
            case .globalPool(let layer):
                guard case .globalPool(let kind) = graph.layers[layer].operation else {
                    preconditionFailure("ForwardPlan: \(graph.layers[layer].name) is not a global pool")
                }
                let out = view(layer, input: input)
                Pool2D.global(kind, view(graph.layers[layer].inputs[0], input: input), out.base,
                              outputStride: out.pixelStride)
            case .dense(let layer):
                let out = view(layer, input: input)
                model.packed[layer]!.apply(view(graph.layers[layer].inputs[0], input: input), out, relu: false)
                for n in 0..<input.batch {
                    Elementwise.softmax(out.base + n * out.pixelStride, rows: 1, width: out.channels)
                }
            }
        }
    }
}

/// Idle forward plans (with their arenas), so repeated calls allocate nothing.
/// A plan is taken out while a pass uses it; at most four are kept.
///
/// A pass of n images takes a plan for n, or else the smallest idle one for
/// up to 2n (the last, short batch of a run of full ones uses their plan
/// instead of planning and faulting in an arena of its own; results are
/// the same bits either way).
final class WorkspaceCache: @unchecked Sendable {
    // Sendable: `idle` is only touched under `lock`.
    private let lock = NSLock()
    private var idle: [ForwardPlan] = []

    func take(target: Int, batch: Int, make: () -> ForwardPlan) -> ForwardPlan {
        let found: ForwardPlan? = lock.withLock {
            let fitting = idle.indices.filter { idle[$0].target == target && (batch...(2 * batch)).contains(idle[$0].batch) }
            guard let i = fitting.min(by: { idle[$0].batch < idle[$1].batch }) else { return nil }
            return idle.remove(at: i)
        }
        return found ?? make()
    }

    func give(_ plan: ForwardPlan) {
        lock.withLock {
            idle.append(plan)
            if idle.count > 4 { idle.removeFirst() }
        }
    }
}
