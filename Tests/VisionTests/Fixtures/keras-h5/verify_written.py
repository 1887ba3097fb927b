#!/usr/bin/env python3
"""Checks that Keras loads a weights file written by kungfu's legacy writer.

Run by hand, in the venv described in generate.py:

    KUNGFU_WRITE_FIXTURE=$PWD/kungfu-written.h5 swift test --filter VisionTests.WeightsWriteTests
    venv/bin/python verify_written.py kungfu-written.h5

Loads the file with Keras 3 (`model.load_weights`, which reads the legacy
layout through keras.src.legacy.saving) and with tf_keras 2.21 (Keras 2),
into the fixture model of generate.py built with zero weights, and compares
every weight with expected.json. Prints one line per Keras and exits non-zero
on any difference.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py
import numpy as np

import generate


def check(K, path, expected):
    model = generate.build(K)
    for layer in model.layers:
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
    model.load_weights(path)
    got = generate.describe(model)
    for layer, reference in zip(got, expected):
        for w, r in zip(layer["weights"], reference["weights"]):
            if w["shape"] != r["shape"] or w["values"] != r["values"]:
                raise SystemExit(f"{K.__name__}: {layer['name']}/{w['name']} differs")
    print(f"{K.__name__} {K.__version__}: load_weights({os.path.basename(path)}) gives every expected value")


def main():
    import keras
    import tf_keras

    path = sys.argv[1]
    with open(os.path.join(generate.HERE, "expected.json")) as f:
        expected = json.load(f)["model"]
    with h5py.File(path) as f:
        print("attributes:", {k: f.attrs[k] for k in f.attrs})
    check(keras, path, expected)
    check(tf_keras, path, expected)


if __name__ == "__main__":
    main()
