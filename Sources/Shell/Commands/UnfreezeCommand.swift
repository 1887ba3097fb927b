// UnfreezeCommand.swift — `unfreeze layers from LAYER | all`: marks base
// layers trainable again, as Keras' `layer.trainable = True` on a slice of
// `model.layers` (never freezing any layer). `from mixed9` starts at the
// block's first layer, so that after `freeze layers through mixed8` the
// model is Keras' recipe: layers[:249] frozen, layers[249:] trainable.
import Lang

/// `unfreeze layers`: for layer in model.layers[249:]: layer.trainable = True.
struct UnfreezeCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "unfreeze layers",
        summary: "Make base layers trainable again: from a layer or block to the end, or all.",
        parameters: [
            .positional("which", .choice(["all"]), optional: true, summary: "all the base's layers"),
            .keyword("from", .oneOf([.integer, .name]), placeholder: "layer",
                     summary: "the first layer to unfreeze: a name, a block (mixed9 = its first layer) or an index"),
        ],
        example: "unfreeze layers from mixed9",
        keras: "for layer in model.layers[249:]: layer.trainable = True",
        returns: "unfreeze")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        let count = model.baseLayerCount
        let range: Range<Int>
        switch (arguments["which"], arguments["from"]) {
        case (nil, nil):
            throw CommandError("say which layers to unfreeze",
                               notes: ["unfreeze layers from mixed9 or unfreeze layers all"])
        case (_?, _?):
            throw CommandError("give either 'all' or 'from', not both", argument: "from")
        case (_?, nil):
            range = 0..<count
        case (nil, let from?):
            let first = try model.baseIndex(of: from, blockStart: true, argument: "from")
            range = first..<count
        }
        let changed = model.transfer.setTrainable(true, range)
        session.model = model
        return .host(TrainableChangeValue(action: .unfreeze, selected: range, changed: changed, model: model))
    }
}
