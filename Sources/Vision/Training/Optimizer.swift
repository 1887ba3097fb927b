// Optimizer.swift — SGD (with momentum) and Adam, update for update as
// Keras 3 (keras/src/optimizers/sgd.py, adam.py), Float32, per variable.
//
//   SGD:   m = μ·m − lr·g;  w += m                 (μ = 0: w −= lr·g)
//   Adam:  t = iterations + 1;  α = lr·√(1 − β2ᵗ) / (1 − β1ᵗ)
//          m += (g − m)·(1 − β1);  v += (g² − v)·(1 − β2);  w −= m·α / (√v + ε)

import Foundation

/// A gradient-descent rule, as Keras' `SGD(learning_rate, momentum)` and
/// `Adam(learning_rate, beta_1, beta_2, epsilon)`.
///
///     let optimizer = Optimizer.adam(rate: 0.001)
public enum Optimizer: Sendable, Equatable {
    /// Keras `SGD(learning_rate=rate, momentum=momentum)` (not Nesterov).
    case sgd(rate: Float, momentum: Float)
    /// Keras `Adam(learning_rate=rate, beta_1=beta1, beta_2=beta2, epsilon=epsilon)` (not AMSGrad).
    case adam(rate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)

    /// The state a variable of `count` scalars starts with: zero slots.
    public func initialState(count: Int) -> OptimizerState {
        switch self {
        case .sgd(_, let momentum):
            return OptimizerState(first: [Float](repeating: 0, count: momentum == 0 ? 0 : count), second: [])
        case .adam:
            return OptimizerState(first: [Float](repeating: 0, count: count),
                                  second: [Float](repeating: 0, count: count))
        }
    }

    /// One update of `weights` by `gradient`; `iteration` is the number of
    /// updates applied before this one (Keras' `optimizer.iterations`), so
    /// the first update has iteration 0.
    public func update(_ weights: inout [Float], gradient: [Float], state: inout OptimizerState, iteration: Int) {
        precondition(gradient.count == weights.count, "Optimizer: \(gradient.count) gradients for \(weights.count) weights")
        precondition(state.first.count == weights.count || state.first.isEmpty, "Optimizer: state does not fit the variable")
        let count = weights.count
        let schedule = step(iteration: iteration)
        weights.withUnsafeMutableBufferPointer { w in
            gradient.withUnsafeBufferPointer { g in
                state.first.withUnsafeMutableBufferPointer { m in
                    state.second.withUnsafeMutableBufferPointer { v in
                        Optimizer.apply(schedule, weights: w.baseAddress!, gradient: g.baseAddress!,
                              first: m.baseAddress, second: v.baseAddress, range: 0..<count)
                    }
                }
            }
        }
    }

    /// The constants of one update step: Adam's α depends on the step.
    struct Step {
        var rate: Float, momentum: Float
        var alpha: Float, beta1: Float, beta2: Float, epsilon: Float
        var isAdam: Bool
    }

    /// The per-step constants, computed in Float32 as Keras' graph does.
    func step(iteration: Int) -> Step {
        switch self {
        case .sgd(let rate, let momentum):
            return Step(rate: rate, momentum: momentum, alpha: 0, beta1: 0, beta2: 0, epsilon: 0, isAdam: false)
        case .adam(let rate, let beta1, let beta2, let epsilon):
            let t = Float(iteration + 1)
            let alpha = rate * (1 - Foundation.pow(beta2, t)).squareRoot() / (1 - Foundation.pow(beta1, t))
            return Step(rate: rate, momentum: 0, alpha: alpha, beta1: beta1, beta2: beta2, epsilon: epsilon, isAdam: true)
        }
    }

    /// Applies `step` to elements `range` of a variable. Elementwise (16
    /// lanes at a time, then a scalar tail, with the same IEEE operations), so
    /// any split of the range among threads gives the same result.
    static func apply(_ step: Step, weights w: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                      first m: UnsafeMutablePointer<Float>?, second v: UnsafeMutablePointer<Float>?,
                      range: Range<Int>) {
        let lanes = 16
        var k = range.lowerBound
        if step.isAdam {
            let m = m!, v = v!
            let oneMinusBeta1 = 1 - step.beta1, oneMinusBeta2 = 1 - step.beta2
            // The hot loop of an Adam step: 2 M weights per step for a 2048×1024 kernel.
            while k + lanes <= range.upperBound {
                let gk = load(g + k)
                let mk = load(m + k) + (gk - load(m + k)) * oneMinusBeta1
                let vk = load(v + k) + (gk * gk - load(v + k)) * oneMinusBeta2
                let wk = load(w + k) - (mk * step.alpha) / (vk.squareRoot() + Lanes(repeating: step.epsilon))
                store(mk, m + k)
                store(vk, v + k)
                store(wk, w + k)
                k += lanes
            }
            while k < range.upperBound {
                m[k] = m[k] + (g[k] - m[k]) * oneMinusBeta1
                v[k] = v[k] + (g[k] * g[k] - v[k]) * oneMinusBeta2
                w[k] = w[k] - (m[k] * step.alpha) / (v[k].squareRoot() + step.epsilon)
                k += 1
            }
        } else if let m, step.momentum != 0 {
            while k + lanes <= range.upperBound {
                let mk = load(m + k) * step.momentum - load(g + k) * step.rate
                store(mk, m + k)
                store(load(w + k) + mk, w + k)
                k += lanes
            }
            while k < range.upperBound {
                m[k] = m[k] * step.momentum - g[k] * step.rate
                w[k] = w[k] + m[k]
                k += 1
            }
        } else {
            while k + lanes <= range.upperBound {
                store(load(w + k) - load(g + k) * step.rate, w + k)
                k += lanes
            }
            while k < range.upperBound {
                w[k] = w[k] - g[k] * step.rate
                k += 1
            }
        }
    }
}

/// 16 Floats at a time, in this file so that builds without whole-module
/// optimisation still inline them into the update loops.
private typealias Lanes = SIMD16<Float>

@inline(__always)
private func load(_ p: UnsafePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

@inline(__always)
private func load(_ p: UnsafeMutablePointer<Float>) -> Lanes { UnsafeRawPointer(p).loadUnaligned(as: Lanes.self) }

@inline(__always)
private func store(_ v: Lanes, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self) }

/// An optimizer's slots for one variable: SGD's momentum (`first`, empty
/// without momentum), Adam's first and second moments.
public struct OptimizerState: Sendable, Equatable {
    /// SGD momentum or Adam's m, one per scalar of the variable.
    public var first: [Float]
    /// Adam's v (empty for SGD).
    public var second: [Float]
}
