// KernelJupyterTests.swift — `kungfu kernel` driven by Jupyter's own client
// libraries. Oracle: jupyter_client, nbclient and nbformat (pip), through the
// driver Jupyter/kernel_check.py: the kernelspec installed into a temporary
// prefix (found through JUPYTER_PATH); Tutorials 01–03 recorded by `kungfu
// run --notebook` and executed again through the kernel by nbclient with
// KUNGFU_WEIGHTS=none (same text outputs, same number of pictures, valid
// notebook); a located error; complete, inspect, is_complete, history;
// interrupt then a working cell; a wrongly signed message ignored;
// heartbeat; SIGINT during predict; one progress display updated in place;
// restart; shutdown. A missing module fails with how to install it.
import Foundation
import XCTest

final class KernelJupyterTests: XCTestCase {
    func testJupyterClientAndNbclientDriveTheKernel() throws {
        let python = ProcessInfo.processInfo.environment["KUNGFU_PYTHON"] ?? "python3"
        let probe = try runProcess(["/usr/bin/env", python, "-c", "import jupyter_client, nbclient, nbformat, zmq"])
        guard probe.status == 0 else {
            XCTFail("this test needs \(python) with jupyter_client, nbclient and nbformat "
                    + "(pip install jupyter_client nbclient nbformat; scripts/install-deps --test does it): \(probe.stderr)")
            return
        }
        let folder = try makeTemporaryFolder("kernel")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let tutorials = ["01-meet-inception.kf", "02-look-inside.kf", "03-train-a-head.kf"]
            .map { repositoryRoot + "/Tutorials/" + $0 }
        let run = try runProcess(["/usr/bin/env", python, repositoryRoot + "/Tests/ShellTests/Jupyter/kernel_check.py",
                                  try kungfuBinary().path, repositoryRoot, folder] + tutorials)
        XCTAssertEqual(run.status, 0, "kernel_check.py failed:\n\(run.stdout)\n\(run.stderr)")
        XCTAssertTrue(run.stdout.contains("all kernel checks passed"), run.stdout)
        for check in ["a wrongly signed message is ignored", "interrupt_request on control stops a long cell",
                      "03-train-a-head.kf: 9 cells through nbclient match",
                      "progress: one display_data with a display_id", "SIGINT stops a long predict"] {
            XCTAssertTrue(run.stdout.contains(check), "missing check '\(check)' in:\n\(run.stdout)")
        }
    }
}
