#!/usr/bin/env python3
"""Keras-produced fine-tuning fixture for kungfu's FineTuner (run by hand; CI never runs it).

Keras' InceptionV3(include_top=False, weights=None) at 139x139 plus
GlobalAveragePooling2D and Dense(3, softmax), all filled with the reproducible
weights of ../keras-parity/generate.py (imported from there, not copied: the
base by `fill_reproducible`, the Dense kernel and bias at the next two tensor
ordinals). Every batch norm runs in inference mode while the trainable ones'
beta still trains (see `inference_batch_norm` for why the guide's
base(x, training=False) is not enough in Keras 3.15). Then
ONE model.train_on_batch on two fixed inputs, for each run below; the fixture
records the loss Keras returned and, per trained tensor, a digest of the
change (new - old, exact in float64): count, sum, sum of squares and values at
fixed indices.

Runs (fixture.json "runs"):
    sgd_from_mixed9   freeze base.layers[:249] (through mixed8), SGD(0.01, momentum=0.9)
    adam_from_mixed9  the same freeze, Adam(1e-3) (Keras defaults otherwise)
    sgd_from_mixed8   freeze through mixed7: crosses stride-2 convolutions and max pooling

139x139 makes mixed8-10 3x3: the 3x3, 1x3 and 3x1 convolutions and the 3x3
average pools have both interior and border cells (75x75 would make them 1x1).

Environment (Python 3.11; the versions this fixture was made with):

    python3.11 -m venv venv
    venv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 numpy==2.4.6

Run from anywhere (paths are found from this file); writes fixture.json beside it:

    venv/bin/python Tests/VisionTests/Fixtures/keras-finetune/generate.py
    TF_ENABLE_ONEDNN_OPTS=0 venv/bin/python .../generate.py --out /tmp/nodnn
        Keras' own float noise, to compare with the committed fixture.
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
PARITY = HERE.parent / "keras-parity" / "generate.py"
spec = importlib.util.spec_from_file_location("keras_parity_generate", PARITY)
parity = importlib.util.module_from_spec(spec)
spec.loader.exec_module(parity)

SIZE = 139
CLASSES = 3
LABELS = [2, 0]
INPUT_ORDINAL = 1_000_000  # inputs: unit(1_000_000, i), i row-major over (2, 139, 139, 3): r in [-1, 1)
SAMPLE_FRACTIONS = [0, 1 / 7, 1 / 3, 1 / 2, 2 / 3, 6 / 7]  # plus the last element

RUNS = [
    {"name": "sgd_from_mixed9", "last_frozen": "mixed8", "optimizer": "sgd"},
    {"name": "adam_from_mixed9", "last_frozen": "mixed8", "optimizer": "adam"},
    {"name": "sgd_from_mixed8", "last_frozen": "mixed7", "optimizer": "sgd"},
]


def inputs():
    count = 2 * SIZE * SIZE * 3
    return parity.unit(INPUT_ORDINAL, np.arange(count, dtype=np.uint64)).reshape(2, SIZE, SIZE, 3)


def inference_batch_norm(keras):
    """BatchNormalization that always runs in inference mode (its beta still trains).

    Keras 3.15's Functional passes the outer call's `training` to every inner
    layer, overriding the `training=False` recorded where the guide calls
    `base(x, training=False)`: under train_on_batch the trainable batch norms
    of mixed9-10 would use batch statistics (measured: loss 1.70 instead of
    0.87). kungfu's fine-tuning keeps batch norm in inference mode, so the
    trainable ones are switched to this subclass, which only fixes `training`.
    """

    class InferenceBatchNormalization(keras.layers.BatchNormalization):
        def call(self, inputs, training=None, mask=None):
            return super().call(inputs, training=False, mask=mask)

    return InferenceBatchNormalization


def build(keras, last_frozen):
    """The fine-tuning model of Keras' guide, filled with reproducible weights."""
    keras.backend.clear_session()  # fresh name counters: conv2d, conv2d_1, ... as kungfu names them
    base = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(SIZE, SIZE, 3))
    ordinal = parity.fill_reproducible(base)
    x_in = keras.Input((SIZE, SIZE, 3))
    x = base(x_in, training=False)  # batch norm in inference mode, trainable or not
    x = keras.layers.GlobalAveragePooling2D()(x)
    dense = keras.layers.Dense(CLASSES, activation="softmax")
    model = keras.Model(x_in, dense(x))
    dense.set_weights([parity.reproducible_tensor(ordinal, "Dense", "kernel", (2048, CLASSES)),
                       parity.reproducible_tensor(ordinal + 1, "Dense", "bias", (CLASSES,))])
    cut = [layer.name for layer in base.layers].index(last_frozen) + 1
    for layer in base.layers[:cut]:
        layer.trainable = False
    inference = inference_batch_norm(keras)
    for layer in base.layers[cut:]:
        layer.trainable = True
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.__class__ = inference
    return base, dense, model, cut


def digest(delta):
    flat = delta.ravel()
    indices = sorted({int(f * flat.size) for f in SAMPLE_FRACTIONS} | {flat.size - 1})
    return {
        "count": int(flat.size),
        "sum": float(flat.sum()),
        "sum_of_squares": float((flat * flat).sum()),
        "sample_indices": indices,
        "samples": [float(flat[i]) for i in indices],
    }


def run(keras, config, x, versions):
    base, dense, model, cut = build(keras, config["last_frozen"])
    optimizer = (keras.optimizers.SGD(learning_rate=0.01, momentum=0.9) if config["optimizer"] == "sgd"
                 else keras.optimizers.Adam(learning_rate=1e-3))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", jit_compile=False)
    trained = [(layer.name, layer) for layer in base.layers[cut:] if layer.trainable_weights] + [("dense", dense)]
    before = {name: [np.array(w.numpy()) for w in layer.weights] for name, layer in trained}
    frozen_before = [np.array(w.numpy()) for layer in base.layers[:cut] for w in layer.weights]
    moving_before = [np.array(w.numpy()) for w in base.non_trainable_weights]
    probabilities = model.predict(x, verbose=0)
    loss = float(model.train_on_batch(x, np.array(LABELS)))
    expected_loss = float(-np.mean(np.log(probabilities[np.arange(2), LABELS].astype(np.float64))))
    assert abs(loss - expected_loss) < 1e-5, (loss, expected_loss)
    # Inference mode and frozen layers: nothing but trainable weights moved.
    for a, w in zip(moving_before, base.non_trainable_weights):
        assert np.array_equal(a, w.numpy()), f"{w.path} changed: batch norm was not in inference mode"
    after_frozen = [w.numpy() for layer in base.layers[:cut] for w in layer.weights]
    assert all(np.array_equal(a, b) for a, b in zip(frozen_before, after_frozen)), "a frozen layer changed"

    tensors = []
    for name, layer in trained:
        for w, old in zip(layer.weights, before[name]):
            if not w.trainable:
                continue
            delta = w.numpy().astype(np.float64) - old.astype(np.float64)
            tensors.append({"layer": name, "weight": w.name, "shape": list(old.shape), **digest(delta)})
    print(f"{config['name']}: loss {loss:.6f}, {len(tensors)} trained tensors, first frozen index {cut}")
    return {
        "name": config["name"],
        "last_frozen": config["last_frozen"],
        "frozen_layer_count": cut,
        "optimizer": ({"kind": "sgd", "learning_rate": 0.01, "momentum": 0.9} if config["optimizer"] == "sgd"
                      else {"kind": "adam", "learning_rate": 1e-3, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
        "loss": loss,
        "probabilities_before": parity.f32list(probabilities),
        "tensors": tensors,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: beside this script)")
    args = parser.parse_args()
    import keras
    import tensorflow as tf

    versions = {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__,
                "python": sys.version.split()[0],
                "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (default)")}
    print(json.dumps(versions))
    x = inputs()
    fixture = {
        "generator": "Tests/VisionTests/Fixtures/keras-finetune/generate.py",
        "versions": versions,
        "input": {"height": SIZE, "width": SIZE, "batch": 2, "ordinal": INPUT_ORDINAL,
                  "sum": float(x.astype(np.float64).sum())},
        "classes": CLASSES,
        "labels": LABELS,
        "runs": [run(keras, config, x, versions) for config in RUNS],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    parity.dump_json(fixture, args.out / "fixture.json")
    print(f"wrote {args.out / 'fixture.json'}")


if __name__ == "__main__":
    main()
