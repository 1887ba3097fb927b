// LabelsTests.swift — the embedded ImageNet class index and decodePredictions.
// Oracles: the MD5 Keras checks when it downloads the file (keras/src/
// applications/imagenet_utils.py, CLASS_INDEX_PATH), Keras' class entries, and Fixtures/labels/ties.json written by
// generate.py beside it with numpy 2.4.6 and Keras' decode_predictions.

import CCrypto
import Foundation
import XCTest
@testable import Vision

final class LabelsTests: XCTestCase {
    private func md5Hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_md5(), nil) }
        precondition(ok == 1, "EVP_Digest(MD5) failed")
        return digest.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }

    func testEmbeddedIndexIsKerasFileByteForByte() throws {
        let embedded = Array(ImageNetLabels.classIndexJSON.utf8)
        XCTAssertEqual(embedded.count, 35363)
        // The digest Keras' get_file verifies the downloaded file against: a
        // byte-for-byte check that needs no copy outside the repository.
        XCTAssertEqual(md5Hex(embedded), "c2c37ea517e94d9795004a39431a14cb")
    }

    func testClasses() {
        let classes = ImageNetLabels.classes
        XCTAssertEqual(classes.count, 1000)
        XCTAssertEqual(classes.map(\.index), Array(0..<1000))
        XCTAssertEqual(classes[0], ImageNetClass(index: 0, wnid: "n01440764", label: "tench"))
        XCTAssertEqual(classes[281], ImageNetClass(index: 281, wnid: "n02123045", label: "tabby"))
        XCTAssertEqual(classes[207], ImageNetClass(index: 207, wnid: "n02099601", label: "golden_retriever"))
        XCTAssertEqual(classes[285], ImageNetClass(index: 285, wnid: "n02124075", label: "Egyptian_cat"))
        XCTAssertEqual(classes[999], ImageNetClass(index: 999, wnid: "n15075141", label: "toilet_tissue"))
        // Keras' list has duplicate labels under different wnids.
        XCTAssertEqual(classes[134].label, "crane")
        XCTAssertEqual(classes[517].label, "crane")
        XCTAssertEqual(Set(classes.map(\.wnid)).count, 1000)
    }

    private struct TieFixture: Decodable {
        struct KerasEntry: Decodable {
            let wnid: String
            let label: String
            let scoreBits: UInt32
            var score: Float { Float(bitPattern: scoreBits) }
        }
        struct Case: Decodable {
            let name: String
            let probabilities: String
            let numpyDefault: [String: [Int]]
            let stable: [Int]
            let keras: [KerasEntry]?
        }
        let numpy: String
        let machine: [String: Bool]
        let top: Int
        let cases: [Case]
    }

    private func loadTies() throws -> (TieFixture, Tensor) {
        let path = PillowFixture.repositoryRoot + "/Tests/VisionTests/Fixtures/labels/ties.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            XCTFail("missing numpy fixture \(path): run Tests/VisionTests/Fixtures/labels/generate.py")
            throw CocoaError(.fileNoSuchFile)
        }
        let fixture = try JSONDecoder().decode(TieFixture.self, from: data)
        var scalars = [Float]()
        for item in fixture.cases {
            let bytes = try XCTUnwrap(Data(base64Encoded: item.probabilities), item.name)
            XCTAssertEqual(bytes.count, 4000, item.name)
            for i in stride(from: 0, to: bytes.count, by: 4) {
                var bits: UInt32 = 0
                for k in 0..<4 { bits |= UInt32(bytes[i + k]) << (8 * UInt32(k)) }  // little-endian float32
                scalars.append(Float(bitPattern: bits))
            }
        }
        return (fixture, Tensor(shape: [fixture.cases.count, 1000], scalars: scalars))
    }

    /// Rows without ties (softmax outputs) come out exactly as Keras'
    /// decode_predictions gives them: index, wnid, label and score.
    func testUntiedRowsMatchKeras() throws {
        let (fixture, tensor) = try loadTies()
        let decoded = try decodePredictions(tensor, top: fixture.top)
        for (row, item) in fixture.cases.enumerated() where item.name.hasPrefix("softmax") {
            let keras = try XCTUnwrap(item.keras, "fixture made without Keras")
            XCTAssertEqual(decoded[row].map(\.index), item.numpyDefault["avx512"], item.name)
            XCTAssertEqual(decoded[row].map(\.wnid), keras.map(\.wnid), item.name)
            XCTAssertEqual(decoded[row].map(\.label), keras.map(\.label), item.name)
            XCTAssertEqual(decoded[row].map(\.probability), keras.map(\.score), item.name)
        }
    }

    /// Ties: the values at each rank are always numpy's; the order among
    /// equal values is the stable rule (numpy's argsort(kind="stable")
    /// reversed). That rule is also what numpy's default argsort gives on
    /// this AVX-512 machine for all-equal rows and the NaN row; for the
    /// other tie patterns numpy's own order differs between its AVX-512,
    /// AVX2 and baseline sorts, as the fixture records.
    func testTieOrderFollowsTheStableRule() throws {
        let (fixture, tensor) = try loadTies()
        let decoded = try decodePredictions(tensor, top: fixture.top)
        let top5 = try decodePredictions(tensor, top: 5)
        var hardwareDependent = 0
        for (row, item) in fixture.cases.enumerated() {
            let probabilities = Array(tensor.scalars[row * 1000..<(row + 1) * 1000])
            let ours = decoded[row].map(\.index)
            XCTAssertEqual(ours, item.stable, item.name)
            XCTAssertEqual(top5[row].map(\.index), Array(item.stable.prefix(5)), item.name)
            for (level, order) in item.numpyDefault {
                let theirs = order.map { probabilities[$0] }
                let mine = decoded[row].map(\.probability)
                XCTAssertTrue(zip(theirs, mine).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                              "\(item.name): values by rank differ from numpy (\(level))")
            }
            if ["uniform", "zeros", "nan"].contains(item.name) || item.name.hasPrefix("softmax") {
                XCTAssertEqual(ours, item.numpyDefault["avx512"], "\(item.name): expected to match numpy here")
            }
            if Set(item.numpyDefault.values).count > 1 { hardwareDependent += 1 }
        }
        XCTAssertGreaterThan(hardwareDependent, 3, "the fixture should show numpy's hardware-dependent tie order")
    }

    func testWrongShapeAndTop() {
        XCTAssertThrowsError(try decodePredictions(Tensor(zeros: [1000]))) { error in
            XCTAssertEqual("\(error)", "decodePredictions: expected class probabilities of shape (samples, 1000), got [1000]")
        }
        XCTAssertThrowsError(try decodePredictions(Tensor(zeros: [2, 999]))) { error in
            XCTAssertEqual(error as? PredictionError, .wrongShape([2, 999]))
        }
        for top in [0, -1, 1001] {
            XCTAssertThrowsError(try decodePredictions(Tensor(zeros: [1, 1000]), top: top)) { error in
                XCTAssertEqual("\(error)", "decodePredictions: top must be between 1 and 1000, got \(top)")
            }
        }
        XCTAssertEqual(try decodePredictions(Tensor(zeros: [0, 1000])), [])
        XCTAssertEqual(try decodePredictions(Tensor(zeros: [1, 1000]), top: 1000)[0].count, 1000)
    }
}
