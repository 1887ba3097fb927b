// ImageFolderTests.swift — reading a folder of class sub-folders and
// splitting it. Oracle: folders built here with known contents; the expected
// class order is Python's sorted() (code points: upper case before lower
// case), as Keras' image_dataset_from_directory uses.
import Foundation
import Vision
import XCTest

final class ImageFolderTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "kungfu-imagefolder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
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

    private func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return String(describing: error) }
        XCTFail("expected an error")
        return ""
    }

    func testClassesAreSortedByCodePointsAndFilesFoundBelowThem() throws {
        for file in ["dogs/b.jpg", "dogs/a.jpg", "dogs/.hidden.jpg", "dogs/nested/c.png", "Cats/x.jpg",
                     "birds/10.jpg", "birds/9.jpg", "notes.txt", ".cache/z.jpg"] {
            try touch(file)
        }
        let folder = try ImageFolder.scan(root)
        XCTAssertEqual(folder.classes, ["Cats", "birds", "dogs"])
        XCTAssertEqual(folder.items.map { String($0.path.dropFirst(root.count + 1)) },
                       ["Cats/x.jpg", "birds/10.jpg", "birds/9.jpg", "dogs/a.jpg", "dogs/b.jpg", "dogs/nested/c.png"])
        XCTAssertEqual(folder.items.map(\.label), [0, 1, 1, 2, 2, 2])
    }

    func testFolderProblemsAreClearErrors() throws {
        XCTAssertEqual(message { _ = try ImageFolder.scan(root + "/missing") }, "\(root)/missing: no such folder")
        XCTAssertThrowsError(try ImageFolder.scan(root + "/missing")) { error in
            XCTAssertEqual(error as? ImageFolderError, .noSuchFolder(root + "/missing"))
        }
        try touch("one/a.jpg")
        XCTAssertTrue(message { _ = try ImageFolder.scan(root + "/one/a.jpg") }.contains("is a file, not a folder of class sub-folders"))
        XCTAssertTrue(message { _ = try ImageFolder.scan(root) }.hasPrefix("\(root) has 1 class folder; training needs at least 2"))
        try FileManager.default.createDirectory(atPath: root + "/two", withIntermediateDirectories: true)
        XCTAssertTrue(message { _ = try ImageFolder.scan(root) }.hasPrefix("class 'two' has no files"))
    }

    func testSplitIsPerClassSeededAndComplete() throws {
        for i in 0..<10 { try touch("a/\(i).jpg") }
        for i in 0..<5 { try touch("b/\(i).jpg") }
        for i in 0..<2 { try touch("c/\(i).jpg") }
        let folder = try ImageFolder.scan(root)
        let (train, validation) = folder.split(validation: 0.2, seed: 7)
        // round(0.2 × n), at least 1 when n ≥ 2: a 2, b 1, c 1.
        XCTAssertEqual(validation.filter { $0.label == 0 }.count, 2)
        XCTAssertEqual(validation.filter { $0.label == 1 }.count, 1)
        XCTAssertEqual(validation.filter { $0.label == 2 }.count, 1)
        XCTAssertEqual(Set((train + validation).map(\.path)), Set(folder.items.map(\.path)))
        XCTAssertTrue(Set(train.map(\.path)).isDisjoint(with: validation.map(\.path)))
        // Same seed, same split; the folder's order is kept within each part.
        let again = folder.split(validation: 0.2, seed: 7)
        XCTAssertEqual(again.train, train)
        XCTAssertEqual(again.validation, validation)
        XCTAssertEqual(train, folder.items.filter { item in train.contains(item) })
        let others = (0..<20).map { folder.split(validation: 0.2, seed: UInt64($0)).validation }
        XCTAssertGreaterThan(Set(others.map { $0.map(\.path) }).count, 1, "the seed chooses the held-out files")
        // No validation: everything trains.
        XCTAssertEqual(folder.split(validation: 0, seed: 7).train, folder.items)
        // A class of one image keeps it for training.
        try touch("d/only.jpg")
        let withSingle = try ImageFolder.scan(root).split(validation: 0.5, seed: 1)
        XCTAssertEqual(withSingle.train.filter { $0.label == 3 }.count, 1)
    }

    // Oracle: the tree built here. Two symbolic-link cycles (a/up → .., b/side
    // → ../a) once made the scan run for minutes and count each photo many
    // times under the wrong class; now no linked folder is followed, each
    // photo is listed once under its own class, and the links are reported.
    func testSymbolicLinkCyclesAreNotFollowed() throws {
        for file in ["a/1.jpg", "a/2.jpg", "b/3.jpg"] { try touch(file) }
        try FileManager.default.createSymbolicLink(atPath: root + "/a/up", withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: root + "/b/side", withDestinationPath: "../a")
        try FileManager.default.createSymbolicLink(atPath: root + "/c", withDestinationPath: "a")
        var reports: [ImageFolder.Omissions] = []
        let folder = try ImageFolder.scan(root) { reports.append($0) }
        XCTAssertEqual(folder.classes, ["a", "b"])
        XCTAssertEqual(folder.items.map { ($0.path as NSString).lastPathComponent }, ["1.jpg", "2.jpg", "3.jpg"])
        XCTAssertEqual(folder.items.map(\.label), [0, 0, 1])
        XCTAssertEqual(reports, [ImageFolder.Omissions(linkedFolders: ["\(root)/c", "\(root)/a/up", "\(root)/b/side"])])
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
        var reports: [ImageFolder.Omissions] = []
        let folder = try ImageFolder.scan(root) { reports.append($0) }
        XCTAssertEqual(folder.classes, ["a", "b"])
        XCTAssertEqual(reports.count, 1, "\(reports)")
        XCTAssertEqual(Set(reports.first?.undecodable ?? []), [Array(latin1.dropLast()), Array(badFolder.dropLast())])
    }

    // Oracle: Keras' class_names order of the folder; a folder of another
    // class is named with the head's classes.
    func testLabelsMapFoldersToTheHeadsClasses() throws {
        for file in ["cat/1.jpg", "dog/2.jpg"] { try touch(file) }
        let folder = try ImageFolder.scan(root)
        XCTAssertEqual(try folder.labels(in: ["bird", "cat", "dog"]), [1, 2])
        XCTAssertThrowsError(try folder.labels(in: ["cat", "fish"])) { error in
            XCTAssertEqual(error as? ImageFolderError, .notAHeadClass(path: root + "/dog", classes: ["cat", "fish"]))
        }
    }
}
