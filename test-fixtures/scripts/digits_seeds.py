"""The digits from-scratch comparison (issue 14, item 7b), Keras' side, and its data.

scikit-learn's bundled handwritten digits (1,797 8x8 images, 10 classes), upscaled to 32x32
RGB PNGs, trained from random initialisation by a VGG19-shaped network: VGG19's 16 convs in
its five blocks with 16, 32, 64, 128, 128 filters, Flatten -> Dense 64 relu -> Dropout 0.5 ->
Dense 10 softmax, glorot-uniform kernels and zero biases (Keras' defaults), caffe inputs
(VGG's preprocess_input), SGD lr 0.01 momentum 0.9, batch 32, 12 epochs, no augmentation.

    python3 test-fixtures/scripts/digits_seeds.py --make DIR     # DIR/train/<digit>/*.png, DIR/val/...
    python3 test-fixtures/scripts/digits_seeds.py --data DIR [--seeds 10] [--out keras-digits.json]

graft's side is `pnpm --filter @graft/scenarios scratch-seeds -- --recipe digits --data DIR`,
the same recipe through `graft train`'s options. Seeds 1 ... N on both sides (the RNGs share
nothing). Prints one JSON object: per seed the last and best epochs' val accuracy. Slow and
statistical: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

SIZE = 32
BLOCK_FILTERS = (16, 32, 64, 128, 128)
VGG19_CONVS = (2, 2, 4, 4, 4)
RECIPE = {"head_units": 64, "dropout": 0.5, "lr": 0.01, "momentum": 0.9, "batch_size": 32, "epochs": 12}
VAL_FRACTION = 0.2


def make(out: Path) -> None:
    """Writes the digits as PNG class folders: per class, the first 80% in scikit-learn's
    order to train/, the rest to val/ (stratified, deterministic)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    for label in range(10):
        idx = np.flatnonzero(digits.target == label)
        n_val = round(len(idx) * VAL_FRACTION)
        for split, part in (("train", idx[: len(idx) - n_val]), ("val", idx[len(idx) - n_val :])):
            folder = out / split / str(label)
            folder.mkdir(parents=True, exist_ok=True)
            for i in part:
                gray = np.round(digits.images[i] * (255 / 16)).astype(np.uint8)
                img = Image.fromarray(gray, "L").resize((SIZE, SIZE), Image.BILINEAR).convert("RGB")
                img.save(folder / f"{i:04d}.png")
    print(f"wrote {out}/train and {out}/val", file=sys.stderr)


def read(data: Path, split: str):
    xs, ys = [], []
    for label in range(10):
        for path in sorted((data / split / str(label)).glob("*.png")):
            xs.append(np.asarray(Image.open(path).convert("RGB")))
            ys.append(label)
    return np.stack(xs).astype(np.float32), np.array(ys, dtype=np.int64)


def run(seed: int, train, val) -> dict:
    import keras
    from keras import layers
    from keras.applications.vgg19 import preprocess_input

    keras.utils.set_random_seed(seed)
    x = inputs = keras.Input(shape=(SIZE, SIZE, 3))
    for b, (n, filters) in enumerate(zip(VGG19_CONVS, BLOCK_FILTERS), start=1):
        for i in range(1, n + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{i}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(RECIPE["head_units"], activation="relu")(x)
    x = layers.Dropout(RECIPE["dropout"])(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        keras.optimizers.SGD(RECIPE["lr"], momentum=RECIPE["momentum"]),
        "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    (xt, yt), (xv, yv) = train, val
    hist = model.fit(
        preprocess_input(xt.copy()),
        yt,
        batch_size=RECIPE["batch_size"],
        epochs=RECIPE["epochs"],
        shuffle=True,
        validation_data=(preprocess_input(xv.copy()), yv),
        verbose=0,
    )
    acc = [round(float(a), 4) for a in hist.history["val_accuracy"]]
    return {"seed": seed, "last": acc[-1], "best": max(acc)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--make", type=Path)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.make:
        make(args.make)
        return 0
    if not args.data:
        ap.error("--make DIR or --data DIR")
    train, val = read(args.data, "train"), read(args.data, "val")
    import keras

    runs = []
    for seed in range(1, args.seeds + 1):
        runs.append(run(seed, train, val))
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    result = {"keras": keras.__version__, "recipe": RECIPE, "blockFilters": BLOCK_FILTERS, "runs": runs}
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
