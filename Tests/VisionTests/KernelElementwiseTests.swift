// KernelElementwiseTests.swift — dense, softmax, ReLU and concatenation
// against their scalar definitions in Reference.swift (the oracle).
import XCTest
@testable import Vision

final class KernelElementwiseTests: XCTestCase {
    func testDenseAgreesWithReference() {
        for (i, (n, inputs, units)) in [(1, 37, 21), (3, 64, 16), (2, 5, 1003)].enumerated() {
            let x = Tensor.random([n, inputs], seed: UInt64(500 + i))
            let k = Tensor.random([inputs, units], seed: UInt64(510 + i))
            let bias = Tensor.random([units], seed: UInt64(520 + i)).scalars
            assertClose(Kernels.dense(x, kernel: k, bias: bias), Reference.dense(x, k, bias: bias),
                        tolerance: 1e-5, "dense \(n)×\(inputs)→\(units)")
            assertClose(Kernels.dense(x, kernel: k, bias: bias, softmax: true),
                        Reference.softmax(Reference.dense(x, k, bias: bias)),
                        tolerance: 1e-6, "dense+softmax \(n)×\(inputs)→\(units)")
        }
    }

    func testSoftmaxAgreesWithReferenceAndSumsToOne() {
        let x = Tensor.random([3, 1000], seed: 6, scale: 20)
        let y = Kernels.softmax(x)
        assertClose(y, Reference.softmax(x), tolerance: 1e-6, "softmax")
        for r in 0..<3 {
            XCTAssertEqual(y.scalars[(r * 1000)..<((r + 1) * 1000)].reduce(0, +), 1, accuracy: 1e-5)
        }
    }

    func testReluAgreesWithReference() {
        let x = Tensor.random([2, 3, 5, 7], seed: 7)
        XCTAssertEqual(Kernels.relu(x), Reference.relu(x))
    }

    func testConcatenateAgreesWithReference() {
        let parts = [5, 16, 1, 33].enumerated().map { Tensor.random([2, 3, 4, $1], seed: UInt64(600 + $0)) }
        XCTAssertEqual(Kernels.concatenate(parts), Reference.concatenate(parts))
    }
}
