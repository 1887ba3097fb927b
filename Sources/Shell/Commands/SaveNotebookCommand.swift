// SaveNotebookCommand.swift — `save notebook "x.ipynb"`: writes the session
// so far (narration, every statement run, its text, results, pictures and
// errors) as a Jupyter notebook, atomically.
import Lang

/// `save notebook <file.ipynb>`.
struct SaveNotebookCommand: HostCommand {
    /// The session whose recording is written.
    let session: Session

    let spec = CommandSpec(
        "save notebook",
        summary: "Write the session so far as a Jupyter notebook (nbformat 4.5), pictures included.",
        parameters: [.positional("path", .string, placeholder: "file.ipynb", summary: "the notebook file to write")],
        example: "save notebook \"session.ipynb\"",
        keras: "# in Jupyter: File > Save Notebook")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        guard let path = arguments.path("path") else { preconditionFailure("save notebook: the registry checks that path is a string") }
        let notebook = session.notebook.snapshot()
        do {
            try notebook.write(to: path)
        } catch {
            throw CommandError("notebook not saved: \(error)", argument: "path")
        }
        context.print("saved \(notebook.cells.count) cells to \(path)")
        return nil
    }
}
