// Session.swift — what one kungfu session shares across its commands: the
// loaded model, the seed, the environment, and where pictures go. The REPL,
// `run` and `-c` each make one Session; every command gets it at creation.
import Foundation
import Lang
import Vision

/// A picture a command shows: drawn in the terminal (or described when not a
/// terminal), kept as `image/png` in a notebook, named in JSON output.
struct Picture {
    /// The pixels (RGB8, HWC).
    var image: Image
    /// One line saying what it is, e.g. `mixed2 of cat.jpg: 288 maps`.
    var title: String
    /// The file it was saved to, if any.
    var path: String?
    /// A photograph (`show image`), embedded in notebooks as JPEG; charts and
    /// feature-map grids stay PNG, whose sharp edges JPEG would blur.
    var isPhoto = false
}

/// A model the session has loaded: Vision's transfer-learning model (base,
/// trainable flags, head, feature cache; its members read through, as
/// `model.head`) with what the shell says about it: the name typed, where
/// the weights came from, and the record of the last training.
@dynamicMemberLookup
struct LoadedModel {
    /// The base, its trainable flags, the head and the feature cache.
    var transfer: TransferModel
    /// The model's name as the learner typed it (`inception_v3`).
    var name: String
    /// Where the weights came from: `imagenet (path)`, `none (seed 42)`, a file path.
    var weightsDescription: String
    /// What the last `train head` did (epochs so far) and the last confusion
    /// matrix (of its validation images, or of the last `evaluate`), for
    /// `show history` and `show confusion`.
    var training: TrainingRecord?

    /// A freshly loaded model: every layer trainable, no head.
    init(network: InceptionV3, name: String, weightsDescription: String) {
        self.transfer = TransferModel(network: network)
        self.name = name
        self.weightsDescription = weightsDescription
    }

    /// The transfer model's members: `model.network`, `model.head`, `model.layerTable`…
    subscript<T>(dynamicMember keyPath: WritableKeyPath<TransferModel, T>) -> T {
        get { transfer[keyPath: keyPath] }
        set { transfer[keyPath: keyPath] = newValue }
    }

    /// The transfer model's read-only members.
    subscript<T>(dynamicMember keyPath: KeyPath<TransferModel, T>) -> T {
        transfer[keyPath: keyPath]
    }
}

/// The trace of training the current head, kept for the pictures.
struct TrainingRecord {
    /// The folder trained on, as typed.
    var folder: String
    /// One record per completed epoch.
    var history: [EpochRecord]
    /// The latest confusion matrix and what it was computed on.
    var confusion: ConfusionRecord?
    /// What trained: the head alone, the head with a trainable base, or fine-tuning.
    var kind: TrainingHistoryValue.Kind = .head
}

/// A confusion matrix with its classes and what it counts.
struct ConfusionRecord {
    /// `matrix[true][predicted]` image counts.
    var matrix: [[Int]]
    /// Class names, in the head's order.
    var classes: [String]
    /// What was counted, e.g. `validation images of examples/objects`.
    var source: String
}

/// The state shared by every command of one session.
final class Session {
    /// The loaded model, if any.
    var model: LoadedModel?
    /// The seed for anything random (`set seed N`); Keras-style default 0 until set.
    var seed: UInt64 = 0
    /// Files this session's pictures were saved to, with what each shows, so
    /// two different things never silently share a name (`outputPath`).
    private var writtenFiles: [String: String] = [:]
    /// The process environment (injectable for tests): KUNGFU_WEIGHTS,
    /// KUNGFU_HOME, KUNGFU_THREADS, TERM…
    let environment: [String: String]
    /// Shows a picture: set by the runtime (terminal, notebook, JSON).
    var show: (Picture) -> Void = { _ in }
    /// Everything the session did so far, as notebook cells (`--notebook`,
    /// `save notebook`).
    let notebook = NotebookRecorder()
    /// The session's statements as Keras code (`export keras`, `--keras-notebook`).
    let keras = KerasNotebook()

    /// A session reading the given environment.
    init(environment: [String: String]) {
        self.environment = environment
    }

    /// The loaded model, or an error telling the learner to load one.
    func requireModel() throws -> LoadedModel {
        guard let model else {
            throw CommandError("no model is loaded", notes: ["load one first: load model inception_v3"])
        }
        return model
    }

    /// Where to save a picture showing `what` (e.g. `mixed2 of /photos/a/1.jpg`):
    /// `path` itself, unless this session already saved something else
    /// there; then `name-2.png`, `name-3.png`, … (two photos named 1.jpg in
    /// different folders keep a file each). Saving the same thing again reuses its file.
    func outputPath(_ path: String, showing what: String) -> String {
        let ext = PathText.fileExtension(PathText.lastComponent(path))
        let stem = PathText.withoutExtension(path)
        var candidate = path
        var n = 1
        while let other = writtenFiles[candidate], other != what {
            n += 1
            candidate = "\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)")
        }
        writtenFiles[candidate] = what
        return candidate
    }
}
