// ShowImageCommand.swift — `show image PATH`: decodes a JPEG or PNG and hands
// it to the session's picture display (terminal and notebook); the result
// says its size and format.
import Lang
import Vision

/// `show image`: plt.imshow(load_img(path)).
struct ShowImageCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "show image",
        summary: "Show a JPEG or PNG picture (in the terminal and the notebook).",
        parameters: [.positional("path", .string, placeholder: "image", summary: "the picture file")],
        example: "show image \"examples/testset/1.jpg\"",
        keras: "plt.imshow(keras.utils.load_img(path)); plt.show()",
        returns: "image")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let path = arguments.path("path")!
        let info: ImageInfo, image: Image
        do {
            info = try ImageInfo(contentsOfFile: path)
            image = try Image(contentsOfFile: path)
        } catch {
            throw CommandError(String(describing: error), argument: "path")
        }
        // The title is the path alone: the result line under the picture gives the size and format.
        session.show(Picture(image: image, title: path, path: path, isPhoto: true))
        return .host(ImageInfoValue(path: path, width: image.width, height: image.height,
                                    format: info.format.displayName))
    }
}
