// SummaryCommand.swift — `summary`: the loaded model as Keras 2's plain
// `model.summary()` table (layer and type, output shape, parameters,
// connections) with total, trainable and non-trainable parameter counts as
// Keras counts them after freezing; with a head, the base through mixed10
// then the head's rows.
import Lang

/// `summary`: model.summary().
struct SummaryCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "summary",
        summary: "Show the model's layers, output shapes, parameters and connections, as Keras' model.summary().",
        example: "summary",
        keras: "model.summary()",
        returns: "summary")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let model = try session.requireModel()
        return .host(SummaryValue(model))
    }
}
