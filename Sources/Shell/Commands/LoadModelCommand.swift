// LoadModelCommand.swift — `load model inception_v3 [weights imagenet|none|"f.h5"]
// [top true|false] [pooling none|avg|max] [input N]`: builds the network with
// ImageNet weights (cache or download, or the file KUNGFU_WEIGHTS names),
// seeded random weights, or a Keras weights file. A file written by `save
// model` with a head (it has class names) restores the base without its top
// and the head. A failed load leaves the session's previous model in place.
import Foundation
import Lang
import Vision

/// `load model`: keras.applications.InceptionV3(weights=…, include_top=…, pooling=…).
struct LoadModelCommand: HostCommand {
    let session: Session

    let spec = CommandSpec(
        "load model",
        summary: "Load Inception V3 with ImageNet weights, random weights or a Keras weights file.",
        parameters: [
            .positional("model", .choice(["inception_v3"]), summary: "the network (only inception_v3)"),
            .keyword("weights", .oneOf([.choice(["imagenet", "none"]), .string]), default: .string("imagenet"),
                     placeholder: "imagenet|none|file.h5",
                     summary: "imagenet (downloaded once, or KUNGFU_WEIGHTS), none (random, seeded) or a .h5 file"),
            .keyword("top", .bool, default: .bool(true), summary: "include the 1000-class classifier"),
            .keyword("pooling", .choice(["none", "avg", "max"]), default: .string("none"),
                     summary: "global pooling after mixed10 when there is no top"),
            .keyword("input", .integer, default: .int(299),
                     range: .integers(InceptionV3.Configuration.minInputSize...InceptionV3.Configuration.maxInputSize),
                     summary: "input height and width in pixels (299 with the top)"),
        ],
        example: "load model inception_v3 weights imagenet top false pooling avg",
        keras: "model = keras.applications.InceptionV3(weights='imagenet', include_top=False, pooling='avg')",
        returns: "model")

    func run(_ arguments: Arguments, context: CommandContext) throws -> Value? {
        let start = ProgressBar.monotonicSeconds()
        let choice = HomePath.expand(arguments.string("weights")!)
        // A file is read first: one saved with a head decides the configuration itself.
        let file = choice == "imagenet" || choice == "none" ? nil : try readFile(choice)
        if let file, HeadFile.isKungfuFile(file) {
            return try loadWithHead(file, path: choice, arguments, start: start)
        }
        let includeTop = arguments.bool("top")!
        let pooling = InceptionV3.Pooling(rawValue: arguments.string("pooling")!)!
        let size = arguments.int("input")!
        let configuration: InceptionV3.Configuration
        do {
            configuration = try InceptionV3.Configuration(includeTop: includeTop, pooling: pooling,
                                                          inputHeight: size, inputWidth: size)
        } catch {
            throw CommandError(String(describing: error), argument: arguments.wasGiven("input") ? "input" : "top")
        }
        var notes: [String] = []
        let (weights, description) = try loadWeights(choice, file, configuration, &notes, context)
        let network: InceptionV3
        do {
            network = try InceptionV3(configuration: configuration, weights: weights)
        } catch {
            throw Self.commandError(error, argument: "weights")
        }
        let model = LoadedModel(network: network, name: arguments.string("model")!, weightsDescription: description)
        session.model = model
        return .host(ModelInfoValue(model, seconds: ProgressBar.monotonicSeconds() - start, notes: notes))
    }

    /// A file saved by `save model` with a head: the base without its top
    /// (pooling none, so the head pools mixed10) and the head, as Keras'
    /// `load_weights` into base + GlobalAveragePooling2D + Dense layers.
    private func loadWithHead(_ file: KerasWeightsFile.Contents, path: String, _ arguments: Arguments,
                              start: Double) throws -> Value {
        let configuration: InceptionV3.Configuration
        do {
            configuration = try ModelFile.baseConfiguration(inputSize: arguments.int("input")!)
        } catch {
            throw CommandError(String(describing: error), argument: "input")
        }
        let base: [LayerWeights]
        let head: Head
        let network: InceptionV3
        do {
            (base, head) = try ModelFile.split(file, fileName: path, for: configuration)
            network = try InceptionV3(configuration: configuration, weights: base)
        } catch {
            throw Self.commandError(error, argument: "weights")
        }
        var notes = ["\(path) holds a base and a head (saved by `save model`): loaded without the ImageNet top"]
        if arguments.wasGiven("top"), arguments.bool("top")! {
            notes.append("top true is ignored: the file's head replaces the ImageNet top")
        }
        if arguments.wasGiven("pooling"), arguments.string("pooling")! != "none" {
            notes.append("pooling \(arguments.string("pooling")!) is ignored: the head pools mixed10 itself")
        }
        notes.append("head: \(WeightsFileText.classes(head.classes)); \(WeightsFileText.layers(of: head))")
        var model = LoadedModel(network: network, name: arguments.string("model")!,
                                weightsDescription: "\(path) (base and head for \(head.classes.count) classes)")
        model.head = head
        session.model = model
        return .host(ModelInfoValue(model, seconds: ProgressBar.monotonicSeconds() - start, notes: notes))
    }

    /// The weights and a description of where they came from; `file` is the
    /// already-read file when `choice` is a path.
    private func loadWeights(_ choice: String, _ file: KerasWeightsFile.Contents?,
                             _ configuration: InceptionV3.Configuration, _ notes: inout [String],
                             _ context: CommandContext) throws -> ([LayerWeights], String) {
        let specs = InceptionV3.weightSpecs(for: configuration)
        switch choice {
        case "none":
            return (InceptionV3.randomWeights(for: configuration, seed: session.seed),
                    "none (random, seed \(session.seed)): predictions are meaningless")
        case "imagenet":
            if let override = session.environment["KUNGFU_WEIGHTS"], !override.isEmpty {
                notes.append("KUNGFU_WEIGHTS=\(override) overrides weights imagenet")
                if override == "none" {
                    return (InceptionV3.randomWeights(for: configuration, seed: session.seed),
                            "none (random, seed \(session.seed), from KUNGFU_WEIGHTS): predictions are meaningless")
                }
                return (try loadFile(override, specs), override)
            }
            let path = try download(includeTop: configuration.includeTop, context)
            return (try loadFile(path, specs), "imagenet (\(path))")
        default:
            guard let file else { preconditionFailure("load model: \(choice) was not read") }
            do {
                return (try KerasWeightsFile.arrange(file, for: specs, fileName: choice), choice)
            } catch {
                throw Self.commandError(error, argument: "weights")
            }
        }
    }

    private func readFile(_ path: String) throws -> KerasWeightsFile.Contents {
        do {
            return try KerasWeightsFile.read(path)
        } catch {
            throw Self.commandError(error, argument: "weights")
        }
    }

    private func loadFile(_ path: String, _ specs: [LayerWeightSpec]) throws -> [LayerWeights] {
        do {
            return try KerasWeightsFile.load(path, for: specs)
        } catch {
            throw Self.commandError(error, argument: "weights")
        }
    }

    /// The cached or downloaded file, with a byte progress bar on stderr;
    /// Ctrl-C cancels the download, stalled or not (no half file is left in
    /// the cache).
    private func download(includeTop: Bool, _ context: CommandContext) throws -> String {
        do {
            return try ImagenetWeights.file(includeTop: includeTop, environment: session.environment,
                                            cancellation: context.interruptFlag)
        } catch {
            throw Self.commandError(error, argument: "weights")
        }
    }

    /// A library error as a command error: its first line the message, the
    /// rest notes.
    static func commandError(_ error: any Error, argument: String?) -> CommandError {
        let lines = String(describing: error).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return CommandError(lines.first ?? "failed", argument: argument, notes: Array(lines.dropFirst()))
    }
}
