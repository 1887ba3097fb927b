// CommandsFuzzTests.swift — every command of the real table, with extreme
// option values, through the built binary under a memory cap: no input may
// crash it, hang it or make it allocate gigabytes.
//
// Oracle: the process itself. It must end by exit (0, 1 or 2), never by a
// signal (an integer overflow traps with SIGILL, a failed allocation under
// `ulimit -v` aborts), within the time limit, having evaluated every line.
// Seeded and replayable: the seed is printed; KUNGFU_FUZZ_SEED replays one
// (default 402883367, the seed that found the NaN argmax crashes of a
// diverged training), KUNGFU_FUZZ_CASES changes the line count (default 160).
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsFuzzTests: XCTestCase {
    /// Extreme values of every kind, as source text.
    static let extremes: [String] = [
        "9223372036854775807", "-9223372036854775807", "(-9223372036854775807 - 1)", "0", "-1", "2147483648",
        "4294967296", "1e308", "-1e308", "5e-324", "-0.0", "1e-45", "0.9999999999", "nan", "inf", "1/0",
        "\"\"", "\" \"", "\"\\u{1B}[2J\\u{7}\"", "\"\\u{0}\"", "\"a\\u{0}b.jpg\"", "\"\\u{9B}31m\"", "\"\\xff\"",
        // Special files only through links and a FIFO inside the test's own
        // folder: a save command renames over its destination, and as root
        // `save head "/dev/zero"` would replace the device itself.
        "\"\\u{D800}\"", "\"zero.jpg\"", "\"stdin.jpg\"", "\"fifo.jpg\"", "\"mem.h5\"", "\"..\"", "\"data/a\"",
        "\"*\"", "\"data/*/*\"", "\"\(String(repeating: "é", count: 600_000))\"", "[1, 2]", "1...3", "true", "all",
        "mixed10", "predictions", "-mixed0",
    ]

    /// A valid value for a parameter, by name, so one line tests one extreme.
    static func valid(_ p: Parameter) -> String? {
        switch p.name {
        case "folder": return "\"data\""
        case "image", "path": return "\"data/a/1.jpg\""
        case "file": return "\"out/x\""
        case "layer": return "mixed0"
        case "seed": return "1"
        case "through", "from": return "mixed9"
        case "epochs": return "1"
        default: break
        }
        if let word = p.type.choiceWords.first { return word }
        if p.type == .bool { return "true" }
        return nil
    }

    func testExtremeArgumentsNeverCrashTheBinary() throws {
        // A fixed default keeps CI's verdict reproducible; KUNGFU_FUZZ_SEED
        // explores others (KUNGFU_FUZZ_SEED=$RANDOM swift test --filter CommandsFuzzTests).
        let seed = ProcessInfo.processInfo.environment["KUNGFU_FUZZ_SEED"].flatMap { UInt64($0) } ?? 402_883_367
        let count = ProcessInfo.processInfo.environment["KUNGFU_FUZZ_CASES"].flatMap { Int($0) } ?? 160
        print("CommandsFuzzTests: KUNGFU_FUZZ_SEED=\(seed) KUNGFU_FUZZ_CASES=\(count)")
        var generator = SeededGenerator(seed: seed)

        let folder = try makeTemporaryFolder("fuzz")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let photos = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../examples/testset").standardized.path
        for (index, name) in ["a/1", "a/2", "b/3", "b/4"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(folder)/data/\(name.prefix(1))", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "\(photos)/\(index + 1).jpg", toPath: "\(folder)/data/\(name).jpg")
        }

        for (link, target) in [("zero.jpg", "/dev/zero"), ("stdin.jpg", "/dev/stdin"), ("mem.h5", "/proc/self/mem")] {
            try FileManager.default.createSymbolicLink(atPath: "\(folder)/\(link)", withDestinationPath: target)
        }
        XCTAssertEqual(mkfifo("\(folder)/fifo.jpg", 0o600), 0)
        let specs = CommandTable.commands(for: Session(environment: [:])).map(\.spec)
        var lines = ["set seed 1", "load model inception_v3 weights none top false input 75",
                     "train head on \"data\" epochs 1 batch 2"]
        for index in 0..<count {
            let spec = specs[Int(generator.next() % UInt64(specs.count))]
            let fuzzed = spec.parameters.isEmpty ? nil : Int(generator.next() % UInt64(spec.parameters.count))
            var words = [spec.name]
            for (i, p) in spec.parameters.enumerated() {
                let value: String?
                if i == fuzzed {
                    let extreme = Self.extremes[Int(generator.next() % UInt64(Self.extremes.count))]
                    // Writing to a FIFO is the writers' business (AtomicFile,
                    // NotebookWriter) and not covered here.
                    value = spec.name.hasPrefix("save") && extreme == "\"fifo.jpg\"" ? "\"data/a\"" : extreme
                } else if p.isRequired || p.name == "epochs" || generator.next() % 4 == 0 {
                    value = Self.valid(p)
                } else {
                    value = nil
                }
                guard let value else { continue }
                if let keyword = p.keyword { words.append(keyword) }
                if p.type != .flag { words.append(value) }
            }
            lines.append("print \"#fuzz \(index)\"")
            lines.append(words.joined(separator: " "))
        }
        let script = lines.joined(separator: "\n") + "\n"
        try script.write(toFile: "\(folder)/fuzz.kf", atomically: true, encoding: .utf8)

        // sh sets the cap and execs kungfu, so a signal ends the process itself.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 6000000 && exec \"$0\" < fuzz.kf", try kungfuBinary().path]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var environment = ProcessInfo.processInfo.environment
        environment["KUNGFU_WEIGHTS"] = "none"
        environment["KUNGFU_HOME"] = folder
        environment["HOME"] = folder
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let watchdog = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 240, execute: watchdog)
        // Both pipes are drained at once: a full one would block the child.
        let reader = DispatchGroup()
        nonisolated(unsafe) var stdoutData = Data()
        DispatchQueue.global().async(group: reader) { stdoutData = out.fileHandleForReading.readDataToEndOfFile() }
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        reader.wait()
        process.waitUntilExit()
        watchdog.cancel()

        let stdout = String(decoding: stdoutData, as: UTF8.self), stderr = String(decoding: stderrData, as: UTF8.self)
        let reached = stdout.split(separator: "\n").last { $0.hasPrefix("#fuzz ") }.flatMap { Int($0.dropFirst(6)) }
        let line = reached.map { String(lines[3 + 2 * $0 + 1].prefix(300)) } ?? lines[0..<3].joined(separator: "; ")
        let context = "seed \(seed), last line reached: \(line)\n"
            + String(stderr.suffix(2000))
        XCTAssertEqual(process.terminationReason, .exit, "killed by signal \(process.terminationStatus); \(context)")
        XCTAssertTrue([0, 1, 2].contains(process.terminationStatus), "exit \(process.terminationStatus); \(context)")
        XCTAssertTrue(stdout.contains("#fuzz \(count - 1)\n"), "not every line ran; \(context)")
        XCTAssertFalse(stderr.contains("Fatal error"), context)
        XCTAssertFalse(stdout.contains("\u{1B}") || stderr.contains("\u{1B}"), "a control character reached the terminal")
    }
}
