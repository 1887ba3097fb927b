// KernelSpecTests.swift — `kungfu kernel install` / `uninstall` and where the
// kernelspec goes. Oracle: jupyter_core's path rules (jupyter_data_dir:
// $JUPYTER_DATA_DIR, else $XDG_DATA_HOME/jupyter, else ~/.local/share/jupyter
// on Linux; PREFIX/share/jupyter for --prefix and --sys-prefix), and the
// PNG signature and IHDR size of the logos.
@testable import Shell
import Common
import Foundation
import XCTest

final class KernelSpecTests: XCTestCase {
    func testUserFolderFollowsJupyterDataDirRules() {
        #if os(Linux)
        XCTAssertEqual(KernelSpec.userFolder(environment: ["HOME": "/home/me"]), "/home/me/.local/share/jupyter/kernels/kungfu")
        XCTAssertEqual(KernelSpec.userFolder(environment: ["HOME": "/home/me", "XDG_DATA_HOME": "/x"]), "/x/jupyter/kernels/kungfu")
        #endif
        XCTAssertEqual(KernelSpec.userFolder(environment: ["HOME": "/home/me", "JUPYTER_DATA_DIR": "/d"]), "/d/kernels/kungfu")
        XCTAssertEqual(KernelSpec.folder(prefix: "/opt/env"), "/opt/env/share/jupyter/kernels/kungfu")
    }

    func testInstallWritesKernelJSONAndLogosThenUninstallRemovesThem() throws {
        let folder = try makeTemporaryFolder("kernelspec")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let install = try runKungfu(["kernel", "install", "--prefix", folder])
        XCTAssertEqual(install.status, 0, install.stderr)
        let spec = folder + "/share/jupyter/kernels/kungfu"
        let json = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: spec + "/kernel.json"))))
        XCTAssertEqual(json["argv"], .array([.string(try kungfuBinary().resolvingSymlinksInPath().path), .string("kernel"),
                                             .string("-f"), .string("{connection_file}")]))
        XCTAssertEqual(json["display_name"], .string("kungfu"))
        XCTAssertEqual(json["language"], .string("kungfu"))
        XCTAssertEqual(json["interrupt_mode"], .string("message"))
        for side in [32, 64] {
            let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: spec + "/logo-\(side)x\(side).png")))
            XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            XCTAssertEqual(Int(png[16]) << 24 | Int(png[17]) << 16 | Int(png[18]) << 8 | Int(png[19]), side)
            XCTAssertEqual(Int(png[20]) << 24 | Int(png[21]) << 16 | Int(png[22]) << 8 | Int(png[23]), side)
        }
        let uninstall = try runKungfu(["kernel", "uninstall", "--prefix", folder])
        XCTAssertEqual(uninstall.status, 0, uninstall.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: spec))
        let again = try runKungfu(["kernel", "uninstall", "--prefix", folder])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(again.stderr, "kungfu kernel uninstall: \(spec): no kungfu kernelspec installed there\n")
    }

    func testSysPrefixAsksThePythonAndUserHonoursJupyterDataDir() throws {
        let folder = try makeTemporaryFolder("sysprefix")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // A stand-in python: prints its sys.prefix as `python3 -c "import sys; print(sys.prefix)"` would.
        let python = folder + "/python"
        try AtomicFile.write("#!/bin/sh\necho \(folder)/env\n", to: python)
        XCTAssertEqual(chmod(python, 0o755), 0)
        let sys = try runKungfu(["kernel", "install", "--sys-prefix"], environment: ["KUNGFU_PYTHON": python])
        XCTAssertEqual(sys.status, 0, sys.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/env/share/jupyter/kernels/kungfu/kernel.json"))
        let user = try runKungfu(["kernel", "install", "--user"], environment: ["JUPYTER_DATA_DIR": folder + "/data"])
        XCTAssertEqual(user.status, 0, user.stderr)
        XCTAssertEqual(user.stdout, "installed the kungfu kernelspec in \(folder)/data/kernels/kungfu\n")
        let removed = try runKungfu(["kernel", "uninstall", "--user"], environment: ["JUPYTER_DATA_DIR": folder + "/data"])
        XCTAssertEqual(removed.status, 0, removed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/data/kernels/kungfu"))
    }

    func testOptionsAreExclusiveAndTheConnectionFileIsRequired() throws {
        let both = try runKungfu(["kernel", "install", "--user", "--sys-prefix"])
        XCTAssertEqual(both.status, 2)
        XCTAssertTrue(both.stderr.contains("give one of --user, --prefix DIR, --sys-prefix"), both.stderr)
        let none = try runKungfu(["kernel"])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("give the connection file"), none.stderr)
        let missing = try runKungfu(["kernel", "-f", "/nonexistent/kernel-1.json"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "kungfu kernel: /nonexistent/kernel-1.json: cannot be read\n")
    }
}

/// `scripts/notebooks`: a tutorial becomes a handout notebook. Oracle:
/// nbformat's validator, and the kernelspec name the kernel installs.
final class ScriptsNotebooksTests: XCTestCase {
    func testTutorialBecomesAValidNotebookNamingTheKungfuKernel() throws {
        let folder = try makeTemporaryFolder("handouts")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let bin = try kungfuBinary().deletingLastPathComponent().path
        let run = try runProgram(URL(fileURLWithPath: repositoryRoot + "/scripts/notebooks"),
                                 [folder, "Tutorials/02-look-inside.kf"],
                                 environment: ["KUNGFU_WEIGHTS": "none",
                                               "PATH": bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "")])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "notebooks: \(folder)/02-look-inside.ipynb\n")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/examples"), repositoryRoot + "/examples")
        let summary = try runPython("""
            import sys
            nb = nbformat.read(sys.argv[1], as_version=4)
            nbformat.validate(nb)
            pictures = sum(1 for c in nb.cells for o in c.get("outputs", []) if {"image/png", "image/jpeg"} & set(o.get("data", {})))
            print(nb.metadata.kernelspec.name, pictures)
            """, arguments: [folder + "/02-look-inside.ipynb"], modules: ["nbformat"])
        XCTAssertEqual(summary, "\(KernelSpec.name) 4\n")
    }
}
