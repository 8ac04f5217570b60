"""Shared code for make_keras_fixtures.py and check_graft_files.py.

Builds the small Keras models the fixtures are made from, sets their weights from a
seeded RNG, and writes the legacy HDF5 layouts that no installed Keras can write any
more (Keras 1, Keras 2) with h5py, following the writers in keras-team/keras
(keras/src/legacy/saving/legacy_h5_format.py and the Keras 1/2 code it came from).
See /work/shared/notes/keras-weight-files.md for the layouts.
"""

from __future__ import annotations

import json
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402

# What a Keras 2 writer would have stamped into the files it writes. 2.15.0 is the
# last tf.keras 2 release (h5py 3 era, writes top_level_model_weights); 2.2.4 is the
# standalone Keras of the h5py 2 era (fixed-length strings everywhere).
KERAS2_VERSION = "2.15.0"
KERAS2_OLD_VERSION = "2.2.4"
BACKEND = "tensorflow"

VGG_FILTERS = (4, 8, 8, 16, 16)
VGG19_CONVS = (2, 2, 4, 4, 4)
VGG16_CONVS = (2, 2, 3, 3, 3)

# Model keys: "<model>.<variant>" or just "<model>" when there is one variant.
MODEL_KEYS = ("vgg19_tiny.notop", "vgg19_tiny.top", "vgg16_tiny.notop", "mixed")

# One seed per weight family, so vgg19_tiny.notop and .top share the base weights.
SEED_VGG19_BASE = 1901
SEED_VGG19_TOP = 1902
SEED_VGG16_BASE = 1601
SEED_MIXED = 7
SEED_INPUT_VGG = 32
SEED_INPUT_MIXED = 8


def split_key(key: str) -> tuple[str, str | None]:
    model, _, variant = key.partition(".")
    return model, (variant or None)


# --------------------------------------------------------------------------- models


def build_vgg(convs: tuple[int, ...], top: bool, name: str) -> keras.Model:
    """keras.applications VGG16/VGG19 with the same layer names, but narrow and 32x32."""
    img_input = keras.Input(shape=(32, 32, 3), name="input_layer")
    x = img_input
    for b, (n, filters) in enumerate(zip(convs, VGG_FILTERS), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(
                filters, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}"
            )(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    if top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(16, activation="relu", name="fc1")(x)
        x = layers.Dense(16, activation="relu", name="fc2")(x)
        x = layers.Dense(5, activation="softmax", name="predictions")(x)
    return keras.Model(img_input, x, name=name)


def build_mixed() -> keras.Sequential:
    return keras.Sequential(
        [
            keras.Input(shape=(8, 8, 3)),
            layers.Conv2D(6, 3, padding="same", activation="relu", name="conv_a"),
            layers.BatchNormalization(name="bn"),
            layers.MaxPooling2D(2, name="pool"),
            layers.Conv2D(4, 3, padding="valid", name="conv_b"),
            layers.Flatten(name="flatten"),
            layers.Dense(7, activation="relu", name="dense_a"),
            layers.Dense(3, activation="softmax", name="dense_out"),
        ],
        name="mixed",
    )


def build_model(key: str) -> keras.Model:
    """A fresh model for `key` with the fixture weights set. Clears the Keras session
    first so that automatic names (used by the .weights.h5 layout) are reproducible."""
    keras.backend.clear_session()
    if key == "vgg19_tiny.notop":
        model = build_vgg(VGG19_CONVS, top=False, name="vgg19")
        set_weights(model, [SEED_VGG19_BASE])
    elif key == "vgg19_tiny.top":
        model = build_vgg(VGG19_CONVS, top=True, name="vgg19")
        set_weights(model, [SEED_VGG19_BASE, SEED_VGG19_TOP], split_at="flatten")
    elif key == "vgg16_tiny.notop":
        model = build_vgg(VGG16_CONVS, top=False, name="vgg16")
        set_weights(model, [SEED_VGG16_BASE])
    elif key == "mixed":
        model = build_mixed()
        set_weights(model, [SEED_MIXED])
    else:
        raise ValueError(f"unknown model key {key!r}; expected one of {MODEL_KEYS}")
    return model


def build_untrained(key: str) -> keras.Model:
    """Same architecture, Keras' own random initial weights (for load checks)."""
    keras.backend.clear_session()
    if key == "vgg19_tiny.notop":
        return build_vgg(VGG19_CONVS, top=False, name="vgg19")
    if key == "vgg19_tiny.top":
        return build_vgg(VGG19_CONVS, top=True, name="vgg19")
    if key == "vgg16_tiny.notop":
        return build_vgg(VGG16_CONVS, top=False, name="vgg16")
    if key == "mixed":
        return build_mixed()
    raise ValueError(f"unknown model key {key!r}; expected one of {MODEL_KEYS}")


def make_input(key: str) -> np.ndarray:
    model, _ = split_key(key)
    if model in ("vgg19_tiny", "vgg16_tiny"):
        rng = np.random.default_rng(SEED_INPUT_VGG)
        return rng.uniform(0.0, 255.0, size=(2, 32, 32, 3)).astype(np.float32)
    rng = np.random.default_rng(SEED_INPUT_MIXED)
    return rng.normal(size=(2, 8, 8, 3)).astype(np.float32)


def input_name(key: str) -> str:
    """File stem of the golden input: the VGG models share one input."""
    model, _ = split_key(key)
    return "vgg_tiny" if model in ("vgg19_tiny", "vgg16_tiny") else model


def _value_for(var_name: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if var_name in ("kernel", "pointwise_kernel"):
        v = rng.normal(size=shape) * 0.1
    elif var_name == "depthwise_kernel":  # 9 taps per channel: larger, or the signal fades
        v = rng.normal(size=shape) * 0.3
    elif var_name == "bias":
        v = rng.uniform(-0.05, 0.05, size=shape)
    elif var_name == "gamma":
        v = rng.uniform(0.8, 1.2, size=shape)
    elif var_name == "beta":
        v = rng.normal(size=shape) * 0.1
    elif var_name == "moving_mean":
        v = rng.normal(size=shape) * 0.1
    elif var_name == "moving_variance":
        v = rng.uniform(0.5, 1.5, size=shape)
    elif var_name == "mean":  # Normalization's adapted statistics, on the 0-1 pixel scale
        v = rng.uniform(0.3, 0.6, size=shape)
    elif var_name == "variance":
        v = rng.uniform(0.04, 0.08, size=shape)
    elif var_name == "count":
        return np.asarray(1000, dtype=np.int64)
    else:
        raise ValueError(f"no fixture rule for variable {var_name!r}")
    return v.astype(np.float32)


def set_weights(model: keras.Model, seeds: list[int], split_at: str | None = None) -> None:
    """Layers before `split_at` draw from seeds[0], the rest from seeds[1], in model
    order, each weight in saved (trainable, then non-trainable) order."""
    rng = np.random.default_rng(seeds[0])
    for layer in model.layers:
        if split_at is not None and layer.name == split_at:
            rng = np.random.default_rng(seeds[1])
        for w in legacy_weights(layer):
            w.assign(_value_for(w.name, tuple(w.shape), rng))
        # Normalization computes from its statistics once, in finalize_state (which adapt and
        # load_weights call, assign does not): without this it would go on with the old ones.
        if hasattr(layer, "finalize_state"):
            layer.finalize_state()


def legacy_weights(layer) -> list:
    """The order every Keras HDF5 writer uses (keras legacy_h5_format._legacy_weights)."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


# ----------------------------------------------------- per-layer names in old layouts


def keras2_layer_names(model: keras.Model) -> list[str]:
    """model.layers as Keras 2 named them: the functional InputLayer was `input_1`
    (Keras 3 says `input_layer`); a Sequential lists no InputLayer in either."""
    return ["input_1" if layer.name == "input_layer" else layer.name for layer in model.layers]


KERAS1_SUFFIX = {
    "kernel": "W",
    "bias": "b",
    "gamma": "gamma",
    "beta": "beta",
    "moving_mean": "running_mean",
    "moving_variance": "running_std",
}


def layer_weight_spec(model: keras.Model, style: str, prefix_suffix: str = "") -> list[dict]:
    """[{group, weight_names, values}] per model layer, in model order.

    style "keras1": `<layer>_W_1:0` (dataset directly in the layer group);
    style "keras2": `<layer>/kernel:0` (nested group). prefix_suffix makes the weight
    prefix differ from the group name (`conv_a_1/kernel:0` in group `conv_a`).
    """
    out = []
    for layer, group in zip(model.layers, keras2_layer_names(model)):
        names, values = [], []
        for w in legacy_weights(layer):
            if style == "keras1":
                names.append(f"{group}_{KERAS1_SUFFIX[w.name]}_1:0")
            elif style == "keras2":
                names.append(f"{group}{prefix_suffix}/{w.name}:0")
            else:
                raise ValueError(style)
            values.append(np.asarray(w.numpy(), dtype=np.float32))
        out.append({"group": group, "weight_names": names, "values": values})
    return out


# ------------------------------------------------------------ legacy HDF5 writers


def _fixed(strings: list[str]) -> np.ndarray:
    """h5py 2 behaviour for a list of bytes: numpy `S<max>` -> fixed-length, NULLPAD.
    The longest name fills the width and has no terminator."""
    return np.array([s.encode("utf8") for s in strings])


def _write_names(group: h5py.Group, name: str, strings: list[str], strings_mode: str) -> None:
    if not strings:
        group.attrs[name] = []  # empty float64 array of shape (0,), as Keras does
    elif strings_mode == "vlen":
        # h5py 3 stores a list of bytes as a vlen ASCII string array.
        group.attrs[name] = [s.encode("utf8") for s in strings]
    elif strings_mode == "vlen_utf8":
        # what h5wasm writes (and h5py 3 for a list of str)
        group.attrs[name] = list(strings)
    elif strings_mode == "fixed":
        group.attrs[name] = _fixed(strings)
    else:
        raise ValueError(strings_mode)


def _write_datasets(group: h5py.Group, names: list[str], values: list[np.ndarray]) -> None:
    for n, v in zip(names, values):
        # create_dataset(name, shape, dtype) then fill: contiguous <f4, like Keras.
        ds = group.create_dataset(n, v.shape, dtype="<f4")
        ds[...] = v


def write_keras1(f: h5py.Group, spec: list[dict]) -> None:
    """Mimic of the official VGG files: root @layer_names only, groups in model order,
    datasets directly in the layer group, all strings fixed-length NULLPAD."""
    f.attrs["layer_names"] = _fixed([s["group"] for s in spec])
    for s in spec:
        g = f.create_group(s["group"])
        _write_names(g, "weight_names", s["weight_names"], "fixed")
        _write_datasets(g, s["weight_names"], s["values"])


def write_keras2_weights(
    f: h5py.Group,
    spec: list[dict],
    *,
    keras_version: str = KERAS2_VERSION,
    strings_mode: str = "vlen",
    chunks: int = 1,
    top_level: bool = True,
) -> None:
    """tf.keras save_weights_to_hdf5_group. strings_mode "vlen" is what h5py 3 writes
    (TF >= 2.5), "fixed" what h5py 2 wrote, "vlen_utf8" what h5wasm writes. chunks > 1 forces the `layer_names0..`
    split that Keras uses above HDF5_OBJECT_HEADER_LIMIT (64512 bytes)."""
    names = [s["group"] for s in spec]
    if chunks > 1:
        # save_attributes_to_hdf5_group: np.array_split of the `S` array -> fixed length
        # chunks, even under h5py 3.
        for i, chunk in enumerate(np.array_split(_fixed(names), chunks)):
            f.attrs[f"layer_names{i}"] = chunk
    else:
        _write_names(f, "layer_names", names, strings_mode)
    if strings_mode == "fixed":
        f.attrs["backend"] = np.bytes_(BACKEND.encode("utf8"))
        f.attrs["keras_version"] = np.bytes_(keras_version.encode("utf8"))
    elif strings_mode == "vlen_utf8":
        f.attrs["backend"] = BACKEND
        f.attrs["keras_version"] = keras_version
    else:
        f.attrs["backend"] = BACKEND.encode("utf8")
        f.attrs["keras_version"] = keras_version.encode("utf8")
    for s in sorted(spec, key=lambda s: s["group"]):
        g = f.create_group(s["group"])
        _write_names(g, "weight_names", s["weight_names"], strings_mode)
        _write_datasets(g, s["weight_names"], s["values"])
    if top_level:
        g = f.create_group("top_level_model_weights")
        _write_names(g, "weight_names", [], strings_mode)


def write_keras2_full(f: h5py.File, spec: list[dict], model_config: dict) -> None:
    """tf.keras save_model_to_hdf5 of an uncompiled model: model_metadata goes to the
    root (str -> vlen UTF-8, the JSON as bytes -> vlen ASCII), then /model_weights."""
    f.attrs["keras_version"] = KERAS2_VERSION
    f.attrs["backend"] = BACKEND
    f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
    write_keras2_weights(f.create_group("model_weights"), spec)


def _snake_case(name: str) -> str:
    # keras.src.utils.naming.to_snake_case
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def keras3_container_paths(model: keras.Model) -> list[str]:
    """`layers/<snake_case(class)>[_N]` per model.layers entry, as Keras 3's
    saving_lib._save_container_state names them (a counter per class name)."""
    seen: dict[str, int] = {}
    out = []
    for layer in model.layers:
        base = _snake_case(layer.__class__.__name__)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(f"layers/{base}" if n == 0 else f"layers/{base}_{n}")
    return out


def write_keras3_weights_mimic(f: h5py.File, model: keras.Model, values=None) -> None:
    """Keras 3 .weights.h5 written by hand (only used to test check_graft_files.py)."""
    root_vars = f.create_group("vars")
    root_vars.attrs["name"] = model.name
    for k, (layer, path) in enumerate(zip(model.layers, keras3_container_paths(model))):
        g = f.create_group(f"{path}/vars")
        g.attrs["name"] = layer.name
        ws = legacy_weights(layer) if values is None else values[k]
        for i, w in enumerate(ws):
            v = np.asarray(w if values is not None else w.numpy(), dtype=np.float32)
            ds = g.create_dataset(str(i), v.shape, dtype="<f4")
            ds[...] = v


# ------------------------------------------------- Keras 2.15-style model_config


def _k2_init(class_name: str, config: dict) -> dict:
    return {
        "module": "keras.initializers",
        "class_name": class_name,
        "config": config,
        "registered_name": None,
    }


def _k2_layer_config(layer, name: str) -> dict:
    """get_config() of the tf.keras 2.15 layer equivalent to this Keras 3 layer."""
    cls = layer.__class__.__name__
    c = layer.get_config()
    base = {"name": name, "trainable": True, "dtype": "float32"}
    none5 = {
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    if cls == "Conv2D":
        return {
            **base,
            "filters": c["filters"],
            "kernel_size": list(c["kernel_size"]),
            "strides": list(c["strides"]),
            "padding": c["padding"],
            "data_format": "channels_last",
            "dilation_rate": list(c["dilation_rate"]),
            "groups": 1,
            "activation": c["activation"],
            "use_bias": c["use_bias"],
            "kernel_initializer": _k2_init("GlorotUniform", {"seed": None}),
            "bias_initializer": _k2_init("Zeros", {}),
            **none5,
        }
    if cls == "Dense":
        return {
            **base,
            "units": c["units"],
            "activation": c["activation"],
            "use_bias": c["use_bias"],
            "kernel_initializer": _k2_init("GlorotUniform", {"seed": None}),
            "bias_initializer": _k2_init("Zeros", {}),
            **none5,
        }
    if cls == "MaxPooling2D":
        return {
            **base,
            "pool_size": list(c["pool_size"]),
            "padding": c["padding"],
            "strides": list(c["strides"]),
            "data_format": "channels_last",
        }
    if cls == "Flatten":
        return {**base, "data_format": "channels_last"}
    if cls == "BatchNormalization":
        return {
            **base,
            "axis": [3],  # tf.keras 2 normalises axis to a list of positive ints in build()
            "momentum": c["momentum"],
            "epsilon": c["epsilon"],
            "center": c["center"],
            "scale": c["scale"],
            "beta_initializer": _k2_init("Zeros", {}),
            "gamma_initializer": _k2_init("Ones", {}),
            "moving_mean_initializer": _k2_init("Zeros", {}),
            "moving_variance_initializer": _k2_init("Ones", {}),
            "beta_regularizer": None,
            "gamma_regularizer": None,
            "beta_constraint": None,
            "gamma_constraint": None,
        }
    raise ValueError(f"no Keras 2 config rule for {cls}")


def keras2_model_config(model: keras.Model) -> dict:
    """The model_config a tf.keras 2.15 `model.save('x.h5')` would write for this model.
    Constructed (tf_keras is not installable here): format taken from real Keras 2
    configs (`batch_input_shape`, nested-list `inbound_nodes`, initializers with
    module/registered_name as in 2.13+)."""
    batch_shape = [None, *model.input_shape[1:]]
    if isinstance(model, keras.Sequential):
        first = model.layers[0].name
        entries = [
            {
                "class_name": "InputLayer",
                "config": {
                    "batch_input_shape": batch_shape,
                    "dtype": "float32",
                    "sparse": False,
                    "ragged": False,
                    "name": f"{first}_input",
                },
            }
        ]
        for k, layer in enumerate(model.layers):
            cfg = _k2_layer_config(layer, layer.name)
            if k == 0:
                cfg = {**{x: cfg[x] for x in ("name", "trainable", "dtype")},
                       "batch_input_shape": batch_shape, **cfg}
            entries.append({"class_name": layer.__class__.__name__, "config": cfg})
        return {"class_name": "Sequential", "config": {"name": model.name, "layers": entries}}

    names = keras2_layer_names(model)
    entries = []
    prev = None
    for layer, name in zip(model.layers, names):
        if layer.__class__.__name__ == "InputLayer":
            entries.append(
                {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": batch_shape,
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": name,
                    },
                    "name": name,
                    "inbound_nodes": [],
                }
            )
        else:
            entries.append(
                {
                    "class_name": layer.__class__.__name__,
                    "config": _k2_layer_config(layer, name),
                    "name": name,
                    "inbound_nodes": [[[prev, 0, 0, {}]]],
                }
            )
        prev = name
    return {
        "class_name": "Functional",
        "config": {
            "name": model.name,
            "trainable": True,
            "layers": entries,
            "input_layers": [[names[0], 0, 0]],
            "output_layers": [[names[-1], 0, 0]],
        },
    }


# -------------------------------------------------------------------- comparison


def compare(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    """(max_abs_err, rel_err) with rel_err = max|got - want| / max|want|."""
    if got.shape != want.shape:
        raise ValueError(f"output shape {list(got.shape)} != golden {list(want.shape)}")
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = float(np.abs(want).max()) if want.size else 0.0
    return max_abs, max_abs / max(scale, 1e-30)
