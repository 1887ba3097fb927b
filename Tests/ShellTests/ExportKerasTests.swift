// ExportKerasTests.swift — `export keras` and `--keras-notebook`.
// Oracles: (1) golden cells: the Python each command family becomes, written
// out here by hand from the Keras documentation's idioms, and nbformat's
// validator (warnings as errors) with nbformat's own rewrite of the file
// byte for byte; (2) Keras itself: the exported notebook runs top to bottom
// with nbclient in a Python with TensorFlow (`$KUNGFU_TF_PYTHON`, else
// ~/.cache/kungfu/venv-tf, made by scripts/install-deps --test) over weights Keras
// wrote (the parity fixtures' reproducible weights), and its top-k equal
// kungfu's for the same photos.
import Foundation
import XCTest
@testable import Vision

final class ExportKerasTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = try makeTemporaryFolder("export")
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: folder + "/examples", withDestinationPath: repositoryRoot + "/examples")
        // A small training folder: two classes of three photos.
        for (label, files) in [("fish", ["fish1.jpg", "fish2.jpg", "fish3.jpg"]),
                               ("tool", ["hammer1.jpg", "hammer2.jpg", "hammer3.jpg"])] {
            try fm.createDirectory(atPath: folder + "/small/" + label, withIntermediateDirectories: true)
            for file in files {
                try fm.createSymbolicLink(atPath: folder + "/small/\(label)/\(file)",
                                          withDestinationPath: repositoryRoot + "/examples/objects/\(label)/\(file)")
            }
        }
        try fm.createDirectory(atPath: folder + "/out", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `script` with `kungfu ARGS run` in the test folder (random weights for `imagenet`).
    private func run(_ script: String, _ args: [String] = []) throws -> RunResult {
        try script.write(toFile: folder + "/session.kf", atomically: true, encoding: .utf8)
        return try runKungfu(args + ["run", "session.kf"], environment: ["KUNGFU_WEIGHTS": "none"],
                             currentDirectory: folder)
    }

    /// The notebook's cells after nbformat validated it (warnings as errors)
    /// and checked that its own rewrite is our bytes: "TYPE\nSOURCE" each.
    private func cells(_ path: String) throws -> [String] {
        let out = try runPython("""
            import sys, json, warnings
            warnings.simplefilter("error")
            text = open(sys.argv[1], encoding="utf-8").read()
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
            assert nbformat.writes(nb) + "\\n" == text, "not nbformat's own bytes"
            assert nb.metadata.kernelspec.name == "python3", nb.metadata
            print(json.dumps([c.cell_type + "\\n" + c.source for c in nb.cells]))
            """, arguments: [path], modules: ["nbformat"])
        return try JSONDecoder().decode([String].self, from: Data(out.utf8))
    }

    func testEveryCommandFamilyBecomesItsKerasCell() throws {
        let result = try run("""
            ## Golden export
            set seed 3
            load model inception_v3 weights imagenet
            summary
            layers matching "mixed1*"
            let photo = "examples/testset/1.jpg"
            predict photo top 2
            show image photo
            show activations mixed2 of photo to "out" channels 4
            save activations avg_pool of photo to "out/a.npy"
            explain photo as tabby layer mixed9 to "out"
            show filters conv2d to "out" pairs 8
            save weights conv2d to "out/k.npy"
            freeze layers through mixed8
            freeze layers all
            train head on "small" epochs 1 batch 2 validation 0.5 hidden 8 dropout 0.5 optimizer sgd rate 0.05 momentum 0.9
            unfreeze layers from mixed9
            fine tune on "small" epochs 1 batch 2 validation 0.5
            evaluate on "small"
            show history to "out"
            show confusion to "out"
            save head "out/h.h5"
            load head "out/h.h5"
            predict photo top 1
            explain photo as fish save "out/h.npy"
            save model "out/m.h5"
            for k in 1...2 {
              ## a loop
              if k == 1 { print "one" } else { print "k is", k }
            }
            help predict
            save notebook "out/s.ipynb"
            export keras "out/k.ipynb"
            """, ["--keras-notebook", folder + "/out/run.ipynb"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("cells of Keras code to out/k.ipynb"), result.stdout)
        let exported = try cells(folder + "/out/k.ipynb")
        let atExit = try cells(folder + "/out/run.ipynb")
        // The command's notebook stops at its own statement; the option's holds it too.
        XCTAssertEqual(Array(atExit.prefix(exported.count)), exported)
        XCTAssertEqual(atExit.count, exported.count)
        XCTAssertEqual(exported.count, goldenCells.count, exported.joined(separator: "\n=====\n"))
        for (index, (got, expected)) in zip(exported, goldenCells).enumerated() {
            XCTAssertEqual(got, expected, "cell \(index + 1)")
        }
    }

    func testAStatementThatFailedIsACommentNotCode() throws {
        let result = try run("""
            load model inception_v3 weights none
            freeze layers through nosuchlayer
            """, ["--keras-notebook", folder + "/out/run.ipynb"])
        XCTAssertEqual(result.status, 1)
        let exported = try cells(folder + "/out/run.ipynb")
        XCTAssertEqual(exported.last, """
            code
            # this statement failed in kungfu, so it is left out:
            # kungfu: freeze layers through nosuchlayer
            """)
    }

    func testVariablesNamedLikeTheNotebooksOwnGetAnUnderscore() throws {
        let result = try run("""
            let model = 2
            let lambda = [model, 3.5, "a\\"b", true]
            print "model is \\(model)", lambda[0] // 2, 1..<3
            """, ["--keras-notebook", folder + "/out/run.ipynb"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let python = try cells(folder + "/out/run.ipynb").suffix(3).map { $0.split(separator: "\n").last.map(String.init) ?? "" }
        XCTAssertEqual(python, [
            "model_ = 2",
            "lambda_ = [model_, 3.5, \"a\\\"b\", True]",
            "print((\"model is \" + str(model_)), (lambda_[0] // 2), range(1, 3))",
        ])
    }

    // MARK: running the notebook with Keras

    /// The Python with TensorFlow: `$KUNGFU_TF_PYTHON`, else the venv
    /// scripts/install-deps --test makes. Fails (never skips) when it is missing.
    private func tensorflowPython() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let python = environment["KUNGFU_TF_PYTHON"]
            ?? (NSHomeDirectory() + "/.cache/kungfu/venv-tf/bin/python")
        let check = try runProgram(URL(fileURLWithPath: "/usr/bin/env"),
                                   [python, "-c", "import tensorflow, keras, h5py, matplotlib, PIL, nbclient, nbformat, ipykernel"])
        if check.status != 0 {
            throw PythonOracleError(description: """
                this test needs a Python with TensorFlow at $KUNGFU_TF_PYTHON or \(python): run scripts/install-deps --test \
                (it makes ~/.cache/kungfu/venv-tf), or python3 -m venv V && V/bin/pip install tensorflow-cpu h5py \
                matplotlib pillow nbclient nbformat ipykernel and set KUNGFU_TF_PYTHON=V/bin/python. \(check.stderr)
                """)
        }
        return python
    }

    /// Runs Python `code` with the TensorFlow Python in the test folder.
    private func runTensorFlow(_ python: String, _ code: String, _ arguments: [String] = []) throws -> String {
        let result = try runProgram(URL(fileURLWithPath: "/usr/bin/env"), [python, "-c", code] + arguments,
                                    environment: ["TF_CPP_MIN_LOG_LEVEL": "3", "KERAS_HOME": folder + "/keras-home"],
                                    currentDirectory: folder)
        guard result.status == 0 else {
            throw PythonOracleError(description: "TensorFlow python failed (status \(result.status)):\n\(result.stderr)")
        }
        return result.stdout
    }

    func testTheExportedNotebookRunsInKerasAndPredictsWhatKungfuPredicts() throws {
        let python = try tensorflowPython()
        // Keras' class index for decode_predictions, offline: kungfu's copy is the same bytes (MD5 checked by Keras).
        try FileManager.default.createDirectory(atPath: folder + "/keras-home/models", withIntermediateDirectories: true)
        try ImageNetLabels.classIndexJSON.write(toFile: folder + "/keras-home/models/imagenet_class_index.json",
                                                atomically: true, encoding: .utf8)
        // Keras writes the weights: its InceptionV3 filled with the parity
        // fixtures' reproducible weights, in the legacy .h5 layout.
        _ = try runTensorFlow(python, """
            import sys
            sys.path.insert(0, sys.argv[1])
            import generate, h5py, keras
            from keras.src.legacy.saving import legacy_h5_format
            model = keras.applications.InceptionV3(weights=None)
            generate.fill_reproducible(model)
            with h5py.File("weights.h5", "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
            """, [repositoryRoot + "/Tests/VisionTests/Fixtures/keras-parity"])

        // A head kungfu trained and saved, outside the exported session:
        // both kungfu and Keras load this file, so their predictions agree.
        let trained = try run("""
            load model inception_v3 weights "weights.h5"
            freeze layers all
            train head on "small" epochs 2 batch 3 validation 0.5 hidden 4
            save head "kungfu-head.h5"
            """)
        XCTAssertEqual(trained.status, 0, trained.stderr)

        let result = try run("""
            ## Predict with weights Keras wrote.
            load model inception_v3 weights "weights.h5"
            predict "examples/testset/1.jpg" top 3
            for p in ["examples/testset/4.jpg", "examples/testset/16.jpg"] {
              predict p top 5
            }
            ## Where it looked, its first filters and their weights.
            explain "examples/testset/1.jpg" layer mixed7 to "out" save "out/cam.npy"
            show filters conv2d to "out"
            save weights batch_normalization to "out/bn.npy"
            ## A head kungfu trained, loaded by both.
            load head "kungfu-head.h5"
            predict "small/fish/fish1.jpg" top 2
            ## Train a head (its numbers differ by seed), evaluate it, save it.
            freeze layers all
            train head on "small" epochs 1 batch 3 validation 0.5
            evaluate on "small"
            show history to "out"
            save head "out/head.h5"
            export keras "session.ipynb"
            """, ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        var kungfu: [(String, [(label: String, probability: Double)])] = []
        for line in result.stdout.split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let value = object["value"] as? [String: Any], value["type"] as? String == "predictions",
                  let path = value["path"] as? String, let classes = value["classes"] as? [[String: Any]] else { continue }
            kungfu.append((path, classes.map { ($0["label"] as? String ?? "", $0["probability"] as? Double ?? -1) }))
        }
        XCTAssertEqual(kungfu.map(\.0), ["examples/testset/1.jpg", "examples/testset/4.jpg", "examples/testset/16.jpg",
                                         "small/fish/fish1.jpg"], result.stdout)

        // The notebook writes the same file names: keep kungfu's.
        for name in ["cam", "bn", "bn-moving_mean", "bn-moving_variance"] {
            try FileManager.default.copyItem(atPath: folder + "/out/\(name).npy", toPath: folder + "/kungfu-\(name).npy")
        }
        let out = try runTensorFlow(python, """
            import nbformat
            from nbclient import NotebookClient
            nb = nbformat.read("session.ipynb", as_version=4)
            nbformat.validate(nb)
            NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()
            print("".join(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
                          if o.output_type == "stream" and o.name == "stdout"))
            import numpy as np
            for name in ["cam", "bn", "bn-moving_mean", "bn-moving_variance"]:
                ours, theirs = np.load(f"kungfu-{name}.npy"), np.load(f"out/{name}.npy")
                print(f"npy {name} {ours.shape == theirs.shape} {float(np.abs(ours - theirs).max()):.1e}")
            """)
        for name in ["cam", "bn", "bn-moving_mean", "bn-moving_variance"] {
            let line = out.split(separator: "\n").first { $0.hasPrefix("npy \(name) ") }.map(String.init) ?? ""
            let parts = line.split(separator: " ")
            XCTAssertEqual(parts.count, 4, "no comparison of \(name).npy:\n\(out)")
            XCTAssertEqual(parts.dropFirst(2).first, "True", "\(name).npy: Keras' shape differs from kungfu's")
            XCTAssertLessThanOrEqual(Double(parts.last ?? "") ?? 1, 1e-4, "\(name).npy: Keras' values differ from kungfu's")
        }
        // The predict cells print the path, then "  RANK. LABEL (WNID) PROBABILITY" per class.
        var keras: [(String, [(label: String, probability: Double)])] = []
        for line in out.split(separator: "\n").map(String.init) {
            if line.hasPrefix("examples/") || line.hasPrefix("small/") {
                keras.append((line, []))
            } else if line.hasPrefix("  "), !keras.isEmpty, let dot = line.firstIndex(of: "."),
                      let open = line.range(of: " (", options: .backwards),
                      let probability = Double(line.split(separator: " ").last ?? "") {
                keras[keras.count - 1].1.append((String(line[line.index(dot, offsetBy: 2)..<open.lowerBound]), probability))
            }
        }
        XCTAssertTrue(out.contains("accuracy "), "the evaluate cell ran and printed its accuracy:\n\(out)")
        XCTAssertEqual(keras.map(\.0), kungfu.map(\.0), "Keras' notebook predicted other photos:\n\(out)")
        for ((path, ours), (_, theirs)) in zip(kungfu, keras) {
            XCTAssertEqual(theirs.map(\.label), ours.map(\.label), "\(path): Keras' top-k classes differ from kungfu's")
            for (a, b) in zip(ours, theirs) {
                XCTAssertEqual(a.probability, b.probability, accuracy: 1e-4, "\(path) \(a.label)")
            }
        }
    }
}

/// The exported cells of testEveryCommandFamilyBecomesItsKerasCell, in order.
private let goldenCells: [String] = [
    #"""
        markdown
        Exported from a kungfu session by `export keras`: each code cell is the Keras 3 code of one kungfu statement.
        """#,
    #"""
        code
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
            """The files kungfu reads for a path: a folder's images, a glob's matches (sorted), or the file."""
            if os.path.isdir(pattern):
                names = sorted(n for n in os.listdir(pattern) if n.lower().endswith((".jpg", ".jpeg", ".png")))
                return [os.path.join(pattern, n) for n in names]
            if any(c in pattern for c in "*?["):
                return sorted(glob.glob(pattern))
            return [pattern]


        def load_batch(paths):
            """The photos as InceptionV3 reads them: load_img, img_to_array, preprocess_input."""
            arrays = [keras.utils.img_to_array(keras.utils.load_img(p, target_size=image_size)) for p in paths]
            return preprocess_input(np.stack(arrays))


        def save_h5_weights(model, path):
            """save_weights; a plain .h5 name gets Keras' legacy HDF5 layout, the one kungfu writes."""
            if path.endswith(".weights.h5"):
                model.save_weights(path)
                return
            from keras.src.legacy.saving import legacy_h5_format
            with h5py.File(path, "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
        """#,
    #"""
        markdown
        Golden export
        """#,
    #"""
        code
        # kungfu: set seed 3
        seed = 3
        keras.utils.set_random_seed(seed)
        """#,
    #"""
        code
        # kungfu: load model inception_v3 weights imagenet
        image_size = (299, 299)
        model = InceptionV3(weights="imagenet", include_top=True, pooling=None)
        class_names = None
        """#,
    #"""
        code
        # kungfu: summary
        model.summary()
        """#,
    #"""
        code
        # kungfu: layers matching "mixed1*"
        import fnmatch
        for i, layer in enumerate(model.layers):
            if not fnmatch.fnmatchcase(layer.name, "mixed1*"):
                continue
            print(i, layer.name, type(layer).__name__, layer.output.shape, layer.trainable)
        """#,
    #"""
        code
        # kungfu: let photo = "examples/testset/1.jpg"
        photo = "examples/testset/1.jpg"
        """#,
    #"""
        code
        # kungfu: predict photo top 2
        paths = image_paths(photo)
        probabilities = model.predict(load_batch(paths), verbose=0)
        predictions = decode_predictions(probabilities, top=2)
        for path, top in zip(paths, predictions):
            print(path)
            for rank, (wnid, label, score) in enumerate(top, 1):
                print(f"  {rank}. {label} ({wnid}) {score:.6f}")
        """#,
    #"""
        code
        # kungfu: show image photo
        plt.imshow(keras.utils.load_img(photo))
        plt.axis("off")
        plt.show()
        """#,
    #"""
        code
        # kungfu: show activations mixed2 of photo to "out" channels 4
        maps = keras.Model(model.input, model.get_layer("mixed2").output).predict(load_batch([photo]), verbose=0)[0]
        count = min(4, maps.shape[-1])
        columns = int(np.ceil(np.sqrt(count)))
        rows = int(np.ceil(count / columns))
        figure, axes = plt.subplots(rows, columns, figsize=(columns, rows), squeeze=False)
        for k, axis in enumerate(axes.flat):
            axis.axis("off")
            if k < count:
                axis.imshow(maps[:, :, k], cmap="viridis")
        os.makedirs("out", exist_ok=True)
        figure.savefig(os.path.join("out", "mixed2" + ".png"))
        plt.show()
        """#,
    #"""
        code
        # kungfu: save activations avg_pool of photo to "out/a.npy"
        activations = keras.Model(model.input, model.get_layer("avg_pool").output).predict(load_batch([photo]), verbose=0)
        np.save("out/a.npy", activations.astype(np.float32))
        """#,
    #"""
        code
        # kungfu: explain photo as tabby layer mixed9 to "out"
        import tensorflow as tf
        import matplotlib as mpl
        img_array = load_batch([photo])
        model.layers[-1].activation = None  # the class score before softmax, as in keras.io's Grad-CAM example
        grad_model = keras.Model(model.inputs, [model.get_layer("mixed9").output, model.output])
        with tf.GradientTape() as tape:
            layer_output, preds = grad_model(img_array)
            pred_index = 281
            class_channel = preds[:, pred_index]
        grads = tape.gradient(class_channel, layer_output)
        probability = float(tf.nn.softmax(preds[0])[pred_index])
        pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
        heatmap = tf.squeeze(layer_output[0] @ pooled_grads[..., tf.newaxis])
        heatmap = (tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)).numpy()
        model.layers[-1].activation = keras.activations.softmax
        img = keras.utils.img_to_array(keras.utils.load_img(photo))
        jet_colors = mpl.colormaps["jet"](np.arange(256))[:, :3]
        jet_heatmap = keras.utils.array_to_img(jet_colors[np.uint8(255 * heatmap)])
        jet_heatmap = keras.utils.img_to_array(jet_heatmap.resize((img.shape[1], img.shape[0])))
        superimposed = keras.utils.array_to_img(jet_heatmap * 0.4 + img)
        class_name = decode_predictions(np.eye(1, 1000, pred_index), top=1)[0][0][1]
        os.makedirs("out", exist_ok=True)
        stem = os.path.splitext(os.path.basename(photo))[0]
        superimposed.save(os.path.join("out", stem + "-" + class_name + "-" + "mixed9" + ".png"))
        plt.imshow(superimposed)
        plt.title(f"{class_name} {probability:.2%}")
        plt.axis("off")
        plt.show()
        """#,
    #"""
        code
        # kungfu: show filters conv2d to "out" pairs 8
        w = model.get_layer("conv2d").get_weights()[0]  # (height, width, inputs, outputs)
        w = (w - w.min()) / (w.max() - w.min())
        if w.shape[2] == 3:
            patches = [w[:, :, :, o] for o in range(w.shape[3])][:8]
        else:
            patches = [w[:, :, i, o] for o in range(w.shape[3]) for i in range(w.shape[2])][:8]
        columns = int(np.ceil(np.sqrt(len(patches))))
        rows = int(np.ceil(len(patches) / columns))
        figure, axes = plt.subplots(rows, columns, figsize=(columns, rows), squeeze=False)
        for k, axis in enumerate(axes.flat):
            axis.axis("off")
            if k < len(patches):
                axis.imshow(patches[k], cmap="gray", vmin=0, vmax=1)
        os.makedirs("out", exist_ok=True)
        figure.savefig(os.path.join("out", "conv2d" + "-filters.png"))
        plt.show()
        """#,
    #"""
        code
        # kungfu: save weights conv2d to "out/k.npy"
        for k, (weight, array) in enumerate(zip(model.get_layer("conv2d").weights, model.get_layer("conv2d").get_weights())):
            target = "out/k.npy" if k == 0 else os.path.splitext("out/k.npy")[0] + "-" + weight.name.split("/")[-1] + ".npy"
            np.save(target, array)
        """#,
    #"""
        code
        # kungfu: freeze layers through mixed8
        for layer in model.layers[:249]:
            layer.trainable = False
        """#,
    #"""
        code
        # kungfu: freeze layers all
        for layer in model.layers[:313]:
            layer.trainable = False
        """#,
    #"""
        code
        # kungfu: train head on "small" epochs 1 batch 2 validation 0.5 hidden 8 dropout 0.5 optimizer sgd rate 0.05 momentum 0.9
        train_ds, val_ds = keras.utils.image_dataset_from_directory(
            "small", validation_split=0.5, subset="both", seed=seed,
            image_size=image_size, batch_size=2, label_mode="categorical")
        class_names = train_ds.class_names
        train_ds = train_ds.map(lambda x, y: (preprocess_input(x), y))
        val_ds = val_ds.map(lambda x, y: (preprocess_input(x), y))
        base = keras.Model(model.input, model.get_layer("mixed10").output)
        head = keras.Sequential([keras.Input((2048,)), layers.Dense(8, activation="relu", name="dense"), layers.Dropout(0.5, name="dropout"), layers.Dense(len(class_names), activation="softmax", name="dense_1")], name="head")
        model = keras.Model(base.input, head(layers.GlobalAveragePooling2D()(base.output)))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(train_ds, epochs=1, validation_data=val_ds)
        """#,
    #"""
        code
        # kungfu: unfreeze layers from mixed9
        for layer in model.layers[249:311]:
            layer.trainable = True
        """#,
    #"""
        code
        # kungfu: fine tune on "small" epochs 1 batch 2 validation 0.5
        train_ds, val_ds = keras.utils.image_dataset_from_directory(
            "small", validation_split=0.5, subset="both", seed=seed,
            image_size=image_size, batch_size=2, label_mode="categorical")
        class_names = train_ds.class_names
        train_ds = train_ds.map(lambda x, y: (preprocess_input(x), y))
        val_ds = val_ds.map(lambda x, y: (preprocess_input(x), y))
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0001, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(train_ds, epochs=1, validation_data=val_ds)
        """#,
    #"""
        code
        # kungfu: evaluate on "small"
        test_ds = keras.utils.image_dataset_from_directory("small", shuffle=False, image_size=image_size, label_mode="categorical", class_names=class_names)
        test_ds = test_ds.map(lambda x, y: (preprocess_input(x), y))
        loss, accuracy = model.evaluate(test_ds)
        y_true = np.concatenate([np.argmax(y, axis=1) for _, y in test_ds])
        y_pred = np.argmax(model.predict(test_ds, verbose=0), axis=1)
        confusion = np.zeros((len(class_names), len(class_names)), dtype=int)
        np.add.at(confusion, (y_true, y_pred), 1)
        print(f"accuracy {accuracy:.4f}")
        print(confusion)
        """#,
    #"""
        code
        # kungfu: show history to "out"
        figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
        for key in ["loss", "val_loss"]:
            if key in history.history:
                left.plot(history.history[key], label=key)
        for key in ["accuracy", "val_accuracy"]:
            if key in history.history:
                right.plot(history.history[key], label=key)
        left.set_xlabel("epoch")
        right.set_xlabel("epoch")
        left.legend()
        right.legend()
        os.makedirs("out", exist_ok=True)
        figure.savefig(os.path.join("out", "history.png"))
        plt.show()
        """#,
    #"""
        code
        # kungfu: show confusion to "out"
        if "confusion" not in globals():
            y_true = np.concatenate([np.argmax(y, axis=1) for _, y in val_ds])
            y_pred = np.argmax(model.predict(val_ds, verbose=0), axis=1)
            confusion = np.zeros((len(class_names), len(class_names)), dtype=int)
            np.add.at(confusion, (y_true, y_pred), 1)
        figure, axis = plt.subplots()
        axis.imshow(confusion, cmap="Blues")
        axis.set_xticks(range(len(class_names)), class_names, rotation=45)
        axis.set_yticks(range(len(class_names)), class_names)
        axis.set_xlabel("predicted")
        axis.set_ylabel("true")
        os.makedirs("out", exist_ok=True)
        figure.savefig(os.path.join("out", "confusion.png"))
        plt.show()
        """#,
    #"""
        code
        # kungfu: save head "out/h.h5"
        save_h5_weights(head, "out/h.h5")
        with h5py.File("out/h.h5", "a") as f:
            f.attrs["class_names"] = json.dumps(class_names)
        """#,
    #"""
        code
        # kungfu: load head "out/h.h5"
        with h5py.File("out/h.h5", "r") as f:
            class_names = json.loads(f.attrs["class_names"])
            kernels = []
            f["dense"].visititems(lambda name, item: kernels.append(item.shape) if len(getattr(item, "shape", ())) == 2 else None)
            hidden = kernels[0][1] if "dense_1" in f else None
        base = keras.Model(model.input, model.get_layer("mixed10").output)
        head_layers = [keras.Input((2048,))]
        if hidden:
            head_layers += [layers.Dense(hidden, activation="relu", name="dense"), layers.Dropout(0.0, name="dropout"),
                            layers.Dense(len(class_names), activation="softmax", name="dense_1")]
        else:
            head_layers += [layers.Dense(len(class_names), activation="softmax", name="dense")]
        head = keras.Sequential(head_layers, name="head")
        head.load_weights("out/h.h5")
        model = keras.Model(base.input, head(layers.GlobalAveragePooling2D()(base.output)))
        """#,
    #"""
        code
        # kungfu: predict photo top 1
        paths = image_paths(photo)
        probabilities = model.predict(load_batch(paths), verbose=0)
        predictions = [[(str(i), class_names[i], float(row[i])) for i in np.argsort(-row, kind="stable")[:1]] for row in probabilities]
        for path, top in zip(paths, predictions):
            print(path)
            for rank, (wnid, label, score) in enumerate(top, 1):
                print(f"  {rank}. {label} ({wnid}) {score:.6f}")
        """#,
    #"""
        code
        # kungfu: explain photo as fish save "out/h.npy"
        import tensorflow as tf
        import matplotlib as mpl
        img_array = load_batch([photo])
        head.layers[-1].activation = None  # the class score before softmax, as in keras.io's Grad-CAM example
        grad_model = keras.Model(model.inputs, [model.get_layer("mixed10").output, model.output])
        with tf.GradientTape() as tape:
            layer_output, preds = grad_model(img_array)
            pred_index = 0
            class_channel = preds[:, pred_index]
        grads = tape.gradient(class_channel, layer_output)
        probability = float(tf.nn.softmax(preds[0])[pred_index])
        pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
        heatmap = tf.squeeze(layer_output[0] @ pooled_grads[..., tf.newaxis])
        heatmap = (tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)).numpy()
        head.layers[-1].activation = keras.activations.softmax
        img = keras.utils.img_to_array(keras.utils.load_img(photo))
        jet_colors = mpl.colormaps["jet"](np.arange(256))[:, :3]
        jet_heatmap = keras.utils.array_to_img(jet_colors[np.uint8(255 * heatmap)])
        jet_heatmap = keras.utils.img_to_array(jet_heatmap.resize((img.shape[1], img.shape[0])))
        superimposed = keras.utils.array_to_img(jet_heatmap * 0.4 + img)
        class_name = class_names[pred_index]
        os.makedirs("explanations", exist_ok=True)
        stem = os.path.splitext(os.path.basename(photo))[0]
        superimposed.save(os.path.join("explanations", stem + "-" + class_name + "-" + "mixed10" + ".png"))
        np.save("out/h.npy", heatmap.astype(np.float32))
        plt.imshow(superimposed)
        plt.title(f"{class_name} {probability:.2%}")
        plt.axis("off")
        plt.show()
        """#,
    #"""
        code
        # kungfu: save model "out/m.h5"
        save_h5_weights(model, "out/m.h5")
        """#,
    #"""
        code
        # kungfu: for k in 1...2 {
        # kungfu:   ## a loop
        # kungfu:   if k == 1 { print "one" } else { print "k is", k }
        # kungfu: }
        for k_ in range(1, 2 + 1):
            # a loop
            if (k_ == 1):
                print("one")
            else:
                print("k is", k_)
        """#,
    #"""
        code
        # kungfu: help predict
        # help: no Keras counterpart; in Python, help(keras.applications.InceptionV3)
        """#,
    #"""
        code
        # kungfu: save notebook "out/s.ipynb"
        # `save notebook` has no Keras counterpart; its help says: in Jupyter: File > Save Notebook
        """#,
    #"""
        code
        # kungfu: export keras "out/k.ipynb"
        # `export keras` has no Keras counterpart; its help says: run it: jupyter nbconvert --to notebook --execute session.ipynb
        """#,
]
