// NPYWriter.swift — NumPy .npy format version 1.0 for float32 little-endian
// arrays of any shape, byte for byte as numpy.save writes them: the magic
// "\x93NUMPY", version 1.0, a little-endian UInt16 header length, the header
// dict padded with spaces (numpy's 21-digit growth room after the first axis,
// then to a multiple of 64 bytes counting the final newline), then the
// scalars in C (row-major) order. Files are written through AtomicFile.
import Common

/// Caseless namespace for writing NumPy `.npy` files.
///
///     try NPYWriter.write(shape: [1, 2048], scalars: features, to: "out/f.npy")
///     // python: numpy.load("out/f.npy").shape == (1, 2048)
public enum NPYWriter {
    /// The header numpy writes for a float32 little-endian C-order array of
    /// `shape`: magic, version 1.0, length, and the padded dict
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 8, 288), }`.
    /// Its length is a multiple of 64.
    public static func header(shape: [Int]) -> [UInt8] {
        precondition(shape.allSatisfy { $0 >= 0 }, "NPYWriter: negative dimension in shape \(shape)")
        let tuple: String
        switch shape.count {
        case 0: tuple = "()"
        case 1: tuple = "(\(shape[0]),)"
        default: tuple = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(tuple), }"
        // numpy leaves room to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS).
        if let first = shape.first {
            dict += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        let prefixLength = 6 + 2 + 2  // magic, version, UInt16 header length
        let textLength = dict.utf8.count + 1  // + newline
        let padding = 64 - (prefixLength + textLength) % 64  // 64, never 0, as numpy does
        let headerLength = textLength + padding
        precondition(headerLength <= Int(UInt16.max), "NPYWriter: shape \(shape) needs a version 2.0 header")
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        bytes.append(UInt8(headerLength & 0xFF))
        bytes.append(UInt8(headerLength >> 8))
        bytes += Array(dict.utf8)
        bytes += Array(repeating: UInt8(ascii: " "), count: padding)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The whole `.npy` file for `scalars` (row-major) of `shape`.
    ///
    /// `scalars.count` must equal the product of `shape` (1 for shape `[]`).
    public static func encode(shape: [Int], scalars: [Float]) -> [UInt8] {
        checkCount(shape: shape, scalars: scalars)
        var bytes = header(shape: shape)
        bytes.reserveCapacity(bytes.count + scalars.count * 4)
        for value in scalars {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes += $0 }
        }
        return bytes
    }

    /// Writes `scalars` (row-major) of `shape` to `path` as a `.npy` file,
    /// atomically (see `AtomicFile`); throws `FileWriteError` naming the path
    /// and the cause.
    public static func write(shape: [Int], scalars: [Float], to path: String) throws {
        checkCount(shape: shape, scalars: scalars)
        try AtomicFile.write(to: path) { writer in
            try writer.write(header(shape: shape))
            #if _endian(little)
            try scalars.withUnsafeBytes { try writer.write($0) }
            #else
            try writer.write(scalars.flatMap { value -> [UInt8] in
                withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
            })
            #endif
        }
    }

    private static func checkCount(shape: [Int], scalars: [Float]) {
        let count = shape.reduce(1, *)
        precondition(count == scalars.count,
                     "NPYWriter: shape \(shape) holds \(count) scalars but \(scalars.count) were given")
    }
}
