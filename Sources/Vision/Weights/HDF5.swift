// HDF5.swift — a small, safe wrapper over libhdf5 (module CHDF5): just what
// Keras weights files need. Files open read-only or are created new; every
// handle is closed by its owner's deinit; libhdf5's own stderr printing is
// switched off and each failure becomes an `HDF5Error` carrying libhdf5's
// innermost message. libhdf5 (Debian's serial build) is not thread-safe, so
// callers run whole file operations inside `HDF5.serialized`.
import CHDF5
import Foundation

/// A libhdf5 failure: what was being done, to which object, and libhdf5's
/// own explanation (innermost first), e.g. `cannot open 'conv2d/kernel:0':
/// object 'kernel:0' doesn't exist`.
struct HDF5Error: Error, CustomStringConvertible {
    var description: String
}

/// Namespace for library-wide state: the lock that serializes libhdf5 calls.
enum HDF5 {
    private static let lock = NSLock()

    /// Library set-up done once: open the library and stop it printing its
    /// error stack to stderr (failures are read with `failure(_:)` instead).
    private static let setUp: Void = {
        _ = H5open()
        _ = H5Eset_auto2(kf_h5e_default(), nil, nil)
    }()

    /// Runs `body` with exclusive use of libhdf5.
    static func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        HDF5.setUp
        return try body()
    }

    /// An error for a call that just failed: `what`, then libhdf5's messages
    /// from the innermost cause outwards (at most two, deduplicated).
    static func failure(_ what: String) -> HDF5Error {
        final class Messages { var items: [String] = [] }
        let messages = Messages()
        let walker: H5E_walk2_t = { _, entry, context in
            guard let entry, let context, let desc = entry.pointee.desc else { return 0 }
            let box = Unmanaged<Messages>.fromOpaque(context).takeUnretainedValue()
            let text = String(cString: desc)
            if !text.isEmpty { box.items.append(text) }
            return 0
        }
        _ = H5Ewalk2(kf_h5e_default(), H5E_WALK_DOWNWARD, walker,
                     Unmanaged.passUnretained(messages).toOpaque())
        _ = H5Eclear2(kf_h5e_default())
        var causes: [String] = []
        for text in messages.items.reversed() where !causes.contains(text) && causes.count < 2 {
            causes.append(text)
        }
        return HDF5Error(description: causes.isEmpty ? what : "\(what): \(causes.joined(separator: "; "))")
    }
}

/// One open libhdf5 identifier and the function that closes it.
final class HDF5Handle {
    let id: hid_t
    private let close: (hid_t) -> herr_t

    /// Takes ownership of `id`; throws (with libhdf5's reason) if it is invalid.
    init(_ id: hid_t, _ what: @autoclosure () -> String, close: @escaping (hid_t) -> herr_t) throws {
        guard id >= 0 else { throw HDF5.failure(what()) }
        self.id = id
        self.close = close
    }

    deinit { _ = close(id) }
}

/// An open HDF5 file: its root group is where reading and writing start.
final class HDF5File {
    let handle: HDF5Handle
    /// The path the file was opened with, for messages.
    let path: String

    private init(handle: HDF5Handle, path: String) {
        self.handle = handle
        self.path = path
    }

    /// True if `path` starts with the HDF5 signature (libhdf5 also looks at
    /// offsets 512, 1024, ... for files with a user block).
    static func hasSignature(_ path: String) -> Bool {
        H5Fis_hdf5(path) > 0
    }

    /// Opens an existing file read-only.
    static func openReadOnly(_ path: String) throws -> HDF5File {
        let id = H5Fopen(path, kf_h5f_acc_rdonly(), kf_h5p_default())
        return HDF5File(handle: try HDF5Handle(id, "cannot open", close: H5Fclose), path: path)
    }

    /// Creates a file that lives only in memory (libhdf5's core driver with
    /// no backing store): libhdf5 never touches the disk, and `image()` hands
    /// back the finished file's bytes for the caller to write. `name` is only
    /// for messages.
    static func createInMemory(_ name: String) throws -> HDF5File {
        let access = try HDF5Handle(H5Pcreate(kf_h5p_file_access()), "cannot create file access properties",
                                    close: H5Pclose)
        guard H5Pset_fapl_core(access.id, 1 << 20, false) >= 0 else { throw HDF5.failure("cannot use memory for \(name)") }
        let id = H5Fcreate(name, kf_h5f_acc_trunc(), kf_h5p_default(), access.id)
        return HDF5File(handle: try HDF5Handle(id, "cannot create \(name) in memory", close: H5Fclose), path: name)
    }

    /// The bytes of the whole file as it stands (flushed first): for a file
    /// made by `createInMemory`, exactly what a file on disk would hold.
    func image() throws -> [UInt8] {
        guard H5Fflush(handle.id, H5F_SCOPE_GLOBAL) >= 0 else { throw HDF5.failure("cannot flush \(path)") }
        let size = H5Fget_file_image(handle.id, nil, 0)
        guard size >= 0 else { throw HDF5.failure("cannot read the image of \(path)") }
        var bytes = [UInt8](repeating: 0, count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(handle.id, $0.baseAddress, $0.count) }
        guard copied == size else { throw HDF5.failure("cannot read the image of \(path)") }
        return bytes
    }

    /// The root group `/`.
    func root() throws -> HDF5Object {
        let id = H5Oopen(handle.id, "/", kf_h5p_default())
        return HDF5Object(handle: try HDF5Handle(id, "cannot open the root group", close: H5Oclose), path: "/")
    }

}

/// A group or dataset of an open file, with its attributes.
final class HDF5Object {
    /// What an object is.
    enum Kind { case group, dataset, other }

    let handle: HDF5Handle
    /// Its path from the root, for messages (`/`, `conv2d/conv2d/kernel:0`).
    let path: String

    init(handle: HDF5Handle, path: String) {
        self.handle = handle
        self.path = path
    }

    var kind: Kind {
        switch H5Iget_type(handle.id) {
        case H5I_GROUP: return .group
        case H5I_DATASET: return .dataset
        default: return .other
        }
    }

    private func childPath(_ name: String) -> String {
        path == "/" ? name : "\(path)/\(name)"
    }

    // MARK: Groups

    /// The names of a group's members, in name order.
    func childNames() throws -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(handle.id, &info) >= 0 else { throw HDF5.failure("cannot list group '\(path)'") }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, kf_h5p_default())
            guard length >= 0 else { throw HDF5.failure("cannot list group '\(path)'") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            guard H5Lget_name_by_idx(handle.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count,
                                     kf_h5p_default()) >= 0 else {
                throw HDF5.failure("cannot list group '\(path)'")
            }
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    /// The member called `name` (one path component), or nil if there is none.
    /// An external link (a member that lives in another file) or a
    /// user-defined link is refused before it is followed: a weights file is
    /// read alone, never as a door to other files.
    func child(_ name: String) throws -> HDF5Object? {
        precondition(!name.isEmpty && !name.contains("/"), "HDF5Object.child: '\(name)' is not one path component")
        let exists = H5Lexists(handle.id, name, kf_h5p_default())
        guard exists >= 0 else { throw HDF5.failure("cannot look up '\(childPath(name))'") }
        if exists == 0 { return nil }
        let linkType = kf_h5l_type(handle.id, name)
        guard linkType >= 0 else { throw HDF5.failure("cannot look up '\(childPath(name))'") }
        if linkType == Int32(H5L_TYPE_EXTERNAL.rawValue) {
            throw HDF5Error(description: "'\(childPath(name))' is an external link to another file, which is not followed")
        }
        guard linkType == Int32(H5L_TYPE_HARD.rawValue) || linkType == Int32(H5L_TYPE_SOFT.rawValue) else {
            throw HDF5Error(description: "'\(childPath(name))' is a user-defined link (type \(linkType)), which is not followed")
        }
        let id = H5Oopen(handle.id, name, kf_h5p_default())
        return HDF5Object(handle: try HDF5Handle(id, "cannot open '\(childPath(name))'", close: H5Oclose),
                          path: childPath(name))
    }

    /// The member called `name` that must be a group, or nil if there is none.
    func group(_ name: String) throws -> HDF5Object? {
        guard let object = try child(name) else { return nil }
        guard object.kind == .group else { throw HDF5Error(description: "'\(object.path)' is not a group") }
        return object
    }

    /// Creates a subgroup (modification times are not recorded, so equal
    /// contents give equal files).
    func createGroup(_ name: String) throws -> HDF5Object {
        let plist = try HDF5Handle(H5Pcreate(kf_h5p_group_create()), "cannot create a property list", close: H5Pclose)
        _ = H5Pset_obj_track_times(plist.id, false)
        let id = H5Gcreate2(handle.id, name, kf_h5p_default(), plist.id, kf_h5p_default())
        return HDF5Object(handle: try HDF5Handle(id, "cannot create group '\(childPath(name))'", close: H5Gclose),
                          path: childPath(name))
    }

    // MARK: Datasets

    /// A dataset's extents (`[]` for a scalar).
    func shape() throws -> [Int] {
        let space = try HDF5Handle(H5Dget_space(handle.id), "cannot read the shape of '\(path)'", close: H5Sclose)
        return try Self.extents(of: space, path: path)
    }

    private static func extents(of space: HDF5Handle, path: String) throws -> [Int] {
        switch H5Sget_simple_extent_type(space.id) {
        case H5S_SCALAR:
            return []
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space.id)
            guard rank >= 0 else { throw HDF5.failure("cannot read the shape of '\(path)'") }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            guard H5Sget_simple_extent_dims(space.id, &dims, nil) >= 0 else {
                throw HDF5.failure("cannot read the shape of '\(path)'")
            }
            return try dims.map {
                guard $0 <= hsize_t(Int32.max) else { throw HDF5Error(description: "'\(path)' has an extent of \($0)") }
                return Int($0)
            }
        default:
            throw HDF5Error(description: "'\(path)' has no data (a null dataspace)")
        }
    }

    /// The number of scalars a shape holds, nil when it overflows Int.
    static func count(of shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// Reads a floating-point dataset (float16, float32 or float64 in the
    /// file) as Float, row-major.
    ///
    /// What the file declares is checked before a byte is read or a scalar
    /// allocated: at most `maxCount` scalars (a 100-byte file can declare a
    /// (2048, 1048575) dataset whose unwritten chunks read as 8 GB of
    /// zeros), data stored in this file only (external raw-data files and
    /// virtual datasets, which read other files, are refused). After reading,
    /// every value must be finite: a NaN weight would make every answer NaN.
    func readFloats(maxCount: Int) throws -> (shape: [Int], scalars: [Float]) {
        let shape = try shape()
        guard let count = Self.count(of: shape), count <= maxCount else {
            throw HDF5Error(description: "'\(path)' declares shape \(Self.tuple(shape)), more than the "
                            + "\(maxCount) values expected at most; not read")
        }
        let type = try HDF5Handle(H5Dget_type(handle.id), "cannot read the type of '\(path)'", close: H5Tclose)
        let typeClass = H5Tget_class(type.id)
        guard typeClass == H5T_FLOAT else {
            throw HDF5Error(description: "'\(path)' holds \(Self.className(typeClass)) values, expected floating point")
        }
        try checkStorageIsInternal()
        var scalars = [Float](repeating: 0, count: count)
        if count > 0 {
            let status = scalars.withUnsafeMutableBytes {
                H5Dread(handle.id, kf_h5t_native_float(), kf_h5s_all(), kf_h5s_all(), kf_h5p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw HDF5.failure("cannot read '\(path)'") }
        }
        if let bad = scalars.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Error(description: "'\(path)' holds \(scalars[bad]) at index \(bad); weights must be finite numbers")
        }
        return (shape, scalars)
    }

    /// Refuses a dataset whose values live outside this file: external
    /// raw-data files (`H5Pset_external`, which can name any file, such as
    /// /etc/hostname) and virtual datasets (mapped from other files).
    private func checkStorageIsInternal() throws {
        let plist = try HDF5Handle(H5Dget_create_plist(handle.id), "cannot read the storage of '\(path)'", close: H5Pclose)
        let layout = H5Pget_layout(plist.id)
        guard layout.rawValue >= 0 else { throw HDF5.failure("cannot read the storage of '\(path)'") }
        if layout == H5D_VIRTUAL {
            throw HDF5Error(description: "'\(path)' is a virtual dataset (its values come from other files), which is not read")
        }
        let external = H5Pget_external_count(plist.id)
        guard external >= 0 else { throw HDF5.failure("cannot read the storage of '\(path)'") }
        if external > 0 {
            throw HDF5Error(description: "'\(path)' keeps its values in \(external) external file(s), which are not read")
        }
    }

    /// A shape as Python prints a tuple: `(3,)`, `(2048, 16)`, `()`.
    static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Creates a float32 dataset holding `scalars` with `shape`.
    func createDataset(_ name: String, shape: [Int], scalars: [Float]) throws {
        precondition(scalars.count == shape.reduce(1, *), "createDataset: \(scalars.count) scalars for \(shape)")
        let dims = shape.map { hsize_t($0) }
        let space = try HDF5Handle(shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), dims, nil),
                                   "cannot create a dataspace", close: H5Sclose)
        let plist = try HDF5Handle(H5Pcreate(kf_h5p_dataset_create()), "cannot create a property list", close: H5Pclose)
        _ = H5Pset_obj_track_times(plist.id, false)
        let dataset = try HDF5Handle(
            H5Dcreate2(handle.id, name, kf_h5t_ieee_f32le(), space.id, kf_h5p_default(), plist.id, kf_h5p_default()),
            "cannot create dataset '\(childPath(name))'", close: H5Dclose)
        if !scalars.isEmpty {
            let status = scalars.withUnsafeBytes {
                H5Dwrite(dataset.id, kf_h5t_native_float(), kf_h5s_all(), kf_h5s_all(), kf_h5p_default(), $0.baseAddress)
            }
            guard status >= 0 else { throw HDF5.failure("cannot write dataset '\(childPath(name))'") }
        }
    }

    private static func className(_ typeClass: H5T_class_t) -> String {
        switch typeClass {
        case H5T_INTEGER: return "integer"
        case H5T_STRING: return "string"
        case H5T_COMPOUND: return "compound"
        case H5T_OPAQUE: return "opaque"
        case H5T_ENUM: return "enum"
        default: return "non-numeric"
        }
    }

    // MARK: Attributes

    /// The most strings one attribute may hold (Keras splits lists into
    /// 64 KB chunks; Inception V3 has 313 layer names).
    static let maxAttributeStrings: Int64 = 1 << 20
    /// The most bytes a fixed-length string attribute may hold.
    static let maxAttributeBytes = 1 << 24

    /// True if the object has an attribute called `name`.
    func hasAttribute(_ name: String) throws -> Bool {
        let exists = H5Aexists(handle.id, name)
        guard exists >= 0 else { throw HDF5.failure("cannot look up attribute '\(name)' of '\(path)'") }
        return exists > 0
    }

    /// The names of the object's attributes, in name order.
    func attributeNames() throws -> [String] {
        final class Names { var items: [String] = [] }
        let names = Names()
        var index: hsize_t = 0
        let visit: H5A_operator2_t = { _, name, _, context in
            guard let name, let context else { return 0 }
            Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().items.append(String(cString: name))
            return 0
        }
        guard H5Aiterate2(handle.id, H5_INDEX_NAME, H5_ITER_INC, &index, visit,
                          Unmanaged.passUnretained(names).toOpaque()) >= 0 else {
            throw HDF5.failure("cannot list the attributes of '\(path)'")
        }
        return names.items
    }

    /// Reads a string attribute (scalar or 1-D; fixed- or variable-length, as
    /// h5py writes `bytes` and `str`). An attribute with no elements, of any
    /// type, reads as `[]` (Keras writes an empty `weight_names` as float64).
    /// Returns nil if the attribute is not a string and not empty.
    func strings(attribute name: String) throws -> [String]? {
        let what = "attribute '\(name)' of '\(path)'"
        let attribute = try HDF5Handle(H5Aopen(handle.id, name, kf_h5p_default()), "cannot open \(what)", close: H5Aclose)
        let space = try HDF5Handle(H5Aget_space(attribute.id), "cannot read \(what)", close: H5Sclose)
        let points = H5Sget_simple_extent_npoints(space.id)
        guard points >= 0 else { throw HDF5.failure("cannot read \(what)") }
        if points == 0 { return [] }
        guard points <= Self.maxAttributeStrings else {
            throw HDF5Error(description: "\(what) declares \(points) strings, more than \(Self.maxAttributeStrings); not read")
        }
        let count = Int(points)
        let fileType = try HDF5Handle(H5Aget_type(attribute.id), "cannot read \(what)", close: H5Tclose)
        guard H5Tget_class(fileType.id) == H5T_STRING else { return nil }
        if H5Tis_variable_str(fileType.id) > 0 {
            let memoryType = try HDF5Handle(H5Tcopy(kf_h5t_c_s1()), "cannot read \(what)", close: H5Tclose)
            guard H5Tset_size(memoryType.id, kf_h5t_variable()) >= 0,
                  H5Tset_cset(memoryType.id, H5Tget_cset(fileType.id)) >= 0 else {
                throw HDF5.failure("cannot read \(what)")
            }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attribute.id, memoryType.id, &pointers) >= 0 else { throw HDF5.failure("cannot read \(what)") }
            defer { _ = H5Dvlen_reclaim(memoryType.id, space.id, kf_h5p_default(), &pointers) }
            return pointers.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(fileType.id)
        guard size > 0, size <= 1 << 24, count * size <= Self.maxAttributeBytes else {
            throw HDF5Error(description: "\(what) declares \(count) strings of \(size) bytes, more than "
                            + "\(Self.maxAttributeBytes) bytes; not read")
        }
        let memoryType = try HDF5Handle(H5Tcopy(fileType.id), "cannot read \(what)", close: H5Tclose)
        let spacePadded = H5Tget_strpad(fileType.id) == H5T_STR_SPACEPAD
        var bytes = [UInt8](repeating: 0, count: count * size)
        guard H5Aread(attribute.id, memoryType.id, &bytes) >= 0 else { throw HDF5.failure("cannot read \(what)") }
        return (0..<count).map { index in
            var item = bytes[index * size..<(index + 1) * size]
            if let end = item.firstIndex(of: 0) { item = item[..<end] }
            if spacePadded { while item.last == 0x20 { item = item.dropLast() } }
            return String(decoding: item, as: UTF8.self)
        }
    }

    /// Writes a fixed-length string attribute, as h5py writes NumPy `bytes`
    /// (`S` dtype: NUL-padded, one width for all): a scalar if `scalar`,
    /// else a 1-D array. `width` (bytes per string) defaults to the longest.
    func writeStrings(attribute name: String, _ values: [String], scalar: Bool, width: Int? = nil) throws {
        precondition(!scalar || values.count == 1, "writeStrings: a scalar attribute takes one value")
        let encoded = values.map { Array($0.utf8) }
        let width = max(1, width ?? 1, encoded.map(\.count).max() ?? 1)
        let type = try HDF5Handle(H5Tcopy(kf_h5t_c_s1()), "cannot create a string type", close: H5Tclose)
        let ascii = encoded.allSatisfy { $0.allSatisfy { $0 < 0x80 } }
        guard H5Tset_size(type.id, width) >= 0, H5Tset_strpad(type.id, H5T_STR_NULLPAD) >= 0,
              H5Tset_cset(type.id, ascii ? H5T_CSET_ASCII : H5T_CSET_UTF8) >= 0 else {
            throw HDF5.failure("cannot create a string type")
        }
        var dims = [hsize_t(values.count)]
        let space = try HDF5Handle(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil),
                                   "cannot create a dataspace", close: H5Sclose)
        let attribute = try HDF5Handle(H5Acreate2(handle.id, name, type.id, space.id, kf_h5p_default(), kf_h5p_default()),
                                       "cannot create attribute '\(name)' of '\(path)'", close: H5Aclose)
        var bytes = [UInt8](repeating: 0, count: values.count * width)
        for (index, item) in encoded.enumerated() {
            bytes.replaceSubrange(index * width..<index * width + item.count, with: item)
        }
        if !values.isEmpty {
            guard H5Awrite(attribute.id, type.id, bytes) >= 0 else {
                throw HDF5.failure("cannot write attribute '\(name)' of '\(path)'")
            }
        }
    }

    /// Writes an empty 1-D float64 attribute, which is what Keras (through
    /// h5py) stores for an empty list such as a weightless layer's `weight_names`.
    func writeEmptyList(attribute name: String) throws {
        var dims: [hsize_t] = [0]
        let space = try HDF5Handle(H5Screate_simple(1, &dims, nil), "cannot create a dataspace", close: H5Sclose)
        _ = try HDF5Handle(H5Acreate2(handle.id, name, kf_h5t_ieee_f64le(), space.id, kf_h5p_default(), kf_h5p_default()),
                           "cannot create attribute '\(name)' of '\(path)'", close: H5Aclose)
    }
}
