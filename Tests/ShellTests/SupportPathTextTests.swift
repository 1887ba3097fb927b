// SupportPathTextTests.swift — splitting typed paths. Oracle: POSIX
// basename/dirname for the folder and name (trailing slashes ignored), and
// the one input that made Foundation trap: a path of one space.
import XCTest
@testable import Shell

final class SupportPathTextTests: XCTestCase {
    func testSplitsAsBasenameAndDirnameDo() {
        let cases: [(String, folder: String, last: String)] = [
            ("a/b.jpg", "a", "b.jpg"), ("b.jpg", "", "b.jpg"), ("/b.jpg", "/", "b.jpg"), ("a/b/", "a", "b"),
            ("/", "/", "/"), (" ", "", " "), ("a/ ", "a", " "), ("x/*.jpg", "x", "*.jpg"), ("", "", ""),
        ]
        for (path, folder, last) in cases {
            XCTAssertEqual(PathText.folder(path), folder, path)
            XCTAssertEqual(PathText.lastComponent(path), last, path)
        }
    }

    func testStemAndExtension() {
        XCTAssertEqual(PathText.stem("cat.jpg"), "cat")
        XCTAssertEqual(PathText.stem("a.b.png"), "a.b")
        XCTAssertEqual(PathText.stem(".hidden"), ".hidden")
        XCTAssertEqual(PathText.stem(" "), " ")
        XCTAssertEqual(PathText.fileExtension("cat.JPG"), "JPG")
        XCTAssertEqual(PathText.fileExtension("cat"), "")
        XCTAssertEqual(PathText.withoutExtension("out/cat.npy"), "out/cat")
        XCTAssertEqual(PathText.withoutExtension("out.d/cat"), "out.d/cat")
        XCTAssertEqual(PathText.withoutExtension("out/.hidden"), "out/.hidden")
    }
}
