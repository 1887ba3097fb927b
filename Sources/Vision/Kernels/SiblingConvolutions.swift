// SiblingConvolutions.swift — packed convolutions that read the same input,
// run as one parallel step (the branches' 1×1 convolutions of an Inception block).
//
//   input     (N, H, W, Cin)         shared
//   outputs   (N, Ho, Wo, Cout_i)    one view per convolution: a concatenation's slice or a buffer of its own
//
// Each convolution's parts are exactly those of its own `apply`, so every
// output element gets the same products in the same order: the bits equal
// those of running the convolutions one after another.

/// Runs several PackedConv2D on one input as one `Parallel.forEach` over the
/// union of their parts, so the threads meet once instead of once per
/// convolution, and a thread done with one convolution's share starts on the
/// next one's instead of waiting at a barrier.
enum SiblingConvolutions {
    /// outputs[i] = convs[i](input) + bias, then ReLU if `relu`; `rows[i]`, if
    /// not nil, is convs[i]'s table for these views (`RowTable`).
    static func apply(_ convs: [PackedConv2D], _ input: FeatureMap, _ outputs: [FeatureMap], relu: Bool,
                      rows: [RowTable?]) {
        precondition(convs.count == outputs.count && convs.count == rows.count,
                     "SiblingConvolutions: \(convs.count) convolutions, \(outputs.count) outputs, \(rows.count) row tables")
        for i in convs.indices {
            _ = convs[i].checkedOutputSize(input, outputs[i], kernel: "SiblingConvolutions[\(i)]")
            rows[i]?.check(for: convs[i], input, outputs[i])
        }
        let active = convs.indices.filter { outputs[$0].pixels > 0 }
        let schedules = active.map { convs[$0].schedule(input, outputs[$0]) }
        // firstPart[j]: number of active convolution j's first part in the union.
        let firstPart = schedules.reduce(into: [0]) { $0.append($0.last! + $1.parts) }
        Parallel.forEach(parts: firstPart.last!) { part in
            let j = firstPart.lastIndex { $0 <= part }!, i = active[j]
            convs[i].run(part: part - firstPart[j], of: schedules[j], input, outputs[i], relu: relu, rows: rows[i])
        }
    }
}
