"""Writes test-fixtures/parity/: what real Keras gets from one training run, for graft to match.

    python3 test-fixtures/scripts/make_parity_fixtures.py

The run is the one `graft train` makes for these options, done by Keras end to end:

    graft train --data parity/data/train --val-data parity/data/val --weights none
      --initial-weights parity/init.h5 --block-filters 8,16,32,64,64 --input-size 32
      --head flatten,dense:16,dense:16 --freeze 5 --augment none --shuffle false
      --batch-size 8 --epochs 5 --patience 0 --preprocess caffe
      --optimizer sgd --lr 0.001 --momentum 0.9     (and --optimizer adam --lr 0.00003)

- data/{train,val}/<class>/NNN.png: three classes of 48x40 RGB pictures (seeded numpy:
  bars, rings and checks in class-typical colours, with noise), 10 per class to train
  (30 images: three batches of 8 and one of 6) and 4 to validate. They are resized to
  32x32 on the way in, as flow_from_directory does (nearest), so decoding, resizing,
  caffe preprocessing, class order and one-hot labels are all in the path.
- init.h5: the network's starting weights, saved by Keras (model.save, the legacy HDF5
  full-model file) with graft's layer names: the base (keras.applications' VGG19 names) is
  @graft/demo's pretrained narrow VGG19, loaded with Keras' load_weights; the head
  (head_dense_1, head_dense_2, predictions) is initialised by Keras (glorot-uniform
  kernels, zero biases). A fine-tune from a pretrained base, so the five epochs learn.
- goldens.json: for SGD with momentum and for Adam, Keras' loss, accuracy, val_loss and
  val_accuracy at the end of each of the 5 epochs, the loss of the initial weights on the
  validation images, and the versions that made them. The images come through Keras'
  ImageDataGenerator.flow_from_directory (shuffle=False, nearest resize, VGG19's
  preprocess_input) and are fitted as arrays with shuffle=False (see `batches`), with
  layers[:5] frozen and categorical cross-entropy.

The learning rates are small enough that the run is not chaotic: Keras itself, with op
determinism and with its oneDNN kernels turned off (TF_ENABLE_ONEDNN_OPTS=0), agrees to
about 2e-7 on every figure of every epoch. Adam is the sensitive one (it turns gradients
near zero into steps of a fixed size, so rounding noise in them moves weights): at lr
1e-4 the two Keras variants part by 2e-3 on the fourth epoch and 7% on the fifth, at 5e-5
by 5e-3, at 3e-5 by 2e-7. No other implementation could be held to Keras where Keras is
not held to itself.

Deterministic (fixed seeds, TensorFlow op determinism, no XLA): two runs on one machine
write the same files. It deletes and rewrites test-fixtures/parity/ completely. About half
a minute on two cores.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import warnings
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
warnings.filterwarnings("ignore")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "parity"
SEED = 20261206
CLASSES = ("bars", "checks", "rings")
PER_CLASS = {"train": 10, "val": 4}
PICTURE = (40, 48)  # height, width: not square and not 32, so the resize is exercised
INPUT_SIZE = 32
REPO = Path(__file__).resolve().parents[2]
# The starting base: @graft/demo's pretrained narrow VGG19 (Keras 3 save_weights).
DEMO = REPO / "packages" / "demo" / "data"
BLOCK_FILTERS = tuple(json.loads((DEMO / "manifest.json").read_text())["blockFilters"])
VGG19_CONVS = (2, 2, 4, 4, 4)
HEAD_UNITS = (16, 16)
FREEZE = 5
BATCH_SIZE = 8
EPOCHS = 5
RUNS = {
    "sgd": {"optimizer": "sgd", "lr": 0.001, "momentum": 0.9},
    "adam": {"optimizer": "adam", "lr": 0.00003},
}


def picture(cls: int, rng: np.random.Generator) -> np.ndarray:
    """One HxWx3 uint8 picture: a class-typical pattern in a class-typical colour, with noise."""
    h, w = PICTURE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    phase = rng.uniform(0, 2 * np.pi)
    period = rng.uniform(5, 9)
    if cls == 0:
        pattern = np.sin(2 * np.pi * xx / period + phase)
    elif cls == 1:
        pattern = np.sign(np.sin(2 * np.pi * xx / period + phase) * np.sin(2 * np.pi * yy / period))
    else:
        cy, cx = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w
        pattern = np.sin(2 * np.pi * np.hypot(yy - cy, xx - cx) / period + phase)
    base = np.array([[200, 80, 60], [70, 170, 90], [60, 90, 200]][cls], dtype=np.float64)
    colour = base + rng.normal(0, 25, 3)
    img = 128 + 0.5 * pattern[..., None] * (colour[None, None, :] - 60) + rng.normal(0, 12, (h, w, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def write_data(rng: np.random.Generator) -> None:
    for split, n in PER_CLASS.items():
        for c, name in enumerate(CLASSES):
            folder = OUT / "data" / split / name
            folder.mkdir(parents=True)
            for i in range(n):
                Image.fromarray(picture(c, rng), "RGB").save(folder / f"{i:03d}.png", optimize=True)


def build_model() -> keras.Model:
    """graft's large-similar network: the demo's pretrained narrow VGG19 base, then Flatten,
    Dense, Dense and softmax initialised by Keras."""
    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, 3), name="input_1")
    x = inputs
    for b, (filters, convs) in enumerate(zip(BLOCK_FILTERS, VGG19_CONVS), start=1):
        for i in range(1, convs + 1):
            x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"block{b}_conv{i}")(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(x)
    base = keras.Model(inputs, x, name="vgg19")
    base.load_weights(DEMO / "vgg19_demo_notop.weights.h5")
    x = layers.Flatten(name="head_flatten_1")(base.output)
    for i, units in enumerate(HEAD_UNITS, start=1):
        x = layers.Dense(units, activation="relu", name=f"head_dense_{i}")(x)
    outputs = layers.Dense(len(CLASSES), activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="vgg19_large_similar")


def flow(split: str):
    gen = ImageDataGenerator(preprocessing_function=keras.applications.vgg19.preprocess_input)
    return gen.flow_from_directory(
        str(OUT / "data" / split),
        target_size=(INPUT_SIZE, INPUT_SIZE),
        batch_size=BATCH_SIZE,
        class_mode="categorical",
        shuffle=False,
        interpolation="nearest",
    )


def batches(split: str) -> tuple[np.ndarray, np.ndarray]:
    """Every batch of the iterator, in order, as two arrays. Keras 3's fit() on the legacy
    iterator itself fetches batches on worker threads, and the order in which the first
    ones arrive varies from run to run; arrays with shuffle=False keep Keras' batches (8,
    8, 8, 6) in file order every time."""
    it = flow(split)
    parts = [it[i] for i in range(len(it))]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def optimizer(run: dict) -> keras.optimizers.Optimizer:
    if run["optimizer"] == "sgd":
        return keras.optimizers.SGD(learning_rate=run["lr"], momentum=run["momentum"])
    return keras.optimizers.Adam(learning_rate=run["lr"])


def train(run: dict) -> dict:
    keras.backend.clear_session()
    model = keras.models.load_model(OUT / "init.h5", compile=False)
    for layer in model.layers[:FREEZE]:
        layer.trainable = False
    model.compile(
        optimizer=optimizer(run),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        jit_compile=False,
    )
    x, y = batches("train")
    xv, yv = batches("val")
    initial = model.evaluate(xv, yv, batch_size=BATCH_SIZE, verbose=0, return_dict=True)
    history = model.fit(
        x,
        y,
        batch_size=BATCH_SIZE,
        shuffle=False,
        validation_data=(xv, yv),
        epochs=EPOCHS,
        verbose=0,
    )
    h = history.history
    epochs = [
        {k: float(h[k][e]) for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
        for e in range(EPOCHS)
    ]
    return {**run, "initial_val_loss": float(initial["loss"]), "epochs": epochs}


def main() -> None:
    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    write_data(np.random.default_rng(SEED))
    model = build_model()
    model.save(OUT / "init.h5")
    it = flow("train")
    goldens = {
        "description": "Keras' per-epoch results for the run described in make_parity_fixtures.py",
        "classes": list(it.class_indices),
        "config": {
            "input_size": INPUT_SIZE,
            "block_filters": list(BLOCK_FILTERS),
            "head": ",".join(["flatten", *[f"dense:{u}" for u in HEAD_UNITS]]),
            "freeze": FREEZE,
            "batch_size": BATCH_SIZE,
            "epochs": EPOCHS,
            "train_images": it.samples,
        },
        "runs": {name: train(run) for name, run in RUNS.items()},
        "versions": {
            "keras": keras.__version__,
            "tensorflow": tf.__version__,
            "numpy": np.__version__,
            "h5py": h5py.__version__,
            "pillow": PIL.__version__,
            "python": platform.python_version(),
            "machine": platform.processor() or platform.machine(),
        },
    }
    (OUT / "goldens.json").write_text(json.dumps(goldens, indent=2) + "\n")
    for name, run in goldens["runs"].items():
        last = run["epochs"][-1]
        print(
            f"{name}: initial val_loss {run['initial_val_loss']:.4f}; epoch {EPOCHS}: "
            f"loss {last['loss']:.4f} acc {last['accuracy']:.3f} "
            f"val_loss {last['val_loss']:.4f} val_acc {last['val_accuracy']:.3f}"
        )


if __name__ == "__main__":
    main()
