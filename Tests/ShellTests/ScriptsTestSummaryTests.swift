// ScriptsTestSummaryTests.swift — scripts/test-summary, which turns XCTest's
// closing line into "kungfu: P passed, F failed, S skipped" for scripts/test.
// Oracle: the summary lines XCTest (swift-corelibs-xctest) prints, copied from
// real runs: 0, 1 and N failures, with and without skipped tests, with
// unexpected failures, and a run that executed nothing.
import Foundation
import XCTest

final class ScriptsTestSummaryTests: XCTestCase {
    private func summarize(_ log: String) throws -> RunResult {
        try runProgram(URL(fileURLWithPath: "/bin/bash"), [repositoryRoot + "/scripts/test-summary"], stdin: log)
    }

    private func check(_ log: String, _ expected: String, status: Int32 = 0,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try summarize(log)
        XCTAssertEqual(result.stdout, expected.isEmpty ? "" : expected + "\n", file: file, line: line)
        XCTAssertEqual(result.status, status, "stderr: \(result.stderr)", file: file, line: line)
    }

    func testEveryFormXCTestPrints() throws {
        try check("\t Executed 436 tests, with 0 failures (0 unexpected) in 112.903 (112.903) seconds\n",
                  "kungfu: 436 passed, 0 failed, 0 skipped")
        try check("Executed 1 test, with 0 failures (0 unexpected) in 0.010 (0.010) seconds\n",
                  "kungfu: 1 passed, 0 failed, 0 skipped")
        try check("Executed 437 tests, with 1 test skipped and 0 failures (0 unexpected) in 1.0 (1.0) seconds\n",
                  "kungfu: 436 passed, 0 failed, 1 skipped")
        try check("Executed 12 tests, with 2 tests skipped and 1 failure (1 unexpected) in 1.0 (1.0) seconds\n",
                  "kungfu: 9 passed, 1 failed, 2 skipped")
        try check("Executed 5 tests, with 3 failures (0 unexpected) in 1.0 (1.0) seconds",  // no final newline
                  "kungfu: 2 passed, 3 failed, 0 skipped")
    }

    /// XCTest counts failed assertions; the summary counts failed tests.
    func testFailedTestsComeFromTheTestCaseLines() throws {
        let log = """
            Test Case 'A.testOne' started at 2026-12-02 17:45:00.000
            Test Case 'A.testOne' failed (0.001 seconds)
            Test Case 'A.testTwo' passed (0.001 seconds)
            Test Suite 'All tests' failed at 2026-12-02 17:45:00.002
            \t Executed 2 tests, with 4 failures (0 unexpected) in 0.002 (0.002) seconds

            """
        try check(log, "kungfu: 1 passed, 1 failed, 0 skipped")
        // Without the per-test lines, more failures than tests cannot make a
        // negative count.
        try check("Executed 2 tests, with 4 failures (0 unexpected) in 0.002 (0.002) seconds\n",
                  "kungfu: 0 passed, 2 failed, 0 skipped")
    }

    /// The last summary line is the whole run (each suite prints one).
    func testTheLastSummaryIsTheWholeRun() throws {
        let log = """
            Executed 3 tests, with 0 failures (0 unexpected) in 0.1 (0.1) seconds
            Executed 1 test, with 1 test skipped and 0 failures (0 unexpected) in 0.1 (0.1) seconds
            Executed 4 tests, with 1 test skipped and 0 failures (0 unexpected) in 0.2 (0.2) seconds

            """
        try check(log, "kungfu: 3 passed, 0 failed, 1 skipped")
    }

    func testNoTestRanIsAFailure() throws {
        try check("Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds\n",
                  "kungfu: 0 passed, 0 failed, 0 skipped", status: 1)
        let none = try summarize("error: build failed\n")
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stdout, "")
        XCTAssertTrue(none.stderr.contains("no test summary found"), none.stderr)
    }
}
