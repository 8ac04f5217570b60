"""Reference for native/bench: Keras (TensorFlow CPU, oneDNN) on the same
network and recipe as `graft bench`. Prints one JSON line per task.

    python3 keras_vgg19.py --task extract|train [--size 224] [--batch 8] [--steps 3] [--bf16]
                           [--filters 64,128,256,512,512]

--filters builds the VGG19 shape with other block widths (keras.applications fixes them).
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

parser = argparse.ArgumentParser()
parser.add_argument("--task", choices=["extract", "train"], required=True)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--steps", type=int, default=3)
parser.add_argument("--bf16", action="store_true", help="Keras mixed_bfloat16 policy")
parser.add_argument("--filters", default="64,128,256,512,512", help="the five blocks' widths")
args = parser.parse_args()

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

if args.bf16:
    keras.mixed_precision.set_global_policy("mixed_bfloat16")

filters = [int(f) for f in args.filters.split(",")]


def vgg19_base(widths):
    """VGG19's base with Keras' layer names and the given block widths."""
    inp = keras.Input((args.size, args.size, 3))
    h = inp
    for b, (width, convs) in enumerate(zip(widths, [2, 2, 4, 4, 4]), start=1):
        for i in range(1, convs + 1):
            h = keras.layers.Conv2D(width, 3, padding="same", activation="relu", name=f"block{b}_conv{i}")(h)
        h = keras.layers.MaxPooling2D(2, strides=2, name=f"block{b}_pool")(h)
    return keras.Model(inp, h, name="vgg19")


if filters == [64, 128, 256, 512, 512]:
    base = keras.applications.VGG19(weights=None, include_top=False, input_shape=(args.size, args.size, 3))
else:
    base = vgg19_base(filters)
rng = np.random.default_rng(0)
x = keras.applications.vgg19.preprocess_input(rng.uniform(0, 255, (args.batch, args.size, args.size, 3)).astype("float32"))
times = []
if args.task == "extract":
    fn = tf.function(lambda t: base(t, training=False))
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        fn(x).numpy()
        if i > 0:
            times.append(time.perf_counter() - t0)
else:
    for layer in base.layers[:5]:
        layer.trainable = False
    h = keras.layers.Flatten()(base.output)
    h = keras.layers.Dense(1024, activation="relu")(h)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.Dense(1024, activation="relu")(h)
    out = keras.layers.Dense(16, activation="softmax", dtype="float32")(h)
    model = keras.Model(base.input, out)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
    y = keras.utils.to_categorical(np.arange(args.batch) % 16, 16)
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        if i > 0:
            times.append(time.perf_counter() - t0)
mean = sum(times) / len(times)
print(json.dumps({"reference": "keras-bf16" if args.bf16 else "keras", "keras": keras.__version__, "tensorflow": tf.__version__,
                  "task": args.task, "input_size": args.size, "batch_size": args.batch, "filters": filters, "step_seconds": times, "img_per_s": args.batch / mean}))
