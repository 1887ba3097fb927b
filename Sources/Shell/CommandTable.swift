// CommandTable.swift — the one table of kungfu's commands. `help`,
// completion and "did you mean" all come from what is registered here.
import Lang

enum CommandTable {
    /// Every command, in the order `help` lists them.
    static func commands(for session: Session) -> [any HostCommand] {
        [
            LoadModelCommand(session: session),
            SummaryCommand(session: session),
            LayersCommand(session: session),
            PredictCommand(session: session),
            ShowImageCommand(session: session),
            ShowActivationsCommand(session: session),
            ExplainCommand(session: session),
            SaveActivationsCommand(session: session),
            SaveWeightsCommand(session: session),
            ShowFiltersCommand(session: session),
            FreezeCommand(session: session),
            UnfreezeCommand(session: session),
            TrainHeadCommand(session: session),
            FineTuneCommand(session: session),
            EvaluateCommand(session: session),
            ShowHistoryCommand(session: session),
            ShowConfusionCommand(session: session),
            SaveHeadCommand(session: session),
            LoadHeadCommand(session: session),
            SaveModelCommand(session: session),
            SetSeedCommand(session: session),
            SaveNotebookCommand(session: session),
            ExportKerasCommand(session: session),
        ]
    }

    /// A registry holding every command of the table.
    static func registry(for session: Session) -> CommandRegistry {
        let registry = CommandRegistry()
        for command in commands(for: session) {
            do { try registry.register(command) } catch {
                preconditionFailure("command table: \(error)")
            }
        }
        return registry
    }
}
