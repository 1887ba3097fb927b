// ProgressBar.swift — Keras-style progress bars. Steps:
//   13/27 [=============>................] - ETA: 1s - loss: 0.6931
//   27/27 [==============================] - 0.52s 19ms/step - loss: 0.6931
// and downloads:
//   12.3 MB / 92.0 MB  [===>                          ] 1.2 MB/s ETA 0:01:05
// On a terminal the line is redrawn in place with \r (at most every 50 ms);
// elsewhere only the final line is written, so piped output has no control
// characters. The line formatters are pure functions; the sink and the clock
// are injectable.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where a progress bar draws: whether that is a terminal, and how to write.
public struct ProgressSink: Sendable {
    /// True when the destination is a terminal, so the bar may redraw itself.
    public let isTerminal: Bool
    /// Writes text as it is (no newline added).
    public let write: @Sendable (String) -> Void

    /// A sink that writes with `write` and redraws in place when `isTerminal`.
    public init(isTerminal: Bool, write: @escaping @Sendable (String) -> Void) {
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Where live progress goes instead of the standard streams while
    /// `whileRedirected` runs (the Jupyter kernel's progress display).
    nonisolated(unsafe) private static var redirection: ProgressSink?   // set and read on the main thread

    /// Runs `body` with `standardOutput` and `standardError` both being `sink`.
    static func whileRedirected<T>(to sink: ProgressSink, _ body: () throws -> T) rethrows -> T {
        let previous = redirection
        redirection = sink
        defer { redirection = previous }
        return try body()
    }

    /// Standard output (`StandardStream.output`, in order with results).
    public static var standardOutput: ProgressSink {
        if let redirection { return redirection }
        let isTerminal = Terminal.isTerminal(.standardOutput)
        return ProgressSink(isTerminal: isTerminal) { text in
            StandardStream.output.write(text)
            if isTerminal { LiveLine.wrote(text, on: .standardOutput) }
        }
    }

    /// Standard error, where download progress goes (a diagnostic, not a result).
    public static var standardError: ProgressSink {
        if let redirection { return redirection }
        let isTerminal = Terminal.isTerminal(.standardError)
        return ProgressSink(isTerminal: isTerminal) { text in
            StandardStream.error.write(text)
            if isTerminal { LiveLine.wrote(text, on: .standardError) }
        }
    }
}

/// A bar redrawn in place ("\r…") leaves the terminal's cursor after it
/// until the bar finishes. When something else is written first (Ctrl-C's
/// `interrupted at …`, an error, a result), `close()` ends that line, so the
/// message starts on a line of its own instead of after "ETA: 1s".
enum LiveLine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var openOn: Terminal.Stream?   // guarded by lock

    /// Records what a live sink wrote to `stream`: the line stays open unless
    /// it ended with a newline or a carriage return (an erased bar).
    static func wrote(_ text: String, on stream: Terminal.Stream) {
        lock.withLock { openOn = text.hasSuffix("\n") || text.hasSuffix("\r") ? nil : stream }
    }

    /// Ends an open live line with a newline on the stream it is on.
    static func close() {
        lock.withLock {
            guard let stream = openOn else { return }
            openOn = nil
            (stream == .standardOutput ? StandardStream.output : StandardStream.error).write("\n")
        }
    }
}

/// A progress bar for a loop of known (or unknown) length, or for a download.
///
///     let bar = ProgressBar(total: batches.count)
///     for (i, batch) in batches.enumerated() {
///         let loss = train(batch)
///         bar.update(i + 1, metrics: [("loss", loss)])
///     }
///     bar.finish(metrics: [("loss", loss)])
///
/// Not thread-safe: drive it from one thread.
public final class ProgressBar {
    /// What is counted.
    public enum Kind: Equatable, Sendable {
        /// Steps (batches, images) named `unit` in the per-step time ("ms/step").
        case steps(unit: String)
        /// Bytes of a download: sizes, rate and ETA instead of a count.
        case bytes
    }

    /// A named number shown after the bar, like Keras' `loss: 0.6931`.
    public typealias Metric = (name: String, value: Double)

    /// What the count goes to; nil while unknown. It may be learned later: a
    /// download's size arrives with the server's headers.
    public var total: Int? {
        didSet { precondition(total.map { $0 >= 0 } ?? true, "ProgressBar: negative total \(total!)") }
    }
    private let kind: Kind
    private let width: Int
    private let sink: ProgressSink
    private let clock: () -> Double
    private let minimumInterval: Double
    private let start: Double
    private var lastDraw: Double?
    private var drawnWidth = 0
    private var finished = false

    /// Starts a bar counting to `total` (nil: unknown) with a bar `width`
    /// characters wide; `clock` returns seconds (monotonic by default).
    public init(total: Int?, kind: Kind = .steps(unit: "step"), width: Int = 30,
                sink: ProgressSink = .standardOutput,
                clock: @escaping () -> Double = ProgressBar.monotonicSeconds,
                minimumInterval: Double = 0.05) {
        precondition(width > 0, "ProgressBar: width must be positive, got \(width)")
        precondition(total.map { $0 >= 0 } ?? true, "ProgressBar: negative total \(total!)")
        self.total = total
        self.kind = kind
        self.width = width
        self.sink = sink
        self.clock = clock
        self.minimumInterval = minimumInterval
        self.start = clock()
    }

    /// Reports that `current` steps (or bytes) are done. On a terminal the
    /// line is redrawn unless the last redraw was under `minimumInterval` ago;
    /// elsewhere nothing is written until `finish`.
    public func update(_ current: Int, metrics: [Metric] = []) {
        precondition(!finished, "ProgressBar.update after finish")
        guard sink.isTerminal else { return }
        let now = clock()
        if let lastDraw, now - lastDraw < minimumInterval { return }
        lastDraw = now
        draw(line(current: current, now: now, finished: false, metrics: metrics), final: false)
    }

    /// Writes the final line (on a terminal over the running one) and a
    /// newline. `current` defaults to the total.
    public func finish(_ current: Int? = nil, metrics: [Metric] = []) {
        precondition(!finished, "ProgressBar.finish called twice")
        finished = true
        let done = current ?? total ?? 0
        draw(line(current: done, now: clock(), finished: true, metrics: metrics), final: true)
    }

    private func line(current: Int, now: Double, finished: Bool, metrics: [Metric]) -> String {
        let elapsed = max(0, now - start)
        switch kind {
        case .steps(let unit):
            return ProgressBar.stepLine(current: current, total: total, elapsed: elapsed, finished: finished,
                                        metrics: metrics, width: width, unit: unit)
        case .bytes:
            return ProgressBar.byteLine(received: current, total: total, elapsed: elapsed, finished: finished,
                                        width: width)
        }
    }

    private func draw(_ text: String, final: Bool) {
        if sink.isTerminal {
            let length = text.count
            let padding = String(repeating: " ", count: max(0, drawnWidth - length))
            drawnWidth = length
            sink.write("\r" + text + padding + (final ? "\n" : ""))
        } else if final {
            sink.write(text + "\n")
        }
    }

    // MARK: - Pure formatting

    /// The Keras-style step line.
    ///
    ///     stepLine(current: 13, total: 27, elapsed: 1.3, finished: false, metrics: [], width: 30, unit: "step")
    ///     // "13/27 [=============>................] - ETA: 1s"
    ///     stepLine(current: 27, total: 27, elapsed: 0.02, finished: true, metrics: [("loss", 0.5)], width: 30, unit: "step")
    ///     // "27/27 [==============================] - 0.02s 741us/step - loss: 0.5000"
    public static func stepLine(current: Int, total: Int?, elapsed: Double, finished: Bool,
                                metrics: [Metric], width: Int, unit: String) -> String {
        var text: String
        if let total {
            let digits = String(total).count
            text = String(repeating: " ", count: max(0, digits - String(current).count)) + "\(current)/\(total) "
            text += bar(fraction: total == 0 ? 1 : Double(current) / Double(total), done: current >= total,
                        width: width, empty: ".")
        } else {
            text = String(repeating: " ", count: max(0, 7 - String(current).count)) + "\(current)/Unknown"
        }
        let perStep = current > 0 ? elapsed / Double(current) : 0
        if finished || total == nil {
            text += " - " + duration(elapsed) + " " + stepTime(perStep, unit: unit)
        } else if current > 0, let total {
            text += " - ETA: " + eta(perStep * Double(total - current))
        }
        for metric in metrics {
            text += " - \(metric.name): " + metricValue(metric.value)
        }
        return text
    }

    /// The download line: sizes, bar, rate and time left (or time taken).
    ///
    ///     byteLine(received: 12_300_000, total: 92_000_000, elapsed: 10, finished: false, width: 30)
    ///     // "12.3 MB / 92.0 MB  [===>                          ] 1.2 MB/s ETA 0:01:05"
    public static func byteLine(received: Int, total: Int?, elapsed: Double, finished: Bool, width: Int) -> String {
        let rate = elapsed > 0 ? Double(received) / elapsed : 0
        let rateText = elapsed > 0 ? byteCount(Int(rate.rounded())) + "/s" : "--/s"
        guard let total else {
            return byteCount(received) + "  " + rateText + (finished ? " in " + clockTime(elapsed) : "")
        }
        var text = byteCount(received, unitOf: total) + " / " + byteCount(total) + "  "
        text += bar(fraction: total == 0 ? 1 : Double(received) / Double(total), done: received >= total,
                    width: width, empty: " ")
        text += " " + rateText
        if finished {
            text += " in " + clockTime(elapsed)
        } else if rate > 0 {
            text += " ETA " + clockTime(Double(max(0, total - received)) / rate)
        } else {
            text += " ETA --:--:--"
        }
        return text
    }

    /// `[=====>....]`: `int(width × fraction)` cells done, the last one a `>`
    /// head until the work is done, as Keras draws it.
    static func bar(fraction: Double, done: Bool, width: Int, empty: Character) -> String {
        let filled = min(width, max(0, Int(Double(width) * min(1, max(0, fraction)))))
        var text = "["
        if filled > 0 {
            text += String(repeating: "=", count: filled - 1) + (done ? "=" : ">")
        }
        text += String(repeating: empty, count: width - filled) + "]"
        return text
    }

    /// Elapsed time: "0.02s", "3.14s" under 10 s, "12.3s" under a minute, then
    /// "1:05" and "1:02:03".
    static func duration(_ seconds: Double) -> String {
        if seconds < 9.995 { return String(format: "%.2fs", seconds) }
        if seconds < 59.95 { return String(format: "%.1fs", seconds) }
        return eta(seconds)
    }

    /// Keras' per-step time: "2s/step", "19ms/step", "741us/step".
    static func stepTime(_ seconds: Double, unit: String) -> String {
        if seconds >= 1 || seconds == 0 { return String(format: "%.0fs/", seconds) + unit }
        if seconds >= 1e-3 { return String(format: "%.0fms/", seconds * 1e3) + unit }
        return String(format: "%.0fus/", seconds * 1e6) + unit
    }

    /// Keras' ETA: "45s", "1:05", "1:02:03".
    static func eta(_ seconds: Double) -> String {
        let whole = Int(seconds)
        if seconds > 3600 { return String(format: "%d:%02d:%02d", whole / 3600, whole % 3600 / 60, whole % 60) }
        if seconds > 60 { return String(format: "%d:%02d", whole / 60, whole % 60) }
        return "\(whole)s"
    }

    /// Hours, minutes, seconds: "0:01:05".
    static func clockTime(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", whole / 3600, whole % 3600 / 60, whole % 60)
    }

    /// Keras' metric format: 4 decimals, or scientific when |x| ≤ 0.001;
    /// `nan` and `inf` as Python prints them (never C's `-nan`).
    static func metricValue(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return abs(value) > 1e-3 ? String(format: "%.4f", value) : String(format: "%.4e", value)
    }

    /// Decimal (SI) sizes: "512 B", "12.3 kB", "92.0 MB", "1.2 GB"; with
    /// `unitOf`, in the unit that `unitOf` would be shown in.
    static func byteCount(_ bytes: Int, unitOf reference: Int? = nil) -> String {
        let units: [(String, Double)] = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)]
        let scale = reference ?? bytes
        for (name, size) in units where Double(scale) >= size {
            return String(format: "%.1f ", Double(bytes) / size) + name
        }
        return "\(bytes) B"
    }

    /// Seconds from an arbitrary start, CLOCK_MONOTONIC.
    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
