// TestHost.swift — a fake host for the language tests: a registry of small
// commands shaped like kungfu's real ones (word choices, keyword options,
// flags, host values with fields and elements, errors at an argument), and
// a helper that runs source and collects stdout and stderr as text.
import Common
import Lang

/// A fake model, as `load model` returns it.
struct FakeModel: HostValue {
    var architecture: String, weights: String, top: Bool, pooling: String
    var typeName: String { "model" }
    var fieldNames: [String] { ["architecture", "weights", "top", "pooling"] }
    func field(_ name: String) -> Value? {
        switch name {
        case "architecture": return .string(architecture)
        case "weights": return .string(weights)
        case "top": return .bool(top)
        case "pooling": return .string(pooling)
        default: return nil
        }
    }
    var text: String { "model \(architecture) (weights: \(weights), top: \(top), pooling: \(pooling))" }
}

/// One fake class prediction.
struct FakePrediction: HostValue {
    var rank: Int, label: String, score: Double
    var typeName: String { "prediction" }
    var fieldNames: [String] { ["rank", "label", "score"] }
    func field(_ name: String) -> Value? {
        switch name {
        case "rank": return .int(rank)
        case "label": return .string(label)
        case "score": return .float(score)
        default: return nil
        }
    }
    var text: String { "\(rank). \(label) \(score)" }
}

/// Fake top-k predictions: indexable, with the top label and score as fields.
struct FakePredictions: HostValue {
    var image: String, items: [FakePrediction]
    var typeName: String { "predictions" }
    var fieldNames: [String] { ["image", "label", "score"] }
    func field(_ name: String) -> Value? {
        switch name {
        case "image": return .string(image)
        case "label": return .string(items[0].label)
        case "score": return .float(items[0].score)
        default: return nil
        }
    }
    var elementCount: Int? { items.count }
    func element(at index: Int) -> Value { .host(items[index]) }
    var text: String { items.map(\.text).joined(separator: "\n") }
    var json: JSONValue { .object([("image", .string(image)), ("top", .array(items.map(\.json)))]) }
}

/// A fake training history.
struct FakeHistory: HostValue {
    var epochs: Int, accuracy: Double
    var typeName: String { "history" }
    var fieldNames: [String] { ["epochs", "accuracy"] }
    func field(_ name: String) -> Value? {
        name == "epochs" ? .int(epochs) : name == "accuracy" ? .float(accuracy) : nil
    }
    var text: String { "history: \(epochs) epochs, accuracy \(accuracy)" }
}

/// An error that is not a `CommandError`, as a library might throw.
struct DiskFull: Error, CustomStringConvertible {
    var description: String { "out/f.npy: no space left on device" }
}

enum TestHost {
    static let labels = ["tabby", "tiger_cat", "Egyptian_cat", "lynx", "Persian_cat"]

    /// The fake registry. Each command prints or returns something a script can check.
    static func registry() -> CommandRegistry {
        let registry = CommandRegistry()
        func add(_ spec: CommandSpec, _ run: @escaping CommandRegistry.Run) {
            do { try registry.register(spec, run: run) } catch { preconditionFailure("test registry: \(error)") }
        }
        add(CommandSpec("greet", summary: "Say hello to someone.", parameters: [
            .positional("who", .name, summary: "who to greet"),
            .keyword("times", .integer, default: 1, summary: "how many times"),
            .flag("loudly", summary: "shout"),
        ], example: "greet Morpheus times 2", keras: "print('Hello, Morpheus!')")) { args, context in
            guard (0...100).contains(args.int("times")!) else {
                throw CommandError("times must be between 0 and 100", argument: "times")
            }
            var line = "Hello, \(args.string("who")!)!"
            if args.bool("loudly")! { line = line.uppercased() }
            for _ in 0..<args.int("times")! { context.print(line) }
            return nil
        }
        add(CommandSpec("load model", summary: "Load a model by name.", parameters: [
            .positional("architecture", .choice(["inception_v3"]), summary: "the architecture"),
            .keyword("weights", .oneOf([.choice(["imagenet", "none"]), .string]), default: "imagenet",
                     placeholder: nil, summary: "imagenet, none (random) or a .h5 file"),
            .keyword("top", .bool, default: true, summary: "keep the classifier"),
            .keyword("pooling", .choice(["avg", "max", "none"]), default: "none", summary: "final pooling"),
        ], example: "load model inception_v3 weights imagenet",
           keras: "model = InceptionV3(weights='imagenet')", returns: "model")) { args, _ in
            .host(FakeModel(architecture: args.string("architecture")!, weights: args.string("weights")!,
                            top: args.bool("top")!, pooling: args.string("pooling")!))
        }
        add(CommandSpec("load head", summary: "Load a trained head.", parameters: [
            .positional("file", .string, placeholder: "file", summary: "the .h5 file"),
        ], example: "load head \"out/pets.h5\"", keras: "head.load_weights('out/pets.h5')")) { args, context in
            context.print("loaded head from \(args.string("file")!)")
            return nil
        }
        add(CommandSpec("predict", summary: "Classify an image.", parameters: [
            .positional("image", .string, summary: "the image file"),
            .keyword("top", .integer, default: 3, summary: "how many classes to show"),
        ], example: "predict \"examples/testset/1.jpg\" top 3",
           keras: "decode_predictions(model.predict(x), top=3)", returns: "predictions")) { args, _ in
            let image = args.string("image")!, top = args.int("top")!
            guard image.hasSuffix(".jpg") else { throw CommandError("\(image): not a JPEG file", argument: "image") }
            guard (1...5).contains(top) else {
                throw CommandError("top must be between 1 and 5, got \(top)", argument: "top")
            }
            let items = (0..<top).map { FakePrediction(rank: $0 + 1, label: labels[$0], score: 0.5 / Double(1 << $0)) }
            return .host(FakePredictions(image: image, items: items))
        }
        add(CommandSpec("show activations", summary: "Show a layer's feature maps.", parameters: [
            .positional("layer", .name, summary: "the layer"),
            .keyword("image", .string, keyword: "of", required: true, placeholder: "image", summary: "the image"),
            .keyword("folder", .string, keyword: "to", placeholder: "folder", summary: "save PNGs here"),
        ], example: "show activations mixed2 of \"examples/testset/1.jpg\"",
           keras: "Model(model.input, model.get_layer('mixed2').output).predict(x)")) { args, context in
            var line = "activations of \(args.string("layer")!) for \(args.string("image")!)"
            if let folder = args.string("folder") { line += " saved to \(folder)" }
            context.print(line)
            return nil
        }
        add(CommandSpec("freeze layers", summary: "Freeze layers up to one.", parameters: [
            .keyword("last", .oneOf([.name, .integer]), keyword: "through", required: true, placeholder: "layer",
                     summary: "the last layer to freeze (name or index)"),
        ], example: "freeze layers through mixed8",
           keras: "for layer in model.layers[:249]: layer.trainable = False")) { args, context in
            context.print("frozen through \(args["last"]!.text)")
            return nil
        }
        add(CommandSpec("set seed", summary: "Seed the random numbers.", parameters: [
            .positional("seed", .integer, summary: "the seed"),
        ], example: "set seed 42", keras: "keras.utils.set_random_seed(42)")) { args, context in
            context.print("seed \(args.int("seed")!)")
            return nil
        }
        add(CommandSpec("train head", summary: "Train a new classifier head.", parameters: [
            .keyword("folder", .string, keyword: "on", required: true, placeholder: "folder", summary: "one sub-folder per class"),
            .keyword("epochs", .integer, default: 1, summary: "passes over the data"),
            .keyword("rate", .number, default: 0.001, summary: "learning rate"),
            .keyword("batch", .integer, default: 16, summary: "batch size"),
            .keyword("validation", .number, default: 0.2, summary: "fraction held out"),
        ], example: "train head on \"examples/pets\" epochs 5",
           keras: "model.fit(x, y, epochs=5, batch_size=16, validation_split=0.2)", returns: "history")) { args, context in
            context.print("training on \(args.string("folder")!): epochs \(args.int("epochs")!), rate \(args.double("rate")!), batch \(args.int("batch")!), validation \(args.double("validation")!)")
            return .host(FakeHistory(epochs: args.int("epochs")!, accuracy: 0.875))
        }
        add(CommandSpec("fail", summary: "Throw an error.", parameters: [
            .keyword("message", .string, default: "it broke", summary: "the message"),
            .keyword("at", .any, summary: "an argument to point at"),
            .flag("disk", summary: "throw a library error instead"),
        ], example: "fail message \"no\"", keras: "raise ValueError('no')")) { args, _ in
            if args.bool("disk")! { throw DiskFull() }
            throw CommandError(args.string("message")!, argument: args.wasGiven("at") ? "at" : nil,
                               notes: ["note: this command always fails"])
        }
        add(CommandSpec("echo", summary: "Give back its argument.", parameters: [
            .positional("value", .any, summary: "any value"),
        ], example: "echo [1, 2]", keras: "value", returns: "the value")) { args, _ in
            args["value"]
        }
        add(CommandSpec("count", summary: "Count up.", parameters: [
            .keyword("n", .integer, keyword: "to", required: true, placeholder: "n", summary: "the last number"),
        ], example: "count to 3", keras: "list(range(1, 4))", returns: "list")) { args, _ in
            let n = args.int("n")!
            guard (0...1000).contains(n) else { throw CommandError("n must be between 0 and 1000", argument: "n") }
            return .list((0..<n).map { .int($0 + 1) })
        }
        add(CommandSpec("pick layers", summary: "Add up a list of layer indexes.", parameters: [
            .positional("indexes", .list(.integer), summary: "layer indexes"),
        ], example: "pick layers [1, 2]", keras: "sum([1, 2])", returns: "int")) { args, _ in
            .int(args.list("indexes")!.reduce(0) { $0 &+ ($1.asInt ?? 0) })
        }
        add(CommandSpec("summary", summary: "Describe the model.", example: "summary",
                        keras: "model.summary()")) { _, context in
            context.print("Model: inception_v3")
            context.print("Total params: 23,851,784")
            return nil
        }
        add(CommandSpec("interrupt me", summary: "Request an interrupt, as Ctrl-C would.",
                        example: "interrupt me", keras: "KeyboardInterrupt")) { _, context in
            context.interruptFlag.request()
            return nil
        }
        add(CommandSpec("stop early", summary: "Stop early, as an interrupted training does.",
                        example: "stop early", keras: "KeyboardInterrupt")) { _, _ in
            throw Interrupted()
        }
        return registry
    }

    /// What a run printed: stdout (print, results, help, narration as
    /// "## text") and stderr (rendered diagnostics, or "interrupted at …").
    struct Transcript {
        var stdout = ""
        var stderr = ""
        var outcome: Outcome = .completed
    }

    /// Runs `source` as a script with the fake registry.
    static func run(_ source: String, name: String = "test.kf", limits: Limits = Limits()) -> Transcript {
        var transcript = Transcript()
        let interpreter = Interpreter(registry: registry(), limits: limits) { transcript.stdout += $0 }
        interpreter.onNarration = { text, _ in transcript.stdout += "## \(text)\n" }
        transcript.outcome = interpreter.run(source: source, name: name)
        transcript.stderr = render(transcript.outcome)
        return transcript
    }

    /// How the test runner writes an outcome to stderr.
    static func render(_ outcome: Outcome) -> String {
        if case .interrupted(let location) = outcome { return "interrupted at \(location)\n" }
        return outcome.diagnostics.map { $0.render() + "\n" }.joined()
    }
}

extension Value {
    /// The Int inside an `.int`, for test commands.
    var asInt: Int? {
        if case .int(let n) = self { return n }
        return nil
    }
}
