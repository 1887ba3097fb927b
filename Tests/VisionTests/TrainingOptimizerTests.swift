// TrainingOptimizerTests.swift — SGD and Adam steps against the scalar
// formulas of Keras 3's sgd.py and adam.py, evaluated by hand in Double.
import XCTest
@testable import Vision

final class TrainingOptimizerTests: XCTestCase {
    private let weights: [Float] = [0.5, -1.25, 0, 3]
    private let gradients: [[Float]] = [[0.2, -0.4, 0, 1e-3], [-0.1, -0.4, 0.25, 2]]

    /// Oracle: w −= lr·g, by hand: 0.5 − 0.1·0.2 = 0.48, ...
    func testPlainSGDStep() {
        let optimizer = Optimizer.sgd(rate: 0.1, momentum: 0)
        var w = weights, state = optimizer.initialState(count: w.count)
        XCTAssertTrue(state.first.isEmpty && state.second.isEmpty, "plain SGD keeps no slots")
        optimizer.update(&w, gradient: gradients[0], state: &state, iteration: 0)
        XCTAssertEqual(w, [0.48, -1.21, 0, 2.9999], "one plain SGD step")
    }

    /// Oracle: m = μ·m − lr·g; w += m, two steps in Double: after step 1
    /// w = 0.5 − 0.02 = 0.48; step 2 m = 0.9·(−0.02) + 0.01 = −0.008, w = 0.472.
    func testMomentumSGDTwoSteps() {
        let (rate, mu) = (0.1, 0.9)
        let optimizer = Optimizer.sgd(rate: Float(rate), momentum: Float(mu))
        var w = weights, state = optimizer.initialState(count: w.count)
        var wd = weights.map(Double.init), m = [Double](repeating: 0, count: w.count)
        for (iteration, g) in gradients.enumerated() {
            optimizer.update(&w, gradient: g, state: &state, iteration: iteration)
            for k in wd.indices {
                m[k] = mu * m[k] - rate * Double(g[k])
                wd[k] += m[k]
            }
        }
        XCTAssertEqual(Double(w[0]), 0.472, accuracy: 1e-7, "worked example")
        assertClose(w.map(Double.init), wd, tolerance: 1e-6, "momentum SGD")
        assertClose(state.first.map(Double.init), m, tolerance: 1e-6, "momentum slot")
    }

    /// Oracle: Keras 3 Adam in Double: t = i + 1, α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ),
    /// m += (g − m)(1 − β1), v += (g² − v)(1 − β2), w −= m·α/(√v + ε).
    /// At t = 1 the step is lr·g/(|g| + ε/√(1 − β2)·…) ≈ lr·sign(g): 0.5 → 0.499.
    func testAdamTwoSteps() {
        let (rate, b1, b2, eps) = (0.001, 0.9, 0.999, 1e-7)
        let optimizer = Optimizer.adam(rate: Float(rate))
        XCTAssertEqual(optimizer, .adam(rate: Float(rate), beta1: 0.9, beta2: 0.999, epsilon: 1e-7), "Keras' defaults")
        var w = weights, state = optimizer.initialState(count: w.count)
        var wd = weights.map(Double.init)
        var m = [Double](repeating: 0, count: w.count), v = m
        for (iteration, g) in gradients.enumerated() {
            optimizer.update(&w, gradient: g, state: &state, iteration: iteration)
            let t = Double(iteration + 1)
            let alpha = rate * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t))
            for k in wd.indices {
                let gk = Double(g[k])
                m[k] += (gk - m[k]) * (1 - b1)
                v[k] += (gk * gk - v[k]) * (1 - b2)
                wd[k] -= m[k] * alpha / (v[k].squareRoot() + eps)
            }
            if iteration == 0 { XCTAssertEqual(Double(w[0]), 0.499, accuracy: 1e-6, "first Adam step ≈ lr·sign(g)") }
        }
        assertClose(w.map(Double.init), wd, tolerance: 1e-6, "Adam weights")
        assertClose(state.first.map(Double.init), m, tolerance: 1e-6, "Adam m")
        assertClose(state.second.map(Double.init), v, tolerance: 1e-6, "Adam v")
        XCTAssertEqual(w[2] - weights[2], -(0.25 * 0.1 * Float(alpha(rate, b1, b2, 2)))
                       / ((0.25 * 0.25 * 0.001).squareRoot() + 1e-7), accuracy: 1e-7,
                       "element with g = 0 then 0.25: only the second step moves it")
    }

    private func alpha(_ rate: Double, _ b1: Double, _ b2: Double, _ t: Double) -> Double {
        rate * (1 - pow(b2, t)).squareRoot() / (1 - pow(b1, t))
    }
}
