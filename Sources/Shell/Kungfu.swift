// Kungfu.swift — the `kungfu` executable's command line: the REPL (no
// arguments), `run`, `-c`, `bench`. Each subcommand lives in its own file.
import ArgumentParser

@main
struct Kungfu: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "kungfu",
        abstract: "A notebook-style REPL that teaches transfer learning with Inception V3.",
        discussion: """
            kungfu runs a pure-Swift Inception V3 on the CPU. Type commands such as
            `load model inception_v3` and `predict "cat.jpg" top 3`.
            """,
        version: version,
        subcommands: subcommandTable
    )
}
