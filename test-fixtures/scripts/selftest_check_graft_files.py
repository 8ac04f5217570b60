"""Self-test of check_graft_files.py, with files written by h5py (no Keras saver).

    python3 test-fixtures/scripts/selftest_check_graft_files.py

1. Writes <key>.keras2.h5, <key>.weights.h5 and <key>.full.h5 for every model key in
   the layouts graft is meant to write, and expects every check to pass.
2. Writes files with one perturbed weight (conv_a kernel element + 0.05), a swapped pair of layers and wrong
   .weights.h5 group names, and expects each of those checks to fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # keep __pycache__ out of the repo
sys.path.insert(0, str(HERE))

import keras_fixture_lib as lib  # noqa: E402
from keras_fixture_lib import h5py, np  # noqa: E402


def run_check(d: Path) -> tuple[int, list[dict]]:
    p = subprocess.run(
        [sys.executable, str(HERE / "check_graft_files.py"), str(d)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [json.loads(s) for s in p.stdout.splitlines() if s.startswith("{")]
    return p.returncode, lines


def write_good(d: Path) -> None:
    for key in lib.MODEL_KEYS:
        model = lib.build_model(key)
        spec = lib.layer_weight_spec(model, "keras2")
        # h5wasm (graft's writer) stores strings as vlen UTF-8; try both kinds.
        mode = "vlen_utf8" if key in ("mixed", "vgg19_tiny.top") else "vlen"
        with h5py.File(d / f"{key}.keras2.h5", "w") as f:
            lib.write_keras2_weights(f, spec, strings_mode=mode)
        with h5py.File(d / f"{key}.weights.h5", "w") as f:
            lib.write_keras3_weights_mimic(f, model)
        with h5py.File(d / f"{key}.full.h5", "w") as f:
            lib.write_keras2_full(f, spec, lib.keras2_model_config(model))


def write_bad(d: Path) -> dict[str, str]:
    """Files that must fail, with the reason each should fail."""
    expect = {}
    model = lib.build_model("mixed")
    spec = lib.layer_weight_spec(model, "keras2")
    # One element of the first kernel nudged by 0.05 (half the kernels' std; centre tap,
    # so every pixel uses it). The softmax output is nearly flat with these weights, so
    # a much smaller nudge (1e-3) stays under rel_err 1e-5.
    spec_p = [dict(s, values=[v.copy() for v in s["values"]]) for s in spec]
    assert spec_p[0]["group"] == "conv_a"
    spec_p[0]["values"][0][1, 1, 0, 0] += 0.05
    with h5py.File(d / "mixed.keras2.h5", "w") as f:
        lib.write_keras2_weights(f, spec_p)
    expect["mixed.keras2.h5"] = "conv_a kernel[1,1,0,0] + 0.05"

    # vgg16: block1_conv2 and block2_conv2 have different shapes -> load error.
    # vgg19 top: fc1 and fc2 are both (16, 16): swapping them loads fine but is wrong.
    m = lib.build_model("vgg19_tiny.top")
    spec = lib.layer_weight_spec(m, "keras2")
    idx = {s["group"]: i for i, s in enumerate(spec)}
    a, b = idx["fc1"], idx["fc2"]
    spec[a]["values"], spec[b]["values"] = spec[b]["values"], spec[a]["values"]
    with h5py.File(d / "vgg19_tiny.top.full.h5", "w") as f:
        lib.write_keras2_full(f, spec, lib.keras2_model_config(m))
    expect["vgg19_tiny.top.full.h5"] = "fc1 and fc2 weights swapped"

    # Keras 3 layout named after layer names instead of class names.
    m = lib.build_model("vgg16_tiny.notop")
    with h5py.File(d / "vgg16_tiny.notop.weights.h5", "w") as f:
        f.create_group("vars")
        for layer in m.layers:
            g = f.create_group(f"layers/{layer.name}/vars")
            for i, w in enumerate(lib.legacy_weights(layer)):
                g.create_dataset(str(i), data=np.asarray(w.numpy(), dtype=np.float32))
    expect["vgg16_tiny.notop.weights.h5"] = "layers/<layer name> instead of layers/conv2d_N"
    return expect


def main() -> int:
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "good"
        good.mkdir()
        write_good(good)
        rc, lines = run_check(good)
        for r in lines:
            print("good:", json.dumps(r))
        if rc != 0 or len(lines) != 3 * len(lib.MODEL_KEYS) or not all(r["ok"] for r in lines):
            failures.append(f"good files: exit {rc}, {sum(r['ok'] for r in lines)}/{len(lines)} ok")
        if any("load_model_error" in r for r in lines):
            failures.append("Keras could not load_model a Keras 2 full-model file")

        bad = Path(tmp) / "bad"
        bad.mkdir()
        expect = write_bad(bad)
        rc, lines = run_check(bad)
        for r in lines:
            print("bad: ", json.dumps(r))
        if rc != 1:
            failures.append(f"bad files: exit status {rc}, expected 1")
        by_file = {r["file"]: r for r in lines}
        for name, why in expect.items():
            if name not in by_file or by_file[name]["ok"]:
                failures.append(f"{name} ({why}) was not reported as failing")

        empty = Path(tmp) / "empty"
        empty.mkdir()
        rc, _ = run_check(empty)
        if rc != 2:
            failures.append(f"empty dir: exit status {rc}, expected 2")

    for f in failures:
        print("SELFTEST FAIL:", f)
    print("selftest", "FAILED" if failures else "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
