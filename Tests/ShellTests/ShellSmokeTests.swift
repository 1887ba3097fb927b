import XCTest

final class ShellSmokeTests: XCTestCase {
    func testVersion() throws {
        let out = try runKungfu(["--version"])
        XCTAssertEqual(out.status, 0)
        XCTAssertEqual(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }
}
