// AtomicFileTests.swift — AtomicFile: the file appears whole or not at
// all. Oracle: the file system itself (read back, stat, list the folder) and
// the kernel's own failures (/dev/full, RLIMIT_FSIZE, a parent that is a file).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import XCTest
@testable import Common

final class AtomicFileTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("atomic")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func listing(_ path: String? = nil) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path ?? folder).sorted()
    }

    private func contents(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    func testWritesNewFileWithUmaskedMode() throws {
        let path = folder + "/hello.txt"
        try AtomicFile.write("hello\n", to: path)
        XCTAssertEqual(try contents(path), "hello\n")
        XCTAssertEqual(try listing(), ["hello.txt"], "no temporary file left behind")
        let mask = umask(0)
        umask(mask)
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o644 & ~mask)
    }

    func testReplacesExistingFileKeepingItsMode() throws {
        let path = folder + "/secret.txt"
        try AtomicFile.write("old", to: path)
        XCTAssertEqual(chmod(path, 0o600), 0)
        try AtomicFile.write("new", to: path)
        XCTAssertEqual(try contents(path), "new")
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(try listing(), ["secret.txt"])
    }

    func testFollowsSymbolicLink() throws {
        let real = folder + "/real.txt", link = folder + "/link.txt"
        try AtomicFile.write("old", to: real)
        XCTAssertEqual(symlink("real.txt", link), 0)
        try AtomicFile.write("new", to: link)
        XCTAssertEqual(try contents(real), "new")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "real.txt",
                       "the link survives; its target is replaced")
    }

    func testMissingFolderIsAClearError() throws {
        let path = folder + "/missing/f.npy"
        XCTAssertThrowsError(try AtomicFile.write([1, 2, 3], to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): folder '\(folder)/missing' does not exist")
        }
        XCTAssertEqual(try listing(), [])
    }

    func testParentThatIsAFileIsAClearError() throws {
        try AtomicFile.write("x", to: folder + "/plain")
        let path = folder + "/plain/f.npy"
        XCTAssertThrowsError(try AtomicFile.write([1], to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): '\(folder)/plain' is not a folder")
        }
        XCTAssertEqual(try listing(), ["plain"])
    }

    func testFolderTargetIsRefused() throws {
        XCTAssertThrowsError(try AtomicFile.write([1], to: folder)) { error in
            XCTAssertEqual("\(error)", "\(folder): is a folder, not a file")
        }
        XCTAssertEqual(try listing(), [])
    }

    // /proc refuses new files even to root: the error comes from the kernel.
    func testUnwritableFolderFailsCleanly() throws {
        let path = "/proc/kungfu-atomic-test.txt"
        XCTAssertThrowsError(try AtomicFile.write("x", to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): No such file or directory (cannot create a file in '/proc')")
        }
        XCTAssertFalse(try listing("/proc").contains { $0.contains("kungfu-atomic-test") })
    }

    // /dev/full is a character device that answers every write with ENOSPC.
    func testDevFullFailsWithNoSpaceMessage() throws {
        XCTAssertThrowsError(try AtomicFile.write(Array(repeating: 7, count: 10_000), to: "/dev/full")) { error in
            XCTAssertEqual("\(error)", "/dev/full: \(String(cString: strerror(ENOSPC)))")
            XCTAssertEqual("\(error)", "/dev/full: No space left on device")
        }
    }

    func testDevNullIsWrittenInPlace() throws {
        try AtomicFile.write("discarded", to: "/dev/null")
        var info = stat()
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null is still the device")
    }

    struct ProducerFailed: Error {}

    func testProducerErrorLeavesOldFileAndNoTemporary() throws {
        let path = folder + "/keep.txt"
        try AtomicFile.write("original", to: path)
        XCTAssertThrowsError(try AtomicFile.write(to: path) { writer in
            try writer.write(Array(repeating: 0x41, count: 100_000))
            throw ProducerFailed()
        }) { error in
            XCTAssertTrue(error is ProducerFailed, "the producer's own error is rethrown")
        }
        XCTAssertEqual(try contents(path), "original")
        XCTAssertEqual(try listing(), ["keep.txt"])
    }

    // A real write failure half-way: RLIMIT_FSIZE makes the kernel refuse
    // bytes past 4 KiB with EFBIG (and SIGXFSZ, ignored here).
    func testWriteFailureMidwayRemovesTemporary() throws {
        let path = folder + "/big.bin"
        try AtomicFile.write("original", to: path)
        var old = rlimit()
        XCTAssertEqual(getrlimit(resourceFileSize, &old), 0)
        let oldHandler = signal(SIGXFSZ, SIG_IGN)
        var small = rlimit(rlim_cur: 4096, rlim_max: old.rlim_max)
        XCTAssertEqual(setrlimit(resourceFileSize, &small), 0)
        defer {
            setrlimit(resourceFileSize, &old)
            signal(SIGXFSZ, oldHandler)
        }
        XCTAssertThrowsError(try AtomicFile.write(Array(repeating: 1, count: 100_000), to: path)) { error in
            XCTAssertEqual("\(error)", "\(path): \(String(cString: strerror(EFBIG)))")
        }
        XCTAssertEqual(try contents(path), "original")
        XCTAssertEqual(try listing(), ["big.bin"])
    }

    // Oracle: the kernel's FIFO rule: an O_NONBLOCK open for writing fails
    // with ENXIO while nobody reads; without it the open would block forever.
    func testFIFOWithNoReaderIsRefusedAtOnce() throws {
        let fifo = folder + "/out.ipynb"
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertThrowsError(try AtomicFile.write("{}", to: fifo)) { error in
            XCTAssertEqual("\(error)", "\(fifo): a FIFO with no reader")
        }
    }

    // Oracle: the folder's listing while the producer runs, then after
    // `removeTemporaryFilesNow` (what the SIGTERM handler calls).
    func testLiveTemporaryIsRegisteredAndRemovable() throws {
        let path = folder + "/model.h5"
        try AtomicFile.write("original", to: path)
        XCTAssertThrowsError(try AtomicFile.write(to: path) { writer in
            try writer.write("half")
            let during = try listing()
            XCTAssertEqual(during.count, 2, "the temporary file exists beside the target: \(during)")
            XCTAssertTrue(during.contains { $0.hasPrefix(".model.h5.\(getpid()).") && $0.hasSuffix(".tmp") }, "\(during)")
            removeTemporaryFilesNow()
            XCTAssertEqual(try listing(), ["model.h5"], "the handler's cleanup removed the temporary")
        })
        XCTAssertEqual(try contents(path), "original")
        XCTAssertEqual(try listing(), ["model.h5"])
    }

    // Oracle: a forked child that is sent SIGTERM in the middle of a write;
    // its exit status (killed by SIGTERM) and the folder's listing afterwards.
    func testSIGTERMMidWriteRemovesTheTemporaryAndDies() throws {
        let path = folder + "/notebook.ipynb"
        try AtomicFile.write("original", to: path)
        TemporaryFiles.installSignalCleanup()
        let pid = fork()
        if pid == 0 {
            try? AtomicFile.write(to: path) { writer in
                try writer.write("partial")
                raise(SIGTERM)
            }
            _exit(0)  // not reached: SIGTERM ends the child
        }
        XCTAssertGreaterThan(pid, 0, "fork failed: \(systemMessage(errno))")
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)
        XCTAssertEqual(status & 0x7f, SIGTERM, "the child died of SIGTERM (status \(status))")
        XCTAssertEqual(try contents(path), "original")
        XCTAssertEqual(try listing(), ["notebook.ipynb"])
    }

    // Oracle: kill(pid, 0) says which processes exist; a temporary named for
    // a process that is gone is swept, one of a living process is kept, and
    // files not named like our temporaries are never touched.
    func testStaleTemporariesOfDeadProcessesAreSwept() throws {
        let path = folder + "/h.h5"
        let pid = fork()
        if pid == 0 { _exit(0) }
        var status: Int32 = 0
        XCTAssertEqual(waitpid(pid, &status, 0), pid)  // reaped: its pid is free
        let dead = ".h.h5.\(pid).1a2b.tmp", alive = ".h.h5.1.ff.tmp", other = ".h.h5.notes.tmp"
        for name in [dead, alive, other] { try AtomicFile.write("x", to: folder + "/" + name) }
        try AtomicFile.write("new", to: path)
        XCTAssertEqual(try listing(), [alive, other, "h.h5"].sorted())
    }

    func testParentFolder() {
        XCTAssertEqual(AtomicFile.parentFolder(of: "out/f.npy"), "out")
        XCTAssertEqual(AtomicFile.parentFolder(of: "f.npy"), ".")
        XCTAssertEqual(AtomicFile.parentFolder(of: "/f.npy"), "/")
        XCTAssertEqual(AtomicFile.parentFolder(of: "a/b/c"), "a/b")
    }

    func testRelativePathInCurrentFolder() throws {
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(folder))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        try AtomicFile.write("here", to: "here.txt")
        XCTAssertEqual(try contents(folder + "/here.txt"), "here")
        XCTAssertEqual(try listing(), ["here.txt"])
    }
}

#if canImport(Glibc)
private let resourceFileSize = __rlimit_resource_t(RLIMIT_FSIZE.rawValue)
#else
private let resourceFileSize = RLIMIT_FSIZE
#endif

/// A fresh empty folder under the system temporary folder, named for `tag`.
private func makeTemporaryFolder(_ tag: String) throws -> String {
    let base = NSTemporaryDirectory() + "kungfu-\(tag)-XXXXXX"
    var template = Array(base.utf8CString)
    guard let made = mkdtemp(&template) else {
        throw FileWriteError(path: base, reason: String(cString: strerror(errno)))
    }
    return String(cString: made)
}
