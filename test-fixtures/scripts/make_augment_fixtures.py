"""Writes test-fixtures/augment/: Keras' ImageDataGenerator and apply_affine_transform
outputs (the legacy image preprocessing of this machine's keras + scipy) over every
parameter, fill mode, interpolation order and both affine semantics, so that
@graft/augment's tests compare with real Keras without Python.

    python3 test-fixtures/scripts/make_augment_fixtures.py

Semantics "keras3" is keras.src.legacy.preprocessing.image itself. keras-preprocessing
1.1.2 (tf.keras <= 2.8) cannot be installed here, so its affine step is rebuilt below
from its documented differences (centre dim/2 + 0.5, no row/column swap) around the
same scipy call, and its brightness step is Keras' apply_brightness_shift(scale=True),
which is the 1.1.2 function. Deterministic; rewrites everything in test-fixtures/augment/ but its README.md.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import warnings
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.ndimage  # noqa: E402

import keras  # noqa: E402
from keras.src.legacy.preprocessing import image as KI  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "augment"
H, W = 9, 14  # non-square and odd: a swapped axis or centre shows at once


def image(channels: int = 3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    base = [x * 255 / (W - 1), y * 255 / (H - 1), (x * y) % 97 * 2.5, 255 - x * 10]
    img = np.stack(base[:channels], axis=-1).astype(np.float32)
    img[2:5, 4:9] = rng.integers(0, 256, (3, 5, channels))  # sharp edges
    return img


def kp112_affine(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, fill_mode="nearest", cval=0.0, order=1):
    """keras-preprocessing 1.1.2's apply_affine_transform (channels last)."""
    m = None

    def mul(f):
        nonlocal m
        m = f if m is None else np.dot(m, f)

    if theta != 0:
        t = np.deg2rad(theta)
        mul(np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]]))
    if tx != 0 or ty != 0:
        mul(np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]]))
    if shear != 0:
        s = np.deg2rad(shear)
        mul(np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]]))
    if zx != 1 or zy != 1:
        mul(np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]]))
    if m is None:
        return x
    h, w = x.shape[0], x.shape[1]
    ox, oy = float(h) / 2 + 0.5, float(w) / 2 + 0.5
    m = np.dot(np.dot(np.array([[1, 0, ox], [0, 1, oy], [0, 0, 1]]), m), np.array([[1, 0, -ox], [0, 1, -oy], [0, 0, 1]]))
    chans = [scipy.ndimage.affine_transform(x[..., c], m[:2, :2], m[:2, 2], order=order, mode=fill_mode, cval=cval)
             for c in range(x.shape[-1])]
    return np.stack(chans, axis=-1)


def affine(semantics, x, params, fill_mode, cval, order):
    if semantics == "keras3":
        return KI.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2, fill_mode=fill_mode,
                                         cval=cval, order=order, **params)
    return kp112_affine(x, fill_mode=fill_mode, cval=cval, order=order, **params)


def apply_transform(semantics, x, p, fill_mode="nearest", cval=0.0, order=1):
    """ImageDataGenerator.apply_transform for both semantics."""
    if semantics == "keras3":
        gen = KI.ImageDataGenerator(fill_mode=fill_mode, cval=cval, interpolation_order=order)
        return gen.apply_transform(x.copy(), p)
    y = kp112_affine(x, **{k: p[k] for k in ("theta", "tx", "ty", "shear", "zx", "zy") if k in p},
                     fill_mode=fill_mode, cval=cval, order=order)
    if p.get("channel_shift_intensity") is not None:
        y = KI.apply_channel_shift(y, p["channel_shift_intensity"], 2)
    if p.get("flip_horizontal"):
        y = y[:, ::-1]
    if p.get("flip_vertical"):
        y = y[::-1]
    if p.get("brightness") is not None:
        y = KI.apply_brightness_shift(y, p["brightness"], True)
    return y


class Writer:
    def __init__(self):
        self.n = 0

    def npy(self, name: str, a: np.ndarray) -> str:
        path = OUT / f"{name}.npy"
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, np.ascontiguousarray(a, dtype="<f4"))
        self.n += 1
        return f"{name}.npy"


def plain(v):
    """numpy scalars → JSON (repr keeps every bit of a double)."""
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return v


SINGLE = {
    "theta": {"theta": 30.0},
    "theta_neg90": {"theta": -90.0},
    "tx": {"tx": 3.5},
    "ty": {"ty": -4.25},
    "shear": {"shear": 20.0},
    "zoom": {"zx": 0.8, "zy": 1.3},
    "all": {"theta": -17.0, "tx": 1.75, "ty": -2.5, "shear": 8.0, "zx": 1.2, "zy": 0.7},
}
MODES = ["constant", "nearest", "reflect", "wrap"]


def main() -> None:
    # Everything but the hand-written README is regenerated.
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.name != "README.md":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    w = Writer()
    x = image(3)
    manifest: dict = {
        "generator": "test-fixtures/scripts/make_augment_fixtures.py",
        "versions": {"keras": keras.__version__, "scipy": scipy.__version__, "numpy": np.__version__},
        "inputs": {"rgb": w.npy("input.rgb", x), "gray": w.npy("input.gray", image(1, 1)),
                   "rgba": w.npy("input.rgba", image(4, 2))},
        "affine": [], "apply_transform": [], "random": [], "sequence": None, "standardize": [],
    }

    # 1. apply_affine_transform: every parameter alone and together, every fill mode;
    #    order 0 and the other channel counts on a subset; both semantics.
    for sem in ("keras3", "keras-preprocessing-1.1"):
        for pname, params in SINGLE.items():
            for mode in MODES:
                for order in (1, 0):
                    if order == 0 and pname not in ("all", "theta"):
                        continue
                    if sem != "keras3" and pname not in ("all", "tx", "theta") and mode != "nearest":
                        continue
                    y = affine(sem, x, params, mode, 7.0, order)
                    name = f"affine/{sem}.{pname}.{mode}.o{order}"
                    manifest["affine"].append({"semantics": sem, "params": params, "fill_mode": mode, "cval": 7.0,
                                               "order": order, "input": "rgb", "output": w.npy(name, y)})
        for inp in ("gray", "rgba"):
            y = affine(sem, image(1, 1) if inp == "gray" else image(4, 2), SINGLE["all"], "reflect", 0.0, 1)
            manifest["affine"].append({"semantics": sem, "params": SINGLE["all"], "fill_mode": "reflect", "cval": 0.0,
                                       "order": 1, "input": inp, "output": w.npy(f"affine/{sem}.all.{inp}", y)})

    # 2. apply_transform: channel shift, flips, brightness (in and out of 0..255).
    cases = {
        "shift_flip": {"theta": 10.0, "flip_horizontal": True, "channel_shift_intensity": 40.0},
        "vflip": {"flip_vertical": True, "flip_horizontal": True},
        "bright_dark": {"brightness": 0.55},
        "bright_up": {"brightness": 1.7, "zx": 0.9, "zy": 0.9},
        "bright_scaled": {"brightness": 1.3},
        "everything": {"theta": 25.0, "tx": -2.0, "ty": 3.0, "shear": 5.0, "zx": 1.1, "zy": 0.95,
                       "flip_horizontal": True, "flip_vertical": True, "channel_shift_intensity": -30.0,
                       "brightness": 0.8},
    }
    for sem in ("keras3", "keras-preprocessing-1.1"):
        for cname, p in cases.items():
            inp = x * 1.5 - 60 if cname == "bright_scaled" else x  # outside 0..255: Keras stretches
            y = apply_transform(sem, inp.astype(np.float32), p)
            entry = {"semantics": sem, "params": p, "input": "rgb", "input_affine": [1.5, -60] if cname == "bright_scaled" else None,
                     "output": w.npy(f"apply_transform/{sem}.{cname}", y)}
            manifest["apply_transform"].append(entry)

    # 3. get_random_transform: parameters drawn by numpy, for every kind of range.
    configs = {
        "recipe": dict(horizontal_flip=True, fill_mode="nearest", zoom_range=0.3, width_shift_range=0.3,
                       height_shift_range=0.3, rotation_range=30),
        "int_shift": dict(width_shift_range=5, height_shift_range=3),
        "list_shift": dict(width_shift_range=[0.1, 0.25, 0.4], height_shift_range=[2, 7]),
        "float_px_shift": dict(width_shift_range=4.0, height_shift_range=2.5),
        "shear_zoom_pair": dict(shear_range=15, zoom_range=[0.5, 1.0]),
        "color": dict(channel_shift_range=50.0, brightness_range=[0.3, 1.6], vertical_flip=True),
        "none": dict(),
        "everything": dict(rotation_range=45, width_shift_range=0.2, height_shift_range=[1, 2, 3], shear_range=10,
                           zoom_range=0.2, channel_shift_range=20, brightness_range=(0.5, 1.5),
                           horizontal_flip=True, vertical_flip=True),
    }
    for cname, cfg in configs.items():
        gen = KI.ImageDataGenerator(**cfg)
        for seed in (0, 1, 42, 2**32 - 1):
            p = gen.get_random_transform((H, W, 3), seed=seed)
            manifest["random"].append({"config": cname, "kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
                                       "shape": [H, W, 3], "seed": seed, "params": {k: plain(v) for k, v in p.items()}})
    gen = KI.ImageDataGenerator(**configs["everything"])
    np.random.seed(7)
    seq = [{k: plain(v) for k, v in gen.get_random_transform((H, W, 3)).items()} for _ in range(5)]
    manifest["sequence"] = {"config": "everything", "seed": 7, "shape": [H, W, 3], "params": seq}

    # 4. standardize, fit (with and without augmentation), ZCA.
    rng = np.random.default_rng(5)
    data = (rng.random((40, 4, 4, 3)) * 255).astype(np.float32)
    data[:, :, :, 1] = data[:, :, :, 1] * 0.5 + 30  # channels differ in mean and spread
    manifest["inputs"]["fit"] = w.npy("input.fit", data)
    probe = data[:3]
    std_cases = {
        "samplewise": dict(samplewise_center=True, samplewise_std_normalization=True),
        "rescale_samplewise_center": dict(rescale=1.0 / 255, samplewise_center=True),
        "featurewise": dict(featurewise_center=True, featurewise_std_normalization=True, rescale=1.0 / 255),
        "featurewise_augmented": dict(featurewise_center=True, featurewise_std_normalization=True,
                                      rotation_range=20, horizontal_flip=True),
        "zca": dict(zca_whitening=True),
    }
    for cname, cfg in std_cases.items():
        gen = KI.ImageDataGenerator(**cfg)
        fitted = False
        if cfg.get("featurewise_center") or cfg.get("zca_whitening"):
            if cname == "featurewise_augmented":
                gen.fit(data, augment=True, rounds=2, seed=3)
            else:
                gen.fit(data)
            fitted = True
        out = np.stack([gen.standardize(p.copy()) for p in probe])
        entry = {"name": cname, "kwargs": cfg, "fit": fitted, "fit_augment": cname == "featurewise_augmented",
                 "probe": "first 3 of input.fit", "output": w.npy(f"standardize/{cname}", out)}
        if gen.mean is not None:
            entry["mean"] = [float(v) for v in gen.mean.reshape(-1)]
        if gen.std is not None:
            entry["std"] = [float(v) for v in gen.std.reshape(-1)]
        manifest["standardize"].append(entry)

    # preprocessing_function runs first: x[..., ::-1] - 100, then rescale.
    gen = KI.ImageDataGenerator(preprocessing_function=lambda v: v[..., ::-1] - 100.0, rescale=0.5)
    out = np.stack([gen.standardize(p.copy()) for p in probe])
    manifest["standardize"].append({"name": "preprocessing_function", "kwargs": {"rescale": 0.5},
                                    "preprocessing_function": "x[..., ::-1] - 100", "fit": False,
                                    "probe": "first 3 of input.fit", "output": w.npy("standardize/preprocessing_function", out)})

    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {w.n} arrays to {OUT} ({total / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
