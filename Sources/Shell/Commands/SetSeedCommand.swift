// SetSeedCommand.swift — `set seed N`: the seed of everything random in the
// session (random weights, shuffling), like Keras' set_random_seed.
import Lang

/// `set seed <integer>`.
struct SetSeedCommand: HostCommand {
    /// The session whose seed is set.
    let session: Session

    let spec = CommandSpec(
        "set seed",
        summary: "Set the seed of everything random (random weights, shuffling), so runs repeat.",
        parameters: [.positional("seed", .integer, placeholder: "integer", range: .integers(0...Int.max), summary: "a whole number")],
        example: "set seed 42",
        keras: "keras.utils.set_random_seed(42)")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        guard let seed = arguments.int("seed") else { preconditionFailure("set seed: the registry checks that seed is an integer") }
        session.seed = UInt64(seed)
        return nil
    }
}
