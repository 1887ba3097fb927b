// Tensor.swift — a dense Float32 tensor, row-major, last axis fastest.
//
// Images and activations are NHWC: (N, H, W, C), channels innermost.
// Kernels keep Keras' layout (kh, kw, Cin, Cout) so .h5 weights load
// unpermuted; dense kernels are (in, out).

/// A dense, row-major Float32 tensor.
///
/// The shape is a list of extents, last axis fastest. `scalars.count` is
/// always the product of `shape` (a scalar has shape `[]` and one element).
///
///     let x = Tensor(zeros: [1, 299, 299, 3])
///     x.shape   // [1, 299, 299, 3]
public struct Tensor: Sendable, Equatable {
    /// Extents, outermost first.
    public var shape: [Int]
    /// The elements in row-major order.
    public var scalars: [Float]

    /// A tensor with the given shape and elements.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in \(shape)")
        precondition(scalars.count == shape.reduce(1, *),
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of elements.
    public var count: Int { scalars.count }

    /// Number of axes.
    public var rank: Int { shape.count }
}
