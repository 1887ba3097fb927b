#!/usr/bin/env python3
# generate.py — trains small transfer-learning heads with Keras' own model.fit
# and writes training.json, the oracle for HeadTrainer (HeadTrainingKerasTests).
#
# Run by hand (CI never runs it; it only reads the committed training.json):
#   python3.11 -m venv .venv-keras
#   .venv-keras/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 numpy
#   .venv-keras/bin/python Tests/VisionTests/Fixtures/keras-head-training/generate.py
#
# Every case: Input(width) → [Dense(H, relu)] → Dense(C, softmax), initial
# weights and features drawn by numpy from a fixed seed (committed in the
# JSON, so Swift needs no RNG of numpy's), loss categorical_crossentropy,
# metrics ["accuracy"], fit(batch_size=8, epochs=2, shuffle=False,
# validation_data=...). 22 training samples, so the last batch holds 6.
# Recorded: Keras' History (loss, accuracy, val_loss, val_accuracy per epoch)
# and the final weights. The "confident" cases start from kernels scaled up so
# that some samples sit far beyond the clip of −log(1e-7) ≈ 16.1: Keras'
# fit uses the softmax's logits, so those losses are not clipped. Also kept,
# before training: model.evaluate's loss and accuracy on the training set,
# model.predict's probabilities, and categorical_crossentropy called on those
# bare probabilities per sample (this form is clipped).
import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np  # noqa: E402
import keras  # noqa: E402

WIDTH, CLASSES, TRAIN, VALID, BATCH, EPOCHS = 32, 3, 22, 7, 8, 2

OPTIMIZERS = {
    "sgd": dict(name="sgd", rate=0.01, momentum=0.9),
    "adam": dict(name="adam", rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7),
}

CASES = [
    # (name, hidden units or None, optimizer, kernel scale, seed)
    ("hidden-sgd", 16, "sgd", 1.0, 1),
    ("hidden-adam", 16, "adam", 1.0, 2),
    ("plain-sgd", None, "sgd", 1.0, 3),
    ("plain-adam", None, "adam", 1.0, 4),
    ("confident-sgd", None, "sgd", 30.0, 5),
    ("confident-hidden-adam", 16, "adam", 12.0, 6),
]


def glorot(rng, inputs, units, scale):
    limit = np.sqrt(6.0 / (inputs + units))
    return (rng.uniform(-limit, limit, size=(inputs, units)) * scale).astype(np.float32)


def flat(array):
    return [float(v) for v in np.asarray(array, dtype=np.float32).reshape(-1)]


def make_optimizer(spec):
    if spec["name"] == "sgd":
        return keras.optimizers.SGD(learning_rate=spec["rate"], momentum=spec["momentum"])
    return keras.optimizers.Adam(learning_rate=spec["rate"], beta_1=spec["beta1"],
                                 beta_2=spec["beta2"], epsilon=spec["epsilon"])


def run(name, hidden, optimizer, scale, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(TRAIN, WIDTH)).astype(np.float32)
    y = rng.integers(0, CLASSES, size=TRAIN)
    vx = rng.normal(size=(VALID, WIDTH)).astype(np.float32)
    vy = rng.integers(0, CLASSES, size=VALID)
    sizes = ([(WIDTH, hidden)] if hidden else []) + [(hidden or WIDTH, CLASSES)]
    initial = [(glorot(rng, i, u, scale), (rng.normal(size=u) * 0.1).astype(np.float32)) for i, u in sizes]

    keras.backend.clear_session()
    inputs = keras.Input((WIDTH,))
    h = keras.layers.Dense(hidden, activation="relu")(inputs) if hidden else inputs
    outputs = keras.layers.Dense(CLASSES, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for layer, (kernel, bias) in zip(dense, initial):
        layer.set_weights([kernel, bias])
    model.compile(optimizer=make_optimizer(OPTIMIZERS[optimizer]), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    onehot = np.eye(CLASSES, dtype=np.float32)
    # Before training: evaluate (inference-mode loss from the logits), and the
    # loss called on the bare predicted probabilities (clipped form).
    before_loss, before_accuracy = model.evaluate(x, onehot[y], batch_size=BATCH, verbose=0)
    probabilities = model.predict(x, batch_size=BATCH, verbose=0)
    clipped = keras.losses.categorical_crossentropy(onehot[y], probabilities).numpy()
    history = model.fit(x, onehot[y], batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                        validation_data=(vx, onehot[vy])).history
    return {
        "name": name, "hidden": hidden, "classes": CLASSES, "width": WIDTH,
        "batchSize": BATCH, "epochs": EPOCHS, "optimizer": OPTIMIZERS[optimizer],
        "train": {"features": flat(x), "labels": [int(v) for v in y]},
        "validation": {"features": flat(vx), "labels": [int(v) for v in vy]},
        "initial": [{"kernel": flat(k), "bias": flat(b)} for k, b in initial],
        "before": {"loss": float(before_loss), "accuracy": float(before_accuracy),
                   "probabilities": flat(probabilities), "clippedLosses": flat(clipped)},
        "final": [{"kernel": flat(layer.get_weights()[0]), "bias": flat(layer.get_weights()[1])} for layer in dense],
        "history": {key: [float(v) for v in history[key]]
                    for key in ["loss", "accuracy", "val_loss", "val_accuracy"]},
    }


def main():
    cases = [run(*case) for case in CASES]
    out = pathlib.Path(__file__).with_name("training.json")
    out.write_text(json.dumps({"keras": keras.__version__, "cases": cases}, indent=1) + "\n")
    for case in cases:
        print(case["name"], case["history"])


if __name__ == "__main__":
    main()
