// SupportPythonOracleTests.swift — the Python oracle the Support tests use:
// numpy reads .npy files, nbformat validates notebooks. `python3` on PATH
// (or $KUNGFU_PYTHON) must have both: `pip install numpy nbformat`. A missing
// interpreter or module is a test failure with that message, never a skip.
import Foundation
import XCTest

/// Why the Python oracle could not answer.
struct PythonOracleError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `python3 -c code args...` and returns its stdout; throws with stderr
/// when Python fails, and with installation advice when python3 or one of
/// `modules` is missing.
func runPython(_ code: String, arguments: [String] = [], modules: [String] = []) throws -> String {
    let python = ProcessInfo.processInfo.environment["KUNGFU_PYTHON"] ?? "python3"
    let prelude = modules.isEmpty ? "" : "import " + modules.joined(separator: ", ") + "\n"
    let run = try runProcess(["/usr/bin/env", python, "-c", prelude + code] + arguments)
    if run.status == 127 || run.stderr.contains("ModuleNotFoundError") {
        let needs = modules.isEmpty ? "python3" : "python3 with \(modules.joined(separator: ", ")) (pip install \(modules.joined(separator: " ")))"
        throw PythonOracleError(description: "this test needs \(needs) on PATH or in $KUNGFU_PYTHON: \(run.stderr)")
    }
    guard run.status == 0 else {
        throw PythonOracleError(description: "python failed (status \(run.status)): \(run.stderr)")
    }
    return run.stdout
}

/// Runs a program to completion and captures its output.
func runProcess(_ argv: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: argv[0])
    process.arguments = Array(argv.dropFirst())
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain stderr on another thread while this one drains stdout, so a chatty
    // child cannot block on a full pipe.
    let errBox = DataBox()
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self),
            String(decoding: errBox.data, as: UTF8.self))
}

/// Bytes handed from one thread to another. @unchecked Sendable is safe here:
/// written once before a semaphore signal and read only after the wait.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

final class SupportPythonOracleTests: XCTestCase {
    // The oracle itself must be present: CI installs it with pip.
    func testPythonOracleIsInstalled() throws {
        let out = try runPython("import numpy, nbformat; print('ok')", modules: ["numpy", "nbformat"])
        XCTAssertEqual(out, "ok\n")
    }
}
