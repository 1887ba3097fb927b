// RuntimeFaultsTests.swift — the binary under faults: stdout or stderr on a
// full device or closed, a pipe closed early, Ctrl-C in a script, a full or
// read-only file system under each kind of file kungfu writes. Oracles: the
// kernel's own failures (/dev/full, a 1 MB tmpfs and a read-only mount made
// in a private mount namespace with unshare(1), a closed descriptor) and the
// exit status and signal the kernel reports; the message is checked word for
// word, and the folder's listing shows that the old file is byte-identical
// and no temporary file is left.
import Foundation
import XCTest

final class RuntimeFaultsTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("faults")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `script` with /bin/sh, `$KUNGFU` naming the binary and random
    /// weights (KUNGFU_WEIGHTS=none), in `folder`.
    private func sh(_ script: String, stdin: String = "") throws -> (result: RunResult, reason: Process.TerminationReason) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        var env = ProcessInfo.processInfo.environment
        env["KUNGFU"] = try kungfuBinary().path
        env["KUNGFU_WEIGHTS"] = "none"
        process.environment = env
        let outPipe = Pipe(), errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        let err = errPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (RunResult(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                          stderr: String(decoding: err, as: UTF8.self)), process.terminationReason)
    }

    // MARK: - The standard streams

    func testStdoutOnAFullDeviceIsAnError() throws {
        let (run, _) = try sh(#""$KUNGFU" -c 'print 1' >/dev/full; echo "status $?""#)
        XCTAssertEqual(run.stdout, "status 1\n")
        XCTAssertEqual(run.stderr, "kungfu: write error: No space left on device\n")
    }

    func testJSONRunOnAFullDeviceIsAnErrorReportedOnce() throws {
        let (run, _) = try sh(#""$KUNGFU" --json -c 'for i in 1...20000 { i }' >/dev/full; echo "status $?""#)
        XCTAssertEqual(run.stdout, "status 1\n")
        XCTAssertEqual(run.stderr, "kungfu: write error: No space left on device\n", "reported once")
    }

    func testStdoutClosedIsAnError() throws {
        let (run, _) = try sh(#""$KUNGFU" -c 'print 1' >&-; echo "status $?""#)
        XCTAssertEqual(run.stdout, "status 1\n")
        XCTAssertEqual(run.stderr, "kungfu: write error: Bad file descriptor\n")
    }

    func testStderrOnAFullDeviceNeverTrapsAndIsReportedOnStdout() throws {
        let (run, _) = try sh(#""$KUNGFU" -c 'print 1; let x = y' 2>/dev/full; echo "status $?""#)
        XCTAssertEqual(run.stdout, "kungfu: write error on stderr: No space left on device\nstatus 1\n",
                       "the syntax error is found before anything runs; its report fails and says so once")
        XCTAssertEqual(run.stderr, "")
    }

    func testStderrClosedNeverTraps() throws {
        let (run, _) = try sh(#""$KUNGFU" -c 'print 1' 2>&-; echo "status $?"; "$KUNGFU" -c 'let x = y' 2>&-; echo "status $?""#)
        XCTAssertEqual(run.stdout, "1\nstatus 0\nkungfu: write error on stderr: Bad file descriptor\nstatus 1\n",
                       "nothing written to a closed stderr is no error")
    }

    func testJSONRunReportsAFailedStderrAsAJSONLine() throws {
        let (run, _) = try sh(#""$KUNGFU" --json -c 'let x = y' 2>/dev/full; echo "status $?""#)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, #"{"type":"error","error":"write error on stderr: No space left on device"}"#)
        XCTAssertEqual(lines.last, "status 1")
        XCTAssertEqual(lines.count, 3, "the write error, the syntax error, the status: \(lines)")
    }

    func testPipeClosedEarlyEndsQuietly() throws {
        let (run, _) = try sh(#""$KUNGFU" -c 'for i in 1...200000 { print i }' 2>err.txt | head -n 1; cat err.txt"#)
        XCTAssertEqual(run.stdout, "1\n", "no trace, no message on stderr")
        XCTAssertEqual(run.stderr, "")
    }

    func testStatementStartingWithADashIsAStatement() throws {
        let run = try runKungfu(["-c", "-1"])
        XCTAssertEqual(run.stdout, "-1\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let option = try runKungfu(["-c", "--json"])
        XCTAssertEqual(option.status, 1, "`--json` after -c is the statement, a syntax error")
        XCTAssertTrue(option.stderr.hasPrefix("error: "), option.stderr)
    }

    func testCtrlCInAScriptExits130() throws {
        let script = folder + "/long.kf"
        try "print \"go\"\nfor i in 1...100000000 { let x = i }\n".write(toFile: script, atomically: true, encoding: .utf8)
        let (run, reason) = try sh(#""$KUNGFU" run long.kf & pid=$!; sleep 1; kill -INT $pid; wait $pid; echo "status $?""#)
        XCTAssertEqual(reason, .exit)
        XCTAssertEqual(run.stdout, "go\nstatus 130\n")
        XCTAssertTrue(run.stderr.hasPrefix("interrupted at long.kf:2:"), run.stderr)
    }

    // MARK: - Files on a full or read-only file system

    /// Runs `inner` (sh code) in a private mount namespace where `folder/disk`
    /// is a fresh tmpfs of `size` (mounted read-only when `readOnly`), after
    /// `prepare` (sh code run there before that). unshare -r maps the caller
    /// to root inside its own user namespace, so no privileges are needed.
    private func onSmallDisk(size: String = "1m", readOnly: Bool = false, prepare: String = "",
                             _ inner: String) throws -> RunResult {
        try FileManager.default.createDirectory(atPath: folder + "/disk", withIntermediateDirectories: true)
        let remount = readOnly ? "mount -o remount,ro disk && " : ""
        let script = "mount -t tmpfs -o size=\(size) tmpfs disk && cd disk && \(prepare.isEmpty ? "" : prepare + " && ")"
            + "cd .. && \(remount)cd disk && \(inner)"
        let (run, _) = try sh("unshare -rm sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))'")
        return run
    }

    /// The last line of a diagnostic's header: `error: MESSAGE`.
    private func errorLine(_ stderr: String) -> String {
        stderr.split(separator: "\n").first { $0.hasPrefix("error: ") }.map(String.init) ?? stderr
    }

    func testSaveModelOnAFullDiskKeepsTheOldFile() throws {
        let run = try onSmallDisk(prepare: "echo old > m.h5",
                                  #""$KUNGFU" -c 'load model inception_v3; save model "m.h5"'; echo "status $?"; ls -A; cat m.h5"#)
        XCTAssertEqual(errorLine(run.stderr), "error: m.h5: cannot write weights (No space left on device)")
        XCTAssertFalse(run.stderr.contains("HDF5") || run.stderr.contains("errno"), run.stderr)
        XCTAssertTrue(run.stdout.hasSuffix("status 1\nm.h5\nold\n"), run.stdout)
    }

    func testSaveHeadOnAFullDiskKeepsTheOldFile() throws {
        let head = repositoryRoot + "/Tests/VisionTests/Fixtures/keras-head-files/head-hidden.h5"
        let run = try onSmallDisk(size: "64k", prepare: "echo old > h.h5",
            #""$KUNGFU" -c 'load model inception_v3; load head "\#(head)"; save head "h.h5"' >/dev/null; echo "status $?"; ls -A; cat h.h5"#)
        XCTAssertEqual(errorLine(run.stderr), "error: h.h5: cannot write weights (No space left on device)")
        XCTAssertEqual(run.stdout, "status 1\nh.h5\nold\n")
    }

    func testSaveModelOnAReadOnlyDisk() throws {
        let run = try onSmallDisk(readOnly: true, #""$KUNGFU" -c 'load model inception_v3; save model "m.h5"'; echo "status $?"; ls -A"#)
        XCTAssertEqual(errorLine(run.stderr),
                       "error: m.h5: cannot write weights (Read-only file system (cannot create a file in '.'))")
        XCTAssertTrue(run.stdout.hasSuffix("status 1\n"), run.stdout)
    }

    func testPicturesAndArraysOnAFullDisk() throws {
        let cat = repositoryRoot + "/examples/testset/1.jpg"
        let run = try onSmallDisk(size: "64k", prepare: "echo old > a.npy",
            #"""
            "$KUNGFU" -c 'load model inception_v3 top false input 139; show activations conv2d of "\#(cat)" to "."' >/dev/null; echo "status $?"
            "$KUNGFU" -c 'load model inception_v3 top false input 139; save activations mixed0 of "\#(cat)" to "a.npy"' >/dev/null; echo "status $?"
            ls -A; cat a.npy
            """#)
        let errors = run.stderr.split(separator: "\n").filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 2, run.stderr)
        XCTAssertTrue(errors.allSatisfy { $0.hasSuffix("No space left on device") }, run.stderr)
        XCTAssertEqual(run.stdout, "status 1\nstatus 1\na.npy\nold\n", "no PNG, no temporary, old .npy intact")
    }

    func testNotebookOnAFullDisk() throws {
        let run = try onSmallDisk(size: "64k", prepare: "echo old > s.ipynb",
            #""$KUNGFU" --notebook s.ipynb -c 'for i in 1...20000 { print "a line long enough to fill the disk" }' >/dev/null; echo "status $?"; ls -A; cat s.ipynb"#)
        XCTAssertEqual(run.stderr, "kungfu: notebook not written: s.ipynb: No space left on device\n")
        XCTAssertEqual(run.stdout, "status 1\ns.ipynb\nold\n")
    }

    func testNotebookToAFullDevice() throws {
        let (run, _) = try sh(#""$KUNGFU" --notebook /dev/full -c 'print 1'; echo "status $?""#)
        XCTAssertEqual(run.stdout, "1\nstatus 1\n")
        XCTAssertEqual(run.stderr, "kungfu: notebook not written: /dev/full: No space left on device\n")
    }
}
