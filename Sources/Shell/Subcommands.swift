// Subcommands.swift — the one table of `kungfu` subcommands.
import ArgumentParser

extension Kungfu {
    /// Every subcommand of the executable, in the order `--help` lists them.
    static let subcommandTable: [any ParsableCommand.Type] = [
        RunCommand.self,
        BenchCommand.self,
        FetchWeightsCommand.self,
        KernelCommand.self,
    ]
}
