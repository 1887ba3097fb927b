// CommandsWeightsDownloadTests.swift — `weights imagenet` through the real
// binary against LocalHTTPServer on 127.0.0.1 (a classroom mirror, via
// KUNGFU_WEIGHTS_URL and KUNGFU_WEIGHTS_SHA256): `load model inception_v3`
// and `kungfu fetch-weights` (what scripts/demo decides with), Ctrl-C on a
// stalled download, a proxy that refuses.
//
// Oracles: the bytes the server was given and their SHA-256; a weights file
// written by kungfu's own Keras writer from seeded random weights; the
// messages of docs/weights.md. Each run gets its own HOME and KUNGFU_HOME and
// no inherited proxy or KUNGFU_* variables.
import Foundation
import Vision
import XCTest

final class CommandsWeightsDownloadTests: XCTestCase {
    private let fileName = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
    private let payload = (0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    /// A fresh folder, removed after the test.
    private func freshFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kungfu-dl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    private func contents(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Runs the binary with `environment` on top of a cleaned copy of this
    /// process's; with `interruptWhen`, sends SIGINT once that is true.
    private func kungfu(_ args: [String], _ environment: [String: String],
                        interruptWhen: (() -> Bool)? = nil) throws -> RunResult {
        let process = Process()
        process.executableURL = try kungfuBinary()
        process.arguments = args
        var env = ProcessInfo.processInfo.environment.filter { name, _ in
            !name.hasPrefix("KUNGFU_") && !name.lowercased().hasSuffix("_proxy") && name.lowercased() != "keras_home"
                && name != "XDG_CACHE_HOME"
        }
        env.merge(environment) { _, new in new }
        process.environment = env
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        if let interruptWhen {
            let deadline = Date() + 30
            while !interruptWhen(), Date() < deadline { usleep(20_000) }
            usleep(200_000)  // the request was seen: the download (and its Ctrl-C handling) is running
            process.interrupt()
        }
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                         stderr: String(decoding: err, as: UTF8.self))
    }

    /// HOME and KUNGFU_HOME in a fresh folder, the mirror at `url`.
    private func environment(_ home: String, url: String, sha256: String? = nil) -> [String: String] {
        ["HOME": home, "KUNGFU_HOME": "\(home)/kungfu", "KUNGFU_WEIGHTS_URL": url,
         "KUNGFU_WEIGHTS_SHA256": sha256 ?? SHA256Hasher.hex(of: payload)]
    }

    // MARK: load model inception_v3 (weights imagenet)

    func testLoadModelDownloadsFromTheMirrorVerifiesCachesThenUsesTheCache() throws {
        // A full-size Inception V3 file (seeded random weights) written by kungfu's Keras writer.
        let source = try freshFolder()
        let configuration = try InceptionV3.Configuration()
        let file = "\(source)/w.h5"
        try KerasWeightsFile.writeLegacy(InceptionV3.randomWeights(for: configuration, seed: 3), allLayerNames: nil,
                                         to: file, attributes: [:])
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        let server = try startServer(["/mirror/\(fileName)": .body(bytes)])
        let home = try freshFolder()
        let env = environment(home, url: server.url("/mirror"), sha256: SHA256Hasher.hex(of: bytes))
        let cached = "\(home)/kungfu/models/\(fileName)"

        let first = try kungfu(["-c", "load model inception_v3"], env)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("imagenet (\(cached))"), first.stdout)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: cached))), bytes)
        XCTAssertEqual(contents("\(home)/kungfu/models"), [fileName])
        XCTAssertEqual(server.requests, ["/mirror/\(fileName)"])

        let second = try kungfu(["-c", "load model inception_v3"], env)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(server.requests, ["/mirror/\(fileName)"], "the second run used the cache")
    }

    func testLoadModelReportsA404AndCachesNothing() throws {
        let server = try startServer([:])
        let home = try freshFolder()
        let result = try kungfu(["-c", "load model inception_v3"], environment(home, url: server.url("/mirror/")))
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("cannot download \(fileName): the server answered HTTP 404"), result.stderr)
        XCTAssertTrue(result.stderr.contains("url:     \(server.url("/mirror/\(fileName)"))"), result.stderr)
        XCTAssertEqual(contents("\(home)/kungfu/models"), [])
    }

    // Oracle: the kernel's FIFO rule (an O_NONBLOCK open returns at once)
    // and the file system: a FIFO under the cached file's name is not a
    // cached copy; the run goes on to the mirror, which serves the file, and
    // the verified file replaces the FIFO.
    func testAFIFOInTheCacheIsNeverWaitedOn() throws {
        let server = try startServer(["/\(fileName)": .body(payload)])
        let home = try freshFolder()
        try FileManager.default.createDirectory(atPath: "\(home)/kungfu/models", withIntermediateDirectories: true)
        let cached = "\(home)/kungfu/models/\(fileName)"
        XCTAssertEqual(mkfifo(cached, 0o600), 0)
        let result = try kungfu(["fetch-weights"], environment(home, url: server.url("/")))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout, cached + "\n")
        var info = stat()
        XCTAssertEqual(stat(cached, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFREG, "the downloaded file replaced the FIFO")
        XCTAssertEqual(server.requests, ["/\(fileName)"])
    }

    func testLoadModelRejectsAWrongChecksumAndCachesNothing() throws {
        let server = try startServer(["/\(fileName)": .body(payload)])
        let home = try freshFolder()
        let expected = SHA256Hasher.hex(of: Array("another file".utf8))
        let result = try kungfu(["-c", "load model inception_v3"],
                                environment(home, url: server.url("/"), sha256: expected))
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("cannot download \(fileName): the downloaded file is 50,000 bytes with "
                                                 + "SHA-256 \(SHA256Hasher.hex(of: payload)), not the expected file"),
                      result.stderr)
        XCTAssertTrue(result.stderr.contains("SHA-256: \(expected)"), result.stderr)
        XCTAssertEqual(contents("\(home)/kungfu/models"), [])
    }

    func testCtrlCCancelsAStalledDownload() throws {
        // The server never sends a byte: before, the shell passed Ctrl-C on only when bytes arrived.
        let server = try startServer(["/\(fileName)": .silent])
        let home = try freshFolder()
        let started = Date()
        let result = try kungfu(["-c", "load model inception_v3"], environment(home, url: server.url("/")),
                                interruptWhen: { !server.requests.isEmpty })
        XCTAssertLessThan(Date().timeIntervalSince(started), 25, "hang detection only (the low-speed limit is 30 s)")
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("download of \(fileName) cancelled after 0 bytes"), result.stderr)
        XCTAssertEqual(contents("\(home)/kungfu/models"), [])
    }

    // MARK: kungfu fetch-weights

    func testFetchWeightsDownloadsOnceAndPrintsThePath() throws {
        let server = try startServer(["/m/\(fileName)": .body(payload)])
        let home = try freshFolder()
        let env = environment(home, url: server.url("/m/"))
        let first = try kungfu(["fetch-weights"], env)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(first.stdout, "\(home)/kungfu/models/\(fileName)\n")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: "\(home)/kungfu/models/\(fileName)"))), payload)
        let second = try kungfu(["fetch-weights"], env)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stdout, first.stdout)
        XCTAssertEqual(server.requests, ["/m/\(fileName)"], "the second run found the cached file")
    }

    func testFetchWeightsFailuresSayWhyThenHowToInstallByHand() throws {
        let server = try startServer(["/bad/\(fileName)": .body(payload)])
        let home = try freshFolder()
        let destination = "\(home)/kungfu/models/\(fileName)"
        let cases: [(url: String, sha256: String?, reason: String)] = [
            (server.url("/missing/"), nil, "the server answered HTTP 404"),
            (server.url("/bad/"), SHA256Hasher.hex(of: [1, 2, 3]),
             "the downloaded file is 50,000 bytes with SHA-256 \(SHA256Hasher.hex(of: payload)), not the expected file"),
            ("http://127.0.0.1:\(try LocalHTTPServer.closedPort())/", nil, "Failed to connect to 127.0.0.1 port "),
        ]
        for (url, sha256, reason) in cases {
            let result = try kungfu(["fetch-weights"], environment(home, url: url, sha256: sha256))
            XCTAssertEqual(result.status, 1, url)
            XCTAssertEqual(result.stdout, "", url)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            XCTAssertTrue(lines.first?.hasPrefix("kungfu fetch-weights: cannot download \(fileName): \(reason)") == true,
                          result.stderr)
            XCTAssertEqual(Array(lines.suffix(3)), [
                "To install it by hand, download that file elsewhere and copy it to", "  \(destination)",
                "or set KUNGFU_WEIGHTS to its path (KUNGFU_WEIGHTS=none: random weights)"], result.stderr)
            XCTAssertEqual(contents("\(home)/kungfu/models"), [], url)
        }
    }

    func testFetchWeightsNamesAProxyThatRefuses() throws {
        // curl honours https_proxy from the environment; this proxy answers CONNECT with 403.
        let proxy = try startServer(["127.0.0.1:9": .status(403)])
        let home = try freshFolder()
        var env = environment(home, url: "https://127.0.0.1:9/m/")
        env["https_proxy"] = "http://127.0.0.1:\(proxy.port)"
        let result = try kungfu(["fetch-weights"], env)
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("kungfu fetch-weights: cannot download \(fileName): the proxy "
                                                  + "http://127.0.0.1:\(proxy.port) answered HTTP 403 to CONNECT "
                                                  + "127.0.0.1:9 (it refused the tunnel to the server)\n"), "\(result)")
    }

    func testFetchWeightsChecksTheVariablesAndHonoursKungfuWeights() throws {
        let home = try freshFolder()
        let badURL = try kungfu(["fetch-weights"], environment(home, url: "ftp://mirror/"))
        XCTAssertEqual(badURL.status, 1)
        XCTAssertEqual(badURL.stderr, "kungfu fetch-weights: KUNGFU_WEIGHTS_URL=ftp://mirror/: not an http, https or file URL\n")
        let badHash = try kungfu(["fetch-weights"], environment(home, url: "http://127.0.0.1:9/", sha256: "12ab"))
        XCTAssertEqual(badHash.stderr, "kungfu fetch-weights: KUNGFU_WEIGHTS_SHA256=12ab: not 64 hexadecimal digits\n")
        let none = try kungfu(["fetch-weights"], ["HOME": home, "KUNGFU_WEIGHTS": "none"])
        XCTAssertEqual(none.status, 0)
        XCTAssertEqual(none.stderr, "KUNGFU_WEIGHTS=none: random weights, nothing to fetch\n")
        let missing = try kungfu(["fetch-weights"], ["HOME": home, "KUNGFU_WEIGHTS": "\(home)/nope.h5"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "kungfu fetch-weights: KUNGFU_WEIGHTS=\(home)/nope.h5: no such file\n")
    }
}
