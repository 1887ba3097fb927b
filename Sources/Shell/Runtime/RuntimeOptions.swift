// RuntimeOptions.swift — the options every way of running kungfu shares
// (REPL, -c, run): --json, --notebook, --threads; and making a Host from them.
import ArgumentParser
import Foundation
import Vision

/// `--json`, `--notebook OUT.ipynb`, `--threads T`.
struct RuntimeOptions: ParsableArguments {
    @Flag(help: "Write every result as one JSON object per line on stdout (human text goes to stderr).")
    var json = false

    @Option(help: ArgumentHelp("Record the run as a Jupyter notebook (nbformat 4.5), written at the end.",
                               valueName: "OUT.ipynb"))
    var notebook: String?

    @Option(help: "Worker threads (default: KUNGFU_THREADS, else all cores).")
    var threads: Int?

    func validate() throws {
        try Self.checkThreads(threads)
    }

    /// A host for these options, with the thread count applied.
    func makeHost(environment: [String: String] = ProcessInfo.processInfo.environment) -> Host {
        if let threads { Parallel.threadCount = threads }
        return Host(environment: environment, mode: json ? .json : .text,
                    pictureMode: TerminalImage.mode(environment: environment))
    }

    /// Writes the `--notebook` file, if asked for. Returns false (after a
    /// message) when it could not be written.
    func finish(_ host: Host) -> Bool {
        guard let notebook else { return true }
        do {
            try host.session.notebook.write(to: notebook)
            return true
        } catch {
            host.warn("notebook not written: \(error)")
            return false
        }
    }

    /// `--threads` of every subcommand: 1…Parallel.maxThreadCount.
    static func checkThreads(_ threads: Int?) throws {
        if let threads, !(1...Parallel.maxThreadCount).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(Parallel.maxThreadCount), got \(threads)")
        }
    }
}
