"""Writes packages/demo/data/ (@graft/demo): the bundled dataset and pretrained base of `graft demo`.

    python3 test-fixtures/scripts/make_demo_fixtures.py

Two related, procedurally drawn domains (Pillow, drawn 4x larger, box-filtered to 32x32):

- SOURCE "shapes": 26 geometric shapes (circle, ring, star, tee, zigzag, ...) in any
  colour and rotation, on two-colour gradients, half of them with blotches, lines or
  checks on top. Used only to pretrain the base; not shipped.
- TARGET "pictograms": five new classes (arrow, bolt, crescent, heart, house) in muted
  teal-to-violet ink, nearly upright, on striped or checked paper. Shipped as PNGs in
  demo/target/{train,val}/<class>/NNN.png.

The base is a narrow VGG19 without top (keras.applications' layer names and structure,
BLOCK_FILTERS filters per block, 32x32x3 input, caffe-mode inputs). It is pretrained on
the source domain with BatchNormalization after each conv and a throwaway head, and the
BN layers are then folded into the conv kernels and biases, which leaves exactly the
plain VGG19 structure. The script then measures with Keras the classic recipe on the
target domain (frozen base; Flatten, Dense, Dropout, Dense head; SGD with momentum;
ImageDataGenerator augmentation) against the same network trained from Keras' default
initialisation with the same budget, over RECIPE_SEEDS, and records both in
demo/manifest.json.

Deterministic: every picture and weight comes from fixed seeds and TensorFlow runs with
op determinism; two runs on one machine write byte-identical files. It deletes and
rewrites packages/demo/data/ completely. Three to four minutes on two cores.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import math
import os
import platform
import shutil
import sys
import time
import warnings
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
import scipy  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "packages" / "demo" / "data"
SEED = 20240611

SIZE = 32
SUPERSAMPLE = 4
CANVAS = SIZE * SUPERSAMPLE

BLOCK_FILTERS = (8, 16, 32, 64, 64)
VGG19_CONVS = (2, 2, 4, 4, 4)

SOURCE_PER_CLASS = {"train": 400, "val": 40}
TARGET_PER_CLASS = {"train": 40, "val": 20}

# Pretraining on the source domain (the BatchNormalization layers are folded away after).
PRETRAIN = {"lr": 1e-3, "epochs": 15, "batch_size": 64, "head_units": 128, "dropout": 0.0}

# The classic recipe on the target domain; graft's demo replays these numbers.
RECIPE = {
    "head_units": 64,
    "dropout": 0.5,
    "optimizer": "sgd",
    "lr": 0.01,
    "momentum": 0.9,
    "batch_size": 20,
    "epochs": 15,
}
# No horizontal_flip: the pictograms have a handedness (arrows point right, bolts lean
# one way) and flipped training images cost the frozen base 5-8 points of val accuracy.
AUGMENT = {
    "rotation_range": 10,
    "width_shift_range": 0.1,
    "height_shift_range": 0.1,
    "zoom_range": 0.1,
    "fill_mode": "nearest",
}
# Extra seeds for the recipe runs, to show that the gap is no accident of one seed.
RECIPE_SEEDS = tuple(SEED + k for k in range(5))
GOLDEN_IMAGES = 4


# ------------------------------------------------------------------ drawing
#
# A shape is a function (draw, cx, cy, r, angle) that paints 255 (ink) and 0 (holes)
# into an "L" mask on the supersampled canvas; r is the shape's outer radius.


def rotate(points, angle, cx, cy):
    c, s = math.cos(angle), math.sin(angle)
    return [(cx + x * c - y * s, cy + x * s + y * c) for x, y in points]


def regular(n, radius=1.0, phase=0.0):
    angles = [phase + 2 * math.pi * k / n for k in range(n)]
    return [(radius * math.cos(a), radius * math.sin(a)) for a in angles]


def star(n, inner):
    return [
        ((1.0 if k % 2 == 0 else inner) * math.cos(-math.pi / 2 + math.pi * k / n),
         (1.0 if k % 2 == 0 else inner) * math.sin(-math.pi / 2 + math.pi * k / n))
        for k in range(2 * n)
    ]  # fmt: skip


def polygon(unit_points):
    def paint(d, cx, cy, r, angle):
        d.polygon(rotate([(x * r, y * r) for x, y in unit_points], angle, cx, cy), fill=255)

    return paint


def disc(d, cx, cy, r, value=255):
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=value)


def circle(d, cx, cy, r, angle):
    disc(d, cx, cy, r)


def ring(d, cx, cy, r, angle):
    disc(d, cx, cy, r)
    disc(d, cx, cy, 0.55 * r, 0)


def frame(d, cx, cy, r, angle):
    d.polygon(rotate(regular(4, r, math.pi / 4), angle, cx, cy), fill=255)
    d.polygon(rotate(regular(4, 0.55 * r, math.pi / 4), angle, cx, cy), fill=0)


def semicircle(d, cx, cy, r, angle):
    angles = [math.pi * k / 24 for k in range(25)]
    arc = [(r * math.cos(a), r * math.sin(a) - 0.4 * r) for a in angles]
    d.polygon(rotate(arc, angle, cx, cy), fill=255)


def bars(d, cx, cy, r, angle):
    for off in (-0.7, 0.0, 0.7):
        unit = [(-1, off - 0.2), (1, off - 0.2), (1, off + 0.2), (-1, off + 0.2)]
        d.polygon(rotate([(x * r, y * r) for x, y in unit], angle, cx, cy), fill=255)


def dots(d, cx, cy, r, angle):
    for x, y in regular(4, 0.65 * r, angle):
        disc(d, cx + x, cy + y, 0.3 * r)


def heart(d, cx, cy, r, angle):
    pts = []
    for k in range(48):
        t = 2 * math.pi * k / 48
        x = 16 * math.sin(t) ** 3
        y = -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t))
        pts.append((x / 16 * r, (y + 2) / 16 * r))
    d.polygon(rotate(pts, angle, cx, cy), fill=255)


def crescent(d, cx, cy, r, angle):
    disc(d, cx, cy, r)
    ox, oy = rotate([(0.45 * r, -0.15 * r)], angle, 0, 0)[0]
    disc(d, cx + ox, cy + oy, 0.85 * r, 0)


def ellipse(d, cx, cy, r, angle):
    angles = [2 * math.pi * k / 40 for k in range(40)]
    pts = [(r * math.cos(a), 0.5 * r * math.sin(a)) for a in angles]
    d.polygon(rotate(pts, angle, cx, cy), fill=255)


def arc(d, cx, cy, r, angle):
    """A thick horseshoe: the upper half of a ring, with straight legs."""
    angles = [math.pi + math.pi * k / 24 for k in range(25)]
    outer = [(r * math.cos(a), r * math.sin(a)) for a in angles]
    inner = [(0.5 * x, 0.5 * y) for x, y in reversed(outer)]
    pts = outer + [(r, 0.6 * r), (0.5 * r, 0.6 * r)] + inner + [(-0.5 * r, 0.6 * r), (-r, 0.6 * r)]
    d.polygon(rotate(pts, angle, cx, cy), fill=255)


def delta(d, cx, cy, r, angle):
    d.polygon(rotate(regular(3, r, -math.pi / 2), angle, cx, cy), fill=255)
    d.polygon(rotate(regular(3, 0.45 * r, -math.pi / 2), angle, cx, cy), fill=0)


def hexagram(d, cx, cy, r, angle):
    d.polygon(rotate(regular(3, r, -math.pi / 2), angle, cx, cy), fill=255)
    d.polygon(rotate(regular(3, r, math.pi / 2), angle, cx, cy), fill=255)


def asterisk(d, cx, cy, r, angle):
    for k in range(3):
        unit = [(-1, -0.17), (1, -0.17), (1, 0.17), (-1, 0.17)]
        pts = [(x * r, y * r) for x, y in unit]
        d.polygon(rotate(pts, angle + k * math.pi / 3, cx, cy), fill=255)


def zigzag(d, cx, cy, r, angle):
    unit = [(-1, -0.5), (-0.33, 0.5), (0.33, -0.5), (1, 0.5)]
    pts = rotate([(x * r, y * r) for x, y in unit], angle, cx, cy)
    d.line(pts, fill=255, width=max(1, round(0.3 * r)), joint="curve")


def drop(d, cx, cy, r, angle):
    pts = [(0.6 * r * math.cos(t), 0.35 * r + 0.6 * r * math.sin(t))
           for t in (math.pi * (-0.15 + 1.3 * k / 30) for k in range(31))]
    d.polygon(rotate(pts + [(0, -r)], angle, cx, cy), fill=255)


def keyhole(d, cx, cy, r, angle):
    ox, oy = rotate([(0, -0.35 * r)], angle, 0, 0)[0]
    disc(d, cx + ox, cy + oy, 0.5 * r)
    unit = [(-0.2, -0.2), (0.2, -0.2), (0.45, 1), (-0.45, 1)]
    d.polygon(rotate([(x * r, y * r) for x, y in unit], angle, cx, cy), fill=255)


def pacman(d, cx, cy, r, angle):
    start = math.degrees(angle)
    d.pieslice([cx - r, cy - r, cx + r, cy + r], start + 35, start + 325, fill=255)


PLUS = [(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3),
        (0.3, 1), (-0.3, 1), (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)]  # fmt: skip

SOURCE_SHAPES = {
    "arc": arc,
    "asterisk": asterisk,
    "bar": polygon([(-1, -0.3), (1, -0.3), (1, 0.3), (-1, 0.3)]),
    "bars": bars,
    "chevron": polygon([(-1, -0.7), (0, 0.2), (1, -0.7), (1, 0.0), (0, 0.9), (-1, 0.0)]),
    "circle": circle,
    "delta": delta,
    "dots": dots,
    "drop": drop,
    "ell": polygon([(-0.7, -1), (-0.2, -1), (-0.2, 0.5), (0.8, 0.5), (0.8, 1), (-0.7, 1)]),
    "ellipse": ellipse,
    "frame": frame,
    "hexagon": polygon(regular(6)),
    "hexagram": hexagram,
    "keyhole": keyhole,
    "pacman": pacman,
    "pentagon": polygon(regular(5, 1.0, -math.pi / 2)),
    "plus": polygon(PLUS),
    "ring": ring,
    "semicircle": semicircle,
    "square": polygon(regular(4, 1.0, math.pi / 4)),
    "star": polygon(star(5, 0.42)),
    "tee": polygon([(-1, -1), (1, -1), (1, -0.5), (0.25, -0.5), (0.25, 1), (-0.25, 1),
                    (-0.25, -0.5), (-1, -0.5)]),  # fmt: skip
    "trapezoid": polygon([(-1, 0.6), (1, 0.6), (0.5, -0.6), (-0.5, -0.6)]),
    "triangle": polygon(regular(3, 1.0, -math.pi / 2)),
    "zigzag": zigzag,
}
TARGET_SHAPES = {
    "arrow": polygon([(-1, -0.25), (0.2, -0.25), (0.2, -0.7), (1, 0), (0.2, 0.7), (0.2, 0.25),
                      (-1, 0.25)]),
    "bolt": polygon([(0.15, -1), (-0.55, 0.15), (-0.05, 0.15), (-0.2, 1), (0.55, -0.2),
                     (0.05, -0.2), (0.3, -1)]),
    "crescent": crescent,
    "heart": heart,
    "house": polygon([(-0.75, 1), (-0.75, -0.1), (0, -1), (0.75, -0.1), (0.75, 1)]),
}  # fmt: skip


def hsv(h, s, v):
    return np.array([round(c * 255) for c in colorsys.hsv_to_rgb(h % 1.0, s, v)], dtype=np.float64)


_Y, _X = np.mgrid[0:CANVAS, 0:CANVAS] / CANVAS


def source_background(rng) -> np.ndarray:
    """Two low-saturation colours blended along a random direction; half of the time with
    a texture on top (blotches, lines or checks), so that the base learns to look past it."""
    c0 = hsv(rng.random(), rng.uniform(0.0, 0.4), rng.uniform(0.1, 0.95))
    c1 = hsv(rng.random(), rng.uniform(0.0, 0.4), rng.uniform(0.1, 0.95))
    a = rng.uniform(0, 2 * math.pi)
    t = np.clip(0.5 + (_X - 0.5) * math.cos(a) + (_Y - 0.5) * math.sin(a), 0, 1)[..., None]
    bg = c0 * (1 - t) + c1 * t
    kind = rng.random()
    if kind < 0.25:
        cells = int(rng.integers(3, 9))
        noise = rng.uniform(-1, 1, (3, cells, cells)) * rng.uniform(20, 60)
        smooth = [
            np.asarray(Image.fromarray(c.astype(np.float32)).resize((CANVAS, CANVAS), Image.BICUBIC))
            for c in noise
        ]
        bg = bg + np.stack(smooth, axis=-1)
    elif kind < 0.5:
        b = rng.uniform(0, math.pi)
        f = rng.uniform(3, 10)
        u = _X * math.cos(b) + _Y * math.sin(b)
        v = -_X * math.sin(b) + _Y * math.cos(b)
        on = np.sin(2 * math.pi * f * u) > rng.uniform(0.0, 0.8)
        if rng.random() < 0.5:
            on ^= np.sin(2 * math.pi * f * v) > 0
        line_colour = hsv(rng.random(), rng.uniform(0, 0.5), rng.uniform(0.2, 0.9))
        bg = np.where(on[..., None], line_colour, bg)
    return np.clip(bg, 0, 255)


def target_background(rng) -> np.ndarray:
    """Warm paper with stripes or checks at a random angle and pitch."""
    paper = hsv(rng.uniform(0.05, 0.15), rng.uniform(0.1, 0.35), rng.uniform(0.55, 0.9))
    darker = paper * rng.uniform(0.75, 0.9)
    a = rng.uniform(0, math.pi)
    freq = rng.uniform(4, 9)
    u = _X * math.cos(a) + _Y * math.sin(a)
    v = -_X * math.sin(a) + _Y * math.cos(a)
    on = np.sin(2 * math.pi * freq * u) > 0
    if rng.random() < 0.5:
        on ^= np.sin(2 * math.pi * freq * v) > 0
    return np.where(on[..., None], paper, darker)


def draw(rng, shape, domain: str) -> np.ndarray:
    """One 32x32 RGB uint8 picture of `shape` in the style of `domain`."""
    if domain == "source":
        bg = source_background(rng)
        r = rng.uniform(0.22, 0.4) * CANVAS
        angle = rng.uniform(0, 2 * math.pi)
        # any hue and saturation; dark ink on light ground and light ink on dark
        light_ground = bg.mean() > 128
        ink = hsv(rng.random(), rng.uniform(0.2, 1.0),
                  rng.uniform(0.05, 0.45) if light_ground else rng.uniform(0.65, 1.0))  # fmt: skip
    else:
        bg = target_background(rng)
        r = rng.uniform(0.28, 0.4) * CANVAS
        angle = rng.uniform(-0.35, 0.35)
        ink = hsv(rng.uniform(0.45, 0.85), rng.uniform(0.3, 0.6), rng.uniform(0.25, 0.55))
    margin = 0.9 * r
    cx, cy = rng.uniform(margin, CANVAS - margin), rng.uniform(margin, CANVAS - margin)
    mask = Image.new("L", (CANVAS, CANVAS), 0)
    shape(ImageDraw.Draw(mask), cx, cy, r, angle)
    alpha = np.asarray(mask, dtype=np.float64)[..., None] / 255.0
    big = np.rint(bg * (1 - alpha) + ink * alpha).astype(np.uint8)
    return np.asarray(Image.fromarray(big, "RGB").resize((SIZE, SIZE), Image.BOX))


def make_domain(shapes: dict, domain: str, per_class: dict, seed: int):
    """{split: (images uint8 NHWC, labels int)} with classes in sorted order."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, n in per_class.items():
        xs, ys = [], []
        for label, name in enumerate(sorted(shapes)):
            for _ in range(n):
                xs.append(draw(rng, shapes[name], domain))
                ys.append(label)
        out[split] = (np.stack(xs), np.array(ys, dtype=np.int64))
    return out


# ------------------------------------------------------------------ models


def build_base(initializer: str = "glorot_uniform", batchnorm: bool = False) -> keras.Model:
    """keras.applications.VGG19(include_top=False) with BLOCK_FILTERS and a 32x32 input.
    With batchnorm, a BatchNormalization sits between each conv and its relu: the
    pretraining network, folded back into the plain one by fold_batchnorm()."""
    img_input = keras.Input(shape=(SIZE, SIZE, 3), name="input_layer")
    x = img_input
    for b, (n, filters) in enumerate(zip(VGG19_CONVS, BLOCK_FILTERS), start=1):
        for i in range(1, n + 1):
            name = f"block{b}_conv{i}"
            if batchnorm:
                x = layers.Conv2D(filters, (3, 3), padding="same", kernel_initializer=initializer,
                                  name=name)(x)  # fmt: skip
                x = layers.BatchNormalization(name=f"{name}_bn")(x)
                x = layers.Activation("relu", name=f"{name}_relu")(x)
            else:
                x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same",
                                  kernel_initializer=initializer, name=name)(x)  # fmt: skip
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    return keras.Model(img_input, x, name="vgg19")


def fold_batchnorm(trained: keras.Model) -> keras.Model:
    """The plain VGG base computing what `trained` (conv, BN, relu) computes at inference:
    BN's affine map y = gamma * (x - mean) / sqrt(var + eps) + beta, pushed into the conv."""
    plain = build_base()
    for layer in plain.layers:
        if not isinstance(layer, layers.Conv2D):
            continue
        kernel, bias = trained.get_layer(layer.name).get_weights()
        bn = trained.get_layer(f"{layer.name}_bn")
        gamma, beta, mean, var = (np.asarray(w, dtype=np.float64) for w in bn.get_weights())
        scale = gamma / np.sqrt(var + bn.epsilon)
        layer.set_weights([(kernel * scale).astype(np.float32),
                           ((bias - mean) * scale + beta).astype(np.float32)])  # fmt: skip
    return plain


def with_head(base: keras.Model, units: int, dropout: float, classes: int) -> keras.Model:
    x = layers.Flatten(name="flatten")(base.output)
    x = layers.Dense(units, activation="relu", name="fc1")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    return keras.Model(base.input, x)


def caffe(x: np.ndarray) -> np.ndarray:
    return keras.applications.vgg19.preprocess_input(x.astype(np.float32))


def pretrain(source) -> tuple[keras.Model, float]:
    """Trains conv+BN+relu on the source domain (plain 16-conv stacks train slowly and
    poorly from scratch), then folds BN into the convs. Returns the plain base and the
    source val accuracy of the plain base with the throwaway head."""
    keras.utils.set_random_seed(SEED)
    base = build_base("he_normal", batchnorm=True)
    model = with_head(base, PRETRAIN["head_units"], PRETRAIN["dropout"], len(SOURCE_SHAPES))
    (xt, yt), (xv, yv) = source["train"], source["val"]
    steps = PRETRAIN["epochs"] * math.ceil(len(xt) / PRETRAIN["batch_size"])
    lr = keras.optimizers.schedules.CosineDecay(PRETRAIN["lr"], decay_steps=steps)
    model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])  # fmt: skip
    model.fit(caffe(xt), yt, batch_size=PRETRAIN["batch_size"], epochs=PRETRAIN["epochs"],
              shuffle=True, verbose=0)  # fmt: skip
    plain = fold_batchnorm(base)
    folded = with_head(plain, PRETRAIN["head_units"], PRETRAIN["dropout"], len(SOURCE_SHAPES))
    for name in ("fc1", "predictions"):
        folded.get_layer(name).set_weights(model.get_layer(name).get_weights())
    xv = caffe(xv)
    a, b = base.predict(xv[:64], verbose=0), plain.predict(xv[:64], verbose=0)
    err = float(np.abs(a - b).max() / np.abs(a).max())
    if err > 1e-4:
        raise SystemExit(f"folding BatchNormalization changed the features (rel err {err:.2e})")
    folded.compile(metrics=["accuracy"], loss="sparse_categorical_crossentropy")
    _, acc = folded.evaluate(xv, yv, verbose=0)
    return plain, float(acc)


def run_recipe(base_weights, target, seed: int) -> dict:
    """The classic recipe; base_weights None means Keras' default init, all trainable."""
    keras.utils.set_random_seed(seed)
    base = build_base()
    if base_weights is not None:
        base.set_weights(base_weights)
        base.trainable = False
    model = with_head(base, RECIPE["head_units"], RECIPE["dropout"], len(TARGET_SHAPES))
    model.compile(
        keras.optimizers.SGD(RECIPE["lr"], momentum=RECIPE["momentum"]),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    gen = ImageDataGenerator(**AUGMENT, preprocessing_function=caffe)
    (xt, yt), (xv, yv) = target["train"], target["val"]
    flow = gen.flow(xt.astype(np.float32), yt, batch_size=RECIPE["batch_size"], shuffle=True,
                    seed=seed)  # fmt: skip
    hist = model.fit(flow, epochs=RECIPE["epochs"], validation_data=(caffe(xv), yv), verbose=0)
    val = [round(float(a), 4) for a in hist.history["val_accuracy"]]
    loss = [round(float(a), 4) for a in hist.history["loss"]]
    return {"seed": seed, "val_accuracy_final": val[-1], "val_accuracy_best": max(val),
            "val_accuracy": val, "loss": loss}  # fmt: skip


# ------------------------------------------------------------------ output


JSON_WIDTH = 100


def to_json(v, indent: int = 0, used: int = 0, comma: bool = False) -> str:
    """JSON laid out as the repo's formatter (biome, lineWidth 100) leaves it: objects one
    key per line; an array on one line when it fits, else numbers packed line by line and
    anything else one item per line. `used` is what precedes v on its line; `comma` says
    whether a comma follows it."""
    pad = " " * indent
    if isinstance(v, dict):
        if not v:
            return "{}"
        items = []
        for n, (k, x) in enumerate(v.items()):
            key = f"{pad}  {json.dumps(k, ensure_ascii=False)}: "
            items.append(key + to_json(x, indent + 2, len(key), n < len(v) - 1))
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[]"
        flat = "[" + ", ".join(to_json(x) for x in v) + "]"
        if not any(isinstance(x, (dict, list)) for x in v) and used + len(flat) + comma <= JSON_WIDTH:
            return flat
        inner = " " * (indent + 2)
        if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
            lines, line = [], ""
            for n, x in enumerate(v):
                item = json.dumps(x) + ("," if n < len(v) - 1 else "")
                if line and len(inner) + len(line) + 1 + len(item) > JSON_WIDTH:
                    lines.append(line)
                    line = ""
                line = f"{line} {item}" if line else item
            lines.append(line)
            return "[\n" + "\n".join(inner + ln for ln in lines) + "\n" + pad + "]"
        items = [inner + to_json(x, indent + 2, len(inner), n < len(v) - 1) for n, x in enumerate(v)]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


def write_pngs(target) -> dict:
    """demo/target/<split>/<class>/NNN.png; returns {split: {class: count}}."""
    names = sorted(TARGET_SHAPES)
    counts = {}
    for split, (xs, ys) in target.items():
        counts[split] = {}
        for label, name in enumerate(names):
            folder = OUT / "target" / split / name
            folder.mkdir(parents=True)
            imgs = xs[ys == label]
            for i, img in enumerate(imgs):
                Image.fromarray(img, "RGB").save(folder / f"{i:03d}.png", optimize=True)
            counts[split][name] = len(imgs)
    return counts


def read_pngs(split: str):
    """Reads the written files back (PNG is lossless; this is what graft will read)."""
    xs, ys, paths = [], [], []
    for label, name in enumerate(sorted(TARGET_SHAPES)):
        for path in sorted((OUT / "target" / split / name).glob("*.png")):
            xs.append(np.asarray(Image.open(path).convert("RGB")))
            ys.append(label)
            paths.append(path.relative_to(OUT).as_posix())
    return np.stack(xs), np.array(ys, dtype=np.int64), paths


def summary(runs: list[dict]) -> dict:
    main_run = runs[0]
    return {
        "valAccuracy": main_run["val_accuracy_final"],
        "valAccuracyBest": main_run["val_accuracy_best"],
        "history": {"val_accuracy": main_run["val_accuracy"], "loss": main_run["loss"]},
        "seeds": {
            "seeds": [r["seed"] for r in runs],
            "valAccuracy": [r["val_accuracy_final"] for r in runs],
            "valAccuracyBest": [r["val_accuracy_best"] for r in runs],
            "meanValAccuracy": round(float(np.mean([r["val_accuracy_final"] for r in runs])), 4),
        },
    }


def main() -> int:
    t0 = time.time()
    tf.config.experimental.enable_op_determinism()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    source = make_domain(SOURCE_SHAPES, "source", SOURCE_PER_CLASS, SEED)
    counts = write_pngs(make_domain(TARGET_SHAPES, "target", TARGET_PER_CLASS, SEED + 1))
    xt, yt, _ = read_pngs("train")
    xv, yv, val_paths = read_pngs("val")
    target = {"train": (xt, yt), "val": (xv, yv)}
    print(f"drew {sum(len(x) for x, _ in source.values())} source and {len(xt) + len(xv)} "
          f"target images ({time.time() - t0:.0f} s)", flush=True)  # fmt: skip

    base, source_acc = pretrain(source)
    print(f"pretrained the base: source val accuracy {source_acc:.4f} "
          f"({time.time() - t0:.0f} s)", flush=True)  # fmt: skip
    weights_file = OUT / "vgg19_demo_notop.weights.h5"
    base.save_weights(weights_file)
    weights = base.get_weights()

    # The file must give back the same network.
    check = build_base()
    check.load_weights(weights_file)
    pick = [int(np.flatnonzero(yv == c)[0]) for c in range(GOLDEN_IMAGES)]
    golden = base.predict(caffe(xv[pick]), verbose=0)
    reloaded = check.predict(caffe(xv[pick]), verbose=0)
    if not np.array_equal(golden, reloaded):
        raise SystemExit("the saved weights do not reproduce the base's features")
    np.save(OUT / "features_golden.npy", golden.astype(np.float32), allow_pickle=False)

    transfer = [run_recipe(weights, target, seed) for seed in RECIPE_SEEDS]
    scratch = [run_recipe(None, target, seed) for seed in RECIPE_SEEDS]
    print(f"transfer val accuracy {[r['val_accuracy_final'] for r in transfer]}, "
          f"scratch {[r['val_accuracy_final'] for r in scratch]} ({time.time() - t0:.0f} s)")  # fmt: skip

    (OUT / "augment.json").write_text(to_json(AUGMENT) + "\n", encoding="utf8")
    classes = sorted(TARGET_SHAPES)
    manifest = {
        "generator": "test-fixtures/scripts/make_demo_fixtures.py",
        "seed": SEED,
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "pillow": PIL.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "model": "vgg19",
        "includeTop": False,
        "blockFilters": list(BLOCK_FILTERS),
        "inputSize": [SIZE, SIZE, 3],
        "inputLayer": "input_layer",
        "outputLayer": "block5_pool",
        "preprocess": "caffe",
        "weights": {
            "file": weights_file.name,
            "layout": "keras3_weights (Keras 3 save_weights)",
            "params": int(base.count_params()),
            "bytes": weights_file.stat().st_size,
            "sha256": hashlib.sha256(weights_file.read_bytes()).hexdigest(),
        },
        "target": {
            "name": "pictograms",
            "description": "muted ink pictograms, nearly upright (±20°), on striped or checked paper",
            "dir": "target",
            "classes": classes,
            "counts": counts,
            "train": int(len(xt)),
            "val": int(len(xv)),
            "imageSize": [SIZE, SIZE],
            "format": "RGB PNG",
        },
        "source": {
            "name": "shapes",
            "description": "geometric shapes in any colour and rotation on gradients, blotches, "
            "lines or checks; used only to pretrain the base, not shipped",
            "classes": sorted(SOURCE_SHAPES),
            "perClass": SOURCE_PER_CLASS,
        },
        "pretrain": {
            "optimizer": "adam",
            "lr": PRETRAIN["lr"],
            "schedule": "cosine decay to 0 over all steps",
            "epochs": PRETRAIN["epochs"],
            "batchSize": PRETRAIN["batch_size"],
            "initializer": "he_normal",
            "batchNormalization": "between each conv and its relu while pretraining, then folded "
            "into the conv kernels and biases (the saved base has none)",
            "head": f"flatten, Dense {PRETRAIN['head_units']} relu, Dense {len(SOURCE_SHAPES)} "
            "softmax (discarded)",
            "sourceValAccuracy": round(source_acc, 4),
        },
        "recipe": {
            "freeze": "the whole base (transfer); nothing (scratch)",
            "head": ["flatten", f"Dense {RECIPE['head_units']} relu", f"Dropout {RECIPE['dropout']}",
                     f"Dense {len(classes)} softmax"],  # fmt: skip
            "headUnits": RECIPE["head_units"],
            "dropout": RECIPE["dropout"],
            "optimizer": RECIPE["optimizer"],
            "lr": RECIPE["lr"],
            "momentum": RECIPE["momentum"],
            "loss": "sparse_categorical_crossentropy",
            "batchSize": RECIPE["batch_size"],
            "epochs": RECIPE["epochs"],
            "shuffle": True,
            "augment": "augment.json",
            "augmentArgs": AUGMENT,
            "preprocess": "caffe, after augmentation (ImageDataGenerator preprocessing_function)",
        },
        "results": {
            "measuredWith": "keras",
            "metric": "val accuracy after the last epoch (valAccuracyBest: best epoch)",
            "transfer": {"init": "the pretrained base, frozen", **summary(transfer)},
            "scratch": {
                "init": "Keras' default (glorot_uniform kernels, zero biases), all layers trainable",
                **summary(scratch),
            },
            "gap": round(transfer[0]["val_accuracy_final"] - scratch[0]["val_accuracy_final"], 4),
        },
        "golden": {
            "file": "features_golden.npy",
            "description": "Keras base.predict of these val images, caffe-preprocessed",
            "images": [val_paths[i] for i in pick],
            "shape": list(golden.shape),
            "layer": "block5_pool",
        },
    }
    (OUT / "manifest.json").write_text(to_json(manifest) + "\n", encoding="utf8")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total / 1e6:.2f} MB) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
