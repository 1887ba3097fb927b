// Padding.swift — TensorFlow's padding rules for convolutions and pools.
//
//   valid: out = (in - k) / stride + 1 (floor), no padding; needs in >= k
//   same:  out = ceil(in / stride); total = max((out - 1) * stride + k - in, 0),
//          floor(total / 2) before, the rest after (TF pads the far side more)

/// How a window-based kernel treats the borders, as TensorFlow and Keras define it.
public enum Padding: String, Sendable, CaseIterable {
    /// Pads so that `out = ceil(in / stride)`; the extra cell, if any, goes after.
    case same
    /// No padding: only windows that lie wholly inside the input.
    case valid

    /// Output extent and padding before/after along one axis, TF's rule.
    ///
    ///     Padding.same.window(input: 35, kernel: 3, stride: 1)   // (35, 1, 1)
    ///     Padding.valid.window(input: 299, kernel: 3, stride: 2) // (149, 0, 0)
    public func window(input: Int, kernel: Int, stride: Int) -> (output: Int, before: Int, after: Int) {
        precondition(input >= 1 && kernel >= 1 && stride >= 1,
                     "Padding.window: input \(input), kernel \(kernel), stride \(stride)")
        switch self {
        case .valid:
            precondition(input >= kernel, "Padding.valid: input \(input) smaller than kernel \(kernel)")
            return ((input - kernel) / stride + 1, 0, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + kernel - input, 0)
            return (output, total / 2, total - total / 2)
        }
    }
}
