// InceptionV3ForwardTests.swift — the fast forward pass (folded batch norm,
// packed kernels, planned arena, in-place concatenation) against
// ReferenceNetwork (oracle: the scalar kernels composed layer by layer with
// the unfolded weights), and `output(of:)` against itself and the references.
import XCTest
@testable import Vision

final class InceptionV3ForwardTests: XCTestCase {
    /// Random weights with non-trivial batch-norm statistics, so that folding
    /// is really exercised (Keras' initial statistics are 0 and 1).
    static func weights(_ configuration: InceptionV3.Configuration, seed: UInt64) -> [LayerWeights] {
        var g = SeededGenerator(seed: seed &+ 1000)
        return InceptionV3.randomWeights(for: configuration, seed: seed).map { layer in
            guard layer.tensors.map(\.name) == ["beta", "moving_mean", "moving_variance"] else { return layer }
            var layer = layer
            for i in 0..<layer.tensors[0].scalars.count {
                layer.tensors[0].scalars[i] = g.nextUniform(limit: 0.2)       // beta
                layer.tensors[1].scalars[i] = g.nextUniform(limit: 0.2)       // moving mean
                layer.tensors[2].scalars[i] = 0.25 + g.nextUniform()          // moving variance
            }
            return layer
        }
    }

    static let small = try! InceptionV3.Configuration(includeTop: false, inputHeight: 75, inputWidth: 75)
    static let smallModel = try! InceptionV3(configuration: small, weights: weights(small, seed: 7))
    static let top = try! InceptionV3.Configuration()
    static let topModel = try! InceptionV3(configuration: top, weights: weights(top, seed: 8))

    /// Fails unless |a - e| <= tolerance · max|e| everywhere (errors relative
    /// to the tensor's scale, for activations far from 1).
    func assertCloseToScale(_ actual: Tensor, _ expected: Tensor, _ tolerance: Float, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        let scale = expected.scalars.map(abs).max() ?? 1
        XCTAssertGreaterThan(scale, 1e-3, "\(what): reference is all but zero; the comparison would be empty")
        let scaled = { (t: Tensor) in Tensor(shape: t.shape, scalars: t.scalars.map { $0 / scale }) }
        assertClose(scaled(actual), scaled(expected), tolerance: tolerance, what, file: file, line: line)
    }

    /// The whole network (no top, 75×75, two images) at the end of every
    /// block, against the scalar reference composed in the same graph.
    func testWholeNetworkAgreesWithScalarReference() throws {
        let model = Self.smallModel
        let input = Tensor.random([2, 75, 75, 3], seed: 11)
        let names: Set<String> = ["activation", "max_pooling2d_1", "mixed0", "mixed2", "mixed3", "mixed5",
                                  "mixed7", "mixed8", "mixed9_0", "concatenate", "mixed9", "mixed10"]
        let reference = ReferenceNetwork.outputs(model, input, names)
        for name in names.sorted() {
            assertCloseToScale(try model.output(of: name, for: input), reference[name]!, 1e-5, name)
        }
        assertCloseToScale(model.predict(input), reference["mixed10"]!, 1e-5, "predict")
    }

    /// At 107×120 the 8×8 blocks are 2×2 (not 1×1 as at 75×75), so their 3×3,
    /// 1×3 and 3×1 convolutions really pad; non-square on purpose.
    func testWholeNetworkAgreesAtANonSquareSize() throws {
        let config = try InceptionV3.Configuration(includeTop: false, pooling: .avg, inputHeight: 107, inputWidth: 120)
        let model = try InceptionV3(configuration: config, weights: Self.weights(config, seed: 10))
        let input = Tensor.random([1, 107, 120, 3], seed: 19)
        let reference = ReferenceNetwork.outputs(model, input, ["mixed7", "mixed10", "global_average_pooling2d"])
        XCTAssertEqual(reference["mixed10"]!.shape, [1, 2, 2, 2048])
        assertCloseToScale(try model.output(of: "mixed7", for: input), reference["mixed7"]!, 1e-5, "mixed7")
        assertCloseToScale(try model.output(of: "mixed10", for: input), reference["mixed10"]!, 1e-5, "mixed10")
        assertCloseToScale(model.predict(input), reference["global_average_pooling2d"]!, 1e-5, "predict")
    }

    /// The pre-batch-norm convolution, the batch norm and the activation of
    /// one conv2d_bn block: conv2d_k from the unfolded kernel, batch_normalization_k
    /// by Keras' formula, activation_k from the folded fast path.
    func testConvolutionBatchNormAndActivationOutputs() throws {
        let model = Self.smallModel
        let input = Tensor.random([1, 75, 75, 3], seed: 12)
        let names: Set<String> = ["conv2d_4", "batch_normalization_4", "activation_4"]
        let reference = ReferenceNetwork.outputs(model, input, names)
        for name in names {
            assertCloseToScale(try model.output(of: name, for: input), reference[name]!, 1e-5, name)
        }
        let conv = try model.output(of: "conv2d_4", for: input)
        XCTAssertLessThan(conv.scalars.min()!, 0, "conv2d_4 should be the raw (pre-ReLU) convolution")
    }

    /// The classifier: predictions = softmax(dense(avg_pool)), avg_pool =
    /// mean of mixed10 (oracle: Reference.dense, softmax and globalPool on the
    /// fast path's own mixed10).
    func testTopAgreesWithReferenceOnMixed10() throws {
        let model = Self.topModel
        let input = Tensor.random([2, 299, 299, 3], seed: 13)
        let mixed10 = try model.output(of: "mixed10", for: input)
        let pooled = Reference.globalPool(mixed10, max: false)
        assertClose(try model.output(of: "avg_pool", for: input), pooled, tolerance: 1e-5, "avg_pool")
        let spec = model.weights.last!
        let expected = Reference.softmax(Reference.dense(pooled, Tensor(shape: [2048, 1000],
                                                                        scalars: spec.tensors[0].scalars),
                                                         bias: spec.tensors[1].scalars))
        let probabilities = model.predict(input)
        assertClose(probabilities, expected, tolerance: 1e-6, "predictions")
        assertClose(try model.output(of: "predictions", for: input), probabilities, tolerance: 0, "output(of:)")
        for n in 0..<2 {
            XCTAssertEqual(probabilities.scalars[(n * 1000)..<((n + 1) * 1000)].reduce(0, +), 1, accuracy: 1e-4)
        }
    }

    /// Global max pooling without the top (oracle: Reference.globalPool on mixed10).
    func testMaxPoolingOption() throws {
        let config = try InceptionV3.Configuration(includeTop: false, pooling: .max, inputHeight: 80, inputWidth: 77)
        let model = try InceptionV3(configuration: config, weights: Self.weights(config, seed: 9))
        let input = Tensor.random([1, 80, 77, 3], seed: 14)
        let pooled = model.predict(input)
        XCTAssertEqual(pooled.shape, [1, 2048])
        assertClose(pooled, Reference.globalPool(try model.output(of: "mixed10", for: input), max: true),
                    tolerance: 0, "global_max_pooling2d")
    }

    /// Each image's result does not depend on the rest of the batch, nor on
    /// the number of threads (oracle: the one-image, one-thread run, bit for bit).
    func testResultsIndependentOfBatchAndThreads() throws {
        let model = Self.smallModel
        let a = Tensor.random([1, 75, 75, 3], seed: 15), b = Tensor.random([1, 75, 75, 3], seed: 16)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let alone = [model.predict(a), model.predict(b)]
        for threads in [1, 2, 3] {
            Parallel.threadCount = threads
            let both = model.predict(Tensor(shape: [2, 75, 75, 3], scalars: a.scalars + b.scalars))
            XCTAssertEqual(both.shape, [2, 1, 1, 2048])
            XCTAssertEqual(Array(both.scalars[0..<2048]), alone[0].scalars, "image 0, \(threads) threads")
            XCTAssertEqual(Array(both.scalars[2048...]), alone[1].scalars, "image 1, \(threads) threads")
        }
    }

    /// output(of:) works for every layer name and gives the shape the layer
    /// table states; the input layer returns the input.
    func testEveryLayerNameHasAnOutputOfItsShape() throws {
        let model = Self.smallModel
        let input = Tensor.random([1, 75, 75, 3], seed: 17)
        for layer in model.layers {
            let y = try model.output(of: layer.name, for: input)
            XCTAssertEqual(y.shape, [1] + layer.outputShape, layer.name)
        }
        XCTAssertEqual(try model.output(of: "input_layer", for: input), input)
    }

    /// An empty batch gives an empty result of the right shape, as in Keras.
    func testEmptyBatch() throws {
        let model = Self.smallModel
        XCTAssertEqual(model.predict(Tensor(zeros: [0, 75, 75, 3])).shape, [0, 1, 1, 2048])
        XCTAssertEqual(try model.output(of: "mixed3", for: Tensor(zeros: [0, 75, 75, 3])).shape, [0, 3, 3, 768])
    }

    func testUnknownLayerAndBadInputAreErrors() {
        let model = Self.smallModel
        let input = Tensor.random([1, 75, 75, 3], seed: 18)
        XCTAssertThrowsError(try model.output(of: "mixd10", for: input)) { error in
            XCTAssertEqual("\(error)", "inception_v3 has no layer 'mixd10' (did you mean 'mixed10'?)")
        }
        XCTAssertThrowsError(try model.output(of: "softmax", for: input)) { error in
            XCTAssertEqual("\(error)", "inception_v3 has no layer 'softmax'")
        }
        XCTAssertThrowsError(try model.output(of: "mixed1", for: Tensor.random([1, 76, 75, 3], seed: 1))) { error in
            XCTAssertEqual("\(error)", "expected input of shape (N, 75, 75, 3), got (1, 76, 75, 3)")
        }
    }
}

final class InceptionV3FoldingTests: XCTestCase {
    /// Folding batch norm into the kernel changes only Float32 rounding:
    /// activation_k (folded) against ReLU of batch_normalization_k (the
    /// unfolded convolution, then Keras' formula), from the same input.
    /// Oracle: Keras' formula y = x·inv + (beta - mean·inv), applied unfolded.
    /// Measured worst difference: 8.4e-7 of the tensor's largest value.
    func testFoldedBatchNormMatchesKerasFormula() throws {
        let model = InceptionV3ForwardTests.smallModel
        let input = Tensor.random([1, 75, 75, 3], seed: 20)
        for suffix in ["", "_4", "_12", "_40", "_85"] {
            let unfolded = Reference.relu(try model.output(of: "batch_normalization" + suffix, for: input))
            let folded = try model.output(of: "activation" + suffix, for: input)
            let scale = unfolded.scalars.map(abs).max()!
            let error = zip(folded.scalars, unfolded.scalars).map { abs($0 - $1) }.max()! / scale
            XCTAssertLessThan(error, 2e-6, "activation\(suffix): folded vs unfolded, relative to the tensor's largest value")
        }
    }
}

final class ForwardPlanTests: XCTestCase {
    /// The memory plan's two promises (oracle: the plan's own placements and
    /// the layer table's shapes): every branch of every concatenation is
    /// written in place, and the arena reuses memory, holding far less than
    /// all values at once.
    func testBranchesWriteInPlaceAndMemoryIsReused() throws {
        let graph = InceptionV3.graph(for: try .init())
        let plan = ForwardPlan(graph, target: graph.output, batch: 2)
        var concatenations = 0
        for step in plan.steps {
            guard case .concatenate(let layer) = step else { continue }
            concatenations += 1
            let root = plan.placement[layer]!.root
            for input in graph.layers[layer].inputs {
                XCTAssertEqual(plan.placement[input]!.root, root, "\(graph.layers[input].name) is copied into "
                               + graph.layers[layer].name)
            }
        }
        XCTAssertEqual(concatenations, 15) // mixed0–10, mixed9_0, mixed9_1, concatenate, concatenate_1
        let everything = plan.placement.keys.map { 2 * graph.layers[$0].shape.reduce(1, *) }.reduce(0, +)
        XCTAssertLessThan(plan.arena.count, everything / 3, "arena \(plan.arena.count) floats, all values \(everything)")
    }
    /// Sibling 1×1 convolutions are found from the graph (oracle: the block
    /// diagrams of the paper, as InceptionV3+Architecture.swift writes them):
    /// ten groups, e.g. mixed4's 768 → 192, 128, 128 and mixed9's 1280 → 320,
    /// 384, 448; every member is 1×1, stride 1, and reads the step's input;
    /// every convolution runs exactly once; no two 1×1 stride-1 convolutions
    /// of one input are left in separate steps.
    func testSiblingConvolutionsAreFoundFromTheGraph() throws {
        let graph = InceptionV3.graph(for: try .init())
        let plan = ForwardPlan(graph, target: graph.output, batch: 1)
        var groups: [[Int]] = [], ran: [Int] = [], alone: [Int: Int] = [:]
        for step in plan.steps {
            switch step {
            case .siblings(let layers, let input, let outputs):
                XCTAssertEqual(layers.count, outputs.count)
                for layer in layers {
                    guard case .conv2D(let kernel, let strides, _) = graph.layers[layer].operation else {
                        return XCTFail("\(graph.layers[layer].name) in a sibling step is not a convolution")
                    }
                    XCTAssertEqual(Array(kernel[0..<2]), [1, 1], graph.layers[layer].name)
                    XCTAssertTrue(strides == (1, 1), graph.layers[layer].name)
                    XCTAssertEqual(graph.layers[layer].inputs, [input], graph.layers[layer].name)
                }
                groups.append(layers.map { graph.layers[$0].shape[2] })
                ran += layers
            case .pooledConv(_, let layer, _, _):
                ran.append(layer)
            case .conv(let layer, let input, _):
                ran.append(layer)
                if case .conv2D(let kernel, let strides, _) = graph.layers[layer].operation,
                   kernel[0] == 1 && kernel[1] == 1 && strides == (1, 1) {
                    alone[input, default: 0] += 1
                }
            default: break
            }
        }
        XCTAssertEqual(groups.count, 10, "\(groups)") // mixed0–2, mixed4–7, mixed8, mixed9–10
        XCTAssertTrue(groups.contains([192, 128, 128]), "mixed4: \(groups)")
        XCTAssertTrue(groups.contains([320, 384, 448]), "mixed9: \(groups)")
        XCTAssertTrue(groups.contains([192, 192]), "mixed8: \(groups)")
        let convolutions = graph.layers.indices.filter {
            if case .conv2D = graph.layers[$0].operation { return true } else { return false }
        }
        XCTAssertEqual(ran.sorted(), convolutions)
        XCTAssertTrue(alone.values.allSatisfy { $0 == 1 }, "1×1 convolutions of one input left apart")
    }

    /// Every average pool of the network reads into one 1×1 convolution, and
    /// each such pair is one `.pooledConv` step (oracle: the block diagrams,
    /// as InceptionV3+Architecture.swift writes them): nine, in mixed0–2,
    /// mixed4–7 and mixed9–10, pooling 32, 64, 64, 192 ×4 and 192 ×2
    /// channels instead of 192, 256, 288, 768 ×4, 1280 and 2048; no average
    /// pool is left a step of its own, and every pooled value is the
    /// convolution's own output.
    func testAveragePoolsRunAfterTheirConvolution() throws {
        let graph = InceptionV3.graph(for: try .init())
        let plan = ForwardPlan(graph, target: graph.output, batch: 1)
        var pooled: [(from: Int, to: Int)] = []
        for step in plan.steps {
            switch step {
            case .pooledConv(let pool, let conv, let input, let output):
                guard case .pool(.average, _, _, _) = graph.layers[pool].operation else {
                    return XCTFail("\(graph.layers[pool].name) is not an average pool")
                }
                XCTAssertEqual(graph.layers[conv].inputs, [pool])
                XCTAssertEqual(graph.layers[pool].inputs, [input])
                XCTAssertEqual(graph.layers[graph.layers[output].inputs[0]].inputs, [conv], "output is conv → bn → relu")
                pooled.append((graph.layers[input].shape[2], graph.layers[conv].shape[2]))
            case .pool(let layer):
                if case .pool(.average, _, _, _) = graph.layers[layer].operation {
                    XCTFail("\(graph.layers[layer].name) still runs before its convolution")
                }
            default: break
            }
        }
        XCTAssertEqual(pooled.map(\.from), [192, 256, 288, 768, 768, 768, 768, 1280, 2048])
        XCTAssertEqual(pooled.map(\.to), [32, 64, 64, 192, 192, 192, 192, 192, 192])
        XCTAssertGreaterThanOrEqual(plan.pooledScratch.count, 35 * 35 * 64)
    }

    /// The plan as the model runs it (siblings in one step, row tables kept
    /// from the first pass) gives the bits of one convolution per step with
    /// tables written per call (oracle: that plan, the code path before both
    /// changes), pass after pass with new images, at 1, 2 and 3 threads;
    /// the tables are built on the first pass only.
    func testFusedPlanGivesTheBitsOfOneConvolutionPerStep() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        let model = InceptionV3ForwardTests.smallModel, graph = model.graph
        let fused = ForwardPlan(graph, target: graph.output, batch: 2)
        let plain = ForwardPlan(graph, target: graph.output, batch: 2, fusingSiblings: false, rowTableBudget: 0)
        XCTAssertLessThan(fused.steps.count, plain.steps.count)
        var tableBytes = 0
        for (pass, threads) in [1, 2, 3, 2].enumerated() {
            Parallel.threadCount = threads
            let images = Tensor.random([2, 75, 75, 3], seed: UInt64(30 + pass))
            let (a, b) = withFeatureMap(images) { x in
                fused.run(model, input: x)
                plain.run(model, input: x)
                return (fused.view(graph.output, input: x).tensor(), plain.view(graph.output, input: x).tensor())
            }
            XCTAssertEqual(a, b, "pass \(pass), \(threads) threads")
            if pass == 0 { tableBytes = fused.rowTableBytes }
            XCTAssertEqual(fused.rowTableBytes, tableBytes, "pass \(pass) built tables again")
        }
        XCTAssertGreaterThan(tableBytes, 0)
        XCTAssertEqual(plain.rowTableBytes, 0)
    }

    /// Each target has its own plans and tables (a batch of one may run in
    /// the plan for two): passes that alternate batch sizes and targets give
    /// the bits of their first run (oracle: that run, when every table was
    /// new), and predict agrees with the plain plan's pass.
    func testTablesOfSeparatePlansDoNotMix() throws {
        let model = InceptionV3ForwardTests.smallModel, graph = model.graph
        let one = Tensor.random([1, 75, 75, 3], seed: 40), two = Tensor.random([2, 75, 75, 3], seed: 41)
        let first = (try model.output(of: "mixed5", for: one), model.predict(two), try model.output(of: "mixed8", for: two))
        for _ in 0..<2 {
            XCTAssertEqual(try model.output(of: "mixed5", for: one), first.0, "mixed5, batch 1")
            XCTAssertEqual(model.predict(two), first.1, "predict, batch 2")
            XCTAssertEqual(try model.output(of: "mixed8", for: two), first.2, "mixed8, batch 2")
        }
        let plain = ForwardPlan(graph, target: graph.output, batch: 2, fusingSiblings: false, rowTableBudget: 0)
        let expected = withFeatureMap(two) { x in
            plain.run(model, input: x)
            return plain.view(graph.output, input: x).tensor()
        }
        XCTAssertEqual(first.1.scalars, expected.scalars)
    }

    /// A plan for 3 images runs passes of 1, 2 and 3 with the bits of plans of
    /// their own size (oracle: the plain plan of each size, tables written
    /// per call), whichever size comes first: the tables, built for all 3
    /// images on the first pass, serve the shorter ones.
    func testAPlanRunsShorterBatches() {
        let model = InceptionV3ForwardTests.smallModel, graph = model.graph
        let images = Tensor.random([3, 75, 75, 3], seed: 44)
        func first(_ n: Int) -> Tensor {
            Tensor(shape: [n, 75, 75, 3], scalars: Array(images.scalars[0..<(n * 75 * 75 * 3)]))
        }
        var expected: [Int: Tensor] = [:]
        for n in 1...3 {
            let plain = ForwardPlan(graph, target: graph.output, batch: n, fusingSiblings: false, rowTableBudget: 0)
            expected[n] = withFeatureMap(first(n)) { x in
                plain.run(model, input: x)
                return plain.view(graph.output, input: x).tensor()
            }
        }
        for order in [[1, 3, 2, 1], [3, 2, 1, 3]] {
            let plan = ForwardPlan(graph, target: graph.output, batch: 3)
            var tableBytes = 0
            for (pass, n) in order.enumerated() {
                let y = withFeatureMap(first(n)) { x in
                    plan.run(model, input: x)
                    return plan.view(graph.output, input: x).tensor()
                }
                XCTAssertEqual(y, expected[n], "\(n) images in the plan for 3, order \(order)")
                if pass == 0 { tableBytes = plan.rowTableBytes }
                XCTAssertEqual(plan.rowTableBytes, tableBytes, "order \(order), pass \(pass) built tables again")
            }
            XCTAssertGreaterThan(tableBytes, 0)
        }
    }

    /// A pass takes a plan of its own size, or else the smallest idle one for
    /// up to twice its images (oracle: the rule on WorkspaceCache).
    func testWorkspaceCacheLendsPlansUpToTwiceTheBatch() {
        let graph = InceptionV3ForwardTests.smallModel.graph
        let cache = WorkspaceCache()
        var made = 0
        func take(_ batch: Int, target: Int = graph.output) -> ForwardPlan {
            cache.take(target: target, batch: batch) {
                made += 1
                return ForwardPlan(graph, target: target, batch: batch)
            }
        }
        let eight = take(8), four = take(4)
        XCTAssertEqual(made, 2)
        cache.give(eight)
        cache.give(four)
        XCTAssertTrue(take(4) === four, "a plan of the pass's own size comes first")
        XCTAssertTrue(take(4) === eight, "then one for up to twice as many images")
        XCTAssertEqual(made, 2)
        cache.give(eight)
        cache.give(four)
        XCTAssertTrue(take(3) === four, "the smallest that fits")
        XCTAssertTrue(take(3) !== eight, "8 is more than twice 3: a plan of its own")
        XCTAssertEqual(made, 3)
        XCTAssertTrue(take(8, target: graph.output - 1) !== eight, "another target: a plan of its own")
        XCTAssertEqual(made, 4)
    }

    /// Tables that would take the plan past its budget are not kept (their
    /// steps write them per call) and the bits stay those of the plain plan
    /// (oracle: the plan keeping no table), pass after pass.
    func testTablesBeyondTheBudgetAreWrittenPerCall() {
        let model = InceptionV3ForwardTests.smallModel, graph = model.graph
        let all = ForwardPlan(graph, target: graph.output, batch: 2)
        let plain = ForwardPlan(graph, target: graph.output, batch: 2, fusingSiblings: false, rowTableBudget: 0)
        let images = Tensor.random([2, 75, 75, 3], seed: 43)
        let expected = withFeatureMap(images) { x in
            all.run(model, input: x)
            plain.run(model, input: x)
            return plain.view(graph.output, input: x).tensor()
        }
        let budget = all.rowTableBytes / 2
        let half = ForwardPlan(graph, target: graph.output, batch: 2, rowTableBudget: budget)
        var kept = 0
        for pass in 0..<2 {
            let y = withFeatureMap(images) { x in
                half.run(model, input: x)
                return half.view(graph.output, input: x).tensor()
            }
            XCTAssertEqual(y, expected, "pass \(pass)")
            if pass == 0 { kept = half.rowTableBytes }
            XCTAssertEqual(half.rowTableBytes, kept, "pass \(pass) built tables again")
        }
        XCTAssertGreaterThan(kept, 0)
        XCTAssertLessThanOrEqual(kept, budget)
    }

    /// The kept tables of the 299×299 network at batch 1 cost well under the
    /// few MB the peak-memory goal leaves (measured: 1.0 MB, 1,027,552 bytes),
    /// and its output has the plain plan's bits.
    func testRowTablesOfTheFullNetworkAreSmall() {
        let model = InceptionV3ForwardTests.topModel, graph = model.graph
        let fused = ForwardPlan(graph, target: graph.output, batch: 1)
        let plain = ForwardPlan(graph, target: graph.output, batch: 1, fusingSiblings: false, rowTableBudget: 0)
        let image = Tensor.random([1, 299, 299, 3], seed: 42)
        let (a, b) = withFeatureMap(image) { x in
            fused.run(model, input: x)
            plain.run(model, input: x)
            return (fused.view(graph.output, input: x).tensor(), plain.view(graph.output, input: x).tensor())
        }
        XCTAssertEqual(a, b)
        XCTAssertGreaterThan(fused.rowTableBytes, 0)
        XCTAssertLessThan(fused.rowTableBytes, 2_000_000, "row tables hold \(fused.rowTableBytes) bytes at batch 1")
        print("row tables, 299×299, batch 1: \(fused.rowTableBytes) bytes; arena \(fused.arena.count * 4) bytes, "
              + "plain arena \(plain.arena.count * 4) bytes")
    }
}
