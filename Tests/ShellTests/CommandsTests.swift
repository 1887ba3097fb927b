// CommandsTests.swift — the commands run in-process: a Session and a Lang
// Interpreter over CommandTable.registry, with results, printed text and
// shown pictures captured. The harness is shared by the Commands*Tests files;
// this file tests `load model`. Oracles are named on each test.
import Common
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

/// One session with its interpreter, capturing what the commands give back.
final class CommandHarness {
    let session: Session
    let interpreter: Interpreter
    private(set) var printed = ""
    private(set) var results: [Value] = []
    private(set) var pictures: [Picture] = []

    init(environment: [String: String] = ["KUNGFU_WEIGHTS": "none"], model: LoadedModel? = nil) {
        session = Session(environment: environment)
        session.model = model
        let registry = CommandTable.registry(for: session)
        // Linked to Ctrl-C's flag, as the Host's interpreter is.
        interpreter = Interpreter(registry: registry, interruptFlag: CancellationFlag(linkedTo: .processInterrupt)) { _ in }
        interpreter.output = { [unowned self] in self.printed += $0 }
        interpreter.onResult = { [unowned self] value, _ in self.results.append(value) }
        session.show = { [unowned self] in self.pictures.append($0) }
    }

    /// Runs `source`; fails the test (with the rendered diagnostics) unless it completes.
    @discardableResult
    func run(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> Value? {
        let before = results.count
        let outcome = interpreter.run(source: source, name: "<test>")
        guard outcome == .completed else {
            XCTFail("\(source): \(outcome.diagnostics.map { $0.render() }.joined(separator: "\n"))", file: file, line: line)
            return nil
        }
        return results.count > before ? results.last : nil
    }

    /// Runs `source`, expecting it to fail; returns the first diagnostic's
    /// message and notes joined by newlines.
    func failure(_ source: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        let outcome = interpreter.run(source: source, name: "<test>")
        guard case .failed(let diagnostics) = outcome, let first = diagnostics.first else {
            XCTFail("\(source): expected an error, got \(outcome)", file: file, line: line)
            return ""
        }
        return ([first.message] + first.render().split(separator: "\n").map(String.init)).joined(separator: "\n")
    }

    /// The host value of a result.
    static func host<T: HostValue>(_ value: Value?, as type: T.Type, file: StaticString = #filePath,
                                   line: UInt = #line) throws -> T {
        guard case .host(let h)? = value, let t = h as? T else {
            XCTFail("expected a \(T.self), got \(String(describing: value))", file: file, line: line)
            throw XCTSkip("no value")
        }
        return t
    }
}

/// One random-weights model (seed 0) for every test in the process: making
/// it packs 23.9 M weights, which is worth doing once.
enum SharedModel {
    nonisolated(unsafe) private static var cached: InceptionV3?   // only touched from XCTest's main thread

    /// A freshly loaded model (no head, all trainable, an empty feature
    /// cache) around the shared network.
    static func withTop() throws -> LoadedModel {
        let network: InceptionV3
        if let cached {
            network = cached
        } else {
            let config = try InceptionV3.Configuration()
            network = try InceptionV3(configuration: config, weights: InceptionV3.randomWeights(for: config, seed: 0))
            cached = network
        }
        return LoadedModel(network: network, name: "inception_v3", weightsDescription: "none (random, seed 0)")
    }
}

/// The repository's root (this file is Tests/ShellTests/CommandsTests.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

final class CommandsTests: XCTestCase {
    // Oracle: Keras' parameter totals for InceptionV3(weights=None) with top
    // (DESIGN.md: 23,851,784, 34,432 non-trainable) and the layer count of
    // Vision's layer table (itself checked against a Keras-made fixture).
    func testLoadModelWeightsNone() throws {
        let kf = CommandHarness(environment: [:])
        let info = try CommandHarness.host(kf.run("load model inception_v3 weights none"), as: ModelInfoValue.self)
        XCTAssertEqual(info.parameters.total, 23_851_784)
        XCTAssertEqual(info.parameters.nonTrainable, 34_432)
        XCTAssertEqual(info.parameters.trainable, 23_851_784 - 34_432)
        XCTAssertEqual(info.layerCount, InceptionV3.layers(for: try InceptionV3.Configuration()).count)
        XCTAssertTrue(info.text.contains("23,851,784 parameters (23,817,352 trainable, 34,432 non-trainable)"), info.text)
        XCTAssertTrue(info.weights.hasPrefix("none (random, seed 0)"), info.weights)
        XCTAssertNotNil(kf.session.model)
        if case .object(let members) = Value.host(info).json {
            XCTAssertEqual(members.map(\.0), ["type", "name", "layers", "parameters", "trainable", "non_trainable",
                                              "weights", "top", "pooling", "input", "seconds"])
        } else {
            XCTFail("model JSON is not an object")
        }
    }

    // Oracle: the environment override documented in the brief; Keras'
    // totals without top (21,802,784).
    func testKungfuWeightsNoneOverridesImagenet() throws {
        let kf = CommandHarness(environment: ["KUNGFU_WEIGHTS": "none"])
        let info = try CommandHarness.host(kf.run("load model inception_v3 top false pooling avg"), as: ModelInfoValue.self)
        XCTAssertTrue(info.text.contains("KUNGFU_WEIGHTS=none overrides weights imagenet"), info.text)
        XCTAssertEqual(info.parameters.total, 21_802_784)
        XCTAssertEqual(kf.session.model?.network.configuration.pooling, .avg)
    }

    // Oracle: Keras' own refusal text for include_top with another input size.
    func testTopWithOtherInputSizeIsRefused() {
        let kf = CommandHarness()
        let message = kf.failure("load model inception_v3 input 224")
        XCTAssertTrue(message.contains("`input_shape` should be (299, 299, 3)"), message)
        XCTAssertNil(kf.session.model)
    }

    // Oracle: the loader's own message for a file made for another model
    // (Tests/VisionTests/Fixtures/keras-h5, a small Keras model); the
    // previous model stays loaded.
    func testMismatchedWeightsFileKeepsPreviousModel() throws {
        let previous = try SharedModel.withTop()
        let kf = CommandHarness(model: previous)
        let fixture = repositoryRoot + "/Tests/VisionTests/Fixtures/keras-h5/legacy-tfkeras.h5"
        XCTAssertTrue(FileManager.default.fileExists(atPath: fixture), "missing fixture \(fixture)")
        let message = kf.failure("load model inception_v3 weights \"\(fixture)\"")
        XCTAssertTrue(message.contains("legacy-tfkeras.h5"), message)
        XCTAssertEqual(kf.session.model?.weightsDescription, previous.weightsDescription)
        let missing = kf.failure("load model inception_v3 weights \"/nonexistent/w.h5\"")
        XCTAssertTrue(missing.contains("/nonexistent/w.h5"), missing)
    }

    // Oracle: WeightsDownloader's offline message (DESIGN.md, "Weights"):
    // it names the URL and the cache folder. KUNGFU_HOME and HOME point to an
    // empty folder so no cached copy is found; this machine has no network,
    // so the download fails at DNS within seconds.
    func testImagenetWithoutNetworkNamesURLAndCacheFolder() throws {
        let home = try makeTemporaryFolder("cmds-home")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let kf = CommandHarness(environment: ["KUNGFU_HOME": home, "HOME": home])
        let message = kf.failure("load model inception_v3")
        XCTAssertTrue(message.contains(WeightsSource.imagenetBaseURL), message)
        XCTAssertTrue(message.contains(home + "/models"), message)
        XCTAssertNil(kf.session.model)
    }
}
