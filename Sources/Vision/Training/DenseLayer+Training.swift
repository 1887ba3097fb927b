// DenseLayer+Training.swift — a Dense layer's training step on the fast
// kernels: the pre-activation, the gradients, and the update fused with the
// kernel gradient so the (inputs × units) gradient never leaves the cache.
//
//   affine(x)           (rows, inputs) → (rows, units)   x·K + b, no activation
//   inputGradient(dy)   (rows, units)  → (rows, inputs)  dy·Kᵀ
//   gradients(x, dy)    → (dK (inputs, units), db (units))
import Foundation

extension DenseLayer {
    /// x·kernel + bias for `count` rows of `inputs`, before the activation.
    public func affine(_ x: [Float], count: Int) -> [Float] {
        precondition(x.count == count * inputs, "DenseLayer \(name): \(x.count) inputs are not \(count)×\(inputs)")
        var y = [Float](repeating: 0, count: count * units)
        x.withUnsafeBufferPointer { x in
            kernel.withUnsafeBufferPointer { k in
                bias.withUnsafeBufferPointer { b in
                    y.withUnsafeMutableBufferPointer { y in
                        DenseKernel.affine(x.baseAddress!, rows: count, inputs: inputs, kernel: k.baseAddress!,
                                           bias: b.baseAddress!, units: units, into: y.baseAddress!)
                    }
                }
            }
        }
        return y
    }

    /// The gradient with respect to the layer's input, dy·kernelᵀ, for
    /// `count` rows of `units` gradients with respect to the pre-activation.
    public func inputGradient(_ dy: [Float], count: Int) -> [Float] {
        precondition(dy.count == count * units, "DenseLayer \(name): \(dy.count) gradients are not \(count)×\(units)")
        var dx = [Float](repeating: 0, count: count * inputs)
        dy.withUnsafeBufferPointer { dy in
            kernel.withUnsafeBufferPointer { k in
                dx.withUnsafeMutableBufferPointer { dx in
                    DenseKernel.inputGradient(dy.baseAddress!, rows: count, units: units, kernel: k.baseAddress!,
                                              inputs: inputs, into: dx.baseAddress!)
                }
            }
        }
        return dx
    }

    /// The gradients with respect to the kernel (xᵀ·dy, (inputs, units)) and
    /// the bias (Σ_rows dy), for input `x` (count, inputs) and gradient `dy`
    /// (count, units) with respect to the pre-activation.
    public func gradients(input x: [Float], outputGradient dy: [Float], count: Int) -> (kernel: [Float], bias: [Float]) {
        precondition(x.count == count * inputs && dy.count == count * units,
                     "DenseLayer \(name): gradients of \(x.count) inputs and \(dy.count) outputs for \(count) rows")
        var dK = [Float](repeating: 0, count: inputs * units)
        var db = [Float](repeating: 0, count: units)
        x.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dy in
                let operands = DenseKernel.GradientOperands(x.baseAddress!, rows: count, inputs: inputs,
                                                            outputGradient: dy.baseAddress!, units: units)
                dK.withUnsafeMutableBufferPointer { dK in
                    DenseKernel.kernelGradient(operands, rows: count, inputs: inputs, outputGradient: dy.baseAddress!,
                                               units: units, kernelRows: 0..<inputs, into: dK.baseAddress!)
                }
                db.withUnsafeMutableBufferPointer { db in
                    DenseKernel.biasGradient(dy.baseAddress!, rows: count, units: units, into: db.baseAddress!)
                }
            }
        }
        return (dK, db)
    }

    /// Computes the kernel and bias gradients for input `x` and output
    /// gradient `dy` and applies one optimizer `step` to both. The kernel
    /// gradient is made and applied a few kernel rows at a time, in parallel
    /// over rows; elementwise updates make the split irrelevant to the result.
    mutating func train(input x: [Float], outputGradient dy: [Float], count: Int, step: Optimizer.Step,
                        kernelState: inout OptimizerState, biasState: inout OptimizerState) {
        precondition(x.count == count * inputs && dy.count == count * units,
                     "DenseLayer \(name): training on \(x.count) inputs and \(dy.count) gradients for \(count) rows")
        let (inputs, units) = (self.inputs, self.units)
        let rowsPerChunk = max(1, 16_384 / units)          // ~64 KB of gradient per chunk
        let chunks = (inputs + rowsPerChunk - 1) / rowsPerChunk
        let parts = DenseKernel.partCount(work: count * inputs * units, items: chunks)
        x.withUnsafeBufferPointer { x in
            dy.withUnsafeBufferPointer { dy in
                kernel.withUnsafeMutableBufferPointer { k in
                    kernelState.first.withUnsafeMutableBufferPointer { m in
                        kernelState.second.withUnsafeMutableBufferPointer { v in
                            // Sendable-free raw addresses: each part writes only its own kernel rows.
                            let (dyp, kp, mp, vp) = (dy.baseAddress!, k.baseAddress!, m.baseAddress, v.baseAddress)
                            let operands = DenseKernel.GradientOperands(x.baseAddress!, rows: count, inputs: inputs,
                                                                        outputGradient: dyp, units: units)
                            Parallel.forEach(parts: parts) { part in
                                let gradient = UnsafeMutablePointer<Float>.allocate(capacity: rowsPerChunk * units)
                                defer { gradient.deallocate() }
                                for chunk in Parallel.slice(part, of: parts, count: chunks) {
                                    let rows = (chunk * rowsPerChunk)..<min((chunk + 1) * rowsPerChunk, inputs)
                                    DenseKernel.kernelGradient(operands, rows: count, inputs: inputs, outputGradient: dyp,
                                                               units: units, kernelRows: rows, into: gradient)
                                    let offset = rows.lowerBound * units
                                    Optimizer.apply(step, weights: kp + offset, gradient: gradient,
                                                    first: mp.map { $0 + offset }, second: vp.map { $0 + offset },
                                                    range: 0..<(rows.count * units))
                                }
                            }
                        }
                    }
                }
            }
        }
        var db = [Float](repeating: 0, count: units)
        dy.withUnsafeBufferPointer { dy in
            db.withUnsafeMutableBufferPointer { db in
                DenseKernel.biasGradient(dy.baseAddress!, rows: count, units: units, into: db.baseAddress!)
            }
        }
        bias.withUnsafeMutableBufferPointer { b in
            db.withUnsafeBufferPointer { g in
                biasState.first.withUnsafeMutableBufferPointer { m in
                    biasState.second.withUnsafeMutableBufferPointer { v in
                        Optimizer.apply(step, weights: b.baseAddress!, gradient: g.baseAddress!,
                                        first: m.baseAddress, second: v.baseAddress, range: 0..<units)
                    }
                }
            }
        }
    }
}
