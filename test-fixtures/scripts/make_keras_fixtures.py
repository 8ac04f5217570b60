"""Writes test-fixtures/keras/: small Keras models saved in every weight-file layout,
with Keras' own outputs for a fixed input, so that TypeScript tests can check that
graft loads each file and reproduces Keras (no Python needed at test time).

    python3 test-fixtures/scripts/make_keras_fixtures.py

Deterministic: weights and inputs come from seeded numpy RNGs, and the few things Keras
stamps with the clock or with memory addresses (.keras zip) are normalised. It deletes
and rewrites test-fixtures/keras/ completely. See test-fixtures/README.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sys
import warnings
import zipfile
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras_fixture_lib as lib  # noqa: E402
from keras_fixture_lib import h5py, keras, np  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "keras"
SUMMARY_LINE_LENGTH = 98
TOLERANCE = 1e-5

# layout -> (file extension, who writes it, description)
LAYOUTS = {
    "keras1": (
        ".h5",
        "h5py-mimic",
        "Keras 1 save_weights, like the official VGG files: root @layer_names only "
        "(fixed-length NULLPAD), datasets `<layer>_W_1:0` directly in the layer group.",
    ),
    "keras2_weights": (
        ".h5",
        "h5py-mimic",
        f"tf.keras {lib.KERAS2_VERSION} save_weights: root @layer_names/@backend/@keras_version "
        "(vlen ASCII, as h5py 3 writes bytes), datasets at `<layer>/<layer>/kernel:0`, "
        "plus an empty top_level_model_weights group.",
    ),
    "keras2_weights_fixedlen": (
        ".h5",
        "h5py-mimic",
        f"Keras {lib.KERAS2_OLD_VERSION} save_weights under h5py 2: every string attribute "
        "fixed-length NULLPAD (the longest name fills its width, no terminator), "
        "no top_level_model_weights.",
    ),
    "keras2_weights_prefix": (
        ".h5",
        "h5py-mimic",
        "keras2_weights, but the weight-name prefix differs from the group name: group "
        "`conv_a` holds `conv_a_1/kernel:0` at `conv_a/conv_a_1/kernel:0`.",
    ),
    "keras2_weights_chunked": (
        ".h5",
        "h5py-mimic",
        "keras2_weights, but @layer_names split into @layer_names0..2 (fixed-length "
        "NULLPAD chunks), as Keras does above 64512 bytes; forced here.",
    ),
    "keras2_full": (
        ".h5",
        "h5py-mimic",
        f"tf.keras {lib.KERAS2_VERSION} model.save('x.h5'): root @keras_version/@backend "
        "(vlen UTF-8), @model_config (vlen ASCII JSON, constructed in Keras 2.15 format), "
        "weights under /model_weights in the keras2_weights layout.",
    ),
    "keras3_legacy": (
        ".h5",
        "keras",
        "Keras 3 model.save('x.h5') (legacy HDF5): weight names are variable paths "
        "without `:0`.",
    ),
    "keras3_weights": (
        ".weights.h5",
        "keras",
        "Keras 3 model.save_weights('x.weights.h5'): layers/<snake_case class>[_N]/vars/<i>.",
    ),
    "keras3": (
        ".keras",
        "keras",
        "Keras 3 model.save('x.keras'): zip (STORED) of metadata.json, config.json, "
        "model.weights.h5; clock and memory-address fields normalised.",
    ),
}

ALL_LAYOUTS = tuple(LAYOUTS)
LAYOUTS_FOR = {
    "vgg19_tiny.notop": (
        "keras1",
        "keras2_weights",
        "keras2_full",
        "keras3_legacy",
        "keras3_weights",
        "keras3",
    ),
    # keras2_weights is left out here to keep the folder small: vgg19_tiny.notop and
    # mixed cover that layout and its variants.
    "vgg19_tiny.top": ("keras1", "keras3_weights", "keras3"),
    "vgg16_tiny.notop": ("keras1", "keras3_weights", "keras3"),
    "mixed": ALL_LAYOUTS,
}

CONFIG_KEYS = {
    "InputLayer": ("batch_shape",),
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation", "use_bias"),
    "Dense": ("units", "activation", "use_bias"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "Flatten": ("data_format",),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale"),
}

SUMMARIES = {
    "vgg19_notop_256": (
        "keras.applications.VGG19(weights=None, include_top=False, input_shape=(256, 256, 3))",
        lambda: keras.applications.VGG19(
            weights=None, include_top=False, input_shape=(256, 256, 3)
        ),
        0,
    ),
    "vgg16_notop_224": (
        "keras.applications.VGG16(weights=None, include_top=False, input_shape=(224, 224, 3))",
        lambda: keras.applications.VGG16(
            weights=None, include_top=False, input_shape=(224, 224, 3)
        ),
        0,
    ),
    "vgg19_top_224": (
        "keras.applications.VGG19(weights=None, include_top=True)",
        lambda: keras.applications.VGG19(weights=None, include_top=True),
        0,
    ),
    "vgg19_notop_256_frozen5": (
        "keras.applications.VGG19(weights=None, include_top=False, input_shape=(256, 256, 3)); "
        "for layer in model.layers[:5]: layer.trainable = False",
        lambda: keras.applications.VGG19(
            weights=None, include_top=False, input_shape=(256, 256, 3)
        ),
        5,
    ),
}


# ------------------------------------------------------------------ helpers

JSON_WIDTH = 100


def _has_dict(v) -> bool:
    if isinstance(v, dict):
        return True
    return isinstance(v, list) and any(_has_dict(x) for x in v)


def dump_json(v, indent: int = 0, prefix_len: int = 0) -> str:
    """JSON laid out the way the repo's formatter (biome, lineWidth 100) leaves it:
    objects one key per line, arrays on one line when they hold no object and fit."""
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = []
        for k, x in v.items():
            key = json.dumps(k) + ": "
            items.append(f"{pad}  {key}{dump_json(x, indent + 2, indent + 2 + len(key))}")
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        if not _has_dict(v):
            flat = "[" + ", ".join(dump_json(x) for x in v) + "]"
            if prefix_len + len(flat) + 1 <= JSON_WIDTH:
                return flat
        items = [f"{pad}  {dump_json(x, indent + 2, indent + 2)}" for x in v]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(v, float):
        # biome writes exponents as 1e-5, not Python's 1e-05
        return re.sub(r"e([+-]?)0*(\d)", lambda m: "e" + m.group(1).lstrip("+") + m.group(2),
                      json.dumps(v))  # fmt: skip
    return json.dumps(v)



def jsonable(v):
    if isinstance(v, (tuple, list)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        return v.item()
    return v


def save_npy(rel: str, arr: np.ndarray) -> str:
    path = OUT / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, np.ascontiguousarray(arr, dtype=np.float32), allow_pickle=False)
    return rel


def decode(v):
    if isinstance(v, bytes):
        return v.decode("utf8")
    if isinstance(v, np.ndarray):
        return [decode(x) for x in v.tolist()]
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


STRPAD = {0: "nullterm", 1: "nullpad", 2: "spacepad"}


def attr_info(obj, name: str) -> dict:
    """How one HDF5 attribute is stored, so the TS reader knows what to expect."""
    aid = obj.attrs.get_id(name)
    t = aid.get_type()
    shape = list(aid.shape) if aid.shape is not None else None
    if t.get_class() == h5py.h5t.STRING:
        info = {
            "type": "string",
            "vlen": bool(t.is_variable_str()),
            "cset": "utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii",
            "shape": shape,
        }
        if not info["vlen"]:
            info["size"] = t.get_size()
            info["strpad"] = STRPAD[t.get_strpad()]
        value = decode(obj.attrs[name])
        if isinstance(value, list):
            info["count"] = len(value)  # the decoded list is given beside, e.g. layer_names
        elif len(value) <= 200:
            info["value"] = value
        else:
            info["length"] = len(value)
        return info
    if t.get_class() == h5py.h5t.FLOAT:
        return {"type": f"float{t.get_size() * 8}", "shape": shape}
    return {"type": f"h5t-class-{t.get_class()}", "shape": shape}


def read_names(group, name: str) -> tuple[list[str], list[str]]:
    """(names, attribute names they came from), following Keras' chunk fallback."""
    if name in group.attrs:
        return [decode(x) for x in group.attrs[name]], [name]
    out, used, i = [], [], 0
    while f"{name}{i}" in group.attrs:
        out.extend(decode(x) for x in group.attrs[f"{name}{i}"])
        used.append(f"{name}{i}")
        i += 1
    return out, used


def describe_legacy_h5(f: h5py.File) -> dict:
    root = f if "layer_names" in f.attrs or "layer_names0" in f.attrs else f["model_weights"]
    layer_names, used = read_names(root, "layer_names")
    groups, storage, empty_storage = [], None, None
    for g in layer_names:
        wn, _ = read_names(root[g], "weight_names")
        groups.append({"group": g, "weight_names": wn})
        info = attr_info(root[g], "weight_names")
        if wn and storage is None:
            storage = info
        if not wn and empty_storage is None:
            empty_storage = info
    out = {
        "weights_group": root.name,
        "layer_names_attrs": used,
        "layer_names": layer_names,
        # root_attrs already describes them when the weights sit at the root
        "weights_group_attrs": {k: attr_info(root, k) for k in sorted(root.attrs)}
        if root.name != "/"
        else None,
        "weight_names_storage": storage,
        "empty_weight_names_storage": empty_storage,
        "groups": groups,
        "extra_groups": sorted(k for k in root.keys() if k not in layer_names),
    }
    if "model_config" in f.attrs:
        cfg = json.loads(decode(f.attrs["model_config"]))
        out["model_config_class_name"] = cfg["class_name"]
    return out


def describe_keras3_h5(f: h5py.File) -> dict:
    vars_ = []

    def visit(name, obj):
        if isinstance(obj, h5py.Group) and name.endswith("vars") and name != "vars":
            keys = sorted(obj.keys(), key=int)
            vars_.append(
                {
                    "path": name,
                    "name": decode(obj.attrs["name"]) if "name" in obj.attrs else None,
                    "count": len(keys),
                }
            )

    f.visititems(visit)
    return {
        "root_vars_name": decode(f["vars"].attrs["name"]) if "name" in f["vars"].attrs else None,
        "top_level_groups": sorted(f.keys()),
        "vars": vars_,
    }


def normalise_keras_zip(path: Path) -> list[dict]:
    """Make a .keras zip byte-reproducible: fixed zip times, fixed metadata date_saved,
    config.json's shared_object_id (an id() of a Python object) renumbered in order of
    first appearance. Entry order, names and STORED compression are kept."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    ids: dict[str, str] = {}

    def renumber(m):
        return f'"shared_object_id": {ids.setdefault(m.group(1), str(len(ids) + 1))}'

    buf = io.BytesIO()
    listing = []
    with zipfile.ZipFile(buf, "w") as z:
        for info, data in entries:
            if info.filename == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "2000-01-01@00:00:00"
                data = json.dumps(meta).encode("utf8")
            elif info.filename == "config.json":
                data = re.sub(rb'"shared_object_id": (\d+)',
                              lambda m: renumber(m).encode(), data)  # fmt: skip
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            zi.create_system = 3
            z.writestr(zi, data)
            listing.append(
                {
                    "name": info.filename,
                    "compression": "stored"
                    if info.compress_type == zipfile.ZIP_STORED
                    else f"method-{info.compress_type}",
                    "size": len(data),
                }
            )
    path.write_bytes(buf.getvalue())
    return listing


# ------------------------------------------------------------------ writers


def write_layout(key: str, layout: str, model, path: Path) -> dict:
    info: dict = {}
    if layout == "keras1":
        with h5py.File(path, "w") as f:
            lib.write_keras1(f, lib.layer_weight_spec(model, "keras1"))
    elif layout.startswith("keras2"):
        suffix = "_1" if layout == "keras2_weights_prefix" else ""
        spec = lib.layer_weight_spec(model, "keras2", prefix_suffix=suffix)
        with h5py.File(path, "w") as f:
            if layout == "keras2_full":
                lib.write_keras2_full(f, spec, lib.keras2_model_config(model))
                info["model_config_source"] = (
                    "constructed by keras_fixture_lib.keras2_model_config in tf.keras 2.15 "
                    "format (tf_keras is not installable here); checked by loading it with "
                    "Keras 3's legacy loader"
                )
            elif layout == "keras2_weights_fixedlen":
                lib.write_keras2_weights(
                    f,
                    spec,
                    keras_version=lib.KERAS2_OLD_VERSION,
                    strings_mode="fixed",
                    top_level=False,
                )
            elif layout == "keras2_weights_chunked":
                lib.write_keras2_weights(f, spec, chunks=3)
            else:
                lib.write_keras2_weights(f, spec)
    elif layout == "keras3_legacy":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "HDF5 file format is considered legacy"
            model.save(path)
        info["model_config_source"] = "Keras 3 legacy serialization (use_legacy_config=True)"
    elif layout == "keras3_weights":
        model.save_weights(path)
    elif layout == "keras3":
        model.save(path)
        info["zip_entries"] = normalise_keras_zip(path)
        info["normalised"] = (
            "zip entry times set to 1980-01-01 00:00:00, metadata.json date_saved set to "
            "2000-01-01@00:00:00, config.json shared_object_id values renumbered 1, 2, ..."
        )
    else:
        raise ValueError(layout)
    return info


def describe_file(layout: str, path: Path) -> dict:
    if layout == "keras3":
        with zipfile.ZipFile(path) as z:
            meta = json.loads(z.read("metadata.json"))
            cfg = json.loads(z.read("config.json"))
            with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
                d = describe_keras3_h5(f)
                d["root_attrs"] = {k: attr_info(f, k) for k in sorted(f.attrs)}
        d["metadata"] = meta
        d["config_class_name"] = cfg["class_name"]
        d["config_module"] = cfg.get("module")
        return d
    with h5py.File(path, "r") as f:
        d = {"root_attrs": {k: attr_info(f, k) for k in sorted(f.attrs)}}
        if layout == "keras3_weights":
            d.update(describe_keras3_h5(f))
        else:
            d.update(describe_legacy_h5(f))
    return d


def keras_reload(key: str, layout: str, path: Path, x: np.ndarray, y: np.ndarray) -> dict:
    """Load the file back with Keras 3's own loaders and compare with the golden."""
    out: dict = {}
    model = lib.build_untrained(key)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.load_weights(str(path))
    out["load_weights_max_abs_err"] = lib.compare(model.predict(x, verbose=0), y)[0]
    if layout in ("keras2_full", "keras3_legacy", "keras3"):
        keras.backend.clear_session()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loaded = keras.models.load_model(str(path), compile=False)
            out["load_model_max_abs_err"] = lib.compare(loaded.predict(x, verbose=0), y)[0]
        except Exception as e:  # recorded, not fatal: the file is still a weights file
            out["load_model_error"] = f"{type(e).__name__}: {e}"
    return out


def layer_entry(layer, keras2_group: str, vars_path: str | None) -> dict:
    cls = layer.__class__.__name__
    cfg = layer.get_config()
    weights = []
    for w in lib.legacy_weights(layer):
        v = np.asarray(w.numpy(), dtype=np.float32)
        weights.append(
            {
                "name": w.name,
                "shape": list(v.shape),
                "sum": float(v.astype(np.float64).sum()),
                "sum_abs": float(np.abs(v.astype(np.float64)).sum()),
                "first": float(v.reshape(-1)[0]),
            }
        )
    return {
        "name": layer.name,
        "class_name": cls,
        "config": {k: jsonable(cfg[k]) for k in CONFIG_KEYS[cls] if k in cfg},
        "keras2_group": keras2_group,
        "keras3_vars_path": vars_path,
        "weights": weights,
    }


def param_counts(model) -> dict:
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {
        "total": int(model.count_params()),
        "trainable": trainable,
        "non_trainable": non_trainable,
    }


def write_summaries() -> dict:
    # rich sizes its capture console from $COLUMNS (80 when not a terminal), which would
    # cut the table at 80 columns whatever line_length says.
    os.environ["COLUMNS"] = str(SUMMARY_LINE_LENGTH)
    out = {}
    for name, (expr, build, frozen) in SUMMARIES.items():
        keras.backend.clear_session()
        model = build()
        for layer in model.layers[:frozen]:
            layer.trainable = False
        lines: list[str] = []
        model.summary(line_length=SUMMARY_LINE_LENGTH, print_fn=lambda s, **_: lines.append(s))
        text = "\n".join(lines)
        text = re.sub(r"\x1b\[[0-9;]*m", "", text).rstrip() + "\n"
        rel = f"summaries/{name}.txt"
        (OUT / rel).parent.mkdir(parents=True, exist_ok=True)
        (OUT / rel).write_text(text, encoding="utf8")
        out[name] = {
            "file": rel,
            "builder": expr,
            "frozen_layers": [layer.name for layer in model.layers[:frozen]],
            "line_length": SUMMARY_LINE_LENGTH,
            **param_counts(model),
        }
        del model
    keras.backend.clear_session()
    return out


# ------------------------------------------------------------------ main


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    manifest: dict = {
        "generator": "test-fixtures/scripts/make_keras_fixtures.py",
        "versions": {
            "keras": keras.__version__,
            "tensorflow": __import__("tensorflow").__version__,
            "h5py": h5py.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
        "tf_keras_available": False,
        "keras2_mimic_versions": {"keras2": lib.KERAS2_VERSION, "keras2_old": lib.KERAS2_OLD_VERSION},
        "tolerance": {
            "rel_err": TOLERANCE,
            "rel_err_definition": "max|got - golden| / max|golden| over the whole output",
        },
        "layouts": {k: {"ext": v[0], "writer": v[1], "description": v[2]} for k, v in LAYOUTS.items()},
        "models": {},
        "files": [],
        "summaries": {},
    }
    try:
        import tf_keras  # noqa: F401

        manifest["tf_keras_available"] = True
    except ImportError:
        pass

    written_inputs: set[str] = set()
    for key in lib.MODEL_KEYS:
        model_name, variant = lib.split_key(key)
        model = lib.build_model(key)
        x = lib.make_input(key)
        in_rel = f"{lib.input_name(key)}.input.npy"
        if in_rel not in written_inputs:
            save_npy(in_rel, x)
            written_inputs.add(in_rel)
        y = model.predict(x, verbose=0)
        out_rel = save_npy(f"{key}.output.npy", y)

        goldens = {}
        if key == "vgg19_tiny.notop":
            trunc = keras.Model(model.input, model.get_layer("block2_pool").output)
            goldens["block2_pool"] = {
                "file": save_npy("vgg19_tiny.block2_pool.npy", trunc.predict(x, verbose=0)),
                "description": "model truncated at block2_pool (input -> block2_pool), same "
                "input and weights; identical for vgg19_tiny.top (shared base weights)",
            }
            pre = keras.applications.vgg19.preprocess_input(x.copy())
            goldens["preprocess_caffe"] = {
                "file": save_npy("vgg_tiny.preprocess_caffe.npy", pre),
                "description": "keras.applications.vgg19.preprocess_input(x.copy()) of the "
                "input (caffe: RGB->BGR, minus [103.939, 116.779, 123.68])",
            }

        layer_outputs: dict[str, str] = {}
        if key == "vgg19_tiny.top":
            # The softmax output is nearly flat with these small weights; the features
            # before it are a sharper check of fc1/fc2.
            probe = keras.Model(model.input, [model.get_layer(n).output for n in ("fc1", "fc2")])
            for n, o in zip(("fc1", "fc2"), probe.predict(x, verbose=0)):
                layer_outputs[n] = save_npy(f"{key}.layer_outputs/{n}.npy", o)
        if key == "mixed":
            # Every layer's output, to find where a wrong result starts.
            probe = keras.Model(model.inputs, [layer.output for layer in model.layers])
            for layer, o in zip(model.layers, probe.predict(x, verbose=0)):
                layer_outputs[layer.name] = save_npy(f"{key}.layer_outputs/{layer.name}.npy", o)

        files = []
        vars_paths: dict[str, str] = {}
        for layout in LAYOUTS_FOR[key]:
            ext, writer, _ = LAYOUTS[layout]
            rel = f"{key}.{layout}{ext}"
            path = OUT / rel
            extra = write_layout(key, layout, model, path)
            entry = {
                "path": rel,
                "key": key,
                "model": model_name,
                "variant": variant,
                "layout": layout,
                "writer": writer,
                **extra,
                **describe_file(layout, path),
            }
            entry["keras_reload"] = keras_reload(key, layout, path, x, y)
            if entry["keras_reload"]["load_weights_max_abs_err"] != 0.0:
                raise RuntimeError(f"{rel}: Keras reload differs: {entry['keras_reload']}")
            # Rebuilding for the reload cleared the session; keep using `model` only
            # for reading values, which does not depend on the session.
            entry["bytes"] = path.stat().st_size
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
            if layout == "keras3_weights":
                vars_paths = {v["name"]: v["path"] for v in entry["vars"]}
            manifest["files"].append(entry)
            files.append(rel)

        k2_names = lib.keras2_layer_names(model)
        predicted_paths = lib.keras3_container_paths(model)
        layers_out = []
        for layer, k2, p in zip(model.layers, k2_names, predicted_paths):
            actual = vars_paths.get(layer.name)
            if actual is not None and actual != f"{p}/vars":
                raise RuntimeError(f"{key}: Keras wrote {actual}, expected {p}/vars")
            layers_out.append(layer_entry(layer, k2, actual))
        manifest["models"][key] = {
            "model": model_name,
            "variant": variant,
            "keras_class": model.__class__.__name__,
            "keras_name": model.name,
            "input": in_rel,
            "input_shape": list(x.shape),
            "output": out_rel,
            "output_shape": list(y.shape),
            "goldens": goldens,
            # Keras' output of single layers for the same input (inference mode).
            "layer_outputs": layer_outputs,
            "params": param_counts(model),
            "layers": layers_out,
            "files": files,
        }

    manifest["summaries"] = write_summaries()
    (OUT / "manifest.json").write_text(dump_json(manifest) + "\n", encoding="utf8")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(manifest['files'])} model files to {OUT} ({total / 1024:.0f} KiB in all)")


if __name__ == "__main__":
    main()
