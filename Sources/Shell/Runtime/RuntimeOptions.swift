// RuntimeOptions.swift — the options every way of running kungfu shares
// (REPL, -c, run): --json, --notebook, --threads; and making a Host from them.
import ArgumentParser
import Common
import Foundation
import Vision

/// `--json`, `--notebook OUT.ipynb`, `--threads T`.
struct RuntimeOptions: ParsableArguments {
    @Flag(help: "Write every result as one JSON object per line on stdout (human text goes to stderr).")
    var json = false

    @Option(help: ArgumentHelp("Record the run as a Jupyter notebook (nbformat 4.5), written at the end.",
                               valueName: "OUT.ipynb"))
    var notebook: String?

    @Option(name: .customLong("keras-notebook"),
            help: ArgumentHelp("Export the run as a Python notebook of Keras 3 code (as `export keras`), written at the end.",
                               valueName: "OUT.ipynb"))
    var kerasNotebook: String?

    @Option(help: "Worker threads (default: KUNGFU_THREADS, else all cores).")
    var threads: Int?

    func validate() throws {
        try Self.checkThreads(threads)
    }

    /// Checks, before anything runs, that the `--notebook` file can be
    /// written at the end: its folder exists, it is not a folder, and it is
    /// none of the `inputs` (a script the run would otherwise replace).
    /// Throws a usage error (exit 2) naming the problem.
    func checkNotebook(against inputs: [String] = []) throws {
        guard let notebook else { return }
        var target = stat()
        if stat(notebook, &target) == 0 {
            if target.st_mode & S_IFMT == S_IFDIR {
                throw ValidationError("--notebook \(notebook): is a folder, not a file")
            }
            for input in inputs {
                var info = stat()
                if stat(input, &info) == 0, info.st_dev == target.st_dev, info.st_ino == target.st_ino,
                   target.st_mode & S_IFMT == S_IFREG {
                    throw ValidationError("--notebook \(notebook) would replace the script \(input): "
                                          + "give the notebook its own name, e.g. \(Self.notebookName(for: input))")
                }
            }
            return
        }
        let folder = AtomicFile.parentFolder(of: notebook)
        var info = stat()
        guard stat(folder, &info) == 0 else {
            throw ValidationError("--notebook \(notebook): folder '\(folder)' does not exist")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ValidationError("--notebook \(notebook): '\(folder)' is not a folder")
        }
        guard access(folder, W_OK) == 0 else {
            throw ValidationError("--notebook \(notebook): \(systemMessage(errno)) (cannot create a file in '\(folder)')")
        }
    }

    /// `x.ipynb` for `x.kf`.
    static func notebookName(for script: String) -> String {
        let url = URL(fileURLWithPath: script)
        return url.deletingPathExtension().lastPathComponent + ".ipynb"
    }

    /// A host for these options, with the thread count applied.
    func makeHost(environment: [String: String] = ProcessInfo.processInfo.environment) -> Host {
        if let threads { Parallel.threadCount = threads }
        StandardStream.reportsAsJSON = json
        return Host(environment: environment, mode: json ? .json : .text,
                    pictureMode: TerminalImage.mode(environment: environment))
    }

    /// Writes the `--notebook` file, if asked for. Returns false (after a
    /// message) when it could not be written.
    func finish(_ host: Host) -> Bool {
        var written = true
        if let notebook {
            do {
                try host.session.notebook.write(to: notebook)
            } catch {
                host.warn("notebook not written: \(error)")
                written = false
            }
        }
        if let kerasNotebook {
            do {
                try host.session.keras.write(to: kerasNotebook)
            } catch {
                host.warn("Keras notebook not written: \(error)")
                written = false
            }
        }
        return written
    }

    /// `--threads` of every subcommand: 1…Parallel.maxThreadCount.
    static func checkThreads(_ threads: Int?) throws {
        if let threads, !(1...Parallel.maxThreadCount).contains(threads) {
            throw ValidationError("--threads must be between 1 and \(Parallel.maxThreadCount), got \(threads)")
        }
    }
}
