// FreezeCommand.swift — `freeze layers through LAYER | N | all`: marks base
// layers not trainable, as Keras' `layer.trainable = False` on a slice of
// `model.layers` (never making any layer trainable). The head's layers are
// always trainable: freezing acts on the base only.
import Lang
import Vision

/// `freeze layers`: for layer in model.layers[:N]: layer.trainable = False.
struct FreezeCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "freeze layers",
        summary: "Freeze base layers (training leaves them unchanged): through a layer or block, the first N, or all.",
        parameters: [
            .positional("count", .oneOf([.choice(["all"]), .integer]), optional: true,
                        summary: "all the base's layers, or the first N (Keras' model.layers[:N])"),
            .keyword("through", .oneOf([.integer, .name]), placeholder: "layer",
                     summary: "the last layer to freeze: a name (mixed8), a block (mixed0…mixed10) or an index"),
        ],
        example: "freeze layers through mixed8",
        keras: "for layer in model.layers[:249]: layer.trainable = False",
        returns: "freeze")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        let count = model.baseLayerCount
        let range: Range<Int>
        switch (arguments["count"], arguments["through"]) {
        case (nil, nil):
            throw CommandError("say which layers to freeze",
                               notes: ["freeze layers through mixed8, freeze layers 249 or freeze layers all"])
        case (_?, _?):
            throw CommandError("give either a count or 'through', not both", argument: "through",
                               notes: ["freeze layers 249 is freeze layers through 248"])
        case (.string?, nil):
            range = 0..<count
        case (.int(let n)?, nil):
            guard (0...count).contains(n) else {
                throw CommandError("cannot freeze the first \(n) layers: N must be 0…\(count), the base's layers"
                                   + (model.head == nil ? "" : " (the head is always trainable)"),
                                   argument: "count")
            }
            range = 0..<n
        case (nil, let through?):
            let last = try model.baseIndex(of: through, blockStart: false, argument: "through")
            range = 0..<(last + 1)
        case (let other?, nil):
            preconditionFailure("freeze layers: the spec admits all or an int for count, got \(other)")
        }
        let changed = model.transfer.setTrainable(false, range)
        session.model = model
        return .host(TrainableChangeValue(action: .freeze, selected: range, changed: changed, model: model))
    }
}

extension LoadedModel {
    /// The base index an argument names (an int is an index into Keras'
    /// `model.layers`, a name a layer or, with `blockStart`, a block's first
    /// layer): Vision's `baseIndex`, its errors at `argument` with what to do.
    func baseIndex(of value: Value, blockStart: Bool, argument: String) throws -> Int {
        let reference: LayerReference
        switch value {
        case .int(let i): reference = .index(i)
        case .string(let name): reference = .name(name)
        default: preconditionFailure("baseIndex: the command spec admits only ints and names, got \(value)")
        }
        do {
            return try transfer.baseIndex(of: reference, blockStart: blockStart)
        } catch let error as LayerLookupError {
            switch error {
            case .indexOutOfRange:
                throw CommandError(error.description, argument: argument, notes: ["see the indexes with: layers"])
            case .headLayer(_, let count):
                throw CommandError(error.description, argument: argument,
                                   notes: ["freeze and unfreeze act on the base (layers 0…\(count - 1))"])
            case .setAside:
                throw CommandError(error.description, argument: argument,
                                   notes: ["the model is the base through \(TransferModel.featureLayer), then the head"])
            case .unknown(let name, let candidates):
                throw CommandError("\(self.name) has no layer '\(name)'" + Suggestions.hint(for: name, among: candidates),
                                   argument: argument, notes: ["see the names with: layers"])
            }
        }
    }
}
