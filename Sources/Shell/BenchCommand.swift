// BenchCommand.swift — `kungfu bench`: times Inception V3 forward passes
// (299×299, with top, random weights) after one warm-up pass, and reports the
// median and minimum latency per batch, images per second and peak memory.
import ArgumentParser
import Common
import Foundation
import Vision

/// `kungfu bench [--batch N] [--threads T] [--runs K] [--json]`.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time Inception V3 forward passes (299×299, random weights).",
        discussion: """
            One warm-up pass, then --runs timed passes of a batch of --batch random \
            images. Prints the median and minimum time per batch, images per second \
            and the process's peak resident memory. Threads default to \
            KUNGFU_THREADS or all cores. Compare with other runtimes using \
            scripts/bench-compare.
            """)

    @Option(help: "Images per forward pass.")
    var batch = 1

    @Option(help: "Worker threads (default: KUNGFU_THREADS, else all cores).")
    var threads: Int?

    @Option(help: "Timed passes after the warm-up.")
    var runs = 10

    @Option(help: "Seed of the random weights and images.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    /// The root command: its `--json` and `--threads` (RuntimeOptions) take
    /// these words when both declare them, so they are read from there too.
    @ParentCommand var root: Kungfu

    /// The largest --batch: a batch of 64 peaks at about 0.9 GB resident (16 at 315 MB, 1 at 140 MB).
    static let maxBatch = 64
    /// The most --runs.
    static let maxRuns = 10_000

    func validate() throws {
        guard (1...Self.maxBatch).contains(batch) else {
            throw ValidationError("--batch must be between 1 and \(Self.maxBatch), got \(batch)")
        }
        guard (1...Self.maxRuns).contains(runs) else {
            throw ValidationError("--runs must be between 1 and \(Self.maxRuns), got \(runs)")
        }
        try RuntimeOptions.checkThreads(threads)
    }

    func run() throws {
        if let threads = threads ?? root.options.threads { Parallel.threadCount = threads }
        let json = json || root.options.json
        let configuration = try InceptionV3.Configuration()
        let model = try InceptionV3(configuration: configuration,
                                    weights: InceptionV3.randomWeights(for: configuration, seed: seed))
        var generator = SeededGenerator(seed: seed &+ 1)
        let shape = [batch, 299, 299, 3]
        let images = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform(limit: 1) })

        _ = model.predict(images) // warm-up: plans the arena, faults in the pages
        let clock = ContinuousClock()
        var seconds: [Double] = []
        for _ in 0..<runs {
            let elapsed = clock.measure { _ = model.predict(images) }
            seconds.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        }
        let milliseconds = seconds.map { $0 * 1000 }
        seconds.sort()
        let median = runs % 2 == 1 ? seconds[runs / 2] : (seconds[runs / 2 - 1] + seconds[runs / 2]) / 2
        let report = Report(batch: batch, threads: Parallel.threadCount, runs: runs,
                            cpu: SIMDPath.cpuName, simd: SIMDPath.active.rawValue,
                            medianMilliseconds: median * 1000, minimumMilliseconds: seconds[0] * 1000,
                            milliseconds: milliseconds,
                            imagesPerSecond: Double(batch) / median,
                            peakResidentMegabytes: Double(peakResidentBytes()) / 1_048_576,
                            multiplyAdds: InceptionV3.multiplyAdds(for: configuration))
        StandardStream.output.write((json ? report.json : report.text) + "\n")
    }

    struct Report {
        let batch: Int, threads: Int, runs: Int
        /// The CPU (brand, family, model) and the kernels that ran on it.
        let cpu: String, simd: String
        let medianMilliseconds: Double, minimumMilliseconds: Double
        /// Every timed pass, in the order they ran (for scripts that pool
        /// the passes of several runs, such as scripts/bench-compare).
        let milliseconds: [Double]
        let imagesPerSecond: Double, peakResidentMegabytes: Double
        let multiplyAdds: Int

        /// Arithmetic rate of the median pass: 2 flops per multiply-add.
        var gigaflopsPerSecond: Double { 2 * Double(multiplyAdds * batch) / (medianMilliseconds * 1e6) }

        var text: String {
            """
            inception_v3 299×299, batch \(batch), \(threads) thread\(threads == 1 ? "" : "s"), \
            \(runs) run\(runs == 1 ? "" : "s") after a warm-up (random weights)
              cpu         \(cpu), \(simd) kernels
              median      \(format(medianMilliseconds, 1)) ms per batch
              minimum     \(format(minimumMilliseconds, 1)) ms per batch
              throughput  \(format(imagesPerSecond, 2)) images/s (\(format(gigaflopsPerSecond, 1)) GFLOP/s)
              peak memory \(format(peakResidentMegabytes, 0)) MB resident
            """
        }

        var json: String {
            "{\"model\": \"inception_v3\", \"input\": [299, 299, 3], \"batch\": \(batch), \"threads\": \(threads), "
                + "\"runs\": \(runs), \"cpu\": \(JSONValue.quoted(cpu)), \"simd\": \"\(simd)\", "
                + "\"median_ms\": \(format(medianMilliseconds, 3)), "
                + "\"min_ms\": \(format(minimumMilliseconds, 3)), "
                + "\"times_ms\": [\(milliseconds.map { format($0, 3) }.joined(separator: ", "))], "
                + "\"images_per_second\": \(format(imagesPerSecond, 3)), "
                + "\"gflops_per_second\": \(format(gigaflopsPerSecond, 1)), "
                + "\"multiply_adds_per_image\": \(multiplyAdds), "
                + "\"peak_rss_mb\": \(format(peakResidentMegabytes, 1))}"
        }

        private func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
    }
}

/// The process's peak resident set size in bytes (getrusage's ru_maxrss:
/// kilobytes on Linux, bytes on macOS).
func peakResidentBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
    guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
    return Int(usage.ru_maxrss) * 1024
    #else
    guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
    return Int(usage.ru_maxrss)
    #endif
}
