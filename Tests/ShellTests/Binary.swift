// Binary.swift — runs the built `kungfu` executable for transcript tests.
import Foundation
import XCTest

/// What one run of the binary printed and returned.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A transcript test that cannot find the binary fails; it never skips.
struct MissingBinary: Error, CustomStringConvertible {
    var looked: [String]
    var description: String { "kungfu binary not found (looked at \(looked.joined(separator: ", "))): run `swift build` first" }
}

/// The built `kungfu` binary: `swift test` builds it into the same folder as
/// the test bundle (.build/<config>/). On Linux the bundle URL is that folder;
/// on macOS it is the .xctest bundle inside it.
func kungfuBinary() throws -> URL {
    let bundle = Bundle(for: ShellSmokeTests.self).bundleURL
    let candidates = [bundle.appendingPathComponent("kungfu"),
                      bundle.deletingLastPathComponent().appendingPathComponent("kungfu")]
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw MissingBinary(looked: candidates.map(\.path))
    }
    return found
}

/// Runs `kungfu ARGS` with `stdin` piped in; waits for it to exit.
func runKungfu(_ args: [String], stdin: String = "", environment: [String: String] = [:],
               currentDirectory: String? = nil) throws -> RunResult {
    try runProgram(try kungfuBinary(), args, stdin: stdin, environment: environment, currentDirectory: currentDirectory)
}

/// Runs `program ARGS` with `stdin` piped in and the test's environment plus
/// `environment`; waits for it to exit.
func runProgram(_ program: URL, _ args: [String], stdin: String = "", environment: [String: String] = [:],
                currentDirectory: String? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = program
    process.arguments = args
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
    process.standardInput = inPipe
    process.standardOutput = outPipe
    process.standardError = errPipe
    try process.run()
    inPipe.fileHandleForWriting.write(Data(stdin.utf8))
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    let err = errPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return RunResult(status: process.terminationStatus,
                     stdout: String(decoding: out, as: UTF8.self),
                     stderr: String(decoding: err, as: UTF8.self))
}
