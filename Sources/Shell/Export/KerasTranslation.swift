// KerasTranslation.swift — what each kungfu command is in Keras 3, for
// `export keras`: one function per command, looked up by the command's
// name. The language (let, for, if, print, narration) is Lang's
// `StatementSyntax.python`; this file only writes commands. Names the
// notebook itself uses (`model`, `base`, `head`, …) are `reservedNames`.
import Lang
import Vision

/// What the translation knows when a statement is recorded: the model the
/// session has then (for the layer indexes kungfu computes) and whether the
/// exported notebook's `model` has a trained or loaded head.
struct KerasContext {
    /// The session's model when the statement starts, if any.
    var model: LoadedModel?
    /// True once the exported notebook's `model` ends in a head.
    var hasHead = false
}

/// The Keras 3 code of every command.
enum KerasTranslation {
    /// Python names the exported notebook keeps for itself: a kungfu variable
    /// of one of these names gets a `_` in Python.
    static let reservedNames: Set<String> = [
        "model", "base", "head", "history", "class_names", "train_ds", "val_ds", "test_ds", "seed",
        "image_size", "np", "plt", "keras", "layers", "os", "glob", "h5py", "json", "paths",
        "probabilities", "predictions", "confusion", "image_paths", "load_batch", "save_h5_weights",
        "InceptionV3", "preprocess_input", "decode_predictions", "x", "outputs", "layer", "fnmatch",
        "path", "top", "rank", "wnid", "label", "score", "maps", "activations", "count", "columns", "rows",
        "figure", "axes", "axis", "k", "left", "right", "key", "loss", "accuracy", "y_true", "y_pred",
        "hidden", "head_layers", "kernels", "f", "i", "tf", "mpl", "img_array", "img", "grad_model", "tape",
        "layer_output", "preds", "pred_index", "class_channel", "grads", "pooled_grads", "heatmap", "jet_colors",
        "jet_heatmap", "superimposed", "class_name", "stem", "probability", "w", "patches", "weight", "array", "target",
    ]

    /// One translation per command name (`spec.name`).
    static let table: [String: @Sendable (CommandCallSyntax, inout KerasContext) -> PythonCode] = [
        "load model": loadModel,
        "summary": summary,
        "layers": layerList,
        "predict": predict,
        "show image": showImage,
        "show activations": showActivations,
        "save activations": saveActivations,
        "freeze layers": freeze,
        "unfreeze layers": unfreeze,
        "train head": trainHead,
        "fine tune": fineTune,
        "evaluate": evaluate,
        "show history": showHistory,
        "show confusion": showConfusion,
        "save head": saveHead,
        "load head": loadHead,
        "save model": saveModel,
        "set seed": setSeed,
        "explain": explain,
        "show filters": showFilters,
        "save weights": saveWeights,
    ]

    /// The Keras code of one command call; a command with no Keras
    /// counterpart becomes a comment saying so (and its `help` Keras line).
    static func code(for call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        if let translate = table[call.spec.name] { return translate(call, &context) }
        var keras = Substring(call.spec.keras)
        while keras.hasPrefix("#") || keras.hasPrefix(" ") { keras = keras.dropFirst() }
        return PythonCode(["# `\(call.spec.name)` has no Keras counterpart; its help says: \(keras)"])
    }

    /// The first lines of every exported notebook: imports, the seed, the
    /// image size and two helpers the command cells share.
    static let preamble = """
        import glob
        import json
        import os

        import h5py
        import keras
        import matplotlib.pyplot as plt
        import numpy as np
        from keras import layers
        from keras.applications.inception_v3 import InceptionV3, decode_predictions, preprocess_input

        seed = 0  # kungfu's default seed; `set seed` changes it
        keras.utils.set_random_seed(seed)
        image_size = (299, 299)
        class_names = None  # ImageNet's 1000 classes until a head is trained or loaded


        def image_paths(pattern):
            \"\"\"The files kungfu reads for a path: a folder's images, a glob's matches (sorted), or the file.\"\"\"
            if os.path.isdir(pattern):
                names = sorted(n for n in os.listdir(pattern) if n.lower().endswith((".jpg", ".jpeg", ".png")))
                return [os.path.join(pattern, n) for n in names]
            if any(c in pattern for c in "*?["):
                return sorted(glob.glob(pattern))
            return [pattern]


        def load_batch(paths):
            \"\"\"The photos as InceptionV3 reads them: load_img, img_to_array, preprocess_input.\"\"\"
            arrays = [keras.utils.img_to_array(keras.utils.load_img(p, target_size=image_size)) for p in paths]
            return preprocess_input(np.stack(arrays))


        def save_h5_weights(model, path):
            \"\"\"save_weights; a plain .h5 name gets Keras' legacy HDF5 layout, the one kungfu writes.\"\"\"
            if path.endswith(".weights.h5"):
                model.save_weights(path)
                return
            from keras.src.legacy.saving import legacy_h5_format
            with h5py.File(path, "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
        """

    // MARK: the model

    /// `load model inception_v3 weights W top T pooling P input S`.
    static func loadModel(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let weights = call["weights"]?.constant == .string("none") ? "None" : call["weights"]?.code ?? "\"imagenet\""
        let top = call["top"]?.code ?? "True"
        let pooling = call["pooling"]?.constant == .string("none") ? "None" : call["pooling"]?.code ?? "None"
        let size = call["input"]?.code ?? "299"
        context.hasHead = false
        // Keras takes an input shape only without the top (the top is 299×299).
        let shape: String
        switch call["top"]?.constant {
        case .bool(true)?: shape = ""
        case .bool(false)?: shape = ", input_shape=image_size + (3,)"
        default: shape = ", input_shape=None if \(top) else image_size + (3,)"
        }
        return PythonCode([
            "image_size = (\(size), \(size))",
            "model = InceptionV3(weights=\(weights), include_top=\(top), pooling=\(pooling)\(shape))",
            "class_names = None",
        ], result: "model")
    }

    /// `summary`.
    static func summary(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        PythonCode(["model.summary()"])
    }

    /// `layers [matching GLOB]`.
    static func layerList(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        var lines = ["import fnmatch", "for i, layer in enumerate(model.layers):"]
        if let glob = call["matching"] {
            lines += ["    if not fnmatch.fnmatchcase(layer.name, \(glob.code)):", "        continue"]
        }
        lines.append("    print(i, layer.name, type(layer).__name__, layer.output.shape, layer.trainable)")
        return PythonCode(lines, result: "model.layers")
    }

    // MARK: pictures and predictions

    /// `predict PATH top K`: ImageNet's decode_predictions, or the head's classes.
    static func predict(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let path = call["path"]?.code ?? "\"\"", top = call["top"]?.code ?? "5"
        var lines = [
            "paths = image_paths(\(path))",
            "probabilities = model.predict(load_batch(paths), verbose=0)",
        ]
        if context.hasHead {
            lines.append("predictions = [[(str(i), class_names[i], float(row[i])) for i in np.argsort(-row, kind=\"stable\")[:\(top)]]"
                         + " for row in probabilities]")
        } else {
            lines.append("predictions = decode_predictions(probabilities, top=\(top))")
        }
        lines += [
            "for path, top in zip(paths, predictions):",
            "    print(path)",
            "    for rank, (wnid, label, score) in enumerate(top, 1):",
            "        print(f\"  {rank}. {label} ({wnid}) {score:.6f}\")",
        ]
        return PythonCode(lines, result: "predictions")
    }

    /// `show image PATH`.
    static func showImage(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        PythonCode([
            "plt.imshow(keras.utils.load_img(\(call["path"]?.code ?? "\"\"")))",
            "plt.axis(\"off\")",
            "plt.show()",
        ])
    }

    /// `show activations LAYER of IMAGE to FOLDER channels N`.
    static func showActivations(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let layer = call["layer"]?.code ?? "\"\"", image = call["image"]?.code ?? "\"\""
        let folder = call["folder"]?.code ?? "\"activations\"", channels = call["channels"]?.code ?? "64"
        return PythonCode([
            "maps = keras.Model(model.input, model.get_layer(\(layer)).output).predict(load_batch([\(image)]), verbose=0)[0]",
            "count = min(\(channels), maps.shape[-1])",
        ] + grid(count: "count", picture: "maps[:, :, k]", options: "cmap=\"viridis\"")
          + savedFigure(folder: folder, file: "\(layer) + \".png\""), result: "maps")
    }

    /// A square grid of `count` pictures (`picture` of the index k), axes off.
    static func grid(count: String, picture: String, options: String) -> [String] {
        [
            "columns = int(np.ceil(np.sqrt(\(count))))",
            "rows = int(np.ceil(\(count) / columns))",
            "figure, axes = plt.subplots(rows, columns, figsize=(columns, rows), squeeze=False)",
            "for k, axis in enumerate(axes.flat):",
            "    axis.axis(\"off\")",
            "    if k < \(count):",
            "        axis.imshow(\(picture), \(options))",
        ]
    }

    /// The figure saved as FOLDER/FILE (a Python expression), then shown.
    static func savedFigure(folder: String, file: String) -> [String] {
        ["os.makedirs(\(folder), exist_ok=True)", "figure.savefig(os.path.join(\(folder), \(file)))", "plt.show()"]
    }

    /// `save activations LAYER of IMAGE to FILE`.
    static func saveActivations(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let layer = call["layer"]?.code ?? "\"\"", image = call["image"]?.code ?? "\"\""
        return PythonCode([
            "activations = keras.Model(model.input, model.get_layer(\(layer)).output).predict(load_batch([\(image)]), verbose=0)",
            "np.save(\(call["file"]?.code ?? "\"\""), activations.astype(np.float32))",
        ], result: "activations")
    }

    // MARK: trainable layers

    /// `freeze layers N | all | through LAYER`: the same N kungfu computes.
    static func freeze(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let end: String
        if let count = call["count"] {
            if count.constant == .string("all") {
                end = context.model.map { String($0.baseLayerCount) } ?? "len(base.layers)"
            } else {
                end = count.code
            }
        } else if let through = call["through"] {
            if let value = through.constant, let model = context.model,
               let index = try? model.baseIndex(of: value, blockStart: false, argument: "through") {
                end = String(index + 1)
            } else {
                end = "[layer.name for layer in model.layers].index(\(through.code)) + 1"
            }
        } else {
            return PythonCode(["# freeze layers: no layers named"])
        }
        return PythonCode(["for layer in model.layers[:\(end)]:", "    layer.trainable = False"])
    }

    /// `unfreeze layers all | from LAYER`: the same first index kungfu computes.
    static func unfreeze(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let end = context.model.map { String($0.baseLayerCount) } ?? ""
        let start: String
        if let from = call["from"] {
            if let value = from.constant, let model = context.model,
               let index = try? model.baseIndex(of: value, blockStart: true, argument: "from") {
                start = String(index)
            } else {
                start = "[layer.name for layer in model.layers].index(\(from.code))"
            }
        } else {
            start = ""
        }
        return PythonCode(["for layer in model.layers[\(start):\(end)]:", "    layer.trainable = True"])
    }

    // MARK: training

    /// The datasets of a folder: image_dataset_from_directory with kungfu's
    /// validation fraction, the session seed and the model's image size.
    static func datasets(folder: String, validation: PythonArgument?, batch: String) -> [String] {
        let noValidation = validation?.constant == .float(0) || validation?.constant == .int(0)
        if noValidation {
            return [
                "train_ds = keras.utils.image_dataset_from_directory(\(folder), seed=seed, image_size=image_size, "
                    + "batch_size=\(batch), label_mode=\"categorical\")",
                "class_names = train_ds.class_names",
                "train_ds = train_ds.map(lambda x, y: (preprocess_input(x), y))",
                "val_ds = None",
            ]
        }
        return [
            "train_ds, val_ds = keras.utils.image_dataset_from_directory(",
            "    \(folder), validation_split=\(validation?.code ?? "0.2"), subset=\"both\", seed=seed,",
            "    image_size=image_size, batch_size=\(batch), label_mode=\"categorical\")",
            "class_names = train_ds.class_names",
            "train_ds = train_ds.map(lambda x, y: (preprocess_input(x), y))",
            "val_ds = val_ds.map(lambda x, y: (preprocess_input(x), y))",
        ]
    }

    /// The optimizer a training command chose, with its rate (kungfu's
    /// default when none is given) and momentum.
    static func optimizer(_ call: CommandCallSyntax, adamRate: String, sgdRate: String) -> String {
        let sgd = call["optimizer"]?.constant == .string("sgd")
        let rate = call["rate"]?.code ?? (sgd ? sgdRate : adamRate)
        if sgd {
            return "keras.optimizers.SGD(learning_rate=\(rate), momentum=\(call["momentum"]?.code ?? "0.0"))"
        }
        return "keras.optimizers.Adam(learning_rate=\(rate))"
    }

    /// `train head on FOLDER …`: base to mixed10, GlobalAveragePooling2D, a
    /// head of Dense layers, compiled and fitted as kungfu trains it.
    static func trainHead(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let folder = call["folder"]?.code ?? "\"\"", batch = call["batch"]?.code ?? "32"
        var lines = datasets(folder: folder, validation: call["validation"], batch: batch)
        lines.append("base = keras.Model(model.input, model.get_layer(\"mixed10\").output)")
        var head = ["keras.Input((2048,))"]
        if let hidden = call["hidden"] {
            head.append("layers.Dense(\(hidden.code), activation=\"relu\", name=\"dense\")")
            head.append("layers.Dropout(\(call["dropout"]?.code ?? "0.0"), name=\"dropout\")")
            head.append("layers.Dense(len(class_names), activation=\"softmax\", name=\"dense_1\")")
        } else {
            head.append("layers.Dense(len(class_names), activation=\"softmax\", name=\"dense\")")
        }
        lines.append("head = keras.Sequential([" + head.joined(separator: ", ") + "], name=\"head\")")
        lines += [
            "model = keras.Model(base.input, head(layers.GlobalAveragePooling2D()(base.output)))",
            "model.compile(optimizer=\(optimizer(call, adamRate: "0.001", sgdRate: "0.01")), "
                + "loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])",
            "history = model.fit(train_ds, epochs=\(call["epochs"]?.code ?? "10"), validation_data=val_ds)",
        ]
        context.hasHead = true
        return PythonCode(lines, result: "history")
    }

    /// `fine tune on FOLDER …`: recompiled with the small rate, fitted again.
    static func fineTune(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let folder = call["folder"]?.code ?? "\"\"", batch = call["batch"]?.code ?? "16"
        var lines = datasets(folder: folder, validation: call["validation"], batch: batch)
        lines += [
            "model.compile(optimizer=\(optimizer(call, adamRate: "0.00001", sgdRate: "0.0001")), "
                + "loss=\"categorical_crossentropy\", metrics=[\"accuracy\"])",
            "history = model.fit(train_ds, epochs=\(call["epochs"]?.code ?? "5"), validation_data=val_ds)",
        ]
        return PythonCode(lines, result: "history")
    }

    /// `evaluate on FOLDER`: Keras' evaluate and a confusion matrix.
    static func evaluate(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        PythonCode([
            "test_ds = keras.utils.image_dataset_from_directory(\(call["folder"]?.code ?? "\"\""), shuffle=False, "
                + "image_size=image_size, label_mode=\"categorical\", class_names=class_names)",
            "test_ds = test_ds.map(lambda x, y: (preprocess_input(x), y))",
            "loss, accuracy = model.evaluate(test_ds)",
            "y_true = np.concatenate([np.argmax(y, axis=1) for _, y in test_ds])",
            "y_pred = np.argmax(model.predict(test_ds, verbose=0), axis=1)",
            "confusion = np.zeros((len(class_names), len(class_names)), dtype=int)",
            "np.add.at(confusion, (y_true, y_pred), 1)",
            "print(f\"accuracy {accuracy:.4f}\")",
            "print(confusion)",
        ], result: "accuracy")
    }

    /// `show history to FOLDER`: the History's loss and accuracy curves.
    static func showHistory(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let folder = call["folder"]?.code ?? "\"plots\""
        return PythonCode([
            "figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))",
            "for key in [\"loss\", \"val_loss\"]:",
            "    if key in history.history:",
            "        left.plot(history.history[key], label=key)",
            "for key in [\"accuracy\", \"val_accuracy\"]:",
            "    if key in history.history:",
            "        right.plot(history.history[key], label=key)",
            "left.set_xlabel(\"epoch\")",
            "right.set_xlabel(\"epoch\")",
            "left.legend()",
            "right.legend()",
        ] + savedFigure(folder: folder, file: "\"history.png\""))
    }

    /// `show confusion to FOLDER`: the last confusion matrix as a heatmap.
    static func showConfusion(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let folder = call["folder"]?.code ?? "\"plots\""
        return PythonCode([
            "if \"confusion\" not in globals():",
            "    y_true = np.concatenate([np.argmax(y, axis=1) for _, y in val_ds])",
            "    y_pred = np.argmax(model.predict(val_ds, verbose=0), axis=1)",
            "    confusion = np.zeros((len(class_names), len(class_names)), dtype=int)",
            "    np.add.at(confusion, (y_true, y_pred), 1)",
            "figure, axis = plt.subplots()",
            "axis.imshow(confusion, cmap=\"Blues\")",
            "axis.set_xticks(range(len(class_names)), class_names, rotation=45)",
            "axis.set_yticks(range(len(class_names)), class_names)",
            "axis.set_xlabel(\"predicted\")",
            "axis.set_ylabel(\"true\")",
        ] + savedFigure(folder: folder, file: "\"confusion.png\""))
    }

    // MARK: files and seed

    /// `save head FILE`: the head's weights, with its class names as kungfu keeps them.
    static func saveHead(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let file = call["file"]?.code ?? "\"\""
        return PythonCode([
            "save_h5_weights(head, \(file))",
            "with h5py.File(\(file), \"a\") as f:",
            "    f.attrs[\"class_names\"] = json.dumps(class_names)",
        ])
    }

    /// `load head FILE`: a head of the file's shape on the base, its weights loaded.
    static func loadHead(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        let file = call["file"]?.code ?? "\"\""
        context.hasHead = true
        return PythonCode([
            "with h5py.File(\(file), \"r\") as f:",
            "    class_names = json.loads(f.attrs[\"class_names\"])",
            "    kernels = []",
            "    f[\"dense\"].visititems(lambda name, item: kernels.append(item.shape) if len(getattr(item, \"shape\", ())) == 2 else None)",
            "    hidden = kernels[0][1] if \"dense_1\" in f else None",
            "base = keras.Model(model.input, model.get_layer(\"mixed10\").output)",
            "head_layers = [keras.Input((2048,))]",
            "if hidden:",
            "    head_layers += [layers.Dense(hidden, activation=\"relu\", name=\"dense\"), layers.Dropout(0.0, name=\"dropout\"),",
            "                    layers.Dense(len(class_names), activation=\"softmax\", name=\"dense_1\")]",
            "else:",
            "    head_layers += [layers.Dense(len(class_names), activation=\"softmax\", name=\"dense\")]",
            "head = keras.Sequential(head_layers, name=\"head\")",
            "head.load_weights(\(file))",
            "model = keras.Model(base.input, head(layers.GlobalAveragePooling2D()(base.output)))",
        ])
    }

    /// `save model FILE`: the whole model's weights.
    static func saveModel(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        PythonCode(["save_h5_weights(model, \(call["file"]?.code ?? "\"\""))"])
    }

    /// `set seed N`.
    static func setSeed(_ call: CommandCallSyntax, context: inout KerasContext) -> PythonCode {
        PythonCode(["seed = \(call["seed"]?.code ?? "0")", "keras.utils.set_random_seed(seed)"])
    }
}
