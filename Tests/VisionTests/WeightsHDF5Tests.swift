// WeightsHDF5Tests.swift — the libhdf5 wrapper on types Keras files use.
//
// Oracle: dtypes.h5, written by h5py in Fixtures/keras-h5/generate.py with
// the values listed there (float16 values are exact in half precision;
// float64 values are compared after rounding to Float, as expected.json has them).
import XCTest
@testable import Vision

final class WeightsHDF5Tests: XCTestCase {
    private func withRoot<T>(_ body: (HDF5Object) throws -> T) throws -> T {
        let path = try KerasH5Fixtures.path("dtypes.h5")
        return try HDF5.serialized {
            let file = try HDF5File.openReadOnly(path)
            return try withExtendedLifetime(file) { try body(file.root()) }
        }
    }

    func testFloat16Float32Float64ReadAsFloat() throws {
        let expected = try KerasH5Fixtures.expected().dtypes
        try withRoot { root in
            let half = try root.child("half")!.readFloats(maxCount: 100)
            XCTAssertEqual(half.shape, [4])
            XCTAssertEqual(half.scalars, expected["half"]!.map(Float.init))
            let single = try root.child("single")!.readFloats(maxCount: 100)
            XCTAssertEqual(single.shape, [2, 2])
            XCTAssertEqual(single.scalars, expected["single"]!.map(Float.init))
            let double = try root.child("double")!.readFloats(maxCount: 100)
            XCTAssertEqual(double.scalars, expected["double"]!.map(Float.init))
            let scalar = try root.child("scalar")!.readFloats(maxCount: 100)
            XCTAssertEqual(scalar.shape, [])
            XCTAssertEqual(scalar.scalars, [7.5])
        }
    }

    func testIntegerDatasetIsRejected() throws {
        try withRoot { root in
            XCTAssertThrowsError(try root.child("integer")!.readFloats(maxCount: 100)) { error in
                XCTAssertEqual("\(error)", "'integer' holds integer values, expected floating point")
            }
        }
    }

    func testStringAttributesOfEveryKindH5pyWrites() throws {
        try withRoot { root in
            let strings = try root.group("strings")!
            XCTAssertEqual(try strings.strings(attribute: "variable_array"), ["conv2d", "batch_normalization"])
            XCTAssertEqual(try strings.strings(attribute: "fixed_array"), ["conv2d_1", "dense_1"])
            XCTAssertEqual(try strings.strings(attribute: "variable_scalar"), ["tensorflow"])
            XCTAssertEqual(try strings.strings(attribute: "fixed_scalar"), ["2.1.2"])
            XCTAssertEqual(try strings.strings(attribute: "utf8_array"), ["café", "猫"])
            XCTAssertEqual(try strings.strings(attribute: "space_padded"), ["ab", "cdef"])
            XCTAssertEqual(try strings.strings(attribute: "empty"), [])
            XCTAssertNil(try strings.strings(attribute: "number"))
            XCTAssertEqual(try strings.attributeNames(), ["empty", "fixed_array", "fixed_scalar", "number",
                                                           "space_padded", "utf8_array", "variable_array",
                                                           "variable_scalar"])
        }
    }

    func testMissingMembersAndGroupListing() throws {
        try withRoot { root in
            XCTAssertNil(try root.child("absent"))
            XCTAssertFalse(try root.hasAttribute("absent"))
            XCTAssertEqual(try root.childNames(), ["double", "half", "integer", "scalar", "single", "strings"])
            XCTAssertThrowsError(try root.group("half")) { error in
                XCTAssertEqual("\(error)", "'half' is not a group")
            }
        }
    }

    func testOpenFailureCarriesLibraryReason() throws {
        // Oracle: libhdf5's own message for a missing file names the file.
        let folder = try temporaryFolder()
        XCTAssertThrowsError(try HDF5.serialized { try HDF5File.openReadOnly("\(folder)/absent.h5") }) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot open: "), "\(error)")
            XCTAssertTrue("\(error)".contains("absent.h5"), "\(error)")
        }
    }
}
