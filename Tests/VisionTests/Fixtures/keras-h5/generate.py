#!/usr/bin/env python3
"""Writes the small Keras weights fixtures read by Tests/VisionTests/Weights*Tests.swift.

Run by hand (CI never runs it; it only reads the committed files):

    python3 -m venv venv
    venv/bin/pip install tensorflow-cpu==2.21.0 keras==3.15.1 tf-keras==2.21.0 h5py==3.14.0 numpy
    venv/bin/python generate.py            # writes beside this script

The model is tiny but uses InceptionV3's weighted layer kinds: Conv2D without
bias, BatchNormalization(scale=False, epsilon=1e-3), Dense. Every weight is
set from `value()` below, so expected.json holds the numbers every file must
give back, with the layer names, classes and shapes Keras itself reports.

Who writes what (the oracle for each layout is Keras' own saving code):
  legacy-tfkeras.h5            tf_keras 2.21 (Keras 2) model.save_weights
  full-model-tfkeras.h5        tf_keras 2.21 model.save (weights under model_weights)
  legacy-keras3.h5             Keras 3.15 legacy_h5_format.save_weights_to_hdf5_group
  keras3.weights.h5            Keras 3.15 model.save_weights
  keras3-nested.weights.h5     Keras 3.15, the model nested in a Sequential with a Dense head
  legacy-official-names.h5     h5py, as Keras 2.0-2.2 with h5py 2 stored weights (the official
                               ImageNet files): fixed-length strings, 1-based names conv2d_1, ...
  legacy-chunked.h5            h5py, layer_names split into layer_names0/1 as Keras does for
                               lists over 64 KB (forced here on a short list)
  wrong-shape.h5, keras3-wrong-shape.weights.h5      second conv 3x3 instead of 1x1 (Keras writers)
  missing-layer.h5, keras3-missing-layer.weights.h5  second batch norm left out (Keras writers)
  missing-dataset.h5           legacy-tfkeras.h5 with the dataset conv2d/conv2d/kernel:0 deleted (h5py)
  truncated.h5                 the first half of legacy-tfkeras.h5
  not-hdf5.h5                  a text file
  dtypes.h5                    h5py: float16/32/64 and int32 datasets; string attributes of
                               every kind h5py writes (fixed, variable, UTF-8, space-padded, empty)
  expected.json                the values above

kungfu-written.h5 is not written here: it is what kungfu's Swift writer produces
for this model (see verify_written.py beside this file, which checks that Keras 3
and tf_keras load it and get every value of expected.json).
"""
import json
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def value(layer_index, tensor_index, shape, positive=False):
    """Element k of tensor t of weighted layer l: a float32 in [-0.5, 0.5), or in [0.5, 1.5) for variances."""
    count = int(np.prod(shape))
    k = np.arange(count)
    if positive:
        v = 0.5 + ((k * 13 + layer_index * 7 + tensor_index) % 89) / 89.0
    else:
        v = ((k * 37 + layer_index * 11 + tensor_index * 5) % 97) / 97.0 - 0.5
    return v.astype(np.float32).reshape(shape)


KERAS_NAMES = ["input_1", "conv2d", "batch_normalization", "activation", "conv2d_1",
               "batch_normalization_1", "activation_1", "global_average_pooling2d", "dense"]
OFFICIAL_NAMES = ["input_1", "conv2d_1", "batch_normalization_1", "activation_1", "conv2d_2",
                  "batch_normalization_2", "activation_2", "global_average_pooling2d_1", "dense_1"]


def build(K, names=KERAS_NAMES, second_kernel=1, second_bn=True):
    L = K.layers
    inp = L.Input((5, 5, 3), name=names[0])
    x = L.Conv2D(4, 3, use_bias=False, name=names[1])(inp)
    x = L.BatchNormalization(scale=False, epsilon=1e-3, name=names[2])(x)
    x = L.Activation("relu", name=names[3])(x)
    x = L.Conv2D(2, second_kernel, use_bias=False, name=names[4])(x)
    if second_bn:
        x = L.BatchNormalization(scale=False, epsilon=1e-3, name=names[5])(x)
    x = L.Activation("relu", name=names[6])(x)
    x = L.GlobalAveragePooling2D(name=names[7])(x)
    x = L.Dense(3, name=names[8])(x)
    model = K.Model(inp, x)
    fill(model.layers)
    return model


def fill(layers, first_index=0):
    index = first_index
    for layer in layers:
        weights = layer.get_weights()
        if not weights:
            continue
        positive = [w.name.split("/")[-1].split(":")[0] == "moving_variance" for w in layer.weights]
        layer.set_weights([value(index, t, w.shape, positive[t]) for t, w in enumerate(weights)])
        index += 1


def describe(model):
    layers = []
    for layer in model.layers:
        if not layer.weights:
            continue
        layers.append({
            "name": layer.name,
            "class": type(layer).__name__,
            "weights": [{"name": w.name.split("/")[-1].split(":")[0], "shape": list(w.shape),
                         "values": [float(v) for v in np.asarray(w).ravel()]} for w in layer.weights],
        })
    return layers


def write_like_old_keras(path, model, layer_names, chunked=False):
    """The legacy layout as Keras 2.0-2.2 wrote it through h5py 2: NumPy `S` arrays (fixed-length strings)."""
    with h5py.File(path, "w") as f:
        names = np.array([n.encode("utf8") for n in layer_names])
        if chunked:
            f.attrs["layer_names0"] = names[:5]
            f.attrs["layer_names1"] = names[5:]
        else:
            f.attrs["layer_names"] = names
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.2"
        for layer, name in zip(model.layers, layer_names):
            g = f.create_group(name)
            weight_names = [f"{name}/{w.name.split('/')[-1].split(':')[0]}:0".encode("utf8") for w in layer.weights]
            g.attrs["weight_names"] = np.array(weight_names) if weight_names else np.array([])
            for weight_name, w in zip(weight_names, layer.weights):
                g.create_dataset(weight_name.decode(), data=np.asarray(w))


def write_dtypes(path):
    with h5py.File(path, "w") as f:
        f["half"] = np.array([0.5, -1.25, 3.0, 65504.0], dtype=np.float16)
        f["single"] = np.array([[0.1, -2.5], [1e-7, 3.25]], dtype=np.float32)
        f["double"] = np.array([0.1, -1.0 / 3.0, 1e10], dtype=np.float64)
        f["integer"] = np.array([1, 2, 3], dtype=np.int32)
        f["scalar"] = np.float32(7.5)
        g = f.create_group("strings")
        g.attrs["variable_array"] = ["conv2d", "batch_normalization"]
        g.attrs["fixed_array"] = np.array([b"conv2d_1", b"dense_1"])
        g.attrs["variable_scalar"] = "tensorflow"
        g.attrs["fixed_scalar"] = np.bytes_(b"2.1.2")
        g.attrs["utf8_array"] = ["caf\u00e9", "\u732b"]
        g.attrs["empty"] = np.array([])
        g.attrs["number"] = np.array([1.5, 2.5])
        space_padded = h5py.h5t.C_S1.copy()
        space_padded.set_size(6)
        space_padded.set_strpad(h5py.h5t.STR_SPACEPAD)
        attribute = h5py.h5a.create(g.id, b"space_padded", space_padded, h5py.h5s.create_simple((2,)))
        attribute.write(np.array([b"ab    ", b"cdef  "], dtype="S6"))


def main():
    import keras
    import tf_keras
    from keras.src.legacy.saving import legacy_h5_format

    out = lambda name: os.path.join(HERE, name)

    k3 = build(keras)
    k3.save_weights(out("keras3.weights.h5"))
    with h5py.File(out("legacy-keras3.h5"), "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, k3)
    build(keras, second_kernel=3).save_weights(out("keras3-wrong-shape.weights.h5"))
    build(keras, second_bn=False).save_weights(out("keras3-missing-layer.weights.h5"))

    inner = build(keras)
    nested = keras.Sequential([inner, keras.layers.Dense(2, name="head")])
    nested.build((None, 5, 5, 3))
    fill([nested.layers[-1]], first_index=5)
    nested.save_weights(out("keras3-nested.weights.h5"))

    k2 = build(tf_keras)
    k2.save_weights(out("legacy-tfkeras.h5"))
    k2.save(out("full-model-tfkeras.h5"), include_optimizer=False)
    build(tf_keras, second_kernel=3).save_weights(out("wrong-shape.h5"))
    build(tf_keras, second_bn=False).save_weights(out("missing-layer.h5"))

    official = build(keras, names=OFFICIAL_NAMES)
    write_like_old_keras(out("legacy-official-names.h5"), official, OFFICIAL_NAMES)
    write_like_old_keras(out("legacy-chunked.h5"), official, OFFICIAL_NAMES, chunked=True)

    shutil.copy(out("legacy-tfkeras.h5"), out("missing-dataset.h5"))
    with h5py.File(out("missing-dataset.h5"), "a") as f:
        del f["conv2d/conv2d/kernel:0"]

    size = os.path.getsize(out("legacy-tfkeras.h5"))
    with open(out("legacy-tfkeras.h5"), "rb") as src, open(out("truncated.h5"), "wb") as dst:
        dst.write(src.read(size // 2))
    with open(out("not-hdf5.h5"), "w") as f:
        f.write("This is a text file, not HDF5.\n")
    write_dtypes(out("dtypes.h5"))

    head = nested.layers[-1]
    expected = {
        "generator": "generate.py (Keras %s, tf_keras %s, h5py %s)" % (keras.__version__, tf_keras.__version__,
                                                                       h5py.__version__),
        "model": describe(k3),
        "official_names": describe(official),
        "nested_head": describe(keras.Sequential([head]))[0],
        "wrong_shape_second_conv": describe(build(keras, second_kernel=3))[3],
        "dtypes": {
            "half": [0.5, -1.25, 3.0, 65504.0],
            "single": [float(v) for v in np.array([0.1, -2.5, 1e-7, 3.25], dtype=np.float32)],
            "double": [float(np.float32(v)) for v in [0.1, -1.0 / 3.0, 1e10]],
        },
    }
    with open(out("expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
