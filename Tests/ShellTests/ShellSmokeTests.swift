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
}
