#!/usr/bin/env python3
# generate.py — dumps the layer table of keras.applications.InceptionV3 to
# layers.json, the oracle for the Swift architecture (InceptionV3ArchitectureTests).
#
# Run by hand (CI never runs it; it only reads the committed layers.json):
#   python3.11 -m venv .venv-keras
#   .venv-keras/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1
#   .venv-keras/bin/python Tests/VisionTests/Fixtures/keras-layers/generate.py
#
# Each model is built right after keras.backend.clear_session(), so its layer
# names are those of a fresh process (input_layer, conv2d, ..., mixed10).
# Per layer, in model.layers order: index, name, class name, output shape
# without the batch axis, parameter counts (total, trainable, non-trainable),
# the names of the layers feeding it, and each weight's name and shape in order.
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

MODELS = [
    # (include_top, pooling, input height, input width)
    (True, None, 299, 299),
    (False, "avg", 299, 299),
    (False, "max", 75, 91),
    (False, None, 75, 75),
]


def count(weights):
    return int(sum(int(w.numpy().size) for w in weights))


def describe(include_top, pooling, height, width):
    keras.backend.clear_session()
    model = keras.applications.InceptionV3(
        include_top=include_top,
        weights=None,
        input_shape=(height, width, 3),
        pooling=pooling,
    )
    layers = []
    for index, layer in enumerate(model.layers):
        node = layer._inbound_nodes[0]
        inbound = [t._keras_history.operation.name for t in node.input_tensors]
        if type(layer).__name__ == "InputLayer":
            inbound = []
        shape = list(layer.output.shape)[1:]
        layers.append({
            "index": index,
            "name": layer.name,
            "class": type(layer).__name__,
            "output_shape": shape,
            "params": count(layer.weights),
            "trainable": count(layer.trainable_weights),
            "non_trainable": count(layer.non_trainable_weights),
            "inbound": inbound,
            "weights": [[w.name, list(w.shape)] for w in layer.weights],
        })
    return {
        "include_top": include_top,
        "pooling": pooling or "none",
        "input_height": height,
        "input_width": width,
        "total_params": model.count_params(),
        "trainable_params": count(model.trainable_weights),
        "non_trainable_params": count(model.non_trainable_weights),
        "layers": layers,
    }


def main():
    models = [describe(*m) for m in MODELS]
    # One layer per line keeps the file diffable.
    lines = ["{", f'  "keras_version": {json.dumps(keras.__version__)},', '  "models": [']
    for mi, model in enumerate(models):
        head = {k: v for k, v in model.items() if k != "layers"}
        lines.append("    {")
        for key, value in head.items():
            lines.append(f"      {json.dumps(key)}: {json.dumps(value)},")
        lines.append('      "layers": [')
        for li, layer in enumerate(model["layers"]):
            comma = "," if li + 1 < len(model["layers"]) else ""
            lines.append("        " + json.dumps(layer) + comma)
        lines.append("      ]")
        lines.append("    }" + ("," if mi + 1 < len(models) else ""))
    lines += ["  ]", "}", ""]
    out = pathlib.Path(__file__).with_name("layers.json")
    out.write_text("\n".join(lines))
    for model in models:
        print(model["include_top"], model["pooling"], len(model["layers"]), model["total_params"],
              model["trainable_params"], model["non_trainable_params"])


if __name__ == "__main__":
    main()
