// RunOptions.swift — what `train head` and `fine tune` both take: the folder,
// epochs, batch, validation fraction and the optimizer (with its rate and
// momentum), checked the same way; and the words both print about an optimizer.
import Lang
import Vision

/// The checked options every training command shares.
struct RunOptions {
    var folder: String
    var epochs: Int
    var batch: Int
    var validation: Double
    var optimizer: Optimizer

    /// Reads `folder`, `epochs`, `batch`, `validation`, `optimizer`, `rate`
    /// and `momentum`; a missing rate is `defaultRates[optimizer name]`.
    init(_ arguments: Arguments, defaultRates: [String: Double]) throws {
        epochs = arguments.int("epochs")!
        guard epochs >= 1 else { throw CommandError("epochs must be at least 1, got \(epochs)", argument: "epochs") }
        batch = arguments.int("batch")!
        guard batch >= 1 else { throw CommandError("batch must be at least 1, got \(batch)", argument: "batch") }
        validation = arguments.double("validation")!
        guard validation >= 0 && validation < 1 else {
            throw CommandError("validation must be a fraction from 0 to below 1, got \(validation)", argument: "validation",
                               notes: ["0.2 holds out a fifth of each class"])
        }
        let name = arguments.string("optimizer")!
        let rate = arguments.double("rate") ?? defaultRates[name]!
        guard rate > 0 && rate.isFinite else {
            throw CommandError("rate must be a positive number, got \(rate)", argument: "rate",
                               notes: ["defaults: " + defaultRates.sorted { $0.key < $1.key }
                                   .map { "\(TrainingHistoryValue.number($0.value)) (\($0.key))" }.joined(separator: ", ")])
        }
        let momentum = arguments.double("momentum")!
        guard momentum >= 0 && momentum < 1 else {
            throw CommandError("momentum must be from 0 to below 1, got \(momentum)", argument: "momentum")
        }
        if arguments.wasGiven("momentum") && name != "sgd" {
            throw CommandError("momentum is an sgd setting; adam keeps its own moving averages", argument: "momentum",
                               notes: ["use: optimizer sgd momentum \(TrainingHistoryValue.number(momentum))"])
        }
        optimizer = name == "sgd" ? .sgd(rate: Float(rate), momentum: Float(momentum)) : .adam(rate: Float(rate))
        folder = arguments.path("folder")!
    }

    /// `adam, rate 0.001` or `sgd, rate 0.0001, momentum 0.9`.
    var optimizerDescription: String {
        switch optimizer {
        case .adam(let rate, _, _, _):
            return "adam, rate \(TrainingHistoryValue.number(rate))"
        case .sgd(let rate, let momentum):
            return "sgd, rate \(TrainingHistoryValue.number(rate))"
                + (momentum > 0 ? ", momentum \(TrainingHistoryValue.number(momentum))" : "")
        }
    }

    /// Steps per epoch over `count` training images.
    func steps(for count: Int) -> Int { (count + batch - 1) / batch }
}

extension ImageFolder {
    /// `found 108 files in 4 classes: fish 28, monument 27, tool 39, windmill 14`.
    var foundLine: String {
        let counts = classes.indices.map { label in items.filter { $0.label == label }.count }
        return "found \(items.count) files in \(classes.count) classes: "
            + zip(classes, counts).map { "\($0) \($1)" }.joined(separator: ", ")
    }

    /// The head's class index of each class folder; every folder must be one
    /// of the head's classes (a subset is fine).
    func labels(in head: Head) throws -> [Int] {
        try classes.map { name in
            guard let index = head.classes.firstIndex(of: name) else {
                throw CommandError("\(ImageFolder.join(root, name)) is not one of the head's classes", argument: "folder",
                                   notes: ["the head knows: " + head.classes.joined(separator: ", ")])
            }
            return index
        }
    }
}
