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

    /// Epochs of either command: time, not memory, so the bound is generous.
    static let epochsRange = ValueRange.integers(1...10_000)
    /// A learning rate as the Float32 the optimizer uses: 1e308 would be inf
    /// and 5e-324 zero there.
    static let rateRange = ValueRange.float32(above: 0, through: 100)
    /// Momentum and dropout: [0, 1) as Float32 (0.9999999999 is 1 there).
    static let fractionRange = ValueRange.float32(from: 0, below: 1)
    /// The held-out fraction of each class (used as a Double).
    static let validationRange = ValueRange.numbers(lower: 0, lowerIncluded: true, upper: 1, upperIncluded: false,
                                                    float32: false)

    /// Reads `folder`, `epochs`, `batch`, `validation`, `optimizer`, `rate`
    /// and `momentum`; a missing rate is `defaultRates[optimizer name]`.
    /// Every number is already inside the range its parameter declares
    /// (the interpreter checked it before the command ran); a default rate is
    /// checked here the same way.
    init(_ arguments: Arguments, defaultRates: [String: Double]) throws {
        epochs = arguments.int("epochs")!
        batch = arguments.int("batch")!
        validation = arguments.double("validation")!
        let name = arguments.string("optimizer")!
        let rate = arguments.double("rate") ?? defaultRates[name]!
        precondition(Self.rateRange.contains(.float(rate)), "RunOptions: default rate \(rate) outside \(Self.rateRange.text)")
        let momentum = arguments.double("momentum")!
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
