// Predictions.swift — Keras' decode_predictions for (N, 1000) probabilities.
// Order: probability descending, NaN first (numpy sorts NaN last, Keras
// reverses); equal probabilities by descending class index, which is numpy's
// argsort(kind="stable")[-top:][::-1]. numpy's default argsort orders ties
// differently per CPU (x86-simd-sort); docs/images.md shows where they agree.

/// One class of one prediction: what `decode_predictions` returns as
/// (wnid, label, score), plus the class index.
public struct Prediction: Sendable, Equatable {
    /// Output unit, 0...999.
    public let index: Int
    /// WordNet id, e.g. "n02123045".
    public let wnid: String
    /// Keras' label, e.g. "tabby".
    public let label: String
    /// The probability the model gave this class.
    public let probability: Float

    /// A prediction for ImageNet class `index`.
    public init(index: Int, probability: Float) {
        precondition((0..<ImageNetLabels.count).contains(index), "Prediction: class index \(index) is not 0...999")
        let imageNetClass = ImageNetLabels.classes[index]
        self.index = index
        self.wnid = imageNetClass.wnid
        self.label = imageNetClass.label
        self.probability = probability
    }

    /// A prediction of a class of one's own (a trained head's), with no
    /// WordNet id: `wnid` is empty.
    public init(index: Int, label: String, probability: Float) {
        precondition(index >= 0, "Prediction: negative class index \(index)")
        self.index = index
        self.wnid = ""
        self.label = label
        self.probability = probability
    }
}

/// Why `decodePredictions` refused its input.
public enum PredictionError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The tensor is not (samples, 1000).
    case wrongShape([Int])
    /// `top` is not within 1...1000.
    case topOutOfRange(Int)

    /// The message for the user.
    public var description: String {
        switch self {
        case .wrongShape(let shape):
            return "decodePredictions: expected class probabilities of shape (samples, 1000), got \(shape)"
        case .topOutOfRange(let top):
            return "decodePredictions: top must be between 1 and 1000, got \(top)"
        }
    }
}

/// The `top` most probable ImageNet classes of each row of `probabilities`
/// (shape (N, 1000)), most probable first — Keras'
/// `decode_predictions(preds, top)`.
///
/// Equal probabilities come in descending class index (numpy's stable
/// argsort order); NaN ranks above every number, as in Keras.
///
///     let top3 = try decodePredictions(output, top: 3)
///     top3[0][0].label   // "tabby"
public func decodePredictions(_ probabilities: Tensor, top: Int = 5) throws -> [[Prediction]] {
    let classes = ImageNetLabels.count
    guard probabilities.rank == 2, probabilities.shape[1] == classes else {
        throw PredictionError.wrongShape(probabilities.shape)
    }
    guard (1...classes).contains(top) else { throw PredictionError.topOutOfRange(top) }
    return (0..<probabilities.shape[0]).map { row in
        let p = probabilities.scalars[row * classes..<(row + 1) * classes]
        return predictionRanking(p).prefix(top).map { Prediction(index: $0, probability: p[p.startIndex + $0]) }
    }
}

/// The class indices of one row of probabilities, most probable first, by
/// decode_predictions' rule: NaN ranks above every number, then larger
/// probabilities, and equal ones by the higher class index (numpy's stable
/// argsort, reversed). A valid strict order even with NaNs. Used for
/// ImageNet's 1000 classes and for a trained head's classes alike.
public func predictionRanking(_ row: ArraySlice<Float>) -> [Int] {
    let base = row.startIndex
    return (0..<row.count).sorted { a, b in
        let x = row[base + a], y = row[base + b]
        if x.isNaN || y.isNaN { return x.isNaN && (!y.isNaN || a > b) }
        return x > y || (x == y && a > b)
    }
}

/// numpy's `argmax` of one row, as Keras' accuracy takes it: the position of
/// the first NaN if there is one (a diverged model), else of the first
/// maximum. Never traps, whatever the values.
public func firstArgmax(_ row: ArraySlice<Float>) -> Int {
    if let nan = row.firstIndex(where: \.isNaN) { return nan - row.startIndex }
    var best = row.startIndex
    for i in row.indices where row[i] > row[best] { best = i }
    return best - row.startIndex
}
