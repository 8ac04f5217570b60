"""Writes test-fixtures/applications/: what graft's builders of the keras.applications
families (ResNet, ResNetV2, ...) are checked against, made by real Keras.

    python3 test-fixtures/scripts/make_application_fixtures.py

Two kinds of file:

- architectures.json: for every full-size member (ResNet50 ... ResNet152V2), Keras'
  layers in `model.layers` order with class, output shape and weight shapes, and the
  parameter totals with and without the top. Built with weights=None, so nothing is
  downloaded; this is the contract with the official weight files.
- <key>.h5 + goldens: small networks built by Keras' own application code (the family's
  block functions, fewer and narrower blocks, a 32x32 input) with seeded random weights,
  saved in the legacy HDF5 layout the official files use, and Keras' outputs for a fixed
  input: preprocessed input, base features, probabilities in inference mode, and the
  probabilities in training mode (BatchNormalization on batch statistics), with how much
  Keras' own training-mode output moves for a 1e-6 relative change of the input.

Deterministic: weights and inputs come from seeded numpy RNGs (TensorFlow's outputs still move
in their last bits between runs). It deletes and rewrites everything in
test-fixtures/applications/ but the mobilenet*_files.json of make_mobilenet_v2_names.py.

    python3 test-fixtures/scripts/make_application_fixtures.py --only 'mobilenetv3'

rewrites only the members whose key matches the regular expression (and the weights table),
merging them into the JSON files as they are, so that adding a family leaves the others'
goldens byte for byte as they were.
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras_fixture_lib as lib  # noqa: E402
from keras_fixture_lib import h5py, keras, np  # noqa: E402
from keras.src.applications import densenet as keras_densenet  # noqa: E402
from keras.src.applications import efficientnet as keras_efficientnet  # noqa: E402
from keras.src.applications import efficientnet_v2 as keras_efficientnet_v2  # noqa: E402
from keras.src.applications import inception_resnet_v2 as keras_inception_resnet_v2  # noqa: E402
from keras.src.applications import inception_v3 as keras_inception_v3  # noqa: E402
from keras.src.applications import mobilenet_v3 as keras_mobilenet_v3  # noqa: E402
from keras.src.applications import nasnet as keras_nasnet  # noqa: E402
from keras.src.applications import resnet as keras_resnet  # noqa: E402
from keras.src.applications import xception as keras_xception  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "applications"
SEED_INPUT = 224

# name -> (constructor, preprocess module)
FULL_SIZE = {
    "resnet50": keras.applications.ResNet50,
    "resnet101": keras.applications.ResNet101,
    "resnet152": keras.applications.ResNet152,
    "resnet50v2": keras.applications.ResNet50V2,
    "resnet101v2": keras.applications.ResNet101V2,
    "resnet152v2": keras.applications.ResNet152V2,
    "mobilenetv2": keras.applications.MobileNetV2,
    # MobileNetV2's other widths and sizes, keyed as Keras names the model.
    "mobilenetv2_0.35_96": lambda **k: keras.applications.MobileNetV2(
        alpha=0.35, input_shape=(96, 96, 3), **k
    ),
    "mobilenetv2_1.40_224": lambda **k: keras.applications.MobileNetV2(alpha=1.4, **k),
    "densenet121": keras.applications.DenseNet121,
    "densenet169": keras.applications.DenseNet169,
    "densenet201": keras.applications.DenseNet201,
    "xception": keras.applications.Xception,
    "inception_v3": keras.applications.InceptionV3,
    "inception_resnet_v2": keras.applications.InceptionResNetV2,
    "nasnetmobile": keras.applications.NASNetMobile,
    # Without an input_shape Keras builds NASNetLarge's base at (None, None, 3), where its
    # cells' side comparisons see None == None and leave one adjustment out (28,896 fewer
    # parameters than at 331 px); NASNetMobile fixes 224 px itself. graft builds the
    # base at 331 px by default, so its totals are Keras' at 331.
    "nasnetlarge": lambda **k: keras.applications.NASNetLarge(
        **({} if k.get("include_top", True) else {"input_shape": (331, 331, 3)}), **k
    ),
    **{f"efficientnetb{i}": getattr(keras.applications, f"EfficientNetB{i}") for i in range(8)},
    "mobilenet": keras.applications.MobileNet,
    "mobilenet_0.25_128": lambda **k: keras.applications.MobileNet(
        alpha=0.25, input_shape=(128, 128, 3), **k
    ),
    # Keras builds these at any input size ([None, None, 3]) even with the top.
    "mobilenetv3small": keras.applications.MobileNetV3Small,
    "mobilenetv3large": keras.applications.MobileNetV3Large,
    "mobilenetv3small_minimalistic": lambda **k: keras.applications.MobileNetV3Small(
        minimalistic=True, **k
    ),
    "mobilenetv3large_0.75": lambda **k: keras.applications.MobileNetV3Large(alpha=0.75, **k),
    # Above alpha 1 the top's conv_2 widens too.
    "mobilenetv3small_1.50": lambda **k: keras.applications.MobileNetV3Small(alpha=1.5, **k),
    **{
        f"efficientnetv2{m.lower()}": getattr(keras.applications, f"EfficientNetV2{m}")
        for m in ("B0", "B1", "B2", "B3", "S", "M", "L")
    },
}

def declared_md5s(module, names) -> dict:
    """{name: [top md5, notop md5]} read from the module's own get_file calls (the file name
    and its file_hash), for the modules that have no hash table of their own."""
    source = inspect.getsource(module)
    calls = re.findall(r'get_file\(\s*"([^"]+)",.*?file_hash="([0-9a-f]{32})"', source, re.S)
    by_file = dict(calls)
    out = {}
    for name in names:
        stem = f"{name}_weights_tf_dim_ordering_tf_kernels"
        out[name] = [by_file[f"{stem}.h5"], by_file[f"{stem}_notop.h5"]]
    return out


class NarrowLayers:
    """keras.layers with every Conv2D's and SeparableConv2D's filters scaled by `scale`
    (truncated, as graft's filterScale does): lets the families that have no width option
    (Xception, InceptionV3) build a narrow member from Keras' own code."""

    def __init__(self, scale: float, keep=lambda kwargs: False):
        self.scale = scale
        self.keep = keep

    def __getattr__(self, name):
        layer = getattr(keras.layers, name)
        if name not in ("Conv2D", "SeparableConv2D"):
            return layer
        scale, keep = self.scale, self.keep

        def narrow(filters, *args, **kwargs):
            return layer(filters if keep(kwargs) else int(filters * scale), *args, **kwargs)

        return narrow


def narrow_build(module, ctor, scale: float, keep=lambda kwargs: False, **kwargs):
    """`ctor` with `module`'s Conv2D filters times `scale`, but those `keep(kwargs)` holds for."""
    saved = module.layers
    module.layers = NarrowLayers(scale, keep)
    try:
        return ctor(**kwargs)
    finally:
        module.layers = saved


def tiny_resnet(version: int):
    """keras.applications' ResNet(stack_fn, ...) with two short, narrow stacks."""
    if version == 1:

        def stack_fn(x):
            x = keras_resnet.stack_residual_blocks_v1(x, 4, 2, stride1=1, name="conv2")
            return keras_resnet.stack_residual_blocks_v1(x, 8, 2, name="conv3")

    else:

        def stack_fn(x):
            x = keras_resnet.stack_residual_blocks_v2(x, 4, 2, name="conv2")
            return keras_resnet.stack_residual_blocks_v2(x, 8, 2, stride1=1, name="conv3")

    return keras_resnet.ResNet(
        stack_fn,
        preact=version == 2,
        use_bias=True,
        include_top=True,
        weights=None,
        input_shape=(32, 32, 3),
        classes=5,
        name=f"resnet_tiny_v{version}",
    )


# key -> (builder, preprocess_input, feature layer, graft's options for the same network, side)
TINY = {
    "resnet_tiny_v1": (
        lambda: tiny_resnet(1),
        keras.applications.resnet.preprocess_input,
        "conv3_block2_out",
        {"stacks": [[4, 2], [8, 2]]},
        32,
    ),
    "resnet_tiny_v2": (
        lambda: tiny_resnet(2),
        keras.applications.resnet_v2.preprocess_input,
        "post_relu",
        {"stacks": [[4, 2], [8, 2]]},
        32,
    ),
    # The real MobileNetV2 at its narrowest width, on 32x32 inputs with a 5-class top.
    "mobilenetv2_tiny": (
        lambda: keras.applications.MobileNetV2(
            alpha=0.35, input_shape=(32, 32, 3), classes=5, weights=None
        ),
        keras.applications.mobilenet_v2.preprocess_input,
        "out_relu",
        {"alpha": 0.35},
        32,
    ),
    # Keras' own DenseNet(blocks, ...) with one or two blocks per stage.
    "densenet_tiny": (
        lambda: keras_densenet.DenseNet(
            [1, 2, 1, 1], include_top=True, weights=None, input_shape=(32, 32, 3), classes=5,
            name="densenet_tiny",
        ),
        keras.applications.densenet.preprocess_input,
        "pool3_pool",
        {"blocks": [1, 2, 1, 1]},
        32,
    ),
    # Keras' own Xception and InceptionV3 with every convolution at 1/16 of its filters, at
    # their smallest input sides.
    "xception_tiny": (
        lambda: narrow_build(
            keras_xception, keras.applications.Xception, 0.0625,
            weights=None, input_shape=(71, 71, 3), classes=5,
        ),
        keras.applications.xception.preprocess_input,
        "block13_pool",
        {"filterScale": 0.0625},
        71,
    ),
    "inception_v3_tiny": (
        lambda: narrow_build(
            keras_inception_v3, keras.applications.InceptionV3, 0.0625,
            weights=None, input_shape=(75, 75, 3), classes=5,
        ),
        keras.applications.inception_v3.preprocess_input,
        "mixed7",
        {"filterScale": 0.0625},
        75,
    ),
    # Keras' own EfficientNet(width_coefficient, depth_coefficient, ...) at a quarter of B0's
    # widths and a third of its depths: two blocks (with drop-connect and add) in stages 4-6.
    # At 64 px, so that its last stages (at 1/32) normalise more than two values per channel,
    # and without its dropouts, which would make the training-mode golden a random draw.
    "efficientnet_tiny": (
        lambda: keras_efficientnet.EfficientNet(
            0.25, 0.34, 64, dropout_rate=0.0, drop_connect_rate=0.0, weights=None,
            input_shape=(64, 64, 3), classes=5, name="efficientnet_tiny",
        ),
        keras.applications.efficientnet.preprocess_input,
        "block4b_add",
        {"widthCoefficient": 0.25, "depthCoefficient": 0.34, "dropoutRate": 0, "dropConnectRate": 0},
        64,
    ),
    # The real MobileNet at its narrowest width with its convolutional top (dropout 0, so that
    # the training-mode golden is not a random draw), at 32 px.
    "mobilenet_tiny": (
        lambda: keras.applications.MobileNet(
            alpha=0.25, input_shape=(32, 32, 3), classes=5, dropout=0.0, weights=None
        ),
        keras.applications.mobilenet.preprocess_input,
        "conv_pw_13_relu",
        {"alpha": 0.25, "dropout": 0},
        32,
    ),
    # The real MobileNetV3Small (squeeze-and-excitation, hard-swish) at a quarter of its width
    # and MobileNetV3Large minimalistic (relu, 3x3 kernels), without dropout. The feature layer
    # is the last activation, the base's output without its top (an automatic name). Small at
    # 32 px, where the fetch test builds it, Large at 64.
    "mobilenetv3small_tiny": (
        lambda: keras.applications.MobileNetV3Small(
            alpha=0.25, input_shape=(32, 32, 3), classes=5, dropout_rate=0.0, weights=None
        ),
        keras_mobilenet_v3.preprocess_input,
        lambda model: last_activation(model),
        {"alpha": 0.25, "dropoutRate": 0},
        32,
    ),
    "mobilenetv3large_tiny": (
        lambda: keras.applications.MobileNetV3Large(
            alpha=0.25, minimalistic=True, input_shape=(64, 64, 3), classes=5,
            dropout_rate=0.0, weights=None,
        ),
        keras_mobilenet_v3.preprocess_input,
        lambda model: last_activation(model),
        {"alpha": 0.25, "minimalistic": True, "dropoutRate": 0},
        64,
    ),
    # Keras' own EfficientNetV2(width_coefficient, depth_coefficient, ...) with B0's blocks (and
    # its normalization) and with S's (and its [-1, 1] rescaling), at a quarter of their widths
    # and a third or a fifth of their depths: Fused-MBConv stages, then MBConv stages with
    # squeeze-and-excitation and a residual add in stage 4. Without dropouts, at 64 px.
    "efficientnetv2b0_tiny": (
        lambda: keras_efficientnet_v2.EfficientNetV2(
            0.25, 0.34, 64, dropout_rate=0.0, drop_connect_rate=0.0, name="efficientnetv2-b0",
            weights=None, input_shape=(64, 64, 3), classes=5,
        ),
        keras_efficientnet_v2.preprocess_input,
        "block4b_add",
        {"widthCoefficient": 0.25, "depthCoefficient": 0.34, "dropoutRate": 0, "dropConnectRate": 0},
        64,
    ),
    "efficientnetv2s_tiny": (
        lambda: keras_efficientnet_v2.EfficientNetV2(
            0.25, 0.2, 64, dropout_rate=0.0, drop_connect_rate=0.0, name="efficientnetv2-s",
            weights=None, input_shape=(64, 64, 3), classes=5,
        ),
        keras_efficientnet_v2.preprocess_input,
        "block4b_add",
        {"widthCoefficient": 0.25, "depthCoefficient": 0.2, "dropoutRate": 0, "dropConnectRate": 0},
        64,
    ),
    # Keras' own InceptionResNetV2 with every branch convolution at 1/16 of its filters (the
    # blocks' projections, `*_conv`, keep their input's width, as they must for the sum), at its
    # smallest side.
    "inception_resnet_v2_tiny": (
        lambda: narrow_build(
            keras_inception_resnet_v2, keras.applications.InceptionResNetV2, 0.0625,
            keep=lambda kw: str(kw.get("name") or "").endswith("_conv"),
            weights=None, input_shape=(75, 75, 3), classes=5,
        ),
        keras.applications.inception_resnet_v2.preprocess_input,
        "block17_20_ac",
        {"filterScale": 0.0625},
        75,
    ),
    # Keras' own NASNet(...) with one normal cell per run, 4 filters (penultimate 96) and an
    # 8-filter stem, as Mobile (skip_reduction False) and as Large (True) builds it, at 64 px.
    **{
        f"nasnet{size}_tiny": (
            lambda size=size: keras_nasnet.NASNet(
                (64, 64, 3), penultimate_filters=96, num_blocks=1, stem_block_filters=8,
                skip_reduction=size == "large", filter_multiplier=2, weights=None, classes=5,
                default_size=64, name=f"nasnet_{size}",
            ),
            keras.applications.nasnet.preprocess_input,
            "normal_concat_2",
            {"penultimateFilters": 96, "numBlocks": 1, "stemBlockFilters": 8},
            64,
        )
        for size in ("mobile", "large")
    },
}

# Members whose weights are also written without the top (<key>.notop.h5), for families whose
# official files load by position, where a file with the top does not fit a base without it.
NOTOP_FILES = {"mobilenetv3small_tiny": lambda: keras.applications.MobileNetV3Small(
    alpha=0.25, input_shape=(32, 32, 3), include_top=False, weights=None
)}


def last_activation(model) -> str:
    """The layer feeding MobileNetV3's top: the base's output without it."""
    pool = model.get_layer("global_average_pooling2d")
    return pool.input._keras_history[0].name


def shape_list(s):
    if isinstance(s, list):
        return [shape_list(x) for x in s]
    return [None if d is None else int(d) for d in s]


def describe(model) -> list:
    rows = []
    for layer in model.layers:
        rows.append(
            [
                layer.name,
                layer.__class__.__name__,
                shape_list(layer.output.shape),
                [list(map(int, w.shape)) for w in lib.legacy_weights(layer)],
            ]
        )
    return rows


def totals(model) -> dict:
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    non_trainable = int(sum(np.prod(w.shape) for w in model.non_trainable_weights))
    return {"total": trainable + non_trainable, "trainable": trainable, "non_trainable": non_trainable}


def write_compact_json(path: Path, doc: dict) -> None:
    """One layer per line: diffable without being 3 MB of indentation."""
    lines = ["{"]
    lines.append(f'  "generator": {json.dumps(doc["generator"])},')
    lines.append(f'  "versions": {json.dumps(doc["versions"])},')
    lines.append('  "models": {')
    names = list(doc["models"])
    for i, name in enumerate(names):
        m = doc["models"][name]
        lines.append(f"    {json.dumps(name)}: {{")
        lines.append(f'      "keras_name": {json.dumps(m["keras_name"])},')
        lines.append(f'      "params_top": {json.dumps(m["params_top"])},')
        lines.append(f'      "params_notop": {json.dumps(m["params_notop"])},')
        lines.append('      "layers": [')
        rows = [f"        {json.dumps(r)}" for r in m["layers"]]
        lines.append(",\n".join(rows))
        lines.append("      ]")
        lines.append("    }" + ("," if i < len(names) - 1 else ""))
    lines.append("  }")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


def save_legacy_h5(model, path: Path) -> None:
    """The layout of the official keras.applications files (root @layer_names)."""
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="rewrite only the members whose key matches this regex")
    args = parser.parse_args()
    only = re.compile(args.only) if args.only else None
    wanted = (lambda key: True) if only is None else (lambda key: only.search(key) is not None)
    OUT.mkdir(parents=True, exist_ok=True)
    if only is None:
        # Everything here but what other scripts write (make_mobilenet_v2_names.py).
        keep = {"mobilenet_v2_files.json", "mobilenet_files.json"}
        for f in OUT.iterdir():
            if f.name not in keep:
                f.unlink() if f.is_file() else shutil.rmtree(f)

    arch = {
        "generator": "test-fixtures/scripts/make_application_fixtures.py",
        "versions": {"keras": keras.__version__, "numpy": np.__version__},
        "models": {},
    }
    if only is not None:
        arch["models"] = json.loads((OUT / "architectures.json").read_text())["models"]
    for name, ctor in FULL_SIZE.items():
        if not wanted(name):
            continue
        keras.backend.clear_session()  # Keras' auto-names (max_pooling2d_N) as in a fresh process
        top = ctor(weights=None)
        keras.backend.clear_session()
        notop = ctor(weights=None, include_top=False)
        arch["models"][name] = {
            "keras_name": top.name,
            "params_top": totals(top),
            "params_notop": totals(notop),
            "layers": describe(top),
        }
        print(f"{name}: {len(top.layers)} layers, {totals(top)['total']:,} params")
    write_compact_json(OUT / "architectures.json", arch)

    rng = np.random.default_rng(SEED_INPUT)
    inputs = {32: rng.uniform(0.0, 255.0, size=(2, 32, 32, 3)).astype(np.float32)}
    np.save(OUT / "input.npy", inputs[32])
    for side in sorted({t[4] for t in TINY.values()} - {32}):
        # One generator per side, so adding a side leaves the others' inputs as they were.
        side_rng = np.random.default_rng(SEED_INPUT + side)
        inputs[side] = side_rng.uniform(0.0, 255.0, size=(2, side, side, 3)).astype(np.float32)
        np.save(OUT / f"input_{side}.npy", inputs[side])
    manifest = {
        "generator": arch["generator"],
        "versions": arch["versions"],
        "weights": {
            "resnet": {
                "base_url": keras_resnet.BASE_WEIGHTS_PATH,
                "hashes": {k: list(v) for k, v in keras_resnet.WEIGHTS_HASHES.items() if k in FULL_SIZE},
            },
            "densenet": {
                "base_url": keras_densenet.BASE_WEIGHTS_PATH,
                "hashes": declared_md5s(keras_densenet, ["densenet121", "densenet169", "densenet201"]),
            },
            "xception": {
                "base_url": keras_xception.WEIGHTS_PATH.rsplit("/", 1)[0] + "/",
                "hashes": declared_md5s(keras_xception, ["xception"]),
            },
            "inception_v3": {
                "base_url": keras_inception_v3.WEIGHTS_PATH.rsplit("/", 1)[0] + "/",
                "hashes": declared_md5s(keras_inception_v3, ["inception_v3"]),
            },
            # Its get_file calls name the files through variables: the two hashes, top first.
            "inception_resnet_v2": {
                "base_url": keras_inception_resnet_v2.BASE_WEIGHT_URL,
                "hashes": {
                    "inception_resnet_v2": re.findall(
                        r'file_hash="([0-9a-f]{32})"', inspect.getsource(keras_inception_resnet_v2)
                    )
                },
            },
            # Mobile's then Large's, top first; the files are cached under other names than
            # the server's (nasnet_mobile.h5 for NASNet-mobile.h5).
            "nasnet": {
                "base_url": keras_nasnet.BASE_WEIGHTS_PATH,
                "hashes": dict(
                    zip(
                        ["nasnetmobile", "nasnetlarge"],
                        (lambda h: [h[0:2], h[2:4]])(
                            re.findall(r'file_hash="([0-9a-f]{32})"', inspect.getsource(keras_nasnet))
                        ),
                    )
                ),
            },
            "efficientnet": {
                "base_url": keras_efficientnet.BASE_WEIGHTS_PATH,
                "hashes": {
                    f"efficientnet{k}": list(v) for k, v in keras_efficientnet.WEIGHTS_HASHES.items()
                },
            },
            "efficientnet_v2": {
                "base_url": keras_efficientnet_v2.BASE_WEIGHTS_PATH,
                "hashes": {
                    f"efficientnetv2{k.lstrip('-')}": list(v)
                    for k, v in keras_efficientnet_v2.WEIGHTS_HASHES.items()
                },
            },
            # Keyed as Keras' model_name: large_224_0.75_float, small_minimalistic_224_1.0_float.
            "mobilenet_v3": {
                "base_url": keras_mobilenet_v3.BASE_WEIGHT_PATH,
                "hashes": {k: list(v) for k, v in keras_mobilenet_v3.WEIGHTS_HASHES.items()},
            },
        },
        "tiny": {},
    }
    if only is not None:
        manifest["tiny"] = json.loads((OUT / "manifest.json").read_text())["tiny"]
    # Seeds follow TINY's order whatever --only picks, so a member's weights never depend on it.
    for seed, (key, (build, preprocess, feature, options, side)) in enumerate(TINY.items(), start=1):
        if not wanted(key):
            continue
        keras.backend.clear_session()
        model = build()
        lib.set_weights(model, [100 + seed])
        save_legacy_h5(model, OUT / f"{key}.h5")
        if key in NOTOP_FILES:
            notop = NOTOP_FILES[key]()
            for layer in notop.layers:
                if layer.weights:
                    layer.set_weights(model.get_layer(layer.name).get_weights())
            save_legacy_h5(notop, OUT / f"{key}.notop.h5")
        if callable(feature):
            feature = feature(model)
        x = inputs[side]
        px = np.asarray(preprocess(x.copy())).astype(np.float32)
        features = keras.Model(model.input, model.get_layer(feature).output)
        np.save(OUT / f"{key}.preprocessed.npy", px)
        np.save(OUT / f"{key}.features.npy", np.asarray(features(px, training=False)))
        np.save(OUT / f"{key}.output.npy", np.asarray(model(px, training=False)))
        train_out = np.asarray(model(px, training=True))
        np.save(OUT / f"{key}.train_output.npy", train_out)
        # How far Keras' own training-mode output moves when the input moves by 1e-6 relative:
        # with a batch of two, a layer at 1x1 resolution normalises over two values, and the
        # output is that ill-conditioned in float32 whoever computes it. Tests allow 10x this.
        moved = np.asarray(model(px * np.float32(1 + 1e-6), training=True))
        sensitivity = float(np.abs(moved - train_out).max() / np.abs(train_out).max())
        manifest["tiny"][key] = {
            "keras_name": model.name,
            "options": options,
            "input": "input.npy" if side == 32 else f"input_{side}.npy",
            "feature_layer": feature,
            "params": totals(model),
            "train_output_sensitivity": sensitivity,
            "layers": [layer.name for layer in model.layers],
        }
        print(f"{key}: {len(model.layers)} layers, {totals(model)['total']:,} params")
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
