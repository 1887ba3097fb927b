#!/usr/bin/env python3
"""bench_training.py — the training half of scripts/bench-compare
(`scripts/bench-compare --training`): kungfu against Keras on the same
photos, in one run on this machine, each measurement in its own process.

    python scripts/bench_training.py --kungfu .build/release/kungfu \
        [--folder examples/objects] [--threads 2] [--rounds 5] [--json]

Three measurements, random weights on both sides (the cost does not depend
on the values), the article's recipe:
  features   decode, resize to 299x299 and run the base to the 2048 pooled
             features, every photo of the folder (images per second);
             kungfu: the time its progress bar for the pass reports
             (`train head`, from the first file opened to the last row of
             features, the first pass's planning included); Keras: a
             perf_counter around load_img + img_to_array + preprocess_input
             and InceptionV3(include_top=False, pooling="avg").predict,
             batch 16, after a warm-up pass.
  head epoch one epoch of a 2048 -> classes softmax head on those features,
             Adam, batch 16 (the faster of two epochs).
  fine-tune  one epoch of training mixed9, mixed10 and the head (layers 249
             and up, Keras' recipe: SGD(1e-4, momentum 0.9)), batch 16, the
             faster of two epochs. kungfu runs the frozen part once per
             image and keeps its mixed8 outputs (that one-time pass is
             reported too); Keras runs the whole network every step.
Peak resident memory is each process's own (wait4's ru_maxrss).

Each of --rounds rounds takes every measurement once, kungfu's and Keras'
back to back (kungfu first in even rounds, Keras first in odd ones), so
both sides of a comparison run in the same stretch of time: this VM's
speed drifts by tens of percent over minutes. Reported: the median over
rounds of each side's feature rate, and as the features ratio the median
of the rounds' own ratios (paired, so a slow spell moves both sides); the
fastest epoch of any round; the largest peak memory.
"""
import statistics
import argparse
import re
import json
import os
import pathlib
import subprocess
import sys
import time

from bench_compare import report

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png"}


def run_measured(command, env=None):
    """Runs `command`, returns (stdout, peak RSS in MB, stderr)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    out, err = process.communicate()
    # communicate() has reaped the child; its rusage is in RUSAGE_CHILDREN only
    # as a maximum over all children, so each measurement runs in a fresh worker.
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if process.returncode != 0:
        sys.exit(f"bench_training: {' '.join(command)} failed ({process.returncode}):\n{err}")
    return out, peak, err


# The last line of a finished progress bar of images on stderr (no terminal):
#   108/108 [==============================] - 2.42s 22ms/image
PASS_BAR = re.compile(r"^(\d+)/(\d+) \[=+\] - ([0-9.]+)s \S+/image$", re.MULTILINE)


def image_passes(err):
    """(images, seconds) of each finished pass over images that kungfu reported, in order."""
    return [(int(m.group(1)), float(m.group(3))) for m in PASS_BAR.finditer(err) if m.group(1) == m.group(2)]


def kungfu_results(out):
    return [json.loads(line)["value"] for line in out.splitlines() if line.startswith("{")]


def worker_kungfu(kind, binary, folder, threads):
    env = dict(os.environ, KUNGFU_WEIGHTS="none")
    base = [binary, "--json", "--threads", str(threads), "-c"]
    if kind == "head":
        out, peak, err = run_measured(base + [
            f'load model inception_v3; freeze layers all; train head on "{folder}" epochs 2 batch 16'], env)
        history = kungfu_results(out)[-1]
        images = sum(history["train_images"]) + sum(history["validation_images"])
        passes = image_passes(err)
        if len(passes) != 1 or passes[0][0] != images:
            sys.exit(f"bench_training: expected one feature pass over {images} images on kungfu's stderr, "
                     f"found {passes}:\n{err}")
        return {"epochs": history["seconds"], "images": images, "feature_seconds": passes[0][1], "peak_rss_mb": peak}
    if kind == "finetune":
        out, peak, err = run_measured(base + [
            f'load model inception_v3; freeze layers all; train head on "{folder}" epochs 1 batch 16; '
            f'unfreeze layers from mixed9; fine tune on "{folder}" epochs 2 batch 16'], env)
        head, tuned = [r for r in kungfu_results(out) if r.get("type") == "history"]
        # Passes: the head's features, then the frozen part for the training
        # and the validation images.
        passes = image_passes(err)
        if len(passes) != 3:
            sys.exit(f"bench_training: expected three passes over images on kungfu's stderr, found {passes}:\n{err}")
        return {"head_epochs": head["seconds"], "epochs": tuned["seconds"],
                "frozen_seconds": passes[1][1] + passes[2][1],
                "train_images": sum(tuned["train_images"]), "peak_rss_mb": peak}
    raise ValueError(kind)


def load_folder(folder):
    classes = sorted(p.name for p in pathlib.Path(folder).iterdir() if p.is_dir())
    files, labels = [], []
    for index, name in enumerate(classes):
        for path in sorted((pathlib.Path(folder) / name).iterdir()):
            if path.suffix.lower() in IMAGE_EXTENSIONS:
                files.append(path)
                labels.append(index)
    return classes, files, labels


def keras_setup(threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    keras.utils.set_random_seed(0)
    return tf, keras


def keras_images(keras, files):
    import numpy as np
    from keras.applications.inception_v3 import preprocess_input
    arrays = [keras.utils.img_to_array(keras.utils.load_img(str(f), target_size=(299, 299))) for f in files]
    return preprocess_input(np.stack(arrays))


class EpochTimer:
    def __init__(self, keras):
        class Callback(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.seconds = []

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.seconds.append(time.perf_counter() - self.start)
        self.callback = Callback()


def worker_keras(kind, folder, threads):
    import resource
    import numpy as np
    tf, keras = keras_setup(threads)
    classes, files, labels = load_folder(folder)
    onehot = np.eye(len(classes), dtype="float32")[labels]
    base = keras.applications.InceptionV3(weights=None, include_top=False, pooling="avg" if kind != "finetune" else None)
    if kind == "features":
        # Warm-up on zeros of the same count: traces both batch shapes (16 and
        # the remainder) and allocates, so neither side pays a first-call cost.
        base.predict(np.zeros((len(files), 299, 299, 3), "float32"), batch_size=16, verbose=0)
        start = time.perf_counter()
        features = base.predict(keras_images(keras, files), batch_size=16, verbose=0)
        seconds = time.perf_counter() - start
        head = keras.Sequential([keras.Input((2048,)), keras.layers.Dense(len(classes), activation="softmax")])
        head.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
        timer = EpochTimer(keras)
        head.fit(features, onehot, batch_size=16, epochs=2, verbose=0, callbacks=[timer.callback])
        result = {"images": len(files), "seconds": seconds, "head_epochs": timer.callback.seconds}
    else:
        x = keras.layers.GlobalAveragePooling2D()(base.output)
        outputs = keras.layers.Dense(len(classes), activation="softmax")(x)
        model = keras.Model(base.input, outputs)
        for layer in model.layers[:249]:
            layer.trainable = False
        for layer in model.layers[249:]:
            layer.trainable = True
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9),
                      loss="categorical_crossentropy", metrics=["accuracy"])
        images = keras_images(keras, files)
        # The same share as kungfu's 0.2 validation split, taken as the first
        # 80% of a seeded permutation (which photos does not change the cost).
        order = np.random.default_rng(0).permutation(len(files))
        train = order[: len(files) - round(0.2 * len(files))]
        timer = EpochTimer(keras)
        model.fit(images[train], onehot[train], batch_size=16, epochs=2, verbose=0, callbacks=[timer.callback])
        result = {"train_images": len(train), "epochs": timer.callback.seconds}
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["runtime"] = f"keras {keras.__version__} / tensorflow {tf.__version__}"
    return result


def run_worker(args, kind, side):
    command = [sys.executable, __file__, "--worker", f"{side}:{kind}", "--folder", args.folder,
               "--threads", str(args.threads)]
    if args.kungfu:
        command += ["--kungfu", args.kungfu]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_training: the {side} {kind} measurement failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kungfu", help="path to a release build of kungfu")
    parser.add_argument("--folder", default="examples/objects", help="one subfolder of photos per class")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="times every measurement is taken, in turn")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        side, kind = args.worker.split(":")
        row = worker_kungfu(kind, args.kungfu, args.folder, args.threads) if side == "kungfu" \
            else worker_keras(kind, args.folder, args.threads)
        print(json.dumps(row))
        return
    if not args.kungfu:
        parser.error("--kungfu is required")

    load_before = os.getloadavg()
    rounds = []
    for number in range(max(1, args.rounds)):
        def pair(kind, keras_kind):
            """kungfu's and Keras' measurement of one thing, back to back, taking turns at going first."""
            if number % 2 == 0:
                mine = run_worker(args, kind, "kungfu")
                return mine, run_worker(args, keras_kind, "keras")
            theirs = run_worker(args, keras_kind, "keras")
            return run_worker(args, kind, "kungfu"), theirs
        head, keras_features = pair("head", "features")
        tune, keras_tune = pair("finetune", "finetune")
        rounds.append({"features": head["images"] / head["feature_seconds"],
                       "keras_features": keras_features["images"] / keras_features["seconds"],
                       "head": min(head["epochs"]), "keras_head": min(keras_features["head_epochs"]),
                       "tune": min(tune["epochs"]), "keras_tune": min(keras_tune["epochs"]),
                       "rss": tune["peak_rss_mb"], "keras_rss": keras_tune["peak_rss_mb"],
                       "frozen": tune["frozen_seconds"]})
    load_after = os.getloadavg()

    def median(key):
        return statistics.median(r[key] for r in rounds)

    rows = [
        # Features: the median of the rounds' paired ratios (each round's two
        # passes ran back to back), not the ratio of the two medians.
        {"work": "features (decode, resize, base to avg_pool)", "unit": "images/s",
         "kungfu": median("features"), "keras": median("keras_features"),
         "ratio": statistics.median(r["features"] / r["keras_features"] for r in rounds)},
        {"work": "head epoch 2048 -> classes, Adam, batch 16", "unit": "ms",
         "kungfu": min(r["head"] for r in rounds) * 1000, "keras": min(r["keras_head"] for r in rounds) * 1000},
        {"work": f"fine-tune epoch mixed9..head, batch 16 ({tune['train_images']} vs "
                 f"{keras_tune['train_images']} images)", "unit": "s",
         "kungfu": min(r["tune"] for r in rounds), "keras": min(r["keras_tune"] for r in rounds)},
        {"work": "peak RSS, fine-tune run", "unit": "MB",
         "kungfu": max(r["rss"] for r in rounds), "keras": max(r["keras_rss"] for r in rounds)},
    ]
    for row in rows:
        better_high = row["unit"] == "images/s"
        row.setdefault("ratio", row["kungfu"] / row["keras"])
        row["ratio_meaning"] = "kungfu / keras" + (" (higher is better)" if better_high else " (lower is better)")
    report(rows, args.json, f"Training on {args.folder}, {args.threads} threads, random weights, {len(rounds)} "
                f"round{'s' if len(rounds) != 1 else ''}; kungfu against {keras_tune['runtime']}; "
                f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after",
                [("work", "work", "<62", ""), ("kungfu", "kungfu", ">10", ".2f"), ("keras", "keras", ">10", ".2f"),
                 ("unit", "unit", ">9", ""), ("kungfu/keras", "ratio", ">13", ".2f")])
    if args.json:
        return
    print(f"features, kungfu / keras, each round (the table's ratio is their median): " + ", ".join(
        f"{r['features'] / r['keras_features']:.2f}" for r in rounds))
    print(f"fine-tune epoch, kungfu / keras, each round: " + ", ".join(
        f"{r['tune'] / r['keras_tune']:.2f}" for r in rounds))
    print(f"kungfu also ran its frozen part once per image before fine-tuning: {median('frozen'):.1f} s "
          f"for the mixed8 outputs of {tune['train_images']} training images and the validation images")


if __name__ == "__main__":
    main()
