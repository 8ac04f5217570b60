"""Keras' recipe pipeline (Pillow + ImageDataGenerator.flow_from_directory, one process) over a folder.
Prints {"images_per_second": ...} as its last line."""
import json
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402

directory, epochs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1
gen = ImageDataGenerator(rescale=1.0 / 255, horizontal_flip=True, fill_mode="nearest", zoom_range=0.3,
                         width_shift_range=0.3, height_shift_range=0.3, rotation_range=30)
it = gen.flow_from_directory(directory, target_size=(256, 256), batch_size=16, class_mode="categorical", seed=1)
for _ in range(3):
    next(it)
it.reset()
t0 = time.perf_counter()
n = 0
for _ in range(epochs * len(it)):
    x, y = next(it)
    n += len(x)
s = time.perf_counter() - t0
print(json.dumps({"images": n, "seconds": s, "images_per_second": n / s}))
