// FineTuneOptimizer.swift — the optimizer slots of a fine-tuning run: one
// `OptimizerState` per trained tensor, updated with the shared `Optimizer`
// (Keras 3's SGD and Adam, Sources/Vision/Training/Optimizer.swift), and
// Keras' step counter, advanced once per step over all tensors.

extension Optimizer {
    /// Keras' fine-tuning recipe for Inception V3: SGD(1e-4, momentum 0.9).
    public static let kerasFineTuning = Optimizer.sgd(rate: 1e-4, momentum: 0.9)
    /// Keras' Adam defaults: 1e-3, 0.9, 0.999, 1e-7.
    public static let adamDefaults = Optimizer.adam(rate: 1e-3)
}

/// The optimizer's per-tensor state (momentum / Adam moments), by tensor key.
struct FineTuneSlots: Sendable {
    let optimizer: Optimizer
    /// Steps applied so far (Keras' `optimizer.iterations`).
    private(set) var iterations = 0
    private var states: [String: OptimizerState] = [:]

    init(_ optimizer: Optimizer) { self.optimizer = optimizer }

    /// Updates `weights` in place from `gradient`; `key` names the tensor's slots.
    mutating func update(_ key: String, _ weights: inout [Float], _ gradient: [Float]) {
        precondition(weights.count == gradient.count,
                     "FineTuneSlots: \(key) has \(weights.count) weights, \(gradient.count) gradients")
        var state = states[key] ?? optimizer.initialState(count: weights.count)
        optimizer.update(&weights, gradient: gradient, state: &state, iteration: iterations)
        states[key] = state
    }

    /// Ends a step: every tensor has been updated once.
    mutating func finishStep() { iterations += 1 }
}

extension FineTuner {
    /// `Optimizer.sgd` (spelled here where a local type shadows `Optimizer`).
    public static func sgd(rate: Float, momentum: Float) -> Optimizer { .sgd(rate: rate, momentum: momentum) }
    /// `Optimizer.adam` with Keras' defaults for the other constants.
    public static func adam(rate: Float) -> Optimizer { .adam(rate: rate) }
}
