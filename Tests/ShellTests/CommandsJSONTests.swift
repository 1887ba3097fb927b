// CommandsJSONTests.swift — the JSON shape of every command's result, which
// scripts and `--json` users rely on. Oracle: the shapes documented in
// docs/commands.md (keys in order, value kinds), checked on real results;
// Python's json module must parse each rendering.
import Foundation
import Lang
import Vision
import XCTest
@testable import Shell

final class CommandsJSONTests: XCTestCase {
    private func keys(_ value: Value?, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        guard let value, case .object(let members) = value.json else {
            XCTFail("not a JSON object: \(String(describing: value))", file: file, line: line)
            return []
        }
        return members.map(\.0)
    }

    func testDocumentedShapes() throws {
        let folder = try makeTemporaryFolder("cmds-json")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let kf = CommandHarness(model: try SharedModel.withTop())
        let cat = repositoryRoot + "/examples/testset/1.jpg"
        XCTAssertEqual(keys(kf.run("summary")), ["type", "name", "layers", "parameters", "trainable", "non_trainable"])
        let layers = kf.run("layers matching \"avg*\"")
        XCTAssertEqual(keys(layers), ["type", "count", "matching", "layers"])
        if case .host(let h)? = layers, let list = h as? LayerListValue {
            XCTAssertEqual(keys(.host(list.layers[0])),
                           ["type", "index", "name", "class", "shape", "parameters", "trainable",
                            "trainable_parameters", "non_trainable_parameters", "inbound"])
            XCTAssertEqual(Value.host(list.layers[0]).json.rendered,
                           #"{"type":"layer","index":311,"name":"avg_pool","class":"GlobalAveragePooling2D","shape":[2048],"parameters":0,"trainable":true,"trainable_parameters":0,"non_trainable_parameters":0,"inbound":["mixed10"]}"#)
        }
        let one = kf.run("predict \"\(cat)\" top 2")
        XCTAssertEqual(keys(one), ["type", "path", "label", "wnid", "index", "probability", "top", "classes"])
        if case .host(let h)? = one, let p = h as? ImagePredictionsValue {
            XCTAssertEqual(keys(.host(p.classes[0])), ["type", "rank", "label", "wnid", "index", "probability"])
        }
        XCTAssertEqual(keys(kf.run("predict \"\(repositoryRoot)/examples/testset/1*.jpg\" top 1")),
                       ["type", "pattern", "count", "files", "skipped", "seconds"])
        XCTAssertEqual(keys(kf.run("show image \"\(cat)\"")), ["type", "path", "width", "height", "format"])
        let grid = kf.run("show activations mixed0 of \"\(cat)\" to \"\(folder)\" channels 4")
        XCTAssertEqual(keys(grid), ["type", "kind", "layer", "image", "shape", "path", "maps", "width", "height"])
        let npy = kf.run("save activations avg_pool of \"\(cat)\" to \"\(folder)/f.npy\"")
        XCTAssertEqual(keys(npy), ["type", "kind", "layer", "image", "shape", "path", "dtype"])
        let load = CommandHarness().run("load model inception_v3 weights none top false pooling max input 150")
        XCTAssertEqual(keys(load), ["type", "name", "layers", "parameters", "trainable", "non_trainable", "weights",
                                    "top", "pooling", "input", "seconds"])
        // Every rendering is JSON that Python reads, with its "type" first.
        let lines = kf.results.map { $0.json.rendered } + [load?.json.rendered ?? ""]
        let jsonl = folder + "/results.jsonl"
        try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        let out = try runPython("""
            import sys, json
            for line in open(sys.argv[1], encoding="utf-8").read().split("\\n"):
                print(json.loads(line)["type"])
            """, arguments: [jsonl])
        XCTAssertEqual(out.split(separator: "\n").map(String.init),
                       ["summary", "layers", "predictions", "prediction_batch", "image", "activations", "activations", "model"])
    }

    // Oracle: the brief's rule — KUNGFU_WEIGHTS replaces `weights imagenet`
    // with a file; a wrong file gives the loader's message naming it.
    func testKungfuWeightsPathIsLoaded() {
        let fixture = repositoryRoot + "/Tests/VisionTests/Fixtures/keras-h5/legacy-tfkeras.h5"
        let kf = CommandHarness(environment: ["KUNGFU_WEIGHTS": fixture])
        let message = kf.failure("load model inception_v3")
        XCTAssertTrue(message.contains("legacy-tfkeras.h5"), message)
        XCTAssertNil(kf.session.model)
    }
}
