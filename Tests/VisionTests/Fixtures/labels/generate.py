#!/usr/bin/env python3
"""numpy/Keras oracle for LabelsTests: decode_predictions order, ties included.

Keras' decode_predictions ranks classes with `pred.argsort()[-top:][::-1]`,
numpy's default (non-stable) argsort. On x86 numpy 2.x dispatches that sort
to x86-simd-sort (AVX-512 or AVX2) or its own introsort, and the three order
equal values differently. This script records, for rows with and without
ties: the numpy order at each dispatch level (child processes with
NPY_DISABLE_CPU_FEATURES), the stable order kungfu follows
(argsort(kind="stable")[-top:][::-1]), and, if Keras is installed, what
keras.applications.imagenet_utils.decode_predictions itself returns.

Run by hand from the repository root (CI only reads ties.json):
    python3 -m venv /tmp/labels-venv
    /tmp/labels-venv/bin/pip install numpy==2.4.6        # optional: keras==3.15.0 tensorflow
    /tmp/labels-venv/bin/python Tests/VisionTests/Fixtures/labels/generate.py
"""

import base64
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
TOP = 10
LEVELS = {  # name -> NPY_DISABLE_CPU_FEATURES
    "avx512": "",
    "avx2": "AVX512_ICL X86_V4",
    "baseline": "AVX512_ICL X86_V4 X86_V3",
}


def rows():
    rng = np.random.default_rng(7)
    out = []

    def softmax(logits):
        e = np.exp(logits - logits.max())
        return (e / e.sum()).astype(np.float32)

    for i in range(3):
        out.append((f"softmax-{i}", softmax(rng.normal(0, 3, 1000).astype(np.float32))))
    out.append(("uniform", np.full(1000, 0.001, np.float32)))
    out.append(("zeros", np.zeros(1000, np.float32)))
    p = np.zeros(1000, np.float32); p[281] = 1
    out.append(("one-hot-281", p))
    p = np.zeros(1000, np.float32); p[[281, 285]] = 0.5
    out.append(("two-halves", p))
    p = rng.random(1000).astype(np.float32); p[[5, 900]] = 3
    out.append(("pair-at-top", p))
    p = rng.random(1000).astype(np.float32); p[[100, 200, 300]] = 3
    out.append(("triple-at-top", p))
    p = rng.random(1000).astype(np.float32); p[5] = 3; p[[600, 7]] = 2.5
    out.append(("pair-second", p))
    out.append(("quantised", ((rng.random(1000) * 4).round() / 4).astype(np.float32)))
    p = rng.random(1000).astype(np.float32); p[[10, 500]] = np.nan
    out.append(("nan", p))
    return out


def numpy_top(p):
    return [int(i) for i in p.argsort()[-TOP:][::-1]]


def child():
    """Prints numpy's default-argsort top for every row, at this process's dispatch level."""
    print(json.dumps({name: numpy_top(p) for name, p in rows()}))


def main():
    by_level = {}
    for level, disabled in LEVELS.items():
        env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=disabled)
        result = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                                capture_output=True, text=True)
        by_level[level] = json.loads(result.stdout)
    from numpy._core._multiarray_umath import __cpu_features__ as cpu

    keras_rows = None
    try:
        from keras.src.applications import imagenet_utils  # the module holding CLASS_INDEX
        with open(os.path.join(ROOT, "..", "shared", "imagenet_class_index.json")) as f:
            imagenet_utils.CLASS_INDEX = json.load(f)  # Keras' own file: no download
        keras_rows = imagenet_utils.decode_predictions(np.stack([p for _, p in rows()]), top=TOP)
    except ImportError:
        pass

    cases = []
    for i, (name, p) in enumerate(rows()):
        case = {
            "name": name,
            "probabilities": base64.b64encode(p.astype("<f4").tobytes()).decode("ascii"),
            "numpyDefault": {level: by_level[level][name] for level in LEVELS},
            "stable": [int(j) for j in np.argsort(p, kind="stable")[-TOP:][::-1]],
        }
        if keras_rows is not None:
            # Scores as float32 bit patterns: exact, and NaN stays valid JSON.
            case["keras"] = [{"wnid": w, "label": l, "scoreBits": int(np.float32(s).view(np.uint32))}
                             for w, l, s in keras_rows[i]]
            assert [r["wnid"] for r in case["keras"]] == [
                imagenet_utils.CLASS_INDEX[str(j)][0] for j in case["numpyDefault"]["avx512" if cpu["AVX512_SKX"] else "avx2"]]
        cases.append(case)
    out = {
        "generator": "Tests/VisionTests/Fixtures/labels/generate.py",
        "numpy": np.__version__,
        "machine": {"AVX512_SKX": bool(cpu["AVX512_SKX"]), "AVX2": bool(cpu["AVX2"])},
        "top": TOP,
        "cases": cases,
    }
    with open(os.path.join(HERE, "ties.json"), "w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"{len(cases)} rows; keras cross-check: {keras_rows is not None}", file=sys.stderr)


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
