#!/usr/bin/env python3
"""bench_compare.py — the Python half of scripts/bench-compare (read that
script's header for the venv recipe). Times Inception V3 (299x299, random
weights, with top) in kungfu, ONNX Runtime and TensorFlow, in one run on this
machine, each runtime in its own process (so each reports its own peak
memory), and prints a comparison table.

    python scripts/bench_compare.py --kungfu .build/release/kungfu \
        [--batches 1 16] [--threads 2] [--runs 10] [--rounds 5] [--json]

The runs are taken in rounds: each round starts every runtime afresh, in
turn, for its share of the runs, and the medians and minimums are over all
of a runtime's passes. The runtimes thus take turns through the same
stretch of time: a machine whose speed drifts (a VM beside busy
neighbours) slows them alike instead of whichever ran during the slow spell.

The ONNX model is Keras' own InceptionV3 (weights=None, seed 0) exported with
`model.export(format="onnx")` (tf2onnx), cached in out/bench/.
"""
import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = ROOT / "out" / "bench"
ONNX_PATH = CACHE / "inception_v3.onnx"


def peak_rss_mb():
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def timed(run, runs):
    """Every pass's time in milliseconds, after a warm-up."""
    run()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def worker_onnx(batch, threads, runs):
    import numpy as np
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(ONNX_PATH), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    images = np.random.default_rng(1).uniform(-1, 1, (batch, 299, 299, 3)).astype("float32")
    times = timed(lambda: session.run(None, {name: images}), runs)
    return {"runtime": f"onnxruntime {ort.__version__}", "times_ms": times}


def worker_tensorflow(batch, threads, runs):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    keras.utils.set_random_seed(0)
    model = keras.applications.InceptionV3(weights=None)
    forward = tf.function(lambda x: model(x, training=False))
    images = tf.constant(np.random.default_rng(1).uniform(-1, 1, (batch, 299, 299, 3)).astype("float32"))
    times = timed(lambda: forward(images).numpy(), runs)
    return {"runtime": f"tensorflow {tf.__version__}", "times_ms": times}


def export_onnx():
    if ONNX_PATH.exists():
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import keras
    keras.utils.set_random_seed(0)
    model = keras.applications.InceptionV3(weights=None)
    model(np.zeros((1, 299, 299, 3), "float32"))  # export needs a built, called model
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = ONNX_PATH.with_suffix(".part.onnx")
    model.export(str(partial), format="onnx")
    partial.rename(ONNX_PATH)


def run_worker(kind, batch, threads, runs):
    command = [sys.executable, __file__, "--worker", kind, "--batches", str(batch),
               "--threads", str(threads), "--runs", str(runs)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_kungfu(binary, batch, threads, runs):
    command = [binary, "bench", "--batch", str(batch), "--threads", str(threads), "--runs", str(runs), "--json"]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return {"runtime": "kungfu", "times_ms": report["times_ms"], "peak_rss_mb": report["peak_rss_mb"]}


def rounds_of(runs, rounds):
    """`runs` split into at most `rounds` near-equal shares, none empty."""
    rounds = max(1, min(rounds, runs))
    return [runs // rounds + (1 if i < runs % rounds else 0) for i in range(rounds)]


def pooled(results):
    """One row per runtime from its rounds: median and minimum over every
    pass of every round, the largest peak memory of any round."""
    times = [t for r in results for t in r["times_ms"]]
    return {"runtime": results[0]["runtime"], "median_ms": statistics.median(times), "min_ms": min(times),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results), "passes": len(times)}


def report(rows, as_json, title, columns):
    """Prints the rows as JSON lines, or `title`, a header and one line per
    row; `columns` holds (heading, key, alignment and width, number format)."""
    if as_json:
        for row in rows:
            print(json.dumps(row))
        return
    print(title)
    header = " ".join(f"{heading:{align}}" for heading, _, align, _ in columns)
    print(header)
    print("-" * len(header))
    for row in rows:
        print(" ".join(f"{row[key]:{align}{number}}" for _, key, align, number in columns))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kungfu", help="path to a release build of kungfu")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=10, help="timed passes per runtime and batch, in all")
    parser.add_argument("--rounds", type=int, default=5, help="turns the runtimes take (each with a warm-up)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["onnxruntime", "tensorflow"])
    parser.add_argument("--json", action="store_true", help="print the rows as JSON lines")
    parser.add_argument("--worker", choices=["onnxruntime", "tensorflow"], help=argparse.SUPPRESS)
    parser.add_argument("--export-onnx", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_onnx:
        export_onnx()
        return

    if args.worker:
        work = worker_onnx if args.worker == "onnxruntime" else worker_tensorflow
        row = work(args.batches[0], args.threads, args.runs)
        row["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(row))
        return
    if not args.kungfu:
        parser.error("--kungfu is required")
    if "onnxruntime" not in args.skip and not ONNX_PATH.exists():
        # In a process of its own: Linux keeps a process's peak RSS across
        # fork and exec, so TensorFlow loaded here would inflate every
        # runtime's "peak MB" (each is a child of this process).
        subprocess.run([sys.executable, __file__, "--export-onnx"], check=True)

    load_before = os.getloadavg()
    rows = []
    kinds = ["kungfu"] + [kind for kind in ("onnxruntime", "tensorflow") if kind not in args.skip]
    for batch in args.batches:
        results = {kind: [] for kind in kinds}
        for share in rounds_of(args.runs, args.rounds):
            for kind in kinds:
                results[kind].append(run_kungfu(args.kungfu, batch, args.threads, share) if kind == "kungfu"
                                     else run_worker(kind, batch, args.threads, share))
        for kind in kinds:
            row = pooled(results[kind])
            row.update(batch=batch, threads=args.threads, runs=args.runs,
                       images_per_second=batch / (row["median_ms"] / 1000))
            rows.append(row)
    load_after = os.getloadavg()

    report(rows, args.json, f"Inception V3 299x299 with top, random weights; {args.runs} runs in "
                f"{len(rounds_of(args.runs, args.rounds))} rounds taken in turn, each after a warm-up; "
                f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after",
                [("runtime", "runtime", "<20", ""), ("batch", "batch", ">5", ""), ("threads", "threads", ">7", ""),
                 ("median ms", "median_ms", ">10", ".1f"), ("min ms", "min_ms", ">9", ".1f"),
                 ("images/s", "images_per_second", ">9", ".2f"), ("peak MB", "peak_rss_mb", ">8", ".0f")])
    if args.json:
        return
    for batch in args.batches:
        mine = next(r for r in rows if r["batch"] == batch and r["runtime"] == "kungfu")
        for other in (r for r in rows if r["batch"] == batch and r["runtime"] != "kungfu"):
            print(f"batch {batch}: kungfu takes {mine['median_ms'] / other['median_ms']:.2f}x "
                  f"the time of {other['runtime']}")


if __name__ == "__main__":
    main()
