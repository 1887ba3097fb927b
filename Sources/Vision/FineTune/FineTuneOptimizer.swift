// FineTuneOptimizer.swift — SGD with momentum and Adam, Keras 3's update
// formulas (keras/src/optimizers/sgd.py, adam.py), one slot set per tensor.
//
//   SGD:  m = m·momentum − g·rate;  w = w + m           (momentum 0: w −= g·rate)
//   Adam: t = iterations + 1; α = rate·sqrt(1 − β2^t) / (1 − β1^t)
//         m += (g − m)(1 − β1);  v += (g² − v)(1 − β2);  w −= m·α / (sqrt(v) + ε)
import Foundation

extension FineTuner {
    /// How a step changes the trainable tensors, with Keras 3's formulas.
    public enum Optimizer: Sendable, Equatable {
        /// `keras.optimizers.SGD(learning_rate=rate, momentum=momentum)`.
        case sgd(rate: Float, momentum: Float)
        /// `keras.optimizers.Adam(learning_rate=rate, beta_1=beta1, beta_2=beta2, epsilon=epsilon)`.
        case adam(rate: Float, beta1: Float, beta2: Float, epsilon: Float)

        /// Keras' fine-tuning recipe: SGD(1e-4, momentum 0.9).
        public static let kerasFineTuning = Optimizer.sgd(rate: 1e-4, momentum: 0.9)
        /// Keras' Adam defaults: 1e-3, 0.9, 0.999, 1e-7.
        public static let adamDefaults = Optimizer.adam(rate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7)
    }
}

/// The optimizer's per-tensor state (momentum / Adam moments), by tensor key.
struct OptimizerState: Sendable {
    let optimizer: FineTuner.Optimizer
    /// Steps applied so far (Keras' `optimizer.iterations`).
    private(set) var iterations = 0
    private var first: [String: [Float]] = [:]
    private var second: [String: [Float]] = [:]

    init(_ optimizer: FineTuner.Optimizer) { self.optimizer = optimizer }

    /// Updates `weights` in place from `gradient`; `key` names the tensor's slots.
    mutating func update(_ key: String, _ weights: inout [Float], _ gradient: [Float]) {
        precondition(weights.count == gradient.count,
                     "OptimizerState: \(key) has \(weights.count) weights, \(gradient.count) gradients")
        switch optimizer {
        case .sgd(let rate, let momentum):
            if momentum == 0 {
                for i in weights.indices { weights[i] -= gradient[i] * rate }
                return
            }
            var m = first[key] ?? [Float](repeating: 0, count: weights.count)
            for i in weights.indices {
                m[i] = m[i] * momentum - gradient[i] * rate
                weights[i] += m[i]
            }
            first[key] = m
        case .adam(let rate, let beta1, let beta2, let epsilon):
            let t = Float(iterations + 1)
            let alpha = rate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
            var m = first[key] ?? [Float](repeating: 0, count: weights.count)
            var v = second[key] ?? [Float](repeating: 0, count: weights.count)
            for i in weights.indices {
                let g = gradient[i]
                m[i] += (g - m[i]) * (1 - beta1)
                v[i] += (g * g - v[i]) * (1 - beta2)
                weights[i] -= m[i] * alpha / (v[i].squareRoot() + epsilon)
            }
            first[key] = m
            second[key] = v
        }
    }

    /// Ends a step: every tensor has been updated once.
    mutating func finishStep() { iterations += 1 }
}
