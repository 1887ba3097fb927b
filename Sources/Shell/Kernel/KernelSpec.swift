// KernelSpec.swift — the kungfu kernelspec: kernel.json (argv, display
// name, language, interrupt mode) and two logos drawn with Plot, in the
// folders jupyter_client searches: DATA/kernels/kungfu where DATA is
// $JUPYTER_DATA_DIR or $XDG_DATA_HOME/jupyter or ~/.local/share/jupyter
// (--user), PREFIX/share/jupyter (--prefix, --sys-prefix).
import Common
import Foundation
import Plot
import Vision

/// Installing and removing the kernelspec.
enum KernelSpec {
    /// The kernelspec's name (the folder, and the notebooks' metadata.kernelspec.name).
    static let name = "kungfu"

    /// Interrupts arrive as interrupt_request on the control channel; SIGINT
    /// works as well (both set CancellationFlag.processInterrupt).
    static let interruptMode = "message"

    /// kernel.json for the kungfu binary at `executable`.
    static func kernelJSON(executable: String) -> JSONValue {
        .object([
            ("argv", .array([.string(executable), .string("kernel"), .string("-f"), .string("{connection_file}")])),
            ("display_name", .string("kungfu")),
            ("language", .string("kungfu")),
            ("interrupt_mode", .string(interruptMode)),
            ("metadata", .object([])),
        ])
    }

    /// `PREFIX/share/jupyter/kernels/kungfu`.
    static func folder(prefix: String) -> String {
        URL(fileURLWithPath: prefix).appendingPathComponent("share/jupyter/kernels/\(name)").path
    }

    /// The per-user kernelspec folder, as jupyter_core's jupyter_data_dir() finds it.
    static func userFolder(environment: [String: String]) -> String {
        let data: String
        if let dir = environment["JUPYTER_DATA_DIR"], !dir.isEmpty {
            data = dir
        } else {
            #if os(macOS)
            data = HomePath.expand("~/Library/Jupyter", home: environment["HOME"])
            #else
            let xdg = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? HomePath.expand("~/.local/share", home: environment["HOME"])
            data = xdg + "/jupyter"
            #endif
        }
        return data + "/kernels/\(name)"
    }

    /// sys.prefix of `$KUNGFU_PYTHON` (else python3 on PATH).
    static func pythonPrefix(environment: [String: String]) throws -> String {
        let python = environment["KUNGFU_PYTHON"] ?? "python3"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", "import sys; print(sys.prefix)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            throw FileWriteError(path: python, reason: "cannot run it to find sys.prefix: \(error)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let prefix = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0, !prefix.isEmpty else {
            throw FileWriteError(path: python, reason: "did not print its sys.prefix (exit \(process.terminationStatus))")
        }
        return prefix
    }

    /// The absolute path of the running kungfu binary.
    static func executablePath() -> String {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath().path ?? CommandLine.arguments[0]
    }

    /// Writes kernel.json and the logos into `folder` (created if needed), each atomically.
    static func install(in folder: String, executable: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: folder, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        try AtomicFile.write(kernelJSON(executable: executable).text(.python(indent: 1)) + "\n",
                             to: folder + "/kernel.json")
        for side in [32, 64] {
            try AtomicFile.write(try logo(side: side).pngData(), to: folder + "/logo-\(side)x\(side).png")
        }
    }

    /// Removes the kernelspec folder (only if it holds a kungfu kernel.json).
    static func uninstall(from folder: String) throws {
        guard FileManager.default.fileExists(atPath: folder + "/kernel.json") else {
            throw FileWriteError(path: folder, reason: "no kungfu kernelspec installed there")
        }
        do {
            try FileManager.default.removeItem(atPath: folder)
        } catch {
            throw FileWriteError(path: folder, reason: "cannot remove it: \(error.localizedDescription)")
        }
    }

    /// The logo: "kf" in white on a dark red disc, `side` pixels square.
    static func logo(side: Int) -> Image {
        var canvas = Canvas(width: side, height: side, fill: (255, 255, 255))
        let half = Double(side) / 2
        canvas.fillCircle(centre: (x: half, y: half), radius: half - 1, colour: (160, 30, 30))
        let scale = max(1, side / 16)
        let width = BitmapFont.width(of: "kf", scale: scale)
        let height = BitmapFont.glyphHeight * scale
        BitmapFont.draw("kf", on: &canvas, x: (side - width) / 2, y: (side - height) / 2, scale: scale,
                        colour: (255, 255, 255), lowercase: true)
        return canvas.image
    }
}
