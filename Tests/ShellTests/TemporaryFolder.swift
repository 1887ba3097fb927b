// TemporaryFolder.swift — fresh folders for the tests that write files.
import Common
import Foundation

/// A fresh empty folder under the system temporary folder, named for `tag`.
func makeTemporaryFolder(_ tag: String) throws -> String {
    let base = NSTemporaryDirectory() + "kungfu-\(tag)-XXXXXX"
    var template = Array(base.utf8CString)
    guard let made = mkdtemp(&template) else {
        throw FileWriteError(path: base, reason: String(cString: strerror(errno)))
    }
    return String(cString: made)
}
