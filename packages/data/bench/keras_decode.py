"""Keras' flow_from_directory without augmentation (Pillow decode + nearest resize + batching,
one process). Prints {"images_per_second": ...} as its last line."""
import json
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402

it = ImageDataGenerator().flow_from_directory(sys.argv[1], target_size=(256, 256), batch_size=16, seed=1)
for _ in range(3):
    next(it)
it.reset()
t0 = time.perf_counter()
n = 0
for _ in range(len(it)):
    x, _y = next(it)
    n += len(x)
s = time.perf_counter() - t0
print(json.dumps({"images": n, "seconds": s, "images_per_second": n / s}))
