#!/usr/bin/env python3
"""Keras-made Grad-CAM heatmaps for kungfu's GradCAM (run by hand; CI never runs it).

The heatmaps come from the code of Keras' own example "Grad-CAM class
activation visualization" (keras.io/examples/vision/grad_cam/, fchollet):
`make_gradcam_heatmap` below is that function (a Model on
[layer output, model output], tf.GradientTape, the class channel of the
last layer with its softmax removed, reduce_mean of the gradients over
batch, height and width, `output @ pooled_grads`, maximum(., 0) / max).

Models, filled with the reproducible weights of ../keras-parity/generate.py
(imported from there, not copied):

    imagenet  InceptionV3(include_top=True, weights=None) at 299x299: the
              ImageNet classifier `predictions` (its activation set to None,
              as the example does)
    head      InceptionV3(include_top=False) at 139x139 + GlobalAveragePooling2D
              + Dense(8, relu) + Dense(3, softmax), the head's kernels and
              biases at the ordinals after the base's

Photos are loaded as a user does (keras.utils.load_img, img_to_array,
preprocess_input). Each case records the photo, the layer, the class asked
(null: the top class), the class used, its probability and the heatmap
(float32, row-major).

Environment (the versions this fixture was made with):

    python3 -m venv venv && venv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 numpy pillow

Run from anywhere; writes gradcam.json beside this file:

    venv/bin/python Tests/VisionTests/Fixtures/keras-gradcam/generate.py
    TF_ENABLE_ONEDNN_OPTS=0 venv/bin/python .../generate.py --out /tmp/nodnn
    venv/bin/python .../generate.py --spread /tmp/nodnn/gradcam.json
        the committed fixture: each case also records Keras' own float noise
        (oneDNN on against off) as keras_spread. Where layer outputs weigh
        channels that nearly cancel (mixed2, mixed7 of some photos) it reaches
        ~2e-3; elsewhere it is ~1e-6.
"""

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]
PARITY = HERE.parent / "keras-parity" / "generate.py"
spec = importlib.util.spec_from_file_location("keras_parity_generate", PARITY)
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)

HIDDEN = 8
CLASSES = 3
PHOTOS = ["examples/testset/1.jpg", "examples/testset/4.jpg"]  # a cat, a dog
CASES = {
    "imagenet": [(photo, layer, cls) for photo in PHOTOS for layer in ["mixed10", "mixed7"] for cls in [None, "second"]],
    "head": [(photo, layer, cls) for photo in PHOTOS for layer in ["mixed10", "mixed7", "mixed2"] for cls in [None, "second"]],
}


def make_gradcam_heatmap(img_array, model, last_conv_layer_name, pred_index=None):
    """Keras' example, as published (Keras 3 version)."""
    import keras
    import tensorflow as tf

    grad_model = keras.models.Model(model.inputs, [model.get_layer(last_conv_layer_name).output, model.output])
    with tf.GradientTape() as tape:
        last_conv_layer_output, preds = grad_model(img_array)
        if pred_index is None:
            pred_index = tf.argmax(preds[0])
        class_channel = preds[:, pred_index]
    grads = tape.gradient(class_channel, last_conv_layer_output)
    pooled_grads = tf.reduce_mean(grads, axis=(0, 1, 2))
    last_conv_layer_output = last_conv_layer_output[0]
    heatmap = last_conv_layer_output @ pooled_grads[..., tf.newaxis]
    heatmap = tf.squeeze(heatmap)
    heatmap = tf.maximum(heatmap, 0) / tf.math.reduce_max(heatmap)
    return heatmap.numpy()


def build(keras, kind):
    keras.backend.clear_session()
    if kind == "imagenet":
        model = keras.applications.InceptionV3(include_top=True, weights=None)
        parity.fill_reproducible(model)
        return model, 299
    base = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(139, 139, 3))
    ordinal = parity.fill_reproducible(base)
    x = keras.layers.GlobalAveragePooling2D()(base.output)
    hidden = keras.layers.Dense(HIDDEN, activation="relu")
    out = keras.layers.Dense(CLASSES, activation="softmax")
    model = keras.Model(base.inputs, out(hidden(x)))
    hidden.set_weights([parity.reproducible_tensor(ordinal, "Dense", "kernel", (2048, HIDDEN)),
                        parity.reproducible_tensor(ordinal + 1, "Dense", "bias", (HIDDEN,))])
    out.set_weights([parity.reproducible_tensor(ordinal + 2, "Dense", "kernel", (HIDDEN, CLASSES)),
                     parity.reproducible_tensor(ordinal + 3, "Dense", "bias", (CLASSES,))])
    return model, 139


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spread", type=Path, help="a gradcam.json made with TF_ENABLE_ONEDNN_OPTS=0: "
                        "records each case's largest difference to it as keras_spread")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: beside this script)")
    args = parser.parse_args()
    import keras
    import tensorflow as tf
    from keras.applications.inception_v3 import preprocess_input

    versions = {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                "python": sys.version.split()[0]}
    fixture = {"generator": "Tests/VisionTests/Fixtures/keras-gradcam/generate.py", "versions": versions,
               "head": {"hidden": HIDDEN, "classes": CLASSES}, "cases": []}
    for kind, cases in CASES.items():
        model, size = build(keras, kind)
        for photo, layer, cls in cases:
            image = keras.utils.load_img(REPO / photo, target_size=(size, size))
            x = preprocess_input(keras.utils.img_to_array(image)[np.newaxis])
            probabilities = model.predict(x, verbose=0)[0]
            if cls == "second":  # the runner-up class, asked by index
                cls = int(np.argsort(-probabilities, kind="stable")[1])
            used = int(np.argmax(probabilities)) if cls is None else cls
            model.layers[-1].activation = None  # the example: the class score before softmax
            heatmap = make_gradcam_heatmap(x, model, layer, cls)
            model.layers[-1].activation = keras.activations.softmax
            fixture["cases"].append({
                "model": kind, "size": size, "photo": photo, "layer": layer, "class_asked": cls,
                "class": used, "probability": float(probabilities[used]),
                "shape": list(heatmap.shape), "heatmap": parity.f32list(heatmap),
            })
            print(kind, photo, layer, cls, "->", used, float(probabilities[used]), heatmap.shape)
    if args.spread:
        other = json.loads(args.spread.read_text())["cases"]
        for mine, theirs in zip(fixture["cases"], other):
            assert (mine["photo"], mine["layer"], mine["class"]) == (theirs["photo"], theirs["layer"], theirs["class"])
            mine["keras_spread"] = float(np.max(np.abs(np.array(mine["heatmap"]) - np.array(theirs["heatmap"]))))
    args.out.mkdir(parents=True, exist_ok=True)
    parity.dump_json(fixture, args.out / "gradcam.json")
    print(f"wrote {args.out / 'gradcam.json'}")


if __name__ == "__main__":
    main()
