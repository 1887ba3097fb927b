// SaveHeadCommand.swift — `save head "f.h5"`: the session's head (trained or
// loaded) as a Keras 2 legacy weights file with its class names (HeadFile),
// written atomically.
import Lang
import Vision

/// `save head`: the head's Dense layers through Keras' `save_weights`, plus the class names.
struct SaveHeadCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "save head",
        summary: "Save the trained head (its Dense layers and class names) as a Keras .h5 weights file.",
        parameters: [
            .positional("file", .string, placeholder: "file.h5", summary: "the .h5 file to write"),
        ],
        example: "save head \"out/pets.h5\"",
        keras: "head.save_weights('out/pets.h5')  # tf_keras; head = Input((2048,)) → Dense → Dropout → Dense",
        returns: "head file")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        guard let head = session.model?.head else {
            throw CommandError("no head has been trained yet; train one first: train head on \"examples/objects\"")
        }
        let path = arguments.path("file")!
        do {
            try HeadFile.write(head, to: path)
        } catch {
            throw LoadModelCommand.commandError(error, argument: "file")
        }
        return .host(HeadFileValue(action: "saved", path: path, head: head))
    }
}
