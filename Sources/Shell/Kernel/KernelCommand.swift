// KernelCommand.swift — `kungfu kernel -f CONNECTION_FILE` (what Jupyter
// starts: see KernelServer), `kungfu kernel install` and `kungfu kernel
// uninstall` (the kernelspec: KernelSpec.swift).
import ArgumentParser
import Foundation
import Vision

/// `kungfu kernel -f CONNECTION_FILE`.
struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "Run kungfu as a Jupyter kernel (Jupyter starts it), or install its kernelspec.",
        discussion: "`kungfu kernel install --user` once; then JupyterLab offers the kungfu kernel. See docs/jupyter.md.",
        subcommands: [KernelInstallCommand.self, KernelUninstallCommand.self])

    @Option(name: .customShort("f"), help: ArgumentHelp("The connection file Jupyter wrote.", valueName: "connection_file"))
    var connectionFile: String?

    @Option(help: "Worker threads (default: KUNGFU_THREADS, else all cores).")
    var threads: Int?

    func run() throws {
        guard let connectionFile else {
            throw ValidationError("give the connection file: kungfu kernel -f CONNECTION_FILE (Jupyter does this), or kungfu kernel install")
        }
        try RuntimeOptions.checkThreads(threads)
        if let threads { Parallel.threadCount = threads }
        let server: KernelServer
        do {
            server = try KernelServer(connection: try ConnectionInfo.read(connectionFile))
        } catch {
            StandardStream.error.write("kungfu kernel: \(error)\n")
            throw ExitCode(1)
        }
        server.serve()
    }
}

/// Where a kernelspec goes: `--user`, `--prefix DIR` or `--sys-prefix`.
struct KernelSpecLocation: ParsableArguments {
    @Flag(help: "In your Jupyter data folder (~/.local/share/jupyter; the default).")
    var user = false

    @Option(help: ArgumentHelp("Under DIR/share/jupyter (a virtualenv, conda env, or a test's folder).", valueName: "DIR"))
    var prefix: String?

    @Flag(help: "Under sys.prefix of the python3 Jupyter runs in ($KUNGFU_PYTHON, else python3 on PATH).")
    var sysPrefix = false

    func validate() throws {
        if [user, prefix != nil, sysPrefix].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --user, --prefix DIR, --sys-prefix")
        }
    }

    /// The folder of the kungfu kernelspec for these options.
    func folder(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let prefix { return KernelSpec.folder(prefix: prefix) }
        if sysPrefix { return KernelSpec.folder(prefix: try KernelSpec.pythonPrefix(environment: environment)) }
        return KernelSpec.userFolder(environment: environment)
    }
}

/// `kungfu kernel install [--user | --prefix DIR | --sys-prefix]`.
struct KernelInstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install the kungfu kernelspec (kernel.json and logos) where `jupyter kernelspec list` finds it.")

    @OptionGroup var location: KernelSpecLocation

    func run() throws {
        let folder = try location.folder()
        do {
            try KernelSpec.install(in: folder, executable: KernelSpec.executablePath())
        } catch {
            StandardStream.error.write("kungfu kernel install: \(error)\n")
            throw ExitCode(1)
        }
        StandardStream.output.write("installed the kungfu kernelspec in \(folder)\n")
    }
}

/// `kungfu kernel uninstall [--user | --prefix DIR | --sys-prefix]`.
struct KernelUninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove the kungfu kernelspec installed with the same options.")

    @OptionGroup var location: KernelSpecLocation

    func run() throws {
        let folder = try location.folder()
        do {
            try KernelSpec.uninstall(from: folder)
        } catch {
            StandardStream.error.write("kungfu kernel uninstall: \(error)\n")
            throw ExitCode(1)
        }
        StandardStream.output.write("removed the kungfu kernelspec from \(folder)\n")
    }
}
