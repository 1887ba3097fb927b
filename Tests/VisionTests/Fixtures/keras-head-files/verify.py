#!/usr/bin/env python3
"""Checks with h5py and Keras that kungfu's head files and saved models load.

Run by hand (CI never runs it; it only reads the committed files):

    python3 -m venv venv
    venv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 h5py==3.14.0 numpy pillow
    swift build                                   # the kungfu binary, for part 2
    KUNGFU_WRITE_HEAD_FIXTURES=$PWD/Tests/VisionTests/Fixtures/keras-head-files \\
        swift test --filter VisionTests.HeadFileTests     # (re)writes head-*.h5
    venv/bin/python Tests/VisionTests/Fixtures/keras-head-files/verify.py [path/to/kungfu]

1. head-hidden.h5 and head-plain.h5 (written by HeadFile.write, committed):
   h5py reads the attributes and datasets; Keras `load_weights` reads them
   into Input((2048,)) -> [Dense(16, relu) -> Dropout(0.25)] -> Dense(softmax)
   and every weight must equal h5py's. Keras' predict on the features of
   HeadFileTests (((37 i + 11 n) mod 101) / 50, float32, 4 rows) is written to
   keras-predictions.json, which HeadFileTests compares with kungfu's head.
2. A whole model, made in a temporary folder by the kungfu binary (90 MB,
   not committed): random base (seed 3) + head-hidden.h5, `save model`, and
   mixed10 of examples/testset/1.jpg before and after `load model ... weights`
   of the saved file. Keras `load_weights` reads the file into
   InceptionV3(include_top=False, weights=None) -> GlobalAveragePooling2D ->
   Dense -> Dropout -> Dense; all 376 + 4 arrays must equal h5py's, Keras'
   mixed10 must equal kungfu's within 1e-4 of its largest value (random
   weights make mixed10 small), and Keras' predict must equal the
   head (numpy, float64) applied to kungfu's pooled mixed10 within 1e-4.
Prints what it checked and exits non-zero on any difference.
"""
import json
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
IMAGE = os.path.join(ROOT, "examples", "testset", "1.jpg")


def fail(message):
    raise SystemExit("FAILED: " + message)


def features():
    """HeadFixtures.features() of HeadFileTests.swift: (4, 2048) float32."""
    i = np.arange(2048)
    rows = [((37 * i + 11 * n) % 101).astype(np.float32) / np.float32(50) for n in range(4)]
    return np.stack(rows).astype(np.float32)


def file_arrays(path):
    """Every weighted layer's arrays, in layer_names order, as h5py reads them."""
    with h5py.File(path, "r") as f:
        arrays = []
        for name in f.attrs["layer_names"]:
            name = name.decode() if isinstance(name, bytes) else name
            group = f[name]
            for weight in group.attrs["weight_names"]:
                weight = weight.decode() if isinstance(weight, bytes) else weight
                arrays.append((f"{name}/{weight}", np.array(group[weight])))
        return arrays


def attributes(path):
    with h5py.File(path, "r") as f:
        names = [n.decode() for n in f.attrs["layer_names"]]
        classes = json.loads(f.attrs["class_names"])
        head = json.loads(f.attrs["kungfu_head"])
    return names, classes, head


def head_layers(keras, x, head, classes):
    if head["hidden"] is not None:
        x = keras.layers.Dense(head["hidden"], activation="relu")(x)
        x = keras.layers.Dropout(head["dropout"])(x)
    return keras.layers.Dense(len(classes), activation="softmax")(x)


def compare_weights(model, path, label):
    expected = file_arrays(path)
    got = [w for layer in model.layers for w in layer.get_weights()]
    # Keras orders a layer's weights trainable first; for these layers that is the file's order too.
    if len(got) != len(expected):
        fail(f"{label}: Keras has {len(got)} arrays, the file {len(expected)}")
    for (name, want), have in zip(expected, got):
        if want.shape != have.shape or not np.array_equal(want, have):
            fail(f"{label}: {name} differs after load_weights")
    return len(got)


def check_head_files(keras):
    predictions = {}
    x = features()
    for name in ["head-hidden.h5", "head-plain.h5"]:
        path = os.path.join(HERE, name)
        layer_names, classes, head = attributes(path)
        inputs = keras.Input((head["inputs"],))
        model = keras.Model(inputs, head_layers(keras, inputs, head, classes))
        model.load_weights(path)
        count = compare_weights(model, path, name)
        p = model.predict(x, verbose=0)
        # The same head in numpy, float64, from h5py's arrays: Keras' Dense/softmax definition.
        arrays = [a for _, a in file_arrays(path)]
        h = x.astype(np.float64)
        for k in range(0, len(arrays), 2):
            h = h @ arrays[k].astype(np.float64) + arrays[k + 1]
            if k + 2 < len(arrays):
                h = np.maximum(h, 0)
        h = np.exp(h - h.max(axis=1, keepdims=True))
        h /= h.sum(axis=1, keepdims=True)
        worst = float(np.abs(p - h).max())
        if worst > 1e-5:
            fail(f"{name}: Keras predict differs from numpy by {worst}")
        predictions[name] = p.astype(np.float64).tolist()
        print(f"{name}: layer_names {layer_names}, class_names {classes}, kungfu_head {head}; "
              f"Keras load_weights gives all {count} arrays; predict = numpy head within {worst:.1e}")
    with open(os.path.join(HERE, "keras-predictions.json"), "w") as f:
        json.dump(predictions, f, indent=1)
        f.write("\n")
    print("wrote keras-predictions.json (Keras predict of each head on HeadFileTests' features)")


def kungfu(binary, statements):
    result = subprocess.run([binary, "-c", statements], capture_output=True, text=True,
                            env=dict(os.environ, KUNGFU_THREADS="2"))
    if result.returncode != 0:
        fail(f"kungfu exited {result.returncode}: {result.stderr}")
    return result.stdout


def check_model_file(keras, binary):
    head_file = os.path.join(HERE, "head-hidden.h5")
    with tempfile.TemporaryDirectory() as tmp:
        model_file = os.path.join(tmp, "model.h5")
        out = kungfu(binary, "\n".join([
            "set seed 3",
            "load model inception_v3 weights none",
            f'load head "{head_file}"',
            f'save model "{model_file}"',
            f'save activations mixed10 of "{IMAGE}" to "{tmp}/mixed10.npy"',
            f'load model inception_v3 weights "{model_file}"',
            f'save activations mixed10 of "{IMAGE}" to "{tmp}/mixed10-reloaded.npy"',
        ]))
        print("kungfu:", out.strip().replace("\n", "\n  "))
        ours = np.load(f"{tmp}/mixed10.npy")
        reloaded = np.load(f"{tmp}/mixed10-reloaded.npy")
        if not np.array_equal(ours, reloaded):
            fail("kungfu's mixed10 changed after saving and reloading the model")

        layer_names, classes, head = attributes(model_file)
        base = keras.applications.InceptionV3(include_top=False, weights=None)
        x = keras.layers.GlobalAveragePooling2D()(base.output)
        model = keras.Model(base.input, head_layers(keras, x, head, classes))
        model.load_weights(model_file)
        count = compare_weights(model, model_file, "model.h5")
        keras_names = [layer.name for layer in model.layers]
        if len(keras_names) != len(layer_names):
            fail(f"model.h5 lists {len(layer_names)} layers, the Keras model has {len(keras_names)}")

        image = keras.utils.img_to_array(keras.utils.load_img(IMAGE, target_size=(299, 299)))
        batch = keras.applications.inception_v3.preprocess_input(image[None])
        mixed10 = keras.Model(base.input, base.get_layer("mixed10").output).predict(batch, verbose=0)
        worst_features = float(np.abs(mixed10 - ours).max())
        scale = float(np.abs(mixed10).max())
        if worst_features > 1e-4 * scale:
            fail(f"mixed10: Keras and kungfu differ by {worst_features} (largest value {scale})")

        predicted = model.predict(batch, verbose=0)
        arrays = [a for _, a in file_arrays(model_file)][-4:]
        h = ours.astype(np.float64).mean(axis=(1, 2))
        h = np.maximum(h @ arrays[0] + arrays[1], 0)
        h = h @ arrays[2] + arrays[3]
        h = np.exp(h - h.max(axis=1, keepdims=True))
        h /= h.sum(axis=1, keepdims=True)
        worst_predictions = float(np.abs(predicted - h).max())
        if worst_predictions > 1e-4:
            fail(f"predictions: Keras {predicted} vs kungfu's features + head {h}")
        print(f"model.h5: {os.path.getsize(model_file):,} bytes, {len(layer_names)} layer names "
              f"({layer_names[0]} … {layer_names[-5:]}); Keras load_weights gives all {count} arrays")
        print(f"mixed10 of 1.jpg: Keras vs kungfu max |diff| {worst_features:.2e}, largest |value| {scale:.3g}, "
              f"relative {worst_features / scale:.1e}; "
              f"kungfu's mixed10 unchanged after reload")
        print(f"predictions: Keras {np.round(predicted[0], 6).tolist()} vs kungfu features + head, "
              f"max |diff| {worst_predictions:.2e}")


def main():
    import keras
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "kungfu")
    print(f"keras {keras.__version__}, h5py {h5py.__version__}, numpy {np.__version__}")
    check_head_files(keras)
    check_model_file(keras, binary)
    print("all checks passed")


if __name__ == "__main__":
    main()
