// WeightsHostileTests.swift — weights and head files made to hurt the reader:
// a tiny file declaring an 8 GB dataset, external links, external raw-data
// storage, virtual datasets, NaN and infinite weights, FIFOs.
//
// Oracle: the file's construction. Each file is a valid one written by
// `writeLegacy`, then one dataset is replaced through the libhdf5 C API with
// the hostile object; the reader must refuse exactly that object, naming it,
// without following it or allocating what it declares.
import CHDF5
import Foundation
import XCTest
@testable import Vision

final class WeightsHostileTests: XCTestCase {
    private func folder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kungfu-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// A head file (2048 → 2 classes) whose `dense/dense/<name>` dataset is
    /// then replaced by `make(group, name)`.
    private func headFile(in folder: String, replacing name: String = "kernel:0",
                          _ make: (hid_t, String) throws -> Void) throws -> String {
        let path = "\(folder)/h.h5"
        let head = Head(inputs: 2048, classes: ["a", "b"], hidden: nil, dropout: 0, seed: 1)
        try HeadFile.write(head, to: path)
        try HDF5.serialized {
            let file = H5Fopen(path, 1 /* H5F_ACC_RDWR */, kf_h5p_default())
            XCTAssertGreaterThanOrEqual(file, 0)
            defer { H5Fclose(file) }
            let group = H5Gopen2(file, "dense/dense", kf_h5p_default())
            defer { H5Gclose(group) }
            XCTAssertGreaterThanOrEqual(H5Ldelete(group, name, kf_h5p_default()), 0)
            try make(group, name)
        }
        return path
    }

    private func assertRefused(_ path: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        for read in [{ _ = try KerasWeightsFile.read(path) }, { _ = try HeadFile.read(path) }] {
            XCTAssertThrowsError(try read(), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)", file: file, line: line)
            }
        }
    }

    private func float32Space(_ dims: [hsize_t]) -> hid_t { H5Screate_simple(Int32(dims.count), dims, nil) }

    // A chunked, gzip-compressed (2048, 1048575) dataset never written: the
    // file stays a few KB, and reading it would zero-fill 8 GB.
    func testHugeDeclaredDatasetIsRefusedBeforeReading() throws {
        let path = try headFile(in: try folder()) { group, name in
            let dims: [hsize_t] = [2048, 1_048_575]
            let space = float32Space(dims)
            let plist = H5Pcreate(kf_h5p_dataset_create())
            var chunk: [hsize_t] = [64, 64]
            H5Pset_chunk(plist, 2, &chunk)
            H5Pset_deflate(plist, 9)
            let dataset = H5Dcreate2(group, name, kf_h5t_ieee_f32le(), space, kf_h5p_default(), plist, kf_h5p_default())
            XCTAssertGreaterThanOrEqual(dataset, 0)
            H5Dclose(dataset); H5Pclose(plist); H5Sclose(space)
        }
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int, 100_000)
        assertRefused(path, "'dense/dense/kernel:0' declares shape (2048, 1048575), more than the")
        // With a model's specs the cap is the model's own largest array.
        let specs = [LayerWeightSpec(layerName: "dense", layerType: "Dense",
                                     tensors: [("kernel", [2048, 2]), ("bias", [2])])]
        XCTAssertThrowsError(try KerasWeightsFile.load(path, for: specs)) { error in
            XCTAssertTrue("\(error)".contains("declares shape (2048, 1048575), more than the 4096 values expected at most"),
                          "\(error)")
        }
    }

    func testExternalLinkIsNotFollowed() throws {
        let folder = try folder()
        let other = "\(folder)/other.h5"
        let path = try headFile(in: folder) { group, name in
            XCTAssertGreaterThanOrEqual(H5Lcreate_external(other, "/data", group, name, kf_h5p_default(), kf_h5p_default()), 0)
        }
        assertRefused(path, "'dense/dense/kernel:0' is an external link to another file, which is not followed")
    }

    // The attack that worked: a bias stored "externally" in /etc/hostname.
    func testExternalRawDataFileIsNotRead() throws {
        let path = try headFile(in: try folder(), replacing: "bias:0") { group, name in
            let space = float32Space([2])
            let plist = H5Pcreate(kf_h5p_dataset_create())
            XCTAssertGreaterThanOrEqual(H5Pset_external(plist, "/etc/hostname", 0, 8), 0)
            let dataset = H5Dcreate2(group, name, kf_h5t_ieee_f32le(), space, kf_h5p_default(), plist, kf_h5p_default())
            XCTAssertGreaterThanOrEqual(dataset, 0)
            H5Dclose(dataset); H5Pclose(plist); H5Sclose(space)
        }
        assertRefused(path, "'dense/dense/bias:0' keeps its values in 1 external file(s), which are not read")
    }

    func testVirtualDatasetIsNotRead() throws {
        let path = try headFile(in: try folder(), replacing: "bias:0") { group, name in
            let space = float32Space([2])
            let source = float32Space([2])
            let plist = H5Pcreate(kf_h5p_dataset_create())
            XCTAssertGreaterThanOrEqual(H5Pset_virtual(plist, space, "/tmp/elsewhere.h5", "/data", source), 0)
            let dataset = H5Dcreate2(group, name, kf_h5t_ieee_f32le(), space, kf_h5p_default(), plist, kf_h5p_default())
            XCTAssertGreaterThanOrEqual(dataset, 0)
            H5Dclose(dataset); H5Pclose(plist); H5Sclose(source); H5Sclose(space)
        }
        assertRefused(path, "'dense/dense/bias:0' is a virtual dataset (its values come from other files), which is not read")
    }

    func testNonFiniteWeightsAreRefusedNamingTheDataset() throws {
        for (value, text) in [(Float.nan, "nan"), (Float.infinity, "inf"), (-Float.infinity, "-inf")] {
            let path = try headFile(in: try folder(), replacing: "bias:0") { group, name in
                let space = float32Space([2])
                let dataset = H5Dcreate2(group, name, kf_h5t_ieee_f32le(), space, kf_h5p_default(), kf_h5p_default(),
                                         kf_h5p_default())
                let values: [Float] = [0.5, value]
                H5Dwrite(dataset, kf_h5t_native_float(), kf_h5s_all(), kf_h5s_all(), kf_h5p_default(), values)
                H5Dclose(dataset); H5Sclose(space)
            }
            assertRefused(path, "'dense/dense/bias:0' holds \(text) at index 1; weights must be finite numbers")
        }
    }

    func testFIFOWeightsFileIsRefusedWithoutBlocking() throws {
        let path = "\(try folder())/w.h5"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        let start = Date()
        for read in [{ _ = try KerasWeightsFile.read(path) }, { _ = try HeadFile.read(path) }] {
            XCTAssertThrowsError(try read()) { error in
                XCTAssertEqual("\(error)", "\(path): is a FIFO, not a regular file")
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }

    func testFIFOImageIsRefusedWithoutBlocking() throws {
        let path = "\(try folder())/f.jpg"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        XCTAssertThrowsError(try Image(contentsOfFile: path)) { error in
            XCTAssertEqual("\(error)", "\(path): cannot read (a FIFO, not a regular file)")
        }
        XCTAssertThrowsError(try ImageInfo(contentsOfFile: path)) { error in
            XCTAssertEqual("\(error)", "\(path): cannot read (a FIFO, not a regular file)")
        }
    }

    // Oracle: TensorFlow's relu, max(x, 0) with NaN → NaN (Swift's max(0, .nan) is 0).
    func testReluKeepsNaNSoABrokenInputNeverLooksConfident() {
        XCTAssertTrue(Elementwise.relu(.nan).isNaN)
        XCTAssertEqual(Elementwise.relu(-2), 0)
        XCTAssertEqual(Elementwise.relu(3), 3)
        XCTAssertTrue(HeadTrainer.reluForward([.nan, -1, 1])[0].isNaN)
        let head = Head(inputs: 4, classes: ["a", "b"], hidden: 3, dropout: 0, seed: 2)
        let features: [Float] = [.nan, 0, 0, 0]
        let hidden = head.hidden!.forward(features, count: 1)
        XCTAssertTrue(hidden.contains { $0.isNaN }, "\(hidden)")
        let probabilities = head.probabilities(features, count: 1)
        XCTAssertTrue(probabilities.allSatisfy(\.isNaN), "\(probabilities)")
        let tensor = Tensor(shape: [1, 20], scalars: [Float](repeating: .nan, count: 20))
        XCTAssertTrue(Kernels.relu(tensor).scalars.allSatisfy(\.isNaN))
    }

    // A Keras 3 file whose nested model's `layers` group is a hard link to
    // the root's: reading it recursed until the stack overflowed.
    func testGroupLinkedIntoItselfIsRefused() throws {
        let path = "\(try folder())/loop.weights.h5"
        try HDF5.serialized {
            let file = H5Fcreate(path, 2 /* H5F_ACC_TRUNC */, kf_h5p_default(), kf_h5p_default())
            XCTAssertGreaterThanOrEqual(file, 0)
            defer { H5Fclose(file) }
            let layers = H5Gcreate2(file, "layers", kf_h5p_default(), kf_h5p_default(), kf_h5p_default())
            let model = H5Gcreate2(layers, "functional", kf_h5p_default(), kf_h5p_default(), kf_h5p_default())
            XCTAssertGreaterThanOrEqual(H5Lcreate_hard(file, "layers", model, "layers", kf_h5p_default(), kf_h5p_default()), 0)
            H5Gclose(model); H5Gclose(layers)
        }
        XCTAssertThrowsError(try KerasWeightsFile.read(path)) { error in
            XCTAssertTrue("\(error)".contains("nests models more than 16 deep (a group linked into itself?)"), "\(error)")
        }
    }
}
