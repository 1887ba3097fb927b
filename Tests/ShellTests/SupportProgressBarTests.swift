// SupportProgressBarTests.swift — ProgressBar. Oracle: Keras 2's Progbar
// format (bar drawing `int(width*current/target)` cells with a `>` head,
// "ETA: %ds" / "%d:%02d", per-step time in s/ms/us with %.0f, metrics with
// %.4f or %.4e), written out here as exact strings; the sink captures what a
// terminal or a pipe would receive.
import Foundation
import XCTest
@testable import Shell

final class SupportProgressBarTests: XCTestCase {
    func testStepLineWhileRunning() {
        XCTAssertEqual(ProgressBar.stepLine(current: 13, total: 27, elapsed: 1.3, finished: false,
                                            metrics: [], width: 30, unit: "step"),
                       "13/27 [=============>................] - ETA: 1s")
        XCTAssertEqual(ProgressBar.stepLine(current: 1, total: 100, elapsed: 2, finished: false,
                                            metrics: [("loss", 0.69314718), ("accuracy", 0.5)], width: 30, unit: "step"),
                       "  1/100 [..............................] - ETA: 3:18 - loss: 0.6931 - accuracy: 0.5000")
        XCTAssertEqual(ProgressBar.stepLine(current: 0, total: 5, elapsed: 0, finished: false,
                                            metrics: [], width: 10, unit: "step"),
                       "0/5 [..........]")
        XCTAssertEqual(ProgressBar.stepLine(current: 1, total: 3, elapsed: 4000, finished: false,
                                            metrics: [], width: 3, unit: "step"),
                       "1/3 [>..] - ETA: 2:13:20")
    }

    func testStepLineFinished() {
        XCTAssertEqual(ProgressBar.stepLine(current: 27, total: 27, elapsed: 0.02, finished: true,
                                            metrics: [], width: 30, unit: "step"),
                       "27/27 [==============================] - 0.02s 741us/step")
        XCTAssertEqual(ProgressBar.stepLine(current: 27, total: 27, elapsed: 0.52, finished: true,
                                            metrics: [("loss", 0.0001234)], width: 30, unit: "step"),
                       "27/27 [==============================] - 0.52s 19ms/step - loss: 1.2340e-04")
        XCTAssertEqual(ProgressBar.stepLine(current: 16, total: 16, elapsed: 75, finished: true,
                                            metrics: [], width: 30, unit: "image"),
                       "16/16 [==============================] - 1:15 5s/image")
        XCTAssertEqual(ProgressBar.stepLine(current: 0, total: 0, elapsed: 0, finished: true,
                                            metrics: [], width: 4, unit: "step"),
                       "0/0 [====] - 0.00s 0s/step")
    }

    func testUnknownTotal() {
        XCTAssertEqual(ProgressBar.stepLine(current: 42, total: nil, elapsed: 12.34, finished: false,
                                            metrics: [], width: 30, unit: "step"),
                       "     42/Unknown - 12.3s 294ms/step")
        XCTAssertEqual(ProgressBar.byteLine(received: 2_500_000, total: nil, elapsed: 2, finished: false, width: 30),
                       "2.5 MB  1.2 MB/s")
        XCTAssertEqual(ProgressBar.byteLine(received: 2_500_000, total: nil, elapsed: 2, finished: true, width: 30),
                       "2.5 MB  1.2 MB/s in 0:00:02")
    }

    func testByteLine() {
        XCTAssertEqual(ProgressBar.byteLine(received: 12_300_000, total: 92_000_000, elapsed: 10, finished: false, width: 30),
                       "12.3 MB / 92.0 MB  [===>                          ] 1.2 MB/s ETA 0:01:05")
        XCTAssertEqual(ProgressBar.byteLine(received: 92_000_000, total: 92_000_000, elapsed: 76, finished: true, width: 12),
                       "92.0 MB / 92.0 MB  [============] 1.2 MB/s in 0:01:16")
        XCTAssertEqual(ProgressBar.byteLine(received: 500_000, total: 92_000_000, elapsed: 0, finished: false, width: 10),
                       "0.5 MB / 92.0 MB  [          ] --/s ETA --:--:--")
        XCTAssertEqual(ProgressBar.byteLine(received: 512, total: 900, elapsed: 1, finished: false, width: 4),
                       "512 B / 900 B  [=>  ] 512 B/s ETA 0:00:01")
        XCTAssertEqual(ProgressBar.byteCount(1_234_567_890), "1.2 GB")
        XCTAssertEqual(ProgressBar.byteCount(999), "999 B")
        XCTAssertEqual(ProgressBar.byteCount(1000), "1.0 kB")
    }

    /// A sink and a clock the test controls.
    final class Recorder: @unchecked Sendable {
        // @unchecked: the tests write and read it on one thread only.
        var text = ""
        var now = 100.0
        func sink(isTerminal: Bool) -> ProgressSink {
            ProgressSink(isTerminal: isTerminal) { [self] in text += $0 }
        }
    }

    func testTerminalRedrawsInPlaceAndThrottles() {
        let recorder = Recorder()
        let bar = ProgressBar(total: 4, width: 4, sink: recorder.sink(isTerminal: true), clock: { recorder.now })
        recorder.now += 1
        bar.update(1)
        recorder.now += 0.01
        bar.update(2)  // under 50 ms since the last draw: skipped
        recorder.now += 1
        bar.update(3, metrics: [("loss", 1.5)])
        recorder.now += 1
        bar.finish()
        XCTAssertEqual(recorder.text,
                       "\r1/4 [>...] - ETA: 3s"
                       + "\r3/4 [==>.] - ETA: 0s - loss: 1.5000"
                       + "\r4/4 [====] - 3.01s 753ms/step      \n")
    }

    func testPipeGetsOnlyTheFinalLine() {
        let recorder = Recorder()
        let bar = ProgressBar(total: 3, kind: .bytes, width: 3, sink: recorder.sink(isTerminal: false),
                              clock: { recorder.now })
        for i in 1...3 {
            recorder.now += 1
            bar.update(i)
        }
        bar.finish()
        XCTAssertEqual(recorder.text, "3 B / 3 B  [===] 1 B/s in 0:00:03\n")
        XCTAssertFalse(recorder.text.contains("\r"))
    }

    func testTotalLearnedLater() {
        let recorder = Recorder()
        let bar = ProgressBar(total: nil, kind: .bytes, width: 4, sink: recorder.sink(isTerminal: true),
                              clock: { recorder.now })
        recorder.now += 1
        bar.update(1000)
        bar.total = 4000
        recorder.now += 1
        bar.update(2000)
        bar.finish()
        XCTAssertEqual(recorder.text, "\r1.0 kB  1.0 kB/s"
                       + "\r2.0 kB / 4.0 kB  [=>  ] 1.0 kB/s ETA 0:00:02"
                       + "\r4.0 kB / 4.0 kB  [====] 2.0 kB/s in 0:00:02 \n")
    }
}
