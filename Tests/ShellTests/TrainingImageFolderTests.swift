// TrainingImageFolderTests.swift — what the shell says about a folder of
// class sub-folders: one warning line per kind of name the scan left out
// (Vision's ImageFolderTests check the scan itself), and command errors with
// what to do. Oracle: folders built here with known contents.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class TrainingImageFolderTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = try makeTemporaryFolder("imagefolder")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func touch(_ relative: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data([1])), path)
    }

    func testFolderProblemsAreCommandErrorsWithWhatToDo() throws {
        try touch("one/a.jpg")
        XCTAssertThrowsError(try ImageFolder.scan(root, argument: "folder")) { error in
            let error = error as? CommandError
            XCTAssertEqual(error?.message, "\(root) has 1 class folder; training needs at least 2")
            XCTAssertEqual(error?.argument, "folder")
            XCTAssertEqual(error?.notes.first?.hasPrefix("make one sub-folder per class, e.g. \(root)/cats"), true)
        }
    }

    // Oracle: the tree built here. Two symbolic-link cycles (a/up → .., b/side
    // → ../a) once made the scan run for minutes and count each photo many
    // times under the wrong class; now no linked folder is followed, each
    // photo is listed once under its own class, and one warning line says so.
    func testSymbolicLinkCyclesAreNotFollowed() throws {
        for file in ["a/1.jpg", "a/2.jpg", "b/3.jpg"] { try touch(file) }
        try FileManager.default.createSymbolicLink(atPath: root + "/a/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/b/side", withDestinationPath: "../a")
        try FileManager.default.createSymbolicLink(atPath: root + "/c", withDestinationPath: "a")
        var warnings: [String] = []
        let folder = try ImageFolder.scan(root) { warnings += ImageFolder.warnings(root: root, $0) }
        XCTAssertEqual(folder.classes, ["a", "b"])
        XCTAssertEqual(warnings, ["warning: 3 symbolic links to folders not followed (a link can lead out of \(root) "
                                  + "or back into it): \(root)/c, \(root)/a/up, \(root)/b/side"])
    }

    // Oracle: the bytes of the names. A Latin-1 "café.jpg" and a class folder
    // named with the byte 0xFF cannot become Swift Strings; before, they were
    // dropped without a word.
    func testNamesThatAreNotUTF8AreReportedOnce() throws {
        for file in ["a/1.jpg", "b/2.jpg"] { try touch(file) }
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/a/x", contents: Data([1])))
        let latin1 = Array((root + "/a/caf").utf8) + [0xE9] + Array(".jpg".utf8) + [0]
        let badFolder = Array((root + "/c").utf8) + [0xFF] + [0]
        XCTAssertEqual(latin1.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { rename(root + "/a/x", $0.baseAddress!) }
        }, 0)
        XCTAssertEqual(badFolder.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { mkdir($0.baseAddress!, 0o755) }
        }, 0)
        var warnings: [String] = []
        let folder = try ImageFolder.scan(root) { warnings += ImageFolder.warnings(root: root, $0) }
        XCTAssertEqual(folder.classes, ["a", "b"])
        XCTAssertEqual(warnings.count, 1, "\(warnings)")
        XCTAssertTrue(warnings[0].hasPrefix("warning: 2 names are not valid UTF-8 and were skipped (rename to use): "), warnings[0])
        XCTAssertTrue(warnings[0].contains("\(root)/c\\xff"), warnings[0])
        XCTAssertTrue(warnings[0].contains("\(root)/a/caf\\xe9.jpg"), warnings[0])
    }

    // Oracle: TerminalText's contract — an ESC in a class name is shown as
    // the four characters \x1b, never sent to the terminal.
    func testControlCharactersInNamesAreEscapedWhenShown() throws {
        XCTAssertEqual(TerminalText.escaped("e\u{1B}[31mvil\r"), "e\\x1b[31mvil\\r")
        XCTAssertEqual(TerminalText.escaped("a\nb\tc", keepingLines: true), "a\nb\tc")
        XCTAssertEqual(TerminalText.escaped("a\nb"), "a\\nb")
        XCTAssertEqual(TerminalText.escaped("\u{9B}2J café 🐟"), "\\x9b2J café 🐟")
        XCTAssertEqual(TerminalText.escaped(bytes: Array("caf".utf8) + [0xE9] + Array("é\u{7}".utf8)), "caf\\xe9é\\x07")
    }
}
