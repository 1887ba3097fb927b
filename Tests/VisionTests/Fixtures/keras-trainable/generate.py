#!/usr/bin/env python3
# generate.py — what Keras counts as trainable after freezing layers of
# InceptionV3, written to trainable.json: the oracle for kungfu's `freeze`,
# `unfreeze`, `layers` and `summary` (Tests/ShellTests/CommandsFreezeTests).
#
# Run by hand (CI never runs it; it only reads the committed trainable.json):
#   python3.11 -m venv .venv-keras
#   .venv-keras/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1
#   .venv-keras/bin/python Tests/VisionTests/Fixtures/keras-trainable/generate.py
#
# Two models, each built right after keras.backend.clear_session() so its
# layer names are a fresh process's:
#   "top":  InceptionV3(weights=None), 313 layers;
#   "head": InceptionV3(include_top=False, weights=None, input_shape=(299, 299, 3))
#           + GlobalAveragePooling2D
#           + Dense(1024, relu) + Dropout(0.5) + Dense(4, softmax), 315 layers,
#           of which the first 311 are the base.
# Each case starts from every layer trainable, then freezes slices of
# model.layers (head layers included, as written) or, for "all base", sets
# base_model.trainable = False (the whole model when it has the top), then
# makes slices trainable again. Per case:
# the frozen layers as [start, end) index ranges, count_params of
# trainable_weights and non_trainable_weights, and per layer the trainable and
# non-trainable parameter counts as two lists. Per model: the last 5 rows
# (name, class, output shape without the batch axis, parameters, inbound).
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

# (case name, the model.layers slices frozen then made trainable, in order)
CASES = [
    ("none", [], []),
    ("all base", "base", []),
    ("first 1", [(0, 1)], []),
    ("first 18", [(0, 18)], []),
    ("first 41", [(0, 41)], []),
    ("first 165", [(0, 165)], []),
    ("first 249", [(0, 249)], []),
    ("first 311", [(0, 311)], []),
    ("recipe 249", [(0, 249)], [(249, None)]),
    ("all then from 249", [(0, None)], [(249, None)]),
]


def count(weights):
    return int(sum(int(w.numpy().size) for w in weights))


def build(kind):
    keras.backend.clear_session()
    if kind == "top":
        model = keras.applications.InceptionV3(weights=None)
        return model, model
    # A fixed input size, as kungfu's model has: mixed10's shape is then (8, 8, 2048).
    base = keras.applications.InceptionV3(include_top=False, weights=None, input_shape=(299, 299, 3))
    x = keras.layers.GlobalAveragePooling2D()(base.output)
    x = keras.layers.Dense(1024, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    predictions = keras.layers.Dense(4, activation="softmax")(x)
    return keras.Model(inputs=base.input, outputs=predictions), base


def ranges(flags):
    out, start = [], None
    for i, trainable in enumerate(flags + [True]):
        if not trainable and start is None:
            start = i
        elif trainable and start is not None:
            out.append([start, i])
            start = None
    return out


def row(layer):
    node = layer._inbound_nodes[0]
    inbound = [t._keras_history.operation.name for t in node.input_tensors]
    return {
        "name": layer.name,
        "class": type(layer).__name__,
        "output_shape": list(layer.output.shape)[1:],
        "params": count(layer.weights),
        "inbound": inbound,
    }


def describe(kind):
    model, base = build(kind)
    layers = model.layers
    cases = []
    for name, frozen, unfrozen in CASES:
        if kind == "top" and name == "first 311":
            continue
        base.trainable = True
        for layer in layers:
            layer.trainable = True
        if frozen == "base":
            base.trainable = False
        for start, end in ([] if frozen == "base" else frozen):
            for layer in layers[start:end]:
                layer.trainable = False
        for start, end in unfrozen:
            for layer in layers[start:end]:
                layer.trainable = True
        cases.append({
            "case": name,
            "frozen": ranges([layer.trainable for layer in layers]),
            "trainable_params": count(model.trainable_weights),
            "non_trainable_params": count(model.non_trainable_weights),
            "layer_trainable": [count(layer.trainable_weights) for layer in layers],
            "layer_non_trainable": [count(layer.non_trainable_weights) for layer in layers],
        })
    return {
        "model": kind,
        "layers": len(layers),
        "total_params": model.count_params(),
        "last_rows": [row(layer) for layer in layers[-5:]],
        "cases": cases,
    }


def main():
    models = [describe("top"), describe("head")]
    # One case per line keeps the file diffable.
    lines = ["{", f'  "keras_version": {json.dumps(keras.__version__)},', '  "models": [']
    for mi, model in enumerate(models):
        lines.append("    {")
        for key in ("model", "layers", "total_params", "last_rows"):
            lines.append(f"      {json.dumps(key)}: {json.dumps(model[key])},")
        lines.append('      "cases": [')
        for ci, case in enumerate(model["cases"]):
            comma = "," if ci + 1 < len(model["cases"]) else ""
            lines.append("        " + json.dumps(case) + comma)
        lines.append("      ]")
        lines.append("    }" + ("," if mi + 1 < len(models) else ""))
    lines += ["  ]", "}", ""]
    out = pathlib.Path(__file__).with_name("trainable.json")
    out.write_text("\n".join(lines))
    for model in models:
        for case in model["cases"]:
            print(model["model"], case["case"], case["frozen"], case["trainable_params"],
                  case["non_trainable_params"])


if __name__ == "__main__":
    main()
