"""Checks whole-model files that graft wrote, with Keras' own `load_model`.

    python3 test-fixtures/scripts/check_graft_models.py DIR [--rtol 1e-5] [--resave OUT]

DIR holds, for each model NAME,

    NAME.h5 and/or NAME.keras   written by graft's saveKerasModel
    NAME.input.npy              the input graft predicted on
    NAME.output.npy             graft's prediction

Each model file is loaded with `keras.models.load_model(path, compile=False)`
(no model code: the architecture comes from the file; the one class Keras' applications
define without registering it, InceptionResNetV2's CustomScaleLayer, is passed as a custom
object, as a Keras user loading their own InceptionResNetV2 must), predicts on the input
and is compared with graft's prediction. One JSON line per file:
{"file", "name", "ok", "class_name", "layers", "max_abs_err", "rel_err", "error"},
rel_err = max|keras - graft| / max|graft|. Exit status 1 if any file fails, 2 if
DIR holds no model file with its .npy pair.

With --resave OUT, every model that loaded is saved again by Keras as
OUT/NAME.from_<ext>.keras (Keras 3 archive) and OUT/NAME.from_<ext>.h5 (Keras 3's
legacy HDF5), with OUT/NAME.input.npy and Keras' own prediction
OUT/NAME.from_<ext>.output.npy: goldens for graft reading files Keras wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras.src.applications.inception_resnet_v2 import CustomScaleLayer  # noqa: E402

MODEL_EXTS = (".h5", ".keras")


def compare(got: np.ndarray, want: np.ndarray) -> tuple[float, float]:
    if got.shape != want.shape:
        raise ValueError(f"output shape {list(got.shape)} != graft's {list(want.shape)}")
    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = float(np.abs(want).max()) if want.size else 0.0
    return max_abs, max_abs / max(scale, 1e-30)


def check_file(path: Path, name: str, x, y, rtol: float, resave: Path | None) -> dict:
    res: dict = {"file": path.name, "name": name, "ok": False, "class_name": None,
                 "layers": None, "max_abs_err": None, "rel_err": None, "error": None}  # fmt: skip
    try:
        keras.backend.clear_session()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = keras.models.load_model(
                str(path), compile=False, custom_objects={"CustomScaleLayer": CustomScaleLayer}
            )
        msgs = sorted({str(w.message) for w in caught})
        if msgs:
            res["warnings"] = msgs
        res["class_name"] = type(model).__name__
        res["layers"] = [layer.name for layer in model.layers]
        got = np.asarray(model.predict(x, verbose=0))
        res["max_abs_err"], res["rel_err"] = compare(got, y)
        res["ok"] = bool(res["rel_err"] <= rtol)
        if not res["ok"]:
            res["error"] = f"Keras' prediction differs from graft's: rel_err {res['rel_err']:.3g} > {rtol:g}"
        elif resave is not None:
            stem = f"{name}.from_{path.suffix[1:]}"
            model.save(str(resave / f"{stem}.keras"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "HDF5 is legacy" is the point here
                model.save(str(resave / f"{stem}.h5"))
            np.save(resave / f"{stem}.output.npy", got.astype(np.float32))
            shutil.copyfile(path.parent / f"{name}.input.npy", resave / f"{name}.input.npy")
            res["resaved"] = [f"{stem}.keras", f"{stem}.h5"]
    except Exception as e:
        res["error"] = f"{type(e).__name__}: {e}"
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--resave", type=Path, default=None)
    args = ap.parse_args(argv)
    if args.resave is not None:
        args.resave.mkdir(parents=True, exist_ok=True)

    results = []
    for path in sorted(args.dir.iterdir()):
        if path.suffix not in MODEL_EXTS or ".from_" in path.name:
            continue
        name = path.name[: -len(path.suffix)]
        xin, yout = args.dir / f"{name}.input.npy", args.dir / f"{name}.output.npy"
        if not (xin.is_file() and yout.is_file()):
            continue
        res = check_file(path, name, np.load(xin), np.load(yout), args.rtol, args.resave)
        print(json.dumps(res), flush=True)
        results.append(res)
    if not results:
        print(json.dumps({"file": None, "ok": False,
                          "error": f"no NAME.h5/NAME.keras with NAME.input.npy and NAME.output.npy in {args.dir}"}))  # fmt: skip
        return 2
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
