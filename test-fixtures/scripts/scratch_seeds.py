"""Keras' side of the from-scratch seed comparison (issue 14, item 7b): the demo's recipe from
Keras' default initialisation, on the demo's shipped PNGs, over N seeds.

    python3 test-fixtures/scripts/scratch_seeds.py [--seeds 10] [--out keras-scratch.json]

The run is make_demo_fixtures.py's `run_recipe(None, …)`: the narrow VGG19 with glorot-uniform
kernels and zero biases, Flatten → Dense 64 relu → Dropout 0.5 → Dense 5 softmax, every layer
trainable, SGD 0.01 momentum 0.9, batch 20, 15 epochs, the demo's augmentation, caffe inputs.
Seeds are 1 … N (graft's side, packages/scenarios/bench/scratch-seeds.ts, uses the same
numbers, though the two RNGs share nothing). Prints one JSON object: per seed the last and
best epochs' val accuracy. Nothing here is a test: it is slow and statistical.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

import make_demo_fixtures as demo  # noqa: E402
import numpy as np  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    xt, yt, _ = demo.read_pngs("train")
    xv, yv, _ = demo.read_pngs("val")
    target = {"train": (xt, yt), "val": (xv, yv)}
    runs = []
    for seed in range(1, args.seeds + 1):
        r = demo.run_recipe(None, target, seed)
        runs.append({"seed": seed, "last": r["val_accuracy_final"], "best": r["val_accuracy_best"]})
        print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    result = {
        "measuredWith": "keras",
        "runs": runs,
        "meanLast": round(float(np.mean([r["last"] for r in runs])), 4),
        "meanBest": round(float(np.mean([r["best"] for r in runs])), 4),
    }
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
