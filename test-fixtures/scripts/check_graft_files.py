"""Checks weight files that graft wrote, with Keras' own loaders.

    python3 test-fixtures/scripts/check_graft_files.py DIR [--rtol 1e-5]

For each model key in test-fixtures/keras/manifest.json (vgg19_tiny.notop,
vgg19_tiny.top, vgg16_tiny.notop, mixed) it looks in DIR for

    <key>.keras2.h5     Keras 2 layout, weights only   -> model.load_weights (legacy h5)
    <key>.weights.h5    Keras 3 layout                 -> model.load_weights
    <key>.full.h5       Keras 2 full-model layout      -> model.load_weights, and
                                                          keras.models.load_model (reported)

rebuilds the same Keras model (with Keras' random initial weights), loads the file,
predicts on the golden input and compares with the golden output. One JSON line per
file: {"file", "key", "kind", "ok", "max_abs_err", "rel_err", "error", ...}.
rel_err = max|got - golden| / max|golden|. Exit status 1 if any file fails, 2 if DIR
holds none of these files.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras_fixture_lib as lib  # noqa: E402
from keras_fixture_lib import keras, np  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "keras"
KINDS = {".keras2.h5": "keras2", ".weights.h5": "keras3_weights", ".full.h5": "full"}


def check_file(path: Path, key: str, kind: str, x, y, rtol: float) -> dict:
    res: dict = {"file": path.name, "key": key, "kind": kind, "ok": False,
                 "max_abs_err": None, "rel_err": None, "error": None}  # fmt: skip
    try:
        model = lib.build_untrained(key)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # Keras picks the loader from the name: `.weights.h5` -> Keras 3 layout,
            # other `.h5` -> legacy loader (topological, via /model_weights if present).
            model.load_weights(str(path))
        msgs = sorted({str(w.message) for w in caught})
        if msgs:
            res["warnings"] = msgs
        got = model.predict(x, verbose=0)
        res["max_abs_err"], res["rel_err"] = lib.compare(got, y)
        res["ok"] = bool(res["rel_err"] <= rtol)
        if not res["ok"]:
            res["error"] = f"output differs from Keras golden: rel_err {res['rel_err']:.3g} > {rtol:g}"
    except Exception as e:
        res["error"] = f"{type(e).__name__}: {e}"
    if kind == "full":
        # Informational: whether Keras can rebuild the model from the file's config.
        try:
            keras.backend.clear_session()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loaded = keras.models.load_model(str(path), compile=False)
            res["load_model_rel_err"] = lib.compare(loaded.predict(x, verbose=0), y)[1]
        except Exception as e:
            res["load_model_error"] = f"{type(e).__name__}: {e}"
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-5)
    ap.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = ap.parse_args(argv)

    manifest = json.loads((args.fixtures / "manifest.json").read_text(encoding="utf8"))
    results = []
    for key, m in manifest["models"].items():
        x = np.load(args.fixtures / m["input"])
        y = np.load(args.fixtures / m["output"])
        for suffix, kind in KINDS.items():
            path = args.dir / f"{key}{suffix}"
            if path.is_file():
                res = check_file(path, key, kind, x, y, args.rtol)
                print(json.dumps(res), flush=True)
                results.append(res)
    if not results:
        names = ", ".join(f"<key>{s}" for s in KINDS)
        print(json.dumps({"file": None, "ok": False, "error": f"no {names} files in {args.dir}; "
                          f"keys: {', '.join(manifest['models'])}"}))  # fmt: skip
        return 2
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
