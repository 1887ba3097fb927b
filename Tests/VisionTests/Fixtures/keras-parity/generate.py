#!/usr/bin/env python3
"""Keras-produced parity fixtures for kungfu's Inception V3 (run by hand; CI never runs it).

Keras' own InceptionV3 is filled with *reproducible weights* (every tensor by the
counter-based formula below, which Tests/VisionTests/ReproducibleWeights.swift
implements bit for bit), Keras' own pipeline runs on committed images, and the
numbers Keras produced are written as JSON beside this script. docs/parity.md
explains the formula, the fixtures, what the Swift tests compare and how closely.

Environment (Python 3.11; the versions these fixtures were made with):

    python3.11 -m venv venv
    venv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 pillow==13.0.0 numpy==2.4.6

Run from anywhere (paths are found from this file):

    venv/bin/python Tests/VisionTests/Fixtures/keras-parity/generate.py [--class-index imagenet_class_index.json]
        writes the fixtures beside this script, TensorFlow's default settings
        (on x86-64 that is oneDNN on: what a Keras user gets). decode_predictions
        needs Keras' imagenet_class_index.json: from Keras' cache or download,
        or, offline, from --class-index (every run below takes it too).
    TF_ENABLE_ONEDNN_OPTS=0 venv/bin/python .../generate.py --out /tmp/nodnn
    venv/bin/python .../generate.py --float64 --out /tmp/f64
    venv/bin/python .../generate.py --compare /tmp/nodnn
        Keras' own float noise: the largest differences between the committed
        fixtures and another run (oneDNN off, or the whole model in float64).

Outputs (all in the output folder):
    formula-checks.json                 the weight formula's values, bit patterns
    inception_v3_top_299.json           include_top=True, 299x299
    inception_v3_notop_avg_299.json     include_top=False, pooling='avg', 299x299
    inception_v3_notop_max_150x200.json include_top=False, pooling='max', 150x200
    pixels/<image>-<h>x<w>.png          what keras.utils.load_img returned (RGB8)
The PNG input image goldfish-crop.png is committed; it is made here (a crop of
examples/testset/16.jpg) only when it is missing.
"""

import argparse
import hashlib
import json
import math
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[3]

# ---------------------------------------------------------------------------
# The formula. Every weight element is a function of (tensor ordinal, element
# index) only. The ordinal counts tensors over the model's weighted layers in
# Keras' `model.layers` order, each layer's `layer.weights` in order
# (Conv2D: kernel; BatchNormalization(scale=False): beta, moving_mean,
# moving_variance; Dense: kernel, bias). The index is the row-major position
# in Keras' layout (kernels (kh, kw, cin, cout), dense (in, out)).
#
#   key = ordinal * 2^32 + index                       (uint64)
#   h   = splitmix64 finaliser of (key + 1) * GOLDEN   (all arithmetic mod 2^64)
#   r   = float32((h >> 40) - 2^23) * 2^-23            exact, in [-1, 1), step 2^-23
#
# then, in float32 (one rounding each, so any IEEE-754 language agrees):
#   Conv2D kernel          r * float32(sqrt(CONV_GAIN / fan_in))
#   Dense kernel           r * float32(sqrt(DENSE_GAIN / fan_in))
#   Dense bias             r * DENSE_BIAS
#   BN beta                r * BETA_SCALE
#   BN moving_mean         r * MEAN_SCALE
#   BN moving_variance     1 + r * 0.5                 in [0.5, 1.5)
# fan_in = product of all extents but the last (kh*kw*cin, or in). The square
# roots are taken in float64 and rounded once to float32.
# ---------------------------------------------------------------------------

GOLDEN = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
CONV_GAIN = 5.5     # He-uniform would be 6; 5.5 keeps activations level through 94 convolutions
DENSE_GAIN = 32.0   # 2048 inputs: scale 0.125; top-1 probabilities 0.3-0.5
DENSE_BIAS = 0.5
BETA_SCALE = 0.25
MEAN_SCALE = 0.25
VARIANCE_HALF_RANGE = 0.5

U64 = np.uint64
CLASS_INDEX_MD5 = "c2c37ea517e94d9795004a39431a14cb"  # the file_hash keras.applications checks


def hash64(ordinal, indices):
    """splitmix64 of key + 1 (uint64 arrays wrap mod 2^64)."""
    key = (U64(ordinal) << U64(32)) | indices.astype(U64)
    z = (key + U64(1)) * U64(GOLDEN)
    z = (z ^ (z >> U64(30))) * U64(MIX1)
    z = (z ^ (z >> U64(27))) * U64(MIX2)
    return z ^ (z >> U64(31))


def unit(ordinal, indices):
    """r in [-1, 1), exactly k * 2^-23 for an integer k in [-2^23, 2^23)."""
    top24 = (hash64(ordinal, indices) >> U64(40)).astype(np.int64)
    return (top24 - 2**23).astype(np.float32) * np.float32(2.0**-23)


def kind_of(layer_type, weight_name):
    kinds = {
        ("Conv2D", "kernel"): "conv_kernel",
        ("Dense", "kernel"): "dense_kernel",
        ("Dense", "bias"): "dense_bias",
        ("BatchNormalization", "beta"): "bn_beta",
        ("BatchNormalization", "moving_mean"): "bn_moving_mean",
        ("BatchNormalization", "moving_variance"): "bn_moving_variance",
    }
    if (layer_type, weight_name) not in kinds:
        sys.exit(f"no reproducible-weight rule for {layer_type}.{weight_name}")
    return kinds[(layer_type, weight_name)]


def scale_of(kind, shape):
    """The float32 multiplier of r (None for moving_variance)."""
    fan_in = int(np.prod(shape[:-1]))
    return {
        "conv_kernel": np.float32(math.sqrt(CONV_GAIN / fan_in)),
        "dense_kernel": np.float32(math.sqrt(DENSE_GAIN / fan_in)),
        "dense_bias": np.float32(DENSE_BIAS),
        "bn_beta": np.float32(BETA_SCALE),
        "bn_moving_mean": np.float32(MEAN_SCALE),
        "bn_moving_variance": None,
    }[kind]


def values_at(ordinal, layer_type, weight_name, shape, indices):
    """float32 weight values at the given flat indices of one tensor."""
    kind = kind_of(layer_type, weight_name)
    r = unit(ordinal, indices)
    if kind == "bn_moving_variance":
        return np.float32(1) + r * np.float32(VARIANCE_HALF_RANGE)
    return r * scale_of(kind, shape)


def reproducible_tensor(ordinal, layer_type, weight_name, shape):
    count = int(np.prod(shape))
    flat = values_at(ordinal, layer_type, weight_name, shape, np.arange(count, dtype=U64))
    assert flat.dtype == np.float32
    return flat.reshape(shape)


def weighted_layers(model):
    """[(layer name, Keras class, [(weight name, shape)])] in Keras' order."""
    return [
        (layer.name, type(layer).__name__, [(w.name, tuple(int(d) for d in w.shape)) for w in layer.weights])
        for layer in model.layers
        if layer.weights
    ]


def fill_reproducible(model):
    ordinal = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        arrays = []
        for w in layer.weights:
            arrays.append(reproducible_tensor(ordinal, type(layer).__name__, w.name, tuple(w.shape)))
            ordinal += 1
        layer.set_weights(arrays)
    return ordinal


# ---------------------------------------------------------------------------
# JSON: float32 values as the shortest decimal that reads back to the same
# float32; statistics (float64) as Python's shortest float64 decimal. Lists of
# numbers stay on one line.
# ---------------------------------------------------------------------------


def f32list(array):
    return [float(str(v)) for v in np.asarray(array, dtype=np.float32).ravel()]


def dump_json(obj, path):
    def write(o, indent):
        pad = " " * indent
        if isinstance(o, dict):
            items = [f'{pad} {json.dumps(k)}: {write(v, indent + 1).lstrip()}' for k, v in o.items()]
            return pad + "{\n" + ",\n".join(items) + "\n" + pad + "}"
        if isinstance(o, list) and any(isinstance(v, (dict, list)) for v in o):
            return pad + "[\n" + ",\n".join(write(v, indent + 1) for v in o) + "\n" + pad + "]"
        return pad + json.dumps(o, separators=(", ", ": "), allow_nan=False)

    path.write_text(write(obj, 0) + "\n")


def statistics(array, name):
    """Statistics of one image's output of one layer (float64 over float32 values)."""
    x = np.asarray(array, dtype=np.float32)
    flat = x.ravel().astype(np.float64)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little"))
    count = flat.size
    picks = np.sort(rng.choice(count, size=min(16, count), replace=False))
    return {
        "shape": list(x.shape),
        "mean": float(flat.mean()),
        "std": float(flat.std()),
        "min": float(flat.min()),
        "max": float(flat.max()),
        "sum": float(flat.sum()),
        "sum_abs": float(np.abs(flat).sum()),
        "sample_indices": [int(i) for i in picks],
        "samples": f32list(x.ravel()[picks]),
    }


# ---------------------------------------------------------------------------
# Images and models.
# ---------------------------------------------------------------------------

IMAGES = [
    "examples/testset/1.jpg",  # cat 451x300: non-integer downscale, wide
    "examples/testset/4.jpg",  # dog 640x480
    "examples/testset/3.jpg",  # kitten 640x640: square
    "Tests/VisionTests/Fixtures/keras-parity/goldfish-crop.png",  # 180x140 PNG: upscale
]
PNG_SOURCE = ("examples/testset/16.jpg", (120, 80, 300, 220))  # Pillow crop box (left, top, right, bottom)

STEM_AND_BLOCKS = [
    "conv2d", "batch_normalization", "activation", "activation_2", "max_pooling2d",
    "activation_4", "max_pooling2d_1", "average_pooling2d",
    "mixed0", "mixed1", "mixed2", "mixed3", "mixed4", "mixed5", "mixed6", "mixed7",
    "mixed8", "mixed9_0", "mixed9", "mixed9_1", "mixed10",
]

CONFIGURATIONS = [
    {
        "file": "inception_v3_top_299.json",
        "include_top": True, "pooling": None, "height": 299, "width": 299,
        "output_layer": "predictions",
        "full_outputs": ["predictions", "avg_pool"],
        "stats_layers": STEM_AND_BLOCKS + ["avg_pool", "predictions"],
    },
    {
        "file": "inception_v3_notop_avg_299.json",
        "include_top": False, "pooling": "avg", "height": 299, "width": 299,
        "output_layer": "global_average_pooling2d",
        "full_outputs": ["global_average_pooling2d"],
        "stats_layers": ["mixed10"],
    },
    {
        "file": "inception_v3_notop_max_150x200.json",
        "include_top": False, "pooling": "max", "height": 150, "width": 200,
        "output_layer": "global_max_pooling2d",
        "full_outputs": ["global_max_pooling2d"],
        "stats_layers": STEM_AND_BLOCKS,
    },
]


def ensure_png_input():
    from PIL import Image

    target = REPO / IMAGES[3]
    if target.exists():
        return
    source, box = PNG_SOURCE
    with Image.open(REPO / source) as im:
        im.convert("RGB").crop(box).save(target, format="PNG", optimize=True)
    print(f"wrote {target.relative_to(REPO)}")


def load_through_keras(keras, path, height, width, out_dir):
    """keras.utils.load_img (NEAREST) -> img_to_array -> preprocess_input, as a user does."""
    from keras.applications.inception_v3 import preprocess_input

    image = keras.utils.load_img(REPO / path, target_size=(height, width))
    pixels = np.asarray(image, dtype=np.uint8)
    assert pixels.shape == (height, width, 3), pixels.shape
    pixel_file = f"pixels/{Path(path).stem}-{height}x{width}.png"
    (out_dir / "pixels").mkdir(exist_ok=True)
    image.save(out_dir / pixel_file, format="PNG", optimize=True)
    array = keras.utils.img_to_array(image)
    x = preprocess_input(array[np.newaxis])
    return pixels, pixel_file, x


def run_configuration(keras, config, out_dir, versions):
    from keras.applications.inception_v3 import decode_predictions

    keras.backend.clear_session()  # fresh layer-name counters: names as in a fresh process
    shape = None if config["include_top"] else (config["height"], config["width"], 3)
    model = keras.applications.InceptionV3(
        weights=None, include_top=config["include_top"], pooling=config["pooling"], input_shape=shape
    )
    tensors = fill_reproducible(model)
    names = [layer.name for layer in model.layers]
    for name in config["stats_layers"] + config["full_outputs"]:
        assert name in names, f"{name} is not a layer of {config['file']}"
    assert model.layers[-1].name == config["output_layer"], model.layers[-1].name

    loaded = [load_through_keras(keras, p, config["height"], config["width"], out_dir) for p in IMAGES]
    batch = np.concatenate([x for _, _, x in loaded])  # (N, H, W, 3) float32 (float64 with --float64)
    watched = config["stats_layers"] + [n for n in config["full_outputs"] if n not in config["stats_layers"]]
    probe = keras.Model(model.inputs, [model.get_layer(n).output for n in watched])
    outputs = dict(zip(watched, probe.predict(batch, batch_size=len(IMAGES), verbose=0)))
    final = model.predict(batch, batch_size=len(IMAGES), verbose=0)
    assert np.array_equal(final, outputs[config["output_layer"]]), "probe and model disagree"

    images = []
    for i, (path, (pixels, pixel_file, x)) in enumerate(zip(IMAGES, loaded)):
        x32 = np.asarray(x[0], dtype=np.float32)
        entry = {
            "file": path,
            "pixels": pixel_file,
            "input": {
                "shape": list(x32.shape),
                "sha256_float32_le": hashlib.sha256(x32.astype("<f4").tobytes()).hexdigest(),
                "sha256_rgb8": hashlib.sha256(pixels.tobytes()).hexdigest(),
                "sum": float(x32.astype(np.float64).sum()),
            },
            # lists, not objects keyed by layer name: decoders that convert
            # snake_case keys would rename the layers
            "outputs": [{"layer": n, "values": f32list(outputs[n][i])} for n in config["full_outputs"]],
            "stats": [{"layer": n, **statistics(outputs[n][i], n)} for n in config["stats_layers"]],
        }
        if config["include_top"]:
            p = outputs["predictions"][i].astype(np.float32)
            order = np.argsort(-p, kind="stable")
            entry["top5"] = [int(k) for k in order[:5]]
            gaps = -np.diff(p[order[:6]])
            entry["top6_min_gap"] = float(gaps.min())
            decoded = decode_predictions(outputs["predictions"][i:i + 1], top=5)[0]
            entry["top5_decoded"] = []
            for k, (wnid, label, probability) in zip(order[:5], decoded):
                assert np.float32(probability) == p[k], "decode_predictions order differs from argsort"
                entry["top5_decoded"].append({"index": int(k), "wnid": wnid, "label": label,
                                              "probability": float(str(np.float32(probability)))})
        images.append(entry)

    fixture = {
        "generator": "Tests/VisionTests/Fixtures/keras-parity/generate.py",
        "versions": versions,
        "weights": "reproducible (see generate.py and docs/parity.md)",
        "model": {
            "include_top": config["include_top"], "pooling": config["pooling"] or "none",
            "input_height": config["height"], "input_width": config["width"],
            "layer_count": len(model.layers), "parameter_count": int(model.count_params()),
            "weight_tensor_count": tensors,
        },
        "output_layer": config["output_layer"],
        "weighted_layers": [
            {"name": n, "type": t, "tensors": [{"name": w, "shape": list(s)} for w, s in ws]}
            for n, t, ws in weighted_layers(model)
        ],
        "images": images,
    }
    dump_json(fixture, out_dir / config["file"])
    return model, outputs


def formula_checks(out_dir, inception_layers):
    """Bit patterns of the formula, for ReproducibleWeightsTests (no TensorFlow needed there)."""
    stages = []
    for ordinal, index in [(0, 0), (0, 1), (1, 0), (7, 123456), (377, 999), (375, 2047999), (2**31 - 1, 2**32 - 1)]:
        idx = np.array([index], dtype=U64)
        h = int(hash64(ordinal, idx)[0])
        r = unit(ordinal, idx)[0]
        stages.append({"ordinal": ordinal, "index": index, "hash": str(h),
                       "unit_bits": int(np.float32(r).view(np.uint32))})

    small = [
        ("conv_a", "Conv2D", [("kernel", (3, 3, 3, 8))]),
        ("bn_a", "BatchNormalization", [("beta", (8,)), ("moving_mean", (8,)), ("moving_variance", (8,))]),
        ("conv_b", "Conv2D", [("kernel", (1, 7, 8, 6))]),
        ("bn_b", "BatchNormalization", [("beta", (6,)), ("moving_mean", (6,)), ("moving_variance", (6,))]),
        ("conv_c", "Conv2D", [("kernel", (3, 1, 6, 5))]),
        ("dense", "Dense", [("kernel", (5, 10)), ("bias", (10,))]),
    ]
    small_bits, ordinal = [], 0
    for _, layer_type, ws in small:
        for w, shape in ws:
            t = reproducible_tensor(ordinal, layer_type, w, shape)
            small_bits.append([int(b) for b in t.ravel().view(np.uint32)])
            ordinal += 1

    digests, samples, ordinal = [], [], 0
    for _, layer_type, ws in inception_layers:
        for w, shape in ws:
            t = reproducible_tensor(ordinal, layer_type, w, shape).ravel()
            bits = t.view(np.uint32).astype(U64)
            weights = np.arange(1, bits.size + 1, dtype=U64)
            digests.append({
                "ordinal": ordinal, "count": int(bits.size),
                "bit_sum": str(int(bits.sum(dtype=U64))),
                "weighted_bit_sum": str(int((bits * weights).sum(dtype=U64))),
                "min": float(t.min()), "max": float(t.max()),
            })
            for index in sorted({0, bits.size // 3, bits.size - 1}):
                samples.append({"ordinal": ordinal, "index": int(index), "bits": int(bits[index])})
            ordinal += 1

    def spec_json(layers):
        return [{"name": n, "type": t, "tensors": [{"name": w, "shape": list(s)} for w, s in ws]}
                for n, t, ws in layers]

    dump_json({
        "generator": "Tests/VisionTests/Fixtures/keras-parity/generate.py",
        "constants": {"golden": str(GOLDEN), "mix1": str(MIX1), "mix2": str(MIX2),
                      "conv_gain": CONV_GAIN, "dense_gain": DENSE_GAIN, "dense_bias": DENSE_BIAS,
                      "beta_scale": BETA_SCALE, "mean_scale": MEAN_SCALE,
                      "variance_half_range": VARIANCE_HALF_RANGE},
        "stages": stages,
        "small_model": {"layers": spec_json(small), "bits": small_bits},
        "inception_v3": {"layers": spec_json(inception_layers), "digests": digests, "samples": samples},
    }, out_dir / "formula-checks.json")


def use_class_index(path):
    """Give decode_predictions the class index Keras would download (same MD5 as Keras checks)."""
    from keras.src.applications import imagenet_utils

    data = path.read_bytes()
    if hashlib.md5(data).hexdigest() != CLASS_INDEX_MD5:
        sys.exit(f"{path}: MD5 is not {CLASS_INDEX_MD5}, not Keras' imagenet_class_index.json")
    imagenet_utils.CLASS_INDEX = json.loads(data)


def print_activation_table(outputs, names):
    print(f"{'layer':20s} {'shape':>16s} {'mean':>8s} {'std':>8s} {'max':>8s} {'zeros':>6s}")
    for n in names:
        o = outputs[n]
        print(f"{n:20s} {str(tuple(o.shape[1:])):>16s} {o.mean():8.4f} {o.std():8.4f} {o.max():8.4f} {(o == 0).mean():6.3f}")


# ---------------------------------------------------------------------------
# --compare: the largest differences between two fixture folders.
# ---------------------------------------------------------------------------


# The Swift parity test's tolerances (docs/parity.md), applied here to Keras' own noise.
OUTPUT_TOLERANCE = 1e-4            # model outputs and full layer outputs, absolute
STAT_ATOL, STAT_RTOL = 1e-4, 2e-5  # mean, std, min, max, samples: |d| <= atol + rtol * |keras|
SUM_RTOL = 1e-5                    # sum: |d| <= rtol * sum(|keras|)


def compare(other):
    for config in CONFIGURATIONS:
        a = json.loads((HERE / config["file"]).read_text())
        b = json.loads((Path(other) / config["file"]).read_text())
        print(f"== {config['file']}  (committed vs {other})")
        inputs_same = all(ia["input"]["sha256_float32_le"] == ib["input"]["sha256_float32_le"]
                          for ia, ib in zip(a["images"], b["images"]))
        print(f"  preprocessed inputs {'identical' if inputs_same else 'differ'}")
        for k, oa in enumerate(a["images"][0]["outputs"]):
            d = max(np.abs(np.array(ia["outputs"][k]["values"]) - np.array(ib["outputs"][k]["values"])).max()
                    for ia, ib in zip(a["images"], b["images"]))
            print(f"  {oa['layer']:24s} max |d| {d:.2e}  ({d / OUTPUT_TOLERANCE:.1%} of the tolerance)")
        if "top5" in a["images"][0]:
            same = all(ia["top5"] == ib["top5"] for ia, ib in zip(a["images"], b["images"]))
            print(f"  top-5 {'identical' if same else 'DIFFER'}")
        print(f"  {'layer':24s} {'max |d| stat':>12s} {'of tol':>7s} {'sum rel':>9s}")
        for k, sa0 in enumerate(a["images"][0]["stats"]):
            worst, ratio, sum_rel = 0.0, 0.0, 0.0
            for ia, ib in zip(a["images"], b["images"]):
                sa, sb = ia["stats"][k], ib["stats"][k]
                pairs = [(sa[q], sb[q]) for q in ("mean", "std", "min", "max")]
                pairs += list(zip(sa["samples"], sb["samples"]))
                for ka, kb in pairs:
                    worst = max(worst, abs(ka - kb))
                    ratio = max(ratio, abs(ka - kb) / (STAT_ATOL + STAT_RTOL * abs(ka)))
                sum_rel = max(sum_rel, abs(sa["sum"] - sb["sum"]) / max(sa["sum_abs"], 1e-30))
            print(f"  {sa0['layer']:24s} {worst:12.2e} {ratio:7.1%} {sum_rel:9.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: beside this script)")
    parser.add_argument("--float64", action="store_true", help="run Keras in float64 (noise measurement only)")
    parser.add_argument("--compare", metavar="DIR", help="compare the committed fixtures with another run's")
    parser.add_argument("--class-index", type=Path, metavar="JSON",
                        help="imagenet_class_index.json for decode_predictions when Keras' cache "
                             "(~/.keras/models) has none and there is no network; its MD5 is checked")
    args = parser.parse_args()
    if args.compare:
        compare(args.compare)
        return

    import keras
    import tensorflow as tf
    import PIL

    tf.get_logger().setLevel("ERROR")  # retracing notices: one model per configuration is intended
    if args.float64:
        keras.config.set_floatx("float64")
    if args.class_index:
        use_class_index(args.class_index)
    args.out.mkdir(parents=True, exist_ok=True)
    ensure_png_input()
    versions = {
        "tensorflow": tf.__version__, "keras": keras.__version__, "pillow": PIL.__version__,
        "numpy": np.__version__, "python": sys.version.split()[0],
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (default)"),
        "floatx": keras.config.floatx(),
    }
    print(json.dumps(versions))

    inception_layers = None
    for config in CONFIGURATIONS:
        model, outputs = run_configuration(keras, config, args.out, versions)
        if config["include_top"]:
            inception_layers = weighted_layers(model)
            print(f"{config['file']}: {len(model.layers)} layers, {model.count_params()} parameters")
            print_activation_table(outputs, config["stats_layers"])
            p = outputs["predictions"]
            for path, row in zip(IMAGES, p):
                order = np.argsort(-row, kind="stable")[:6]
                print(f"  {Path(path).name:18s} top-6 {order.tolist()} p {[round(float(v), 4) for v in row[order]]}"
                      f" logit std {np.log(row).std():.2f}")
            top_avg = outputs["avg_pool"]
            gaps = [-np.diff(np.sort(row)[::-1][:6]).min() for row in p]
            assert min(gaps) > 1e-3, f"top-6 probabilities closer than 1e-3 ({min(gaps)}): top-5 not well posed"
        elif config["pooling"] == "avg":
            d = np.abs(outputs["global_average_pooling2d"] - top_avg).max()
            print(f"{config['file']}: max |no-top avg - top avg_pool| = {d:.3e}")
        else:
            print(f"{config['file']}: {len(model.layers)} layers")
            print_activation_table(outputs, ["mixed0", "mixed5", "mixed10", "global_max_pooling2d"])
    formula_checks(args.out, inception_layers)
    for f in sorted(args.out.rglob("*.json")) + sorted(args.out.rglob("*.png")):
        print(f"{f.stat().st_size:9d}  {f.relative_to(args.out)}")


if __name__ == "__main__":
    main()
