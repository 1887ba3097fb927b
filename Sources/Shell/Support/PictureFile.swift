// PictureFile.swift — where the pictures commands show are written: a PNG in
// the command's folder (created when missing), atomically, with errors on
// the argument that named the place.
import Common
import Foundation
import Lang
import Vision

/// Writing the pictures (charts, feature maps, filters, explanations) and
/// the folders they go to.
enum PictureFile {
    /// Creates `folder` (and its parents) when missing; a folder that cannot
    /// be made is an error on `argument`. An empty path is the current folder.
    static func createFolder(_ folder: String, argument: String) throws {
        guard !folder.isEmpty else { return }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandError("\(folder): cannot create the folder (\(error.localizedDescription))", argument: argument)
        }
    }

    /// Writes `image` as a PNG named `name` in `folder` (the `folder`
    /// argument; created when missing) and returns the path written. `place`
    /// may choose another path for it (`Session.outputPath`, so two different
    /// pictures never overwrite each other).
    static func write(_ image: Image, folder: String, name: String,
                      place: (String) -> String = { $0 }) throws -> String {
        try createFolder(folder, argument: "folder")
        let path = place((folder as NSString).appendingPathComponent(name))
        do {
            try AtomicFile.write(try image.pngData(), to: path)
        } catch {
            throw CommandError(String(describing: error), argument: "folder")
        }
        return path
    }
}
