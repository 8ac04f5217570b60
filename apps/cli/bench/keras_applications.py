"""Reference for apps/cli/bench/applications.bench.ts: Keras (TensorFlow CPU, oneDNN) on
the same network and recipe as `graft bench --model NAME`. Prints one JSON line.

    python3 keras_applications.py --model resnet50 --task extract|train [--size 224] [--batch 8] [--steps 3]

extract: the base without top (weights=None), inference mode. train: the base with
layers[:5] frozen, GlobalAveragePooling2D -> Dense 1024 relu -> Dropout 0.5 -> Dense 1024
relu -> Dense 16 softmax, SGD lr 1e-4 momentum 0.9, categorical cross-entropy, on random
data; one untimed step first.
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

parser = argparse.ArgumentParser()
parser.add_argument("--model", required=True)
parser.add_argument("--task", choices=["extract", "train"], required=True)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

CONSTRUCTORS = {
    "vgg16": (keras.applications.VGG16, keras.applications.vgg16.preprocess_input),
    "vgg19": (keras.applications.VGG19, keras.applications.vgg19.preprocess_input),
    "resnet50": (keras.applications.ResNet50, keras.applications.resnet.preprocess_input),
    "resnet101": (keras.applications.ResNet101, keras.applications.resnet.preprocess_input),
    "resnet152": (keras.applications.ResNet152, keras.applications.resnet.preprocess_input),
    "resnet50v2": (keras.applications.ResNet50V2, keras.applications.resnet_v2.preprocess_input),
    "resnet101v2": (keras.applications.ResNet101V2, keras.applications.resnet_v2.preprocess_input),
    "resnet152v2": (keras.applications.ResNet152V2, keras.applications.resnet_v2.preprocess_input),
    "mobilenet": (keras.applications.MobileNet, keras.applications.mobilenet.preprocess_input),
    "mobilenetv2": (keras.applications.MobileNetV2, keras.applications.mobilenet_v2.preprocess_input),
    # Rescaling is inside the model; their preprocess_input returns its input.
    "mobilenetv3small": (
        keras.applications.MobileNetV3Small,
        keras.applications.mobilenet_v3.preprocess_input,
    ),
    "mobilenetv3large": (
        keras.applications.MobileNetV3Large,
        keras.applications.mobilenet_v3.preprocess_input,
    ),
    "densenet121": (keras.applications.DenseNet121, keras.applications.densenet.preprocess_input),
    "densenet169": (keras.applications.DenseNet169, keras.applications.densenet.preprocess_input),
    "densenet201": (keras.applications.DenseNet201, keras.applications.densenet.preprocess_input),
    "xception": (keras.applications.Xception, keras.applications.xception.preprocess_input),
    "inception_v3": (keras.applications.InceptionV3, keras.applications.inception_v3.preprocess_input),
    **{
        f"efficientnetb{i}": (
            getattr(keras.applications, f"EfficientNetB{i}"),
            keras.applications.efficientnet.preprocess_input,
        )
        for i in range(8)
    },
    **{
        f"efficientnetv2{m.lower()}": (
            getattr(keras.applications, f"EfficientNetV2{m}"),
            keras.applications.efficientnet_v2.preprocess_input,
        )
        for m in ("B0", "B1", "B2", "B3", "S", "M", "L")
    },
    "inception_resnet_v2": (
        keras.applications.InceptionResNetV2,
        keras.applications.inception_resnet_v2.preprocess_input,
    ),
    "nasnetmobile": (keras.applications.NASNetMobile, keras.applications.nasnet.preprocess_input),
    "nasnetlarge": (keras.applications.NASNetLarge, keras.applications.nasnet.preprocess_input),
}
build, preprocess = CONSTRUCTORS[args.model]
base = build(weights=None, include_top=False, input_shape=(args.size, args.size, 3))
rng = np.random.default_rng(0)
x = preprocess(rng.uniform(0, 255, (args.batch, args.size, args.size, 3)).astype("float32"))
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
    vgg = args.model.startswith("vgg")
    h = keras.layers.Flatten()(base.output) if vgg else keras.layers.GlobalAveragePooling2D()(base.output)
    h = keras.layers.Dense(1024, activation="relu")(h)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.Dense(1024, activation="relu")(h)
    out = keras.layers.Dense(16, activation="softmax")(h)
    model = keras.Model(base.input, out)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4, momentum=0.9), loss="categorical_crossentropy", metrics=["accuracy"])
    y = keras.utils.to_categorical(np.arange(args.batch) % 16, 16)
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        model.train_on_batch(x, y)
        if i > 0:
            times.append(time.perf_counter() - t0)
mean = sum(times) / len(times)
print(json.dumps({"reference": "keras", "keras": keras.__version__, "tensorflow": tf.__version__, "model": args.model,
                  "task": args.task, "input_size": args.size, "batch_size": args.batch, "step_seconds": times, "img_per_s": args.batch / mean}))
