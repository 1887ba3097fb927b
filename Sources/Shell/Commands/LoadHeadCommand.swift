// LoadHeadCommand.swift — `load head "f.h5"`: puts a head saved by `save head`
// on the loaded model, in place of its ImageNet top or previous head. The head
// must take the base's pooled features (mixed10's 2048 channels); a failed load
// leaves the model as it was.
import Lang
import Vision

/// `load head`: Keras' `load_weights` into the head's Dense layers on the base.
struct LoadHeadCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "load head",
        summary: "Put a head saved by `save head` on the loaded model, in place of its classifier.",
        parameters: [
            .positional("file", .string, placeholder: "file.h5", summary: "a head file written by `save head`"),
        ],
        example: "load head \"out/pets.h5\"",
        keras: "model = keras.Model(base.input, head(GlobalAveragePooling2D()(base.output))); head.load_weights('out/pets.h5')",
        returns: "head file")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        var model = try session.requireModel()
        let path = arguments.path("file")!
        let head: Head
        do {
            head = try HeadFile.read(path)
        } catch {
            throw LoadModelCommand.commandError(error, argument: "file")
        }
        let features = model.featureWidth
        guard head.inputs == features else {
            throw CommandError("\(path): the head takes \(head.inputs) features, but \(model.name)'s \(TransferModel.featureLayer) gives"
                                   + " \(features)", argument: "file")
        }
        var notes: [String] = []
        if let previous = model.head {
            notes.append("it replaces the previous head for \(WeightsFileText.classes(previous.classes))")
        } else if model.network.configuration.includeTop {
            notes.append("it replaces \(model.name)'s ImageNet top (avg_pool, predictions)")
        }
        model.head = head
        model.training = nil   // the history and confusion matrix belonged to the previous head
        session.model = model
        return .host(HeadFileValue(action: "loaded", path: path, head: head, notes: notes))
    }
}
