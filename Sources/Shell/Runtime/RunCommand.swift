// RunCommand.swift — `kungfu run FILE.kf [FILE…]`: runs scripts in one
// session, in order, stopping at the first error. Exit 0 when all ran, 1 on
// a script error (diagnostics on stderr), 2 when a file cannot be read.
import ArgumentParser
import Foundation
import Lang

/// `kungfu run FILE.kf [FILE…]`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run .kf scripts in one session, stopping at the first error.",
        discussion: "Narration (## lines) is echoed. Exit status: 0 when every script ran, 1 on a script error, 2 on a usage error or an unreadable file, 130 when Ctrl-C stopped it.")

    @OptionGroup var options: RuntimeOptions

    @Argument(help: ArgumentHelp("The scripts to run, in order.", valueName: "FILE.kf"))
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one script to run") }
        try options.checkNotebook(against: files)
    }

    func run() throws {
        var sources: [(path: String, bytes: [UInt8])] = []
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
                OutputStreams.standard.err("kungfu: \(path): \(reason)\n")
                throw ExitCode(2)
            }
            sources.append((path, Array(data)))
        }
        let host = options.makeHost()
        var succeeded = true
        for source in sources where succeeded {
            // Not UTF-8: an error at the first bad byte, as Python gives, never a run with U+FFFD.
            if let invalid = Diagnostic.invalidUTF8(source.bytes, name: source.path) {
                host.reportErrors([invalid])
                succeeded = false
                break
            }
            succeeded = host.run(source: String(decoding: source.bytes, as: UTF8.self), name: source.path)
        }
        let saved = options.finish(host)
        if host.wasInterrupted { throw ExitCode(130) }
        if !(succeeded && saved) { throw ExitCode(1) }
    }
}
