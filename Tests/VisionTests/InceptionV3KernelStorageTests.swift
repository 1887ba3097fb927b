// InceptionV3KernelStorageTests.swift — each kernel is held once: the model
// gives back every array exactly as given, from its packed kernels or, for
// Winograd's layers, from the copy they keep in a temporary file.
//
// Oracles: the weights handed to the model (compared bit for bit), the layer
// shapes of `weightSpecs` with Winograd's own eligibility rule for which
// layers keep a copy in a file, and a model made from scratch for the model
// made by replacing layers.
import XCTest
@testable import Vision

final class InceptionV3KernelStorageTests: XCTestCase {
    /// Random weights whose batch norms are not the identity (so a scale is
    /// really applied), with -0, a NaN payload and a subnormal in the first
    /// kernel and in the dense kernel (bits a sloppy copy would change)
    /// when `specialValues`.
    static func weights(_ config: InceptionV3.Configuration, seed: UInt64,
                        specialValues: Bool = true) -> [LayerWeights] {
        var weights = InceptionV3.randomWeights(for: config, seed: seed)
        var generator = SeededGenerator(seed: seed &+ 100)
        for i in weights.indices {
            for j in weights[i].tensors.indices {
                let name = weights[i].tensors[j].name
                if name == "kernel" { continue }
                weights[i].tensors[j].scalars = weights[i].tensors[j].scalars.map { _ in
                    let u = generator.nextUniform(limit: 0.5)
                    return name == "moving_variance" ? 0.5 + abs(u) : u
                }
            }
        }
        for i in specialValues ? [0, weights.count - 1] : [] {
            weights[i].tensors[0].scalars[0] = -0.0
            weights[i].tensors[0].scalars[1] = Float(bitPattern: 0x7fc0_1234)
            weights[i].tensors[0].scalars[2] = Float.leastNonzeroMagnitude
        }
        return weights
    }

    /// Bit patterns of every array of every layer, names and shapes beside them.
    static func bits(_ weights: [LayerWeights]) -> [[String: [UInt32]]] {
        weights.map { layer in
            Dictionary(uniqueKeysWithValues: layer.tensors.map {
                ("\(layer.layerName)/\($0.name) \($0.shape)", $0.scalars.map(\.bitPattern))
            })
        }
    }

    /// `weights` gives back every array as given, bit for bit, with and
    /// without the top; `weights(of:)` gives each layer's the same way.
    func testWeightsComeBackBitForBit() throws {
        let configurations = [try InceptionV3.Configuration(),
                              try InceptionV3.Configuration(includeTop: false, pooling: .avg,
                                                            inputHeight: 75, inputWidth: 91)]
        for (i, config) in configurations.enumerated() {
            let given = Self.weights(config, seed: UInt64(20 + i))
            let model = try InceptionV3(configuration: config, weights: given)
            XCTAssertEqual(Self.bits(model.weights), Self.bits(given), "configuration \(i)")
            for layer in given {
                let one = try XCTUnwrap(model.weights(of: layer.layerName), layer.layerName)
                XCTAssertEqual(Self.bits([one]), Self.bits([layer]), layer.layerName)
            }
            XCTAssertNil(model.weights(of: "mixed3"), "a layer without weights")
            XCTAssertNil(model.weights(of: "conv2d_999"))
            XCTAssertEqual(model.weightedLayerCount, given.count)
        }
    }

    /// The model keeps no kernel: only the batch-norm arrays and the dense
    /// bias. Direct layers give their kernel back from their panels; the
    /// layers Winograd runs (by `WinogradConv2D.suits`, the rule that picks
    /// them) keep a copy of theirs in the temporary file their packing
    /// made, not in memory.
    func testModelHoldsNoKernelInMemory() throws {
        let config = try InceptionV3.Configuration()
        let model = try InceptionV3(configuration: config, weights: InceptionV3.randomWeights(for: config, seed: 5))
        let graph = InceptionV3.graph(for: config)
        var expected = 0, winogradLayers = 0
        for spec in InceptionV3.weightSpecs(for: config) {
            let index = graph.indexByName[spec.layerName]!, layer = graph.layers[index]
            for (name, shape) in spec.tensors where name != "kernel" { expected += shape.reduce(1, *) }
            if case .conv2D(let kernel, let strides, _) = layer.operation,
               WinogradConv2D.suits(kernel: kernel, strides: strides, pixels: layer.shape[0] * layer.shape[1]) {
                winogradLayers += 1
                let winograd = try XCTUnwrap(model.packed[index] as? WinogradConv2D, spec.layerName)
                XCTAssertTrue(winograd.given.isInFile, "\(spec.layerName)'s kernel is in memory")
            } else if spec.tensors.first?.name == "kernel" {
                XCTAssertTrue(model.packed[index] is PackedConv2D, spec.layerName)
            }
        }
        XCTAssertEqual(winogradLayers, 49, "the stem's three 3×3s, the 35×35 blocks' seven 3×3s and three 5×5s, "
                       + "the 17×17 blocks' twenty-six 1×7s and 7×1s, the 8×8 blocks' two 3×3s and eight 1×3s and 3×1s")
        XCTAssertEqual(model.retainedScalarCount, expected)
        XCTAssertLessThan(model.retainedScalarCount, model.parameterCounts.total / 100)
    }

    /// The model a fine-tuner hands back (only the changed layers packed
    /// again, the rest shared) is the one `init(configuration:weights:)`
    /// makes from the merged weights: the same weights, the same bits out.
    /// Changed here: a Winograd layer's kernel, a direct layer's kernel, the
    /// batch norm of another direct layer and of a Winograd layer (packed
    /// again from the kernel it kept in its file), and the dense layer.
    func testReplacingLayersGivesTheModelMadeFromScratch() throws {
        let config = try InceptionV3.Configuration()
        let base = try InceptionV3(configuration: config, weights: Self.weights(config, seed: 7, specialValues: false))
        var changed = base.weights
        var replaced: [Int: [WeightTensor]] = [:]
        for name in ["conv2d_1", "conv2d_40", "batch_normalization_70", "batch_normalization_90", "predictions"] {
            let layer = base.graph.indexByName[name]!, position = base.weightIndex[layer]!
            var arrays = changed[position].tensors
            arrays[0].scalars = arrays[0].scalars.map { $0 * 0.75 + 0.001 }
            changed[position].tensors = arrays
            replaced[layer] = arrays
        }
        let tuned = InceptionV3(base, replacing: replaced)
        let fresh = try InceptionV3(configuration: config, weights: changed)
        XCTAssertEqual(Self.bits(tuned.weights), Self.bits(changed))
        XCTAssertEqual(tuned.retainedScalarCount, fresh.retainedScalarCount)
        let images = Tensor.random([1, 299, 299, 3], seed: 8)
        XCTAssertEqual(tuned.predict(images), fresh.predict(images))
        XCTAssertNotEqual(tuned.predict(images), base.predict(images))
        XCTAssertEqual(try tuned.output(of: "conv2d_40", for: images), try fresh.output(of: "conv2d_40", for: images))
    }
}
