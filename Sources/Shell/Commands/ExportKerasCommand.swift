// ExportKerasCommand.swift — `export keras "session.ipynb"`: writes the
// session so far as a Python notebook of Keras 3 code (KerasNotebook),
// atomically.
import Lang

/// `export keras <file.ipynb>`.
struct ExportKerasCommand: HostCommand {
    /// The session whose statements are exported.
    let session: Session

    let spec = CommandSpec(
        "export keras",
        summary: "Write the session so far as a runnable Python notebook of Keras 3 code, one cell per statement.",
        parameters: [.positional("path", .string, placeholder: "file.ipynb", summary: "the notebook file to write")],
        example: "export keras \"session.ipynb\"",
        keras: "# run it: jupyter nbconvert --to notebook --execute session.ipynb")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        guard let path = arguments.path("path") else { preconditionFailure("export keras: the registry checks that path is a string") }
        let notebook = session.keras.notebook()
        do {
            try notebook.write(to: path)
        } catch {
            throw CommandError("notebook not exported: \(error)", argument: "path")
        }
        context.print("exported \(notebook.cells.count) cells of Keras code to \(path)")
        return nil
    }
}
