// DownloadTests.swift — sources, cache lookup and downloads end to end
// against LocalHTTPServer on 127.0.0.1 (DownloadServerTests.swift).
//
// Oracles: the bytes the test server was given and their SHA-256 (itself
// checked against FIPS vectors in WeightsSHA256Tests); the official file
// names, URL and checksums from DESIGN.md; the sizes from the Content-Length
// that Keras' downloader prints for those URLs; the kernel's own ENOSPC from
// /dev/full; curl's documented proxy rules. Every test checks that no `.part`
// or unverified file is left.
import Common
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
            if report.bytesDone >= 65_536 { flag.request() }
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
        flag.request()
        XCTAssertThrowsError(try WeightsDownloader().download(try source(server, "/w.h5"), into: folder,
                                                              cancellation: flag)) { error in
            XCTAssertEqual((error as! WeightsError).kind, .cancelled)
        }
        assertFolderContents(folder, [])
    }

    func testFullDiskFromTheKernel() throws {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        final class DeviceSink: DownloadSink {
            let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
            deinit { close(fd) }
            func write(_ bytes: UnsafeRawBufferPointer) throws {
                guard Glibc.write(fd, bytes.baseAddress, bytes.count) == bytes.count else {
                    throw SinkFailure("cannot write /dev/full (\(String(cString: strerror(errno))))")
                }
            }
            func finish() throws {}
        }
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let downloader = WeightsDownloader(makeSink: { _ in DeviceSink() })
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

    func testFileSinkOnlyCreatesNewFiles() throws {
        // Oracle: open(2) with O_EXCL | O_NOFOLLOW fails with EEXIST on any existing name, link or not.
        let folder = try temporaryFolder()
        let path = "\(folder)/w.h5.abc123.part"
        let first = try FileSink(path: path)
        XCTAssertThrowsError(try FileSink(path: path)) { error in
            XCTAssertEqual("\(error)", "cannot create \(path) (File exists)")
        }
        try first.finish()
        XCTAssertEqual(symlink("\(folder)/elsewhere", "\(folder)/link.part"), 0)
        XCTAssertThrowsError(try FileSink(path: "\(folder)/link.part"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/elsewhere"), "the link was not followed")
    }

    func testDownloadWhileAnotherHoldsTheLockIsRefused() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let held = try DownloadLock(path: "\(folder)/w.h5.lock", busy: "busy")
        let source = try source(server, "/w.h5")
        XCTAssertThrowsWeightsError(try WeightsDownloader().download(source, into: folder), .download,
                                    expectedMessage("cannot download w.h5: another download of w.h5 into \(folder)"
                                                        + " is running; try again when it has finished", source, folder))
        XCTAssertEqual(server.requests, [], "nothing was downloaded")
        held.release()
        XCTAssertEqual(try WeightsDownloader().download(source, into: folder), "\(folder)/w.h5")
        assertFolderContents(folder, ["w.h5"])
    }

    // MARK: Two downloaders, links at the .part name

    func testSecondDownloaderStartingBeforeTheRenameCannotEmptyTheFile() throws {
        // The old race: the first downloader's lock ended when its .part was closed, before the
        // checksum and the rename; a second one starting then emptied the verified .part, which
        // was renamed into place as a 0-byte "verified" file. Here the second starts exactly
        // there (from the first's sink.finish) and is held inside makeSink until the first returns.
        // Oracle: the cache file has the server's bytes when the first download returns.
        final class FinishHookSink: DownloadSink {
            let file: FileSink
            let onFinish: () -> Void
            init(path: String, onFinish: @escaping () -> Void) throws {
                file = try FileSink(path: path)
                self.onFinish = onFinish
            }
            func write(_ bytes: UnsafeRawBufferPointer) throws { try file.write(bytes) }
            func finish() throws {
                try file.finish()
                onFinish()
            }
        }
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let source = try source(server, "/w.h5")
        let secondReachedSinkOrEnded = DispatchSemaphore(value: 0)
        let firstReturned = DispatchSemaphore(value: 0)
        let secondEnded = DispatchSemaphore(value: 0)
        let secondResult = LockedBox<Result<String, Error>?>(nil)
        let second = WeightsDownloader(makeSink: { path in
            let sink = try FileSink(path: path)
            secondReachedSinkOrEnded.signal()
            _ = firstReturned.wait(timeout: .now() + 10)
            return sink
        })
        let first = WeightsDownloader(makeSink: { path in
            try FinishHookSink(path: path) {
                Thread.detachNewThread {
                    secondResult.value = Result { try second.download(source, into: folder) }
                    secondReachedSinkOrEnded.signal()
                    secondEnded.signal()
                }
                XCTAssertEqual(secondReachedSinkOrEnded.wait(timeout: .now() + 10), .success)
            }
        })
        let path = try first.download(source, into: folder)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), payload,
                       "the file in place when the first download returned")
        firstReturned.signal()
        XCTAssertEqual(secondEnded.wait(timeout: .now() + 30), .success)
        switch secondResult.value {
        case .success(let secondPath)?:
            XCTAssertEqual(secondPath, path)
        case .failure(let error)?:
            XCTAssertTrue("\(error)".hasPrefix("cannot download w.h5: another download of w.h5 into \(folder) is running"),
                          "\(error)")
        case nil:
            XCTFail("the second download did not end")
        }
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), payload)
        assertFolderContents(folder, ["w.h5"])
    }

    func testConcurrentDownloadsNeverLeaveABadFile() throws {
        // Two threads download the same file into the same folder, 12 times over. Each either
        // gets the verified file or is told that another download is running; the folder ends
        // with the server's bytes and nothing else.
        let server = try startServer(["/w.h5": .body(payload)])
        let source = try source(server, "/w.h5")
        for round in 0..<12 {
            let folder = try temporaryFolder()
            let results = LockedBox<[Result<String, Error>]>([])
            let group = DispatchGroup()
            let start = DispatchSemaphore(value: 0)
            for _ in 0..<2 {
                group.enter()
                Thread.detachNewThread {
                    start.wait()
                    let result = Result { try WeightsDownloader().download(source, into: folder) }
                    results.update { $0.append(result) }
                    group.leave()
                }
            }
            start.signal()
            start.signal()
            XCTAssertEqual(group.wait(timeout: .now() + 60), .success, "round \(round) hangs")
            var successes = 0
            for result in results.value {
                switch result {
                case .success(let path):
                    XCTAssertEqual(path, "\(folder)/w.h5")
                    successes += 1
                case .failure(let error):
                    XCTAssertTrue("\(error)".contains("another download of w.h5 into \(folder) is running"), "\(error)")
                }
            }
            XCTAssertGreaterThanOrEqual(successes, 1, "round \(round)")
            XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/w.h5"))), payload, "round \(round)")
            assertFolderContents(folder, ["w.h5"])
        }
    }

    func testSymlinkAtThePartPathIsNeverFollowed() throws {
        // Oracle: the link's target keeps its bytes (the old downloader opened <file>.part with
        // O_CREAT and emptied whatever the link pointed to).
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let mine = "\(try temporaryFolder())/precious.txt"
        try Data("my thesis\n".utf8).write(to: URL(fileURLWithPath: mine))
        XCTAssertEqual(symlink(mine, "\(folder)/w.h5.part"), 0)
        let path = try WeightsDownloader().download(try source(server, "/w.h5"), into: folder)
        XCTAssertEqual(String(decoding: try Data(contentsOf: URL(fileURLWithPath: mine)), as: UTF8.self), "my thesis\n")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), payload)
        assertFolderContents(folder, ["w.h5", "w.h5.part"])  // the user's link stays
    }

    func testSymlinkAtTheLockPathIsRefusedNotFollowed() throws {
        let server = try startServer(["/w.h5": .body(payload)])
        let folder = try temporaryFolder()
        let target = "\(try temporaryFolder())/not-created"
        XCTAssertEqual(symlink(target, "\(folder)/w.h5.lock"), 0)
        XCTAssertThrowsError(try WeightsDownloader().download(try source(server, "/w.h5"), into: folder)) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot download w.h5: cannot create the lock \(folder)/w.h5.lock ("),
                          "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    // MARK: Stalls, timeouts, proxies

    func testCancellingAStalledDownloadReturns() throws {
        // The server accepts and never sends a byte, so only a timer-driven check can see the flag.
        let server = try startServer(["/w.h5": .silent])
        let folder = try temporaryFolder()
        let flag = CancellationFlag()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { flag.request() }
        let started = Date()
        XCTAssertThrowsError(try WeightsDownloader().download(try source(server, "/w.h5"), into: folder,
                                                              cancellation: flag)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .cancelled)
            XCTAssertTrue(error.message.hasPrefix("download of w.h5 cancelled after 0 bytes\n"), error.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "hang detection only (the low-speed limit is 30 s)")
        assertFolderContents(folder, [])
    }

    func testLinkedFlagCancelsAStalledDownload() throws {
        // The shell's Ctrl-C path: nothing sets the download's own flag; its
        // parent (Ctrl-C's process flag in the shell, a stand-in here) is set.
        let server = try startServer(["/w.h5": .silent])
        let folder = try temporaryFolder()
        let parent = CancellationFlag()
        let flag = CancellationFlag(linkedTo: parent)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { parent.request() }
        XCTAssertThrowsError(try WeightsDownloader().download(try source(server, "/w.h5"), into: folder,
                                                              cancellation: flag)) { error in
            XCTAssertEqual((error as! WeightsError).kind, .cancelled)
        }
        XCTAssertTrue(flag.isRequested)
        assertFolderContents(folder, [])
    }

    func testTricklingServerTimesOutWithAClearMessage() throws {
        // 2 bytes every 500 ms = 4 bytes/s, under a 100 bytes/s limit over 2 s.
        let server = try startServer(["/w.h5": .slow(payload, chunk: 2, delayMilliseconds: 500)])
        let folder = try temporaryFolder()
        var downloader = WeightsDownloader()
        downloader.lowSpeedLimitBytesPerSecond = 100
        downloader.lowSpeedTimeSeconds = 2
        let trickle = try source(server, "/w.h5")
        XCTAssertThrowsError(try downloader.download(trickle, into: folder)) { error in
            let error = error as! WeightsError
            XCTAssertEqual(error.kind, .download)
            let first = String(error.message.prefix { $0 != "\n" })
            XCTAssertTrue(first.hasPrefix("cannot download w.h5: the transfer was too slow: less than 100 bytes/s"
                                              + " for 2 s, after "), first)
            XCTAssertTrue(first.hasSuffix(" bytes (a stalled network, server or proxy)"), first)
            XCTAssertEqual(String(error.message.drop { $0 != "\n" }), self.expectedMessage("", trickle, folder))
        }
        assertFolderContents(folder, [])
    }

    func testProxyRefusingTheTunnelIsNamed() throws {
        // An https URL through a proxy is a CONNECT; this proxy answers it with 403.
        // Oracle: RFC 9110 CONNECT; curl reports the proxy's status as CURLINFO_HTTP_CONNECTCODE.
        let proxy = try startServer(["127.0.0.1:9": .status(403)])
        let folder = try temporaryFolder()
        var downloader = WeightsDownloader()
        downloader.proxy = "http://127.0.0.1:\(proxy.port)"
        let secure = try WeightsSource(url: "https://127.0.0.1:9/w.h5", sha256: SHA256Hasher.hex(of: payload))
        XCTAssertThrowsWeightsError(try downloader.download(secure, into: folder), .download,
                                    expectedMessage("cannot download w.h5: the proxy http://127.0.0.1:\(proxy.port)"
                                                        + " answered HTTP 403 to CONNECT 127.0.0.1:9 (it refused the"
                                                        + " tunnel to the server)", secure, folder))
        XCTAssertEqual(proxy.requests, ["127.0.0.1:9"])
        assertFolderContents(folder, [])
    }

    func testPlainHTTPProxyStatusIsNamed() throws {
        // A plain-http URL through a proxy is a GET of the full URL; the proxy answers 403.
        let proxy = try startServer(["http://127.0.0.1:9/w.h5": .status(403)])
        let folder = try temporaryFolder()
        var downloader = WeightsDownloader()
        downloader.proxy = "http://127.0.0.1:\(proxy.port)"
        let plain = try WeightsSource(url: "http://127.0.0.1:9/w.h5", sha256: SHA256Hasher.hex(of: payload))
        XCTAssertThrowsWeightsError(try downloader.download(plain, into: folder), .download,
                                    expectedMessage("cannot download w.h5: the proxy http://127.0.0.1:\(proxy.port)"
                                                        + " answered HTTP 403 (its own answer, or the server's"
                                                        + " through it)", plain, folder))
        XCTAssertEqual(proxy.requests, ["http://127.0.0.1:9/w.h5"])
    }

    func testEnvironmentProxyFollowsCurlsRules() {
        // Oracle: libcurl's documented environment (CURLOPT_PROXY, CURLOPT_NOPROXY man pages).
        let https = "https://storage.googleapis.com/x.h5"
        XCTAssertNil(WeightsDownloader.environmentProxy(for: https, [:]))
        XCTAssertEqual(WeightsDownloader.environmentProxy(for: https, ["HTTPS_PROXY": "http://p:1"]), "http://p:1")
        XCTAssertEqual(WeightsDownloader.environmentProxy(for: https, ["https_proxy": "http://a:1",
                                                                       "all_proxy": "http://b:1"]), "http://a:1")
        XCTAssertEqual(WeightsDownloader.environmentProxy(for: https, ["ALL_PROXY": "http://b:1"]), "http://b:1")
        XCTAssertNil(WeightsDownloader.environmentProxy(for: "http://h/x.h5", ["HTTP_PROXY": "http://p:1"]),
                     "upper-case HTTP_PROXY is ignored, as curl does")
        XCTAssertNil(WeightsDownloader.environmentProxy(for: https, ["https_proxy": "http://p:1",
                                                                     "no_proxy": "example.org, .googleapis.com"]))
        XCTAssertNil(WeightsDownloader.environmentProxy(for: https, ["https_proxy": "http://p:1", "NO_PROXY": "*"]))
        XCTAssertEqual(WeightsDownloader.environmentProxy(for: https, ["https_proxy": "http://p:1",
                                                                       "no_proxy": "apis.com"]), "http://p:1")
    }

    // MARK: Sources from the environment

    func testImagenetSourceFromTheEnvironment() throws {
        let official = WeightsSource.imagenet(includeTop: true)
        XCTAssertEqual(try WeightsSource.imagenet(includeTop: true, environment: [:]), official)
        let folder = try WeightsSource.imagenet(includeTop: false, environment: ["KUNGFU_WEIGHTS_URL": "http://m/k"])
        XCTAssertEqual(folder.url, "http://m/k/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5")
        XCTAssertEqual(folder.sha256, WeightsSource.imagenet(includeTop: false).sha256)
        XCTAssertEqual(folder.expectedSize, 87_910_968)
        XCTAssertEqual(try WeightsSource.imagenet(includeTop: true, environment: ["KUNGFU_WEIGHTS_URL": "http://m/k/"]).url,
                       "http://m/k/" + official.fileName)
        let file = try WeightsSource.imagenet(includeTop: true, environment: [
            "KUNGFU_WEIGHTS_URL": "file:///srv/w.H5", "KUNGFU_WEIGHTS_SHA256": String(repeating: "AB", count: 32)])
        XCTAssertEqual(file.url, "file:///srv/w.H5")
        XCTAssertEqual(file.fileName, official.fileName, "cached under the official name")
        XCTAssertEqual(file.sha256, String(repeating: "ab", count: 32))
        XCTAssertNil(file.expectedSize)
        XCTAssertThrowsWeightsError(try WeightsSource.imagenet(includeTop: true, environment: ["KUNGFU_WEIGHTS_URL": "ftp://m/"]),
                                    .invalidSource, "KUNGFU_WEIGHTS_URL=ftp://m/: not an http, https or file URL")
        XCTAssertThrowsWeightsError(try WeightsSource.imagenet(includeTop: true, environment: ["KUNGFU_WEIGHTS_SHA256": "00c9"]),
                                    .invalidSource, "KUNGFU_WEIGHTS_SHA256=00c9: not 64 hexadecimal digits")
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

/// A value shared between test threads, guarded by a lock.
final class LockedBox<T>: @unchecked Sendable {
    // @unchecked: `stored` is only touched while holding `lock`.
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func update(_ change: (inout T) -> Void) { lock.withLock { change(&stored) } }
}

/// A mutable box for a value set inside a @Sendable closure that the test
/// runs synchronously on its own thread.
final class UncheckedBox<T>: @unchecked Sendable {
    // @unchecked: the downloader calls makeSink on the test's thread only.
    var value: T
    init(_ value: T) { self.value = value }
}
