// KernelFileTests.swift — the temporary file Winograd layers keep their
// kernels in, and the fall-back to memory where a file cannot be made or
// written.
//
// Oracle: the arrays handed in, compared bit for bit (NaN payloads, -0,
// subnormals and infinities included).
import Foundation
import XCTest
@testable import Vision

final class KernelFileTests: XCTestCase {
    /// Scalars with the bit patterns a sloppy copy would change, then random ones.
    private func scalars(_ count: Int, seed: UInt64) -> [Float] {
        var values = Tensor.random([count], seed: seed).scalars
        let special: [Float] = [-0.0, Float(bitPattern: 0x7fc0_1234), Float(bitPattern: 0xffa0_0001),
                                .leastNonzeroMagnitude, -.infinity, .infinity, .greatestFiniteMagnitude]
        for (i, value) in special.enumerated() where i < count { values[i] = value }
        return values
    }

    private func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

    private func copy(_ values: [Float], into file: KernelFile?) -> KernelCopy {
        values.withUnsafeBufferPointer { KernelCopy($0, file: file) }
    }

    /// Kernels written from many threads at once each come back as given,
    /// and reading one twice gives the same bits.
    func testCopiesComeBackBitForBit() throws {
        let file = try XCTUnwrap(KernelFile())
        let given = (0..<40).map { scalars(1 + $0 * 997, seed: UInt64($0)) }
        var copies = [KernelCopy?](repeating: nil, count: given.count)
        copies.withUnsafeMutableBufferPointer { slots in
            Parallel.forEach(parts: given.count) { i in slots[i] = copy(given[i], into: file) }
        }
        for (i, copy) in copies.enumerated() {
            let copy = try XCTUnwrap(copy)
            XCTAssertTrue(copy.isInFile, "kernel \(i)")
            XCTAssertEqual(copy.count, given[i].count)
            XCTAssertEqual(bits(copy.scalars), bits(given[i]), "kernel \(i)")
        }
        XCTAssertEqual(bits(copies[7]!.scalars), bits(copies[7]!.scalars))
        XCTAssertEqual(copy([], into: file).scalars, [])
    }

    /// The file is unlinked as soon as it is made: nothing is left in the
    /// folder, during or after.
    func testFileLeavesNothingInItsFolder() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kungfu-kernelfile-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var file = KernelFile(directory: folder)
        XCTAssertNotNil(file)
        let values = scalars(1000, seed: 3)
        let kept = copy(values, into: file)
        XCTAssertTrue(kept.isInFile)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        file = nil
        XCTAssertEqual(bits(kept.scalars), bits(values), "the copy keeps its file open")
    }

    /// No file where the folder does not exist or is not a folder: the
    /// copy stays in memory, the same bits.
    func testNoFileWhereTheFolderIsMissing() throws {
        XCTAssertNil(KernelFile(directory: URL(fileURLWithPath: "/nonexistent-kungfu-folder/deeper")))
        XCTAssertNil(KernelFile(directory: URL(fileURLWithPath: "/dev/null")))
        let values = scalars(500, seed: 4)
        let kept = copy(values, into: nil)
        XCTAssertFalse(kept.isInFile)
        XCTAssertEqual(bits(kept.scalars), bits(values))
    }

    /// A write that fails (/dev/full: "no space left on device") keeps the
    /// copy in memory rather than losing it.
    func testFullDiskKeepsTheCopyInMemory() throws {
        let descriptor = open("/dev/full", O_RDWR)
        guard descriptor >= 0 else { return XCTFail("cannot open /dev/full: \(String(cString: strerror(errno)))") }
        let file = KernelFile(descriptor: descriptor)
        let values = scalars(4096, seed: 5)
        let kept = copy(values, into: file)
        XCTAssertFalse(kept.isInFile)
        XCTAssertEqual(bits(kept.scalars), bits(values))
    }
}
