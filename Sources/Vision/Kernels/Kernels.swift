// Kernels.swift — the fast kernels on whole `Tensor`s (NHWC, Float32), for
// tests, tools and training code. The network itself calls the FeatureMap-level
// kernels directly with prepacked weights and preallocated buffers.
//
// Each function states its shapes; each has a scalar definition in
// Tests/VisionTests/Reference.swift that it is tested against.

/// Fast SIMD kernels on whole tensors; every call uses `Parallel.threadCount` threads.
public enum Kernels {
    /// 2-D convolution with TF padding, an optional bias and ReLU.
    ///
    /// `input` (N, H, W, Cin), `kernel` (kh, kw, Cin, Cout) → (N, Ho, Wo, Cout).
    /// The kernel is packed on every call; the network packs once at load.
    /// `path` picks the micro-kernels (default: the CPU's best).
    ///
    ///     let y = Kernels.conv2D(x, kernel: k, strides: (2, 2), padding: .valid)
    public static func conv2D(_ input: Tensor, kernel: Tensor, bias: [Float]? = nil,
                              strides: (Int, Int) = (1, 1), padding: Padding, relu: Bool = false,
                              path: SIMDPath = .active) -> Tensor {
        precondition(input.rank == 4 && kernel.rank == 4 && input.shape[3] == kernel.shape[2],
                     "Kernels.conv2D: input \(input.shape) and kernel \(kernel.shape) do not match")
        let conv = kernel.scalars.withUnsafeBufferPointer {
            PackedConv2D(kernel: $0, shape: kernel.shape, bias: bias, strides: strides, padding: padding, path: path)
        }
        let (oh, ow) = conv.outputSize(height: input.shape[1], width: input.shape[2])
        var output = Tensor(zeros: [input.shape[0], oh, ow, kernel.shape[3]])
        withFeatureMap(input) { x in
            output.withFeatureMap { y in conv.apply(x, y, relu: relu) }
        }
        return output
    }

    /// Max pooling, TF semantics (padded cells are never the maximum).
    /// (N, H, W, C) → (N, Ho, Wo, C).
    public static func maxPool2D(_ input: Tensor, size: (Int, Int), strides: (Int, Int),
                                 padding: Padding) -> Tensor {
        pool(.max, input, size: size, strides: strides, padding: padding)
    }

    /// Average pooling, TF semantics (the divisor counts only cells inside
    /// the input). (N, H, W, C) → (N, Ho, Wo, C).
    public static func averagePool2D(_ input: Tensor, size: (Int, Int), strides: (Int, Int),
                                     padding: Padding) -> Tensor {
        pool(.average, input, size: size, strides: strides, padding: padding)
    }

    /// Mean over height and width: (N, H, W, C) → (N, C).
    public static func globalAveragePool2D(_ input: Tensor) -> Tensor { global(.average, input) }

    /// Maximum over height and width: (N, H, W, C) → (N, C).
    public static func globalMaxPool2D(_ input: Tensor) -> Tensor { global(.max, input) }

    /// Concatenation on the channel (last) axis of NHWC tensors with equal N, H, W.
    public static func concatenate(_ inputs: [Tensor]) -> Tensor {
        precondition(!inputs.isEmpty, "Kernels.concatenate: no inputs")
        let head = Array(inputs[0].shape.dropLast())
        precondition(inputs.allSatisfy { $0.rank == 4 && Array($0.shape.dropLast()) == head },
                     "Kernels.concatenate: shapes \(inputs.map(\.shape)) differ outside the channel axis")
        var output = Tensor(zeros: head + [inputs.map { $0.shape[3] }.reduce(0, +)])
        output.withFeatureMap { y in
            var offset = 0
            for input in inputs {
                let slice = y.channels(offset..<(offset + input.shape[3]))
                withFeatureMap(input) { x in Elementwise.concatenate([x], into: slice) }
                offset += input.shape[3]
            }
        }
        return output
    }

    /// Fully connected layer: `input` (N, in), `kernel` (in, out), `bias` (out)
    /// → (N, out), optionally followed by softmax.
    public static func dense(_ input: Tensor, kernel: Tensor, bias: [Float], softmax: Bool = false) -> Tensor {
        precondition(input.rank == 2 && kernel.rank == 2 && input.shape[1] == kernel.shape[0]
                     && bias.count == kernel.shape[1],
                     "Kernels.dense: input \(input.shape), kernel \(kernel.shape), \(bias.count) biases")
        let n = input.shape[0], units = kernel.shape[1]
        let asImage = Tensor(shape: [n, 1, 1, input.shape[1]], scalars: input.scalars)
        let asKernel = Tensor(shape: [1, 1] + kernel.shape, scalars: kernel.scalars)
        var output = conv2D(asImage, kernel: asKernel, bias: bias, padding: .valid)
        output.shape = [n, units]
        return softmax ? Kernels.softmax(output) : output
    }

    /// Softmax over the last axis.
    public static func softmax(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1, "Kernels.softmax: needs at least one axis")
        var output = input
        let width = input.shape.last!
        if width > 0 {
            output.scalars.withUnsafeMutableBufferPointer {
                Elementwise.softmax($0.baseAddress!, rows: input.count / width, width: width)
            }
        }
        return output
    }

    /// max(x, 0) elementwise.
    public static func relu(_ input: Tensor) -> Tensor {
        var output = input
        output.scalars.withUnsafeMutableBufferPointer { Elementwise.relu($0.baseAddress!, count: $0.count) }
        return output
    }

    private static func pool(_ kind: Pool2D.Kind, _ input: Tensor, size: (Int, Int), strides: (Int, Int),
                             padding: Padding) -> Tensor {
        precondition(input.rank == 4, "Kernels pooling: expected NHWC, got \(input.shape)")
        let rows = padding.window(input: input.shape[1], kernel: size.0, stride: strides.0)
        let columns = padding.window(input: input.shape[2], kernel: size.1, stride: strides.1)
        var output = Tensor(zeros: [input.shape[0], rows.output, columns.output, input.shape[3]])
        withFeatureMap(input) { x in
            output.withFeatureMap { y in
                Pool2D.apply(kind, x, y, size: size, strides: strides, padding: padding)
            }
        }
        return output
    }

    private static func global(_ kind: Pool2D.Kind, _ input: Tensor) -> Tensor {
        precondition(input.rank == 4, "Kernels global pooling: expected NHWC, got \(input.shape)")
        var output = Tensor(zeros: [input.shape[0], input.shape[3]])
        withFeatureMap(input) { x in
            output.scalars.withUnsafeMutableBufferPointer {
                Pool2D.global(kind, x, $0.baseAddress ?? AlignedBuffer.empty.base, outputStride: input.shape[3])
            }
        }
        return output
    }
}

extension Tensor {
    /// Runs `body` with a writable FeatureMap view of this NHWC tensor.
    mutating func withFeatureMap<R>(_ body: (FeatureMap) throws -> R) rethrows -> R {
        precondition(rank == 4, "expected an NHWC tensor, got shape \(shape)")
        let (n, h, w, c) = (shape[0], shape[1], shape[2], shape[3])
        return try scalars.withUnsafeMutableBufferPointer { buffer in
            try body(FeatureMap(base: buffer.baseAddress ?? AlignedBuffer.empty.base,
                                batch: n, height: h, width: w, channels: c))
        }
    }
}
