// Kungfu.swift — the `kungfu` executable's command line: the REPL (no
// arguments), `-c STATEMENTS`, `run`, `bench`. Exit status: 0 success, 1 a
// script error or output that could not be written, 2 a usage error
// (ArgumentParser's own 64 is mapped to 2), 130 a script stopped by Ctrl-C
// (128 + SIGINT, as Unix tools exit).
import ArgumentParser
import Common
import Foundation
import Vision

@main
struct Kungfu: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "kungfu",
        abstract: "A notebook-style REPL that teaches transfer learning with Inception V3.",
        discussion: """
            Without arguments kungfu starts the REPL (plain lines when stdin is not a \
            terminal). Type commands such as `load model inception_v3` and \
            `predict "cat.jpg" top 3`; `help` lists them. See docs/shell.md.
            """,
        version: version,
        subcommands: subcommandTable
    )

    @OptionGroup var options: RuntimeOptions

    /// `.unconditional`: `-c '-1'` runs the statement `-1`; the word after
    /// `-c` is never read as an option.
    @Option(name: .customShort("c"), parsing: .unconditional,
            help: ArgumentHelp("Run these statements, then exit.", valueName: "statements"))
    var statements: String?

    func validate() throws {
        try options.checkNotebook()
    }

    func run() throws {
        let host = options.makeHost()
        let succeeded: Bool
        if let statements {
            succeeded = host.run(source: statements, name: "<command line>")
        } else {
            succeeded = startREPL(host)
        }
        let saved = options.finish(host)
        if host.wasInterrupted && statements != nil { throw ExitCode(130) }
        if !(succeeded && saved) { throw ExitCode(1) }
    }

    /// Runs the REPL on the standard streams; see `LineEditors.standard`.
    private func startREPL(_ host: Host) -> Bool {
        let environment = ProcessInfo.processInfo.environment
        let stdinIsTerminal = Terminal.isTerminal(.standardInput)
        let stdoutIsTerminal = Terminal.isTerminal(.standardOutput)
        let transcript = !stdinIsTerminal && environment["KUNGFU_PROMPTS"] == "1"
        host.numbersResults = stdinIsTerminal || transcript
        if stdinIsTerminal && !stdoutIsTerminal {
            OutputStreams.standard.err(REPL.banner)
        } else if host.numbersResults {
            OutputStreams.standard.out(REPL.banner)
        }
        let editor = LineEditors.standard(completer: { [host] text in
            HostCompletion.lineCandidates(text, interpreter: host.interpreter)
        }, environment: environment)
        let succeeded = REPL.run(host: host, editor: editor)
        // A terminal session's errors were seen as they happened; only piped
        // input reports them in the exit status.
        return stdinIsTerminal || succeeded
    }

    /// Parses the command line and runs it; maps usage errors to status 2,
    /// and a run whose output could not all be written to status 1.
    static func main() {
        StandardStream.guardClosedDescriptors()
        TemporaryFiles.installSignalCleanup()
        if let problem = SIMDPath.environmentProblem { StandardStream.error.write("kungfu: \(problem)\n") }
        var status: Int32 = 0
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { StandardStream.output.write(message + "\n") }
            } else {
                if !message.isEmpty { StandardStream.error.write(message + "\n") }
                status = code == .validationFailure ? 2 : code.rawValue
            }
        }
        if status == 0 && StandardStream.anyFailed { status = 1 }
        Foundation.exit(status)
    }
}
