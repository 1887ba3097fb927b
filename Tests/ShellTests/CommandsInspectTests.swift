// CommandsInspectTests.swift — `summary` and `layers`. Oracles: Keras'
// parameter totals (DESIGN.md: 23,851,784 total, 34,432 non-trainable) and
// Keras' layer names (mixed0…mixed10 with mixed9_0 and mixed9_1: 13 names
// start with "mixed").
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsInspectTests: XCTestCase {
    func testSummaryTotalsAreKeras() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let summary = try CommandHarness.host(kf.run("summary"), as: SummaryValue.self)
        let lines = summary.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "Model: \"inception_v3\"")
        XCTAssertTrue(lines.contains("Total params: 23,851,784"), summary.text)
        XCTAssertTrue(lines.contains("Trainable params: 23,817,352"), summary.text)
        XCTAssertTrue(lines.contains("Non-trainable params: 34,432"), summary.text)
        XCTAssertTrue(lines[2].hasPrefix(" Layer (type)"), lines[2])
        XCTAssertTrue(lines.contains { $0.hasPrefix(" predictions (Dense)") && $0.contains("(None, 1000)")
                          && $0.contains("2049000") && $0.contains("['avg_pool[0][0]']") }, summary.text)
        // mixed0 concatenates four branches: one row per inbound connection, as Keras 2.
        let mixed0 = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(" mixed0 (Concatenate)") })
        XCTAssertTrue(lines[mixed0 + 3].hasSuffix("]"), lines[mixed0 + 3])
        XCTAssertEqual(summary.field("non_trainable")?.json, .int(34_432))
    }

    func testLayersMatching() throws {
        let kf = CommandHarness(model: try SharedModel.withTop())
        let list = try CommandHarness.host(kf.run("layers matching \"mixed*\""), as: LayerListValue.self)
        XCTAssertEqual(Set(list.layers.map(\.layer.name)),
                       ["mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7", "mixed8",
                        "mixed9_0", "mixed9_1", "mixed9", "mixed10"])
        XCTAssertEqual(list.layers.map(\.layer.index), list.layers.map(\.layer.index).sorted())
        XCTAssertEqual(list.layers.count, 13)
        XCTAssertTrue(list.text.contains("mixed10"), list.text)
        let all = try CommandHarness.host(kf.run("layers"), as: LayerListValue.self)
        XCTAssertEqual(all.layers.count, kf.session.model!.network.layers.count)
        XCTAssertEqual(all.layers.first?.layer.index, 0)
        // Fields reach scripts: the last layer is the classifier.
        kf.run("let l = layers matching \"pred*\"\nprint l[0].name, l[0].class, l.count")
        XCTAssertEqual(kf.printed, "predictions Dense 1\n")
        let none = kf.failure("layers matching \"mixd*\"")
        XCTAssertTrue(none.contains("no layer name matches \"mixd*\""), none)
    }

    func testCommandsNeedAModel() {
        let kf = CommandHarness()
        for source in ["summary", "layers", "predict \"x.jpg\"", "show activations mixed0 of \"x.jpg\"",
                       "save activations mixed0 of \"x.jpg\" to \"x.npy\""] {
            XCTAssertTrue(kf.failure(source).contains("no model is loaded"), source)
        }
    }

    // Oracle: fnmatch semantics for `*` and `?` (written out by hand).
    func testGlob() {
        XCTAssertTrue(Glob("mixed*").matches("mixed9_1"))
        XCTAssertTrue(Glob("*").matches(""))
        XCTAssertTrue(Glob("conv2d_?").matches("conv2d_5"))
        XCTAssertFalse(Glob("conv2d_?").matches("conv2d_50"))
        XCTAssertTrue(Glob("*_1*").matches("mixed9_1"))
        XCTAssertTrue(Glob("a*b*c").matches("aXbYbZc"))
        XCTAssertFalse(Glob("a*b*c").matches("aXbYbZ"))
        XCTAssertEqual(["10.jpg", "2.jpg", "1.jpg", "b.png", "a10b2", "a10b10"].sorted(by: ImagePaths.naturalOrder),
                       ["1.jpg", "2.jpg", "10.jpg", "a10b2", "a10b10", "b.png"])
    }
}
