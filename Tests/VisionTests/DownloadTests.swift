// DownloadTests.swift — sources, cache lookup and downloads end to end
// against LocalHTTPServer on 127.0.0.1 (DownloadServerTests.swift).
//
// Oracles: the bytes the test server was given and their SHA-256 (itself
// checked against FIPS vectors in WeightsSHA256Tests); the official file
// names, URL and checksums from DESIGN.md; the sizes from the Content-Length
// that Keras' downloader prints for those URLs; the kernel's own ENOSPC from
// /dev/full. Every test checks that no `.part` or unverified file is left.
import Foundation
import XCTest
@testable import Vision

final class DownloadTests: XCTestCase {
    /// 300,000 deterministic pseudo-random bytes.
    private let payload: [UInt8] = {
        var state: UInt32 = 12345
        return (0..<300_000).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }()

    private func source(_ server: LocalHTTPServer, _ path: String, sha256: String? = nil,
                        expectedSize: Int64? = nil) throws -> WeightsSource {
        try WeightsSource(url: server.url(path), sha256: sha256 ?? SHA256Hasher.hex(of: payload),
                          expectedSize: expectedSize)
    }

    private func assertFolderContents(_ folder: String, _ names: [String], file: StaticString = #filePath,
                                      line: UInt = #line) {
        let found = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        XCTAssertEqual(found.sorted(), names.sorted(), "files left in \(folder)", file: file, line: line)
    }

    private func expectedMessage(_ first: String, _ source: WeightsSource, _ folder: String) -> String {
        """
        \(first)
          url:     \(source.url)
          size:    \(source.sizeDescription)
          SHA-256: \(source.sha256)
        To install it by hand, download that file elsewhere and copy it to
          \(folder)/\(source.fileName)
        """
    }

    // MARK: Sources

    func testImagenetSourcesAreTheOfficialKerasFiles() {
        let top = WeightsSource.imagenet(includeTop: true)
        XCTAssertEqual(top.url, "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
                           + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
        XCTAssertEqual(top.fileName, "inception_v3_weights_tf_dim_ordering_tf_kernels.h5")
        XCTAssertEqual(top.sha256, "00c9ea4e4762f716ac4d300d6d9c2935639cc5e4d139b5790d765dcbeea539d0")
        XCTAssertEqual(top.expectedSize, 96_112_376)
        let noTop = WeightsSource.imagenet(includeTop: false)
        XCTAssertEqual(noTop.url, WeightsSource.imagenetBaseURL + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertEqual(noTop.sha256, "9617109a16463f250180008f9818336b767bdf5164315e8cd5761a8c34caa62a")
        XCTAssertEqual(noTop.expectedSize, 87_910_968)
        XCTAssertEqual(noTop.sizeDescription, "87,910,968 bytes")
    }

    func testCustomSourcesAreChecked() throws {
        let digest = String(repeating: "AB", count: 32)
        let custom = try WeightsSource(url: "https://example.org/w/my.h5?x=1", sha256: digest)
        XCTAssertEqual(custom.fileName, "my.h5")
        XCTAssertEqual(custom.sha256, String(repeating: "ab", count: 32))
        XCTAssertEqual(custom.sizeDescription, "unknown")
        XCTAssertThrowsWeightsError(try WeightsSource(url: "ftp://x/y.h5", sha256: digest), .invalidSource,
                                    "ftp://x/y.h5: not an http, https or file URL")
        XCTAssertThrowsWeightsError(try WeightsSource(url: "https://x/y.h5", sha256: "abc"), .invalidSource,
                                    "https://x/y.h5: SHA-256 'abc' is not 64 hexadecimal digits")
        XCTAssertThrowsWeightsError(try WeightsSource(url: "https://x/", sha256: digest, fileName: "../y"),
                                    .invalidSource,
                                    "https://x/: '../y' cannot name a file in the cache (give a plain file name)")
    }

    // MARK: Downloads

    func testDownloadWritesAVerifiedFileAndReportsProgress() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = "\(try temporaryFolder())/models"
        var reports: [DownloadProgress] = []
        let path = try WeightsDownloader().download(try source(server, "/w.h5"), into: folder,
                                                    progress: { reports.append($0) })
        XCTAssertEqual(path, "\(folder)/w.h5")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), payload)
        assertFolderContents(folder, ["w.h5"])
        XCTAssertEqual(reports.last, DownloadProgress(bytesDone: 300_000, totalBytes: 300_000))
        XCTAssertEqual(reports.map(\.bytesDone), reports.map(\.bytesDone).sorted())
    }

    func testFileURLSourceIsCopiedAndVerified() throws {
        let origin = "\(try temporaryFolder())/origin.h5"
        try Data(payload).write(to: URL(fileURLWithPath: origin))
        let folder = try temporaryFolder()
        let local = try WeightsSource(url: URL(fileURLWithPath: origin).absoluteString,
                                      sha256: SHA256Hasher.hex(of: payload))
        let path = try WeightsDownloader().download(local, into: folder)
        XCTAssertEqual(path, "\(folder)/origin.h5")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), payload)
        assertFolderContents(folder, ["origin.h5"])
    }

    func testWrongChecksumLeavesNothing() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let wrong = try source(server, "/w.h5", sha256: SHA256Hasher.hex(of: Array("other".utf8)))
        XCTAssertThrowsWeightsError(try WeightsDownloader().download(wrong, into: folder), .download,
                                    expectedMessage("cannot download w.h5: the downloaded file is 300,000 bytes with"
                                                        + " SHA-256 \(SHA256Hasher.hex(of: payload)), not the"
                                                        + " expected file", wrong, folder))
        assertFolderContents(folder, [])
    }

    func testRightChecksumButWrongSizeIsRejected() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let sized = try source(server, "/w.h5", expectedSize: 299_999)
        XCTAssertThrowsError(try WeightsDownloader().download(sized, into: folder))
        assertFolderContents(folder, [])
    }

    func testServerClosingMidBodyLeavesNothing() throws {
        let server = try startServer(["/w.h5": .closeAfter(sent: 100_000, of: payload)])
        let folder = try temporaryFolder()
        let cut = try source(server, "/w.h5")
        XCTAssertThrowsWeightsError(try WeightsDownloader().download(cut, into: folder), .download,
                                    expectedMessage("cannot download w.h5: the connection closed after 100,000 of"
                                                        + " 300,000 bytes", cut, folder))
        assertFolderContents(folder, [])
    }

    func testHTTPErrorNamesTheStatus() throws {
        let server = try startServer([:])
        let folder = try temporaryFolder()
        let missing = try source(server, "/missing.h5", expectedSize: 300_000)
        XCTAssertThrowsWeightsError(try WeightsDownloader().download(missing, into: folder), .download, """
            cannot download missing.h5: the server answered HTTP 404
              url:     http://127.0.0.1:\(server.port)/missing.h5
              size:    300,000 bytes
              SHA-256: \(SHA256Hasher.hex(of: payload))
            To install it by hand, download that file elsewhere and copy it to
              \(folder)/missing.h5
            """)
        assertFolderContents(folder, [])
    }

    func testConnectionRefusedNamesURLFileAndFolder() throws {
        let port = try LocalHTTPServer.closedPort()
        let folder = try temporaryFolder()
        let nowhere = try WeightsSource(url: "http://127.0.0.1:\(port)/w.h5", sha256: SHA256Hasher.hex(of: payload))
        XCTAssertThrowsError(try WeightsDownloader().download(nowhere, into: folder)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .download)
            // The first line carries curl's own reason; the rest is fixed.
            let lines = error.message.split(separator: "\n", maxSplits: 1).map(String.init)
            XCTAssertTrue(lines[0].hasPrefix("cannot download w.h5: Failed to connect to 127.0.0.1 port \(port)"),
                          lines[0])
            XCTAssertEqual("\n" + lines[1], self.expectedMessage("", nowhere, folder))
        }
        assertFolderContents(folder, [])
    }

    func testCancellationMidDownloadLeavesNothing() throws {
        // 2,000,000 bytes in 16 KB chunks every 20 ms would take 2.5 s; the test cancels after 64 KB.
        let big = [UInt8](repeating: 7, count: 2_000_000)
        let server = try startServer(["/big.h5": .slow(big, chunk: 16_384, delayMilliseconds: 20)])
        let folder = try temporaryFolder()
        let flag = CancellationFlag()
        let slow = try WeightsSource(url: server.url("/big.h5"), sha256: SHA256Hasher.hex(of: big))
        var lastBytes: Int64 = 0
        XCTAssertThrowsError(try WeightsDownloader().download(slow, into: folder, progress: { report in
            lastBytes = report.bytesDone
            if report.bytesDone >= 65_536 { flag.cancel() }
        }, cancellation: flag)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .cancelled)
            XCTAssertTrue(error.message.hasPrefix("download of big.h5 cancelled after "), error.message)
            XCTAssertTrue(error.message.hasSuffix("copy it to\n  \(folder)/big.h5"), error.message)
        }
        XCTAssertLessThan(lastBytes, 2_000_000)
        assertFolderContents(folder, [])
    }

    func testCancelledBeforeStartDownloadsNothing() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let flag = CancellationFlag()
        flag.cancel()
        XCTAssertThrowsError(try WeightsDownloader().download(try source(server, "/w.h5"), into: folder,
                                                              cancellation: flag)) { error in
            XCTAssertEqual((error as! WeightsError).kind, .cancelled)
        }
        assertFolderContents(folder, [])
    }

    func testFullDiskFromTheKernel() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let downloader = WeightsDownloader(makeSink: { _ in try FileSink(path: "/dev/full") })
        XCTAssertThrowsError(try downloader.download(try source(server, "/w.h5"), into: folder)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .download)
            XCTAssertTrue(error.message.hasPrefix(
                "cannot download w.h5: cannot write /dev/full (No space left on device)\n"), error.message)
        }
        assertFolderContents(folder, [])
    }

    func testWriteFailureHalfwayRemovesThePartFile() throws {
        // A sink that really writes the .part, then fails as a disk filling up would.
        final class FillingSink: DownloadSink {
            let file: FileSink
            var room = 100_000
            init(path: String) throws { file = try FileSink(path: path) }
            func write(_ bytes: UnsafeRawBufferPointer) throws {
                guard bytes.count <= room else { throw SinkFailure("cannot write w.h5.part (No space left on device)") }
                room -= bytes.count
                try file.write(bytes)
            }
            func finish() throws { try file.finish() }
        }
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let partSeen = UncheckedBox(false)
        let downloader = WeightsDownloader(makeSink: { path in
            let sink = try FillingSink(path: path)
            partSeen.value = FileManager.default.fileExists(atPath: path)
            return sink
        })
        XCTAssertThrowsError(try downloader.download(try source(server, "/w.h5"), into: folder)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot download w.h5: cannot write w.h5.part (No space left on device)"))
        }
        XCTAssertTrue(partSeen.value, "the .part file existed during the download")
        assertFolderContents(folder, [])
    }

    func testSecondWriterOfThePartFileIsRefused() throws {
        let path = "\(try temporaryFolder())/w.h5.part"
        let first = try FileSink(path: path)
        XCTAssertThrowsError(try FileSink(path: path)) { error in
            XCTAssertEqual("\(error)", "another download is writing \(path)")
        }
        try first.finish()
    }

    // MARK: Cache lookup

    private func environment(_ home: String, _ extra: [String: String] = [:]) -> [String: String] {
        ["HOME": home].merging(extra) { _, new in new }
    }

    private func put(_ bytes: [UInt8], at path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    func testCacheFoldersFollowTheEnvironment() throws {
        let home = try temporaryFolder()
        let plain = WeightsCache(environment: environment(home))
        XCTAssertEqual(plain.searchFolders, ["\(home)/.cache/kungfu/models", "\(home)/.keras/models"])
        let custom = WeightsCache(environment: environment(home, ["KUNGFU_HOME": "/k", "KERAS_HOME": "/ke",
                                                                  "XDG_CACHE_HOME": "/x"]))
        XCTAssertEqual(custom.searchFolders, ["/k/models", "/ke/models"])
        let xdg = WeightsCache(environment: environment(home, ["XDG_CACHE_HOME": "/x"]))
        XCTAssertEqual(xdg.folder, "/x/kungfu/models")
    }

    func testLookupPrefersKungfuCacheThenKerasCache() throws {
        let home = try temporaryFolder()
        let cache = WeightsCache(environment: environment(home))
        let source = try WeightsSource(url: "http://127.0.0.1:9/w.h5", sha256: SHA256Hasher.hex(of: payload))
        XCTAssertNil(try cache.cachedFile(for: source))
        try put(payload, at: "\(home)/.keras/models/w.h5")
        XCTAssertEqual(try cache.cachedFile(for: source), "\(home)/.keras/models/w.h5")
        try put(payload, at: "\(home)/.cache/kungfu/models/w.h5")
        XCTAssertEqual(try cache.cachedFile(for: source), "\(home)/.cache/kungfu/models/w.h5")
        let kerasHome = WeightsCache(environment: environment(home, ["KERAS_HOME": "\(home)/kh",
                                                                     "KUNGFU_HOME": "\(home)/none"]))
        XCTAssertNil(try kerasHome.cachedFile(for: source))
        try put(payload, at: "\(home)/kh/models/w.h5")
        XCTAssertEqual(try kerasHome.cachedFile(for: source), "\(home)/kh/models/w.h5")
    }

    func testCorruptCachedFileIsReportedNotUsed() throws {
        let home = try temporaryFolder()
        let cache = WeightsCache(environment: environment(home))
        let source = try WeightsSource(url: "http://127.0.0.1:9/w.h5", sha256: SHA256Hasher.hex(of: payload),
                                       expectedSize: 300_000)
        try put(payload, at: "\(home)/.keras/models/w.h5")
        let damaged = Array(payload.prefix(1000))
        try put(damaged, at: "\(home)/.cache/kungfu/models/w.h5")
        XCTAssertThrowsWeightsError(try cache.cachedFile(for: source), .corrupt, """
            \(home)/.cache/kungfu/models/w.h5: damaged or different file (1,000 bytes, SHA-256 \
            \(SHA256Hasher.hex(of: damaged)))
              expected: 300,000 bytes, SHA-256 \(source.sha256)
            Delete it to download w.h5 again from http://127.0.0.1:9/w.h5
            """)
    }

    func testFileDownloadsOnceIntoKungfuCacheThenUsesIt() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let home = try temporaryFolder()
        let cache = WeightsCache(environment: environment(home))
        let source = try source(server, "/w.h5")
        let first = try cache.file(for: source)
        XCTAssertEqual(first, "\(home)/.cache/kungfu/models/w.h5")
        XCTAssertEqual(try cache.file(for: source), first)
        XCTAssertEqual(server.requests, ["/w.h5"], "the second lookup used the cache")
        assertFolderContents("\(home)/.cache/kungfu/models", ["w.h5"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/.keras"), "Keras' cache is never written")
    }
}

/// A mutable box for a value set inside a @Sendable closure that the test
/// runs synchronously on its own thread.
final class UncheckedBox<T>: @unchecked Sendable {
    // @unchecked: the downloader calls makeSink on the test's thread only.
    var value: T
    init(_ value: T) { self.value = value }
}
