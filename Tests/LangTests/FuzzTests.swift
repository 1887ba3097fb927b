// FuzzTests.swift — no input crashes the interpreter: thousands of seeded
// cases on a 512 KiB stack end cleanly (see `FuzzTests`). Oracle: no crash,
// and every diagnostic renders with a location inside its source.
import Foundation
import XCTest
@testable import Lang

/// SplitMix64: a small seeded generator, so a failing case can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the fuzz thread found. @unchecked Sendable: the thread writes it and
/// the test reads it only after `done.wait()`, so the accesses never overlap.
final class FuzzResults: @unchecked Sendable {
    var failures: [String] = []
    var outcomes: [String: Int] = [:]
}

/// No input crashes the interpreter.
///
/// Mutated golden scripts, random bytes (invalid UTF-8 included), deep
/// nesting, huge numbers and interrupts each end in a clean outcome:
/// completed, incomplete, failed with well-formed diagnostics, or
/// interrupted. They run on a thread with a 512 KiB stack (a macOS
/// secondary thread's default), which shows the nesting limit keeps the
/// recursion small enough. KUNGFU_FUZZ_SEED and KUNGFU_FUZZ_CASES choose the
/// cases; KUNGFU_FUZZ_DUMP=FILE writes each case to FILE before it runs.
final class FuzzTests: XCTestCase {
    static let fragments = [
        "{", "}", "(", ")", "[", "]", "\"", "\\(", "\\", "#", "## ", "\n", ";", ",", ".", "...", "..<", "**", "-",
        "//", "%", "==", "=", "<", "not ", " and ", " or ", " in ", "for x in ", "if ", " else ", "let y = ",
        "print ", "help ", "predict ", "load model ", "show activations ", " of ", " top ", "greet ", "echo ",
        "interrupt me", "count to ", "pick layers ", "99999999999999999999", "1e999", "9223372036854775807",
        "-9223372036854775807 - 1", "0.1", "1e-300", "\"\\u{1F600}\"", "\"\\u{110000}\"", "é", "😀", "\u{0}",
        "\u{FFFD}", "\t", "\r\n", "\r", "len(", "round(", "max(", "sum(", "type(", "fields(", "r.label", "x[0]",
        "[1, 2, 3]", "1...3", "0..<10", "true", "false", "\"a\" + ", "x", "r", "i", "mixed2", "imagenet",
    ]

    static let edgeCases = [
        "for i in 1...10 { if i == 5 { interrupt me } }", "print 1\nstop early\nprint 2", "interrupt me; print 1",
        "print 9223372036854775807 * 9223372036854775807", "print -(-9223372036854775807 - 1)",
        "print 2 ** 9999", "print 2 ** -9999", "print 0 ** -1", "print 1e308 * 1e308", "print -1e308 * 1e308 / 0.0",
        "print int(1e300)", "print round(1e300)", "print round(-1e300, 3)", "print round(2.5, 99999999999)",
        "print (-9223372036854775807 - 1) // -1", "print (-9223372036854775807 - 1) % -1",
        "print abs(-9223372036854775807 - 1)", "print len((-9223372036854775807 - 1)...9223372036854775807)",
        "print (0...9223372036854775807)[-1]", "print ((-9223372036854775807 - 1)...9223372036854775807)[5]",
        "for i in 9223372036854775806...9223372036854775807 { print i }", "print sum(1...3000000)",
        "print max(0...9223372036854775807)", "print 5 in (-9223372036854775807 - 1)..<9223372036854775807",
        "print float(\"1e400\"), int(\"99999999999999999999\"), float(\"nan\") == float(\"nan\")",
        "print 9223372036854775807 + 1.0", "print [1][-9223372036854775807 - 1]", "print \"ab\"[9223372036854775807]",
        "pick layers (-9223372036854775807 - 1)...(-9223372036854775807)", "print 1.0 % 0.0",
        "predict \"a.jpg\" top 9223372036854775807", "greet x times -9223372036854775807 - 1",
    ]

    func testNoInputCrashes() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["KUNGFU_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x6B75_6E67_6675
        let count = environment["KUNGFU_FUZZ_CASES"].flatMap { Int($0) } ?? 3000
        let corpus = try Self.corpus()
        let dump = environment["KUNGFU_FUZZ_DUMP"]
        let results = FuzzResults()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var rng = SplitMix64(state: seed)
            for n in 0..<count {
                let source = Self.generate(n, corpus: corpus, rng: &rng)
                if let dump {
                    _ = FileManager.default.createFile(atPath: dump, contents: Data(source.utf8))
                    FileHandle.standardError.write(Data("fuzz case \(n)\n".utf8))
                }
                if let problem = Self.check(source, useREPL: n % 2 == 1, rng: &rng, outcomes: &results.outcomes) {
                    results.failures.append("case \(n) (seed \(seed)): \(problem)\nsource: \(source.debugDescription.prefix(400))")
                }
            }
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
        let (failures, outcomes) = (results.failures, results.outcomes)
        XCTAssertEqual(failures, [], failures.prefix(5).joined(separator: "\n\n"))
        // The generator must reach every kind of outcome, or it is not testing much.
        for kind in ["completed", "failed", "incomplete", "interrupted"] {
            XCTAssertGreaterThan(outcomes[kind, default: 0], 0, "no fuzz case ended \(kind): \(outcomes)")
        }
    }

    /// The golden scripts, plus a few lines that reach the commands.
    static func corpus() throws -> [String] {
        let root = GoldenScriptTests.scripts
        var sources: [String] = []
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(atPath: root.path), "cannot list \(root.path)")
        for case let path as String in enumerator where path.hasSuffix(".kf") {
            sources.append(try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
        XCTAssertGreaterThan(sources.count, 20, "the fuzz corpus is the golden scripts in \(root.path)")
        return sources.sorted() + ["let r = predict \"a.jpg\" top 2\nfor p in r { print p.label }\nr[0].score"]
    }

    static func generate(_ n: Int, corpus: [String], rng: inout SplitMix64) -> String {
        switch n % 10 {
        case 0, 1, 2, 3, 4:
            var scalars = Array(corpus.randomElement(using: &rng)!.unicodeScalars)
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let at = Int.random(in: 0...scalars.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0:
                    scalars.removeSubrange(at..<min(scalars.count, at + Int.random(in: 1...12, using: &rng)))
                case 1:
                    scalars.insert(contentsOf: fragments.randomElement(using: &rng)!.unicodeScalars, at: at)
                case 2:
                    scalars.insert(Unicode.Scalar(UInt8.random(in: 0...127, using: &rng)), at: at)
                default:
                    scalars = Array(scalars[..<at])
                }
            }
            var s = ""
            s.unicodeScalars.append(contentsOf: scalars)
            return s
        case 5:
            let bytes = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            return String(decoding: bytes, as: UTF8.self)
        case 6:
            return (0..<Int.random(in: 1...60, using: &rng)).map { _ in fragments.randomElement(using: &rng)! }.joined()
        case 7:
            let depth = Int.random(in: 1...400, using: &rng)
            let shapes = [
                String(repeating: "(", count: depth) + "1" + String(repeating: ")", count: depth),
                "print " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
                String(repeating: "if true {", count: depth) + String(repeating: "}", count: depth),
                String(repeating: "for i in [1] {\n", count: depth),
                "print \"" + String(repeating: "\\(\"", count: depth),
                "print " + String(repeating: "-", count: depth) + "1",
                "print " + String(repeating: "not ", count: depth) + "true",
                "print 1" + String(repeating: " + 1", count: depth),
                "print " + String(repeating: "2 ** ", count: depth) + "2",
                "let x = [1]\nprint x" + String(repeating: "[0]", count: depth),
                "let r = predict \"a.jpg\"\nprint r" + String(repeating: ".label", count: depth),
                "let l = [1]\nfor i in 1...\(depth) { let l = [l, l] }",
                "let s = \"ab\"\nfor i in 1...\(depth) { let s = s + s }",
                String(repeating: "print 1; ", count: depth),
                String(repeating: "}", count: depth),
            ]
            return shapes.randomElement(using: &rng)!
        case 8:
            return edgeCases.randomElement(using: &rng)!
        default:
            let lines = corpus.randomElement(using: &rng)!.split(separator: "\n", omittingEmptySubsequences: false)
            return (0..<Int.random(in: 1...12, using: &rng)).map { _ in lines.randomElement(using: &rng)! }
                .joined(separator: Int.random(in: 0..<3, using: &rng) == 0 ? ";" : "\n")
        }
    }

    /// Runs one case; returns what is wrong, or nil.
    static func check(_ source: String, useREPL: Bool, rng: inout SplitMix64, outcomes: inout [String: Int]) -> String? {
        let limits = Limits(maxStringLength: 1 << 16, maxListLength: 1 << 12, maxSteps: 5000)
        let interpreter = Interpreter(registry: TestHost.registry(), limits: limits) { _ in }
        interpreter.onNarration = { _, _ in }
        interpreter.completionProvider = { _ in ["mixed0"] }
        let outcome = useREPL ? interpreter.evaluate(input: source, name: "fuzz") : interpreter.run(source: source, name: "fuzz")
        switch outcome {
        case .completed: outcomes["completed", default: 0] += 1
        case .incomplete: outcomes["incomplete", default: 0] += 1
        case .failed: outcomes["failed", default: 0] += 1
        case .interrupted: outcomes["interrupted", default: 0] += 1
        }
        if case .failed(let ds) = outcome, ds.isEmpty { return "failed without a diagnostic" }
        let lineCount = source.unicodeScalars.filter { $0 == "\n" }.count + 1
        for d in outcome.diagnostics {
            let text = d.render()
            guard text.hasPrefix("error: "), !d.message.isEmpty else { return "malformed diagnostic: \(text)" }
            guard d.location.line >= 1, d.location.line <= lineCount, d.location.column >= 1 else {
                return "diagnostic outside its source (\(lineCount) lines): \(text)"
            }
        }
        // Completion at a random point, and the golden-script reader, must not crash either.
        let scalars = Array(source.unicodeScalars)
        var prefix = ""
        prefix.unicodeScalars.append(contentsOf: scalars[..<Int.random(in: 0...scalars.count, using: &rng)])
        _ = interpreter.completions(for: prefix)
        _ = GoldenScript(source: source, name: "fuzz").check(stdout: "", stderr: "")
        return nil
    }
}
