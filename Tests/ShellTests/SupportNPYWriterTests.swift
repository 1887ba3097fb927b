// SupportNPYWriterTests.swift — NPYWriter. Oracle: numpy itself. numpy.load
// must read our file back with the same shape and the same float32 bits, and
// numpy.save of the same array must produce the same bytes.
import Foundation
import XCTest
@testable import Shell

final class SupportNPYWriterTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("npy")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Values that exercise every float32 class: signs, zero and negative
    /// zero, a subnormal, the extremes, infinities and a NaN with payload.
    private func values(_ count: Int) -> [Float] {
        let special: [Float] = [0, -0.0, 1, -1.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                .infinity, -.infinity, Float(bitPattern: 0x7FC0_1234), 3.14159274]
        return (0..<count).map { i in i < special.count ? special[i] : Float(i) * 0.37 - 11 }
    }

    private let shapes = [[1, 8, 8, 288], [1, 2048], [5], [], [2, 0, 3], [3, 1, 2], [123456789012, 0]]

    private func hex(_ scalars: [Float]) -> String {
        scalars.map { value -> String in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes in
                bytes.map { String(format: "%02x", $0) }.joined()
            }
        }.joined()
    }

    // One Python run reads every file: numpy.load gives shape, dtype, order and
    // the float32 bits; numpy.save of what it read must give our exact bytes.
    func testNumpyReadsBackShapeBitsAndBytes() throws {
        var paths: [String] = []
        for (index, shape) in shapes.enumerated() {
            let path = folder + "/a\(index).npy"
            try NPYWriter.write(shape: shape, scalars: values(shape.reduce(1, *)), to: path)
            paths.append(path)
        }
        let out = try runPython("""
            import sys, io, json
            import numpy as np
            for path in sys.argv[1:]:
                a = np.load(path)
                b = io.BytesIO(); np.save(b, a)
                print(json.dumps({"shape": list(a.shape), "dtype": a.dtype.str,
                                  "fortran": bool(np.isfortran(a)),
                                  "hex": a.astype('<f4').tobytes().hex(),
                                  "same_bytes": b.getvalue() == open(path, 'rb').read()}))
            """, arguments: paths, modules: ["numpy"])
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines.count, shapes.count)
        for (shape, line) in zip(shapes, lines) {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(json["shape"] as? [Int], shape, "shape \(shape)")
            XCTAssertEqual(json["dtype"] as? String, "<f4", "shape \(shape)")
            XCTAssertEqual(json["fortran"] as? Bool, false, "shape \(shape)")
            XCTAssertEqual(json["hex"] as? String, hex(values(shape.reduce(1, *))), "float32 bits for shape \(shape)")
            XCTAssertEqual(json["same_bytes"] as? Bool, true, "numpy.save writes the same bytes for shape \(shape)")
        }
        for shape in shapes {
            XCTAssertEqual(NPYWriter.header(shape: shape).count % 64, 0, "header of \(shape) aligned to 64")
        }
    }

    func testHeaderText() {
        let header = NPYWriter.header(shape: [1, 8, 8, 288])
        XCTAssertEqual(Array(header.prefix(8)), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        XCTAssertEqual(Int(header[8]) | Int(header[9]) << 8, header.count - 10)
        let text = String(decoding: header.dropFirst(10), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 8, 8, 288), }"))
        XCTAssertTrue(text.hasSuffix(" \n"))
        XCTAssertEqual(header.count, 128)
    }

    func testWriteFailureNamesPath() throws {
        XCTAssertThrowsError(try NPYWriter.write(shape: [2], scalars: [1, 2], to: "/dev/full")) { error in
            XCTAssertEqual("\(error)", "/dev/full: No space left on device")
        }
    }
}
