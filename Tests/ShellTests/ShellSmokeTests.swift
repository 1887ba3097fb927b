import XCTest

final class ShellSmokeTests: XCTestCase {
    func testVersion() throws {
        let out = try runKungfu(["--version"])
        XCTAssertEqual(out.status, 0)
        XCTAssertEqual(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }
}

/// `kungfu bench`'s options reach it although the root command declares
/// `--json` and `--threads` too (they once silently went to the root).
/// Oracle: the JSON report echoes the options given.
final class BenchCommandTests: XCTestCase {
    func testJSONAndThreadsReachBench() throws {
        let out = try runKungfu(["bench", "--batch", "1", "--runs", "1", "--threads", "1", "--json"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["threads"] as? Int, 1, out.stdout)
        XCTAssertEqual(report?["batch"] as? Int, 1)
        XCTAssertEqual(report?["runs"] as? Int, 1)
        XCTAssertEqual(report?["multiply_adds_per_image"] as? Int, 5_713_216_096)
    }

    /// `times_ms` lists every timed pass (oracle: the median and minimum
    /// the report states are those of this list).
    func testJSONListsEveryTimedPass() throws {
        let out = try runKungfu(["bench", "--batch", "1", "--runs", "4", "--threads", "1", "--json"])
        XCTAssertEqual(out.status, 0, out.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
        let times = try XCTUnwrap(report["times_ms"] as? [Double], out.stdout).sorted()
        XCTAssertEqual(times.count, 4)
        XCTAssertEqual(try XCTUnwrap(report["min_ms"] as? Double), times[0], accuracy: 0.0015)
        XCTAssertEqual(try XCTUnwrap(report["median_ms"] as? Double), (times[1] + times[2]) / 2, accuracy: 0.0015)
    }

    /// The report names the CPU and the kernels that ran, and KUNGFU_SIMD
    /// chooses them (oracle: the variable given; the CPU's brand string
    /// from /proc/cpuinfo's "model name").
    func testBenchNamesTheCPUAndTheSIMDPathKUNGFU_SIMDChose() throws {
        let out = try runKungfu(["bench", "--batch", "1", "--runs", "1", "--threads", "1", "--json"],
                                environment: ["KUNGFU_SIMD": "avx2"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(out.stderr, "", "a supported KUNGFU_SIMD is followed silently")
        let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(report?["simd"] as? String, "avx2", out.stdout)
        let cpu = try XCTUnwrap(report?["cpu"] as? String)
        #if os(Linux) && arch(x86_64)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? ""
        XCTAssertTrue(cpu.hasPrefix(model), "\(cpu) does not start with /proc/cpuinfo's \(model)")
        XCTAssertTrue(cpu.contains("(family "), cpu)
        #endif
    }

    /// An unknown KUNGFU_SIMD is not fatal: one line on stderr says what
    /// was asked and what runs instead; the command's output is unchanged.
    func testUnknownKUNGFU_SIMDIsExplainedOnStderr() throws {
        let out = try runKungfu(["-c", "print 1 + 1"], environment: ["KUNGFU_SIMD": "sse9"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(out.stdout, "2\n")
        XCTAssertTrue(out.stderr.hasPrefix("kungfu: KUNGFU_SIMD=sse9 is not avx2 or avx512; using avx"), out.stderr)
        XCTAssertEqual(out.stderr.split(separator: "\n").count, 1, out.stderr)
    }
}
