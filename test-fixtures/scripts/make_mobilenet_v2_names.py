"""Writes test-fixtures/applications/mobilenet_v2_files.json and mobilenet_files.json: the
file names and URLs real Keras' MobileNetV2(weights="imagenet") and MobileNet(weights=
"imagenet") ask get_file for, for several widths, sides and tops. Keras gives these files no
checksum; graft must name them exactly as Keras does so that each side reuses the other's
cache.

    python3 test-fixtures/scripts/make_mobilenet_v2_names.py

get_file is intercepted (nothing is downloaded): the call is recorded, then stopped.
"""

from __future__ import annotations

import json
from pathlib import Path

import keras
from keras.src.applications import mobilenet, mobilenet_v2

DIR = Path(__file__).resolve().parent.parent / "applications"

# (alpha, input shape or None, include_top)
CASES_V1 = [
    (1.0, None, True),
    (1.0, None, False),
    (0.25, (128, 128, 3), True),
    (0.5, (160, 160, 3), False),
    (0.75, (200, 200, 3), False),
    (1.0, (192, 160, 3), False),
]
CASES = [
    (1.0, None, True),
    (1.0, None, False),
    (0.35, (96, 96, 3), True),
    (0.35, (96, 96, 3), False),
    (0.5, (128, 128, 3), False),
    (0.75, (200, 200, 3), False),
    (1.3, (224, 224, 3), True),
    (1.4, (160, 192, 3), False),
]


class Captured(Exception):
    pass


def capture(module, ctor, cases, out: Path) -> None:
    calls = []

    def record(fname, origin, **kwargs):
        calls.append({"fname": fname, "origin": origin, "file_hash": kwargs.get("file_hash")})
        raise Captured()

    saved = module.file_utils.get_file
    module.file_utils.get_file = record
    rows = []
    try:
        for alpha, shape, top in cases:
            keras.backend.clear_session()
            try:
                ctor(alpha=alpha, input_shape=shape, include_top=top, weights="imagenet")
            except Captured:
                pass
            rows.append(
                {
                    "alpha": alpha,
                    "input_shape": list(shape) if shape else None,
                    "include_top": top,
                    **calls[-1],
                }
            )
    finally:
        module.file_utils.get_file = saved
    doc = {
        "generator": "test-fixtures/scripts/make_mobilenet_v2_names.py",
        "keras": keras.__version__,
        "base_url": module.BASE_WEIGHT_PATH,
        "files": rows,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"{out}: {len(rows)} files")


def main() -> None:
    capture(mobilenet_v2, keras.applications.MobileNetV2, CASES, DIR / "mobilenet_v2_files.json")
    capture(mobilenet, keras.applications.MobileNet, CASES_V1, DIR / "mobilenet_files.json")


if __name__ == "__main__":
    main()
