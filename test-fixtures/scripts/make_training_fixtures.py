"""Writes test-fixtures/training/: what Keras' own callbacks do, for @graft/training.

    python3 test-fixtures/scripts/make_training_fixtures.py [--skip-roundtrip]

Everything here is Keras running on synthetic, fixed inputs, so the goldens are
exact and do not depend on a training run:

  callbacks.json      EarlyStopping, ReduceLROnPlateau and ModelCheckpoint(save_best_only)
                      driven by fixed per-epoch logs: when training stops, which epoch's
                      weights are restored, the learning rate after each epoch, which
                      epochs are saved.
  csv_logger/*.csv    CSVLogger output (bytes) for fixed logs, with the logs in
                      csv_logger/cases.json.
  keras_roundtrip/    Python Keras re-saving models that graft wrote: graft writes its tiny
                      Sequential and Functional models (packages/weights/test/helpers/
                      tiny-models.ts, run with tsx), check_graft_models.py loads them with
                      keras.models.load_model, checks the predictions and saves them again
                      as .keras and legacy .h5 with Keras' own prediction.
  manifest.json       versions and a description of each file.

The script deletes and rewrites the folder. No clock or random state reaches the
files except the zip times and `date_saved` inside the .keras archives.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import h5py  # noqa: E402
import numpy as np  # noqa: E402

import keras  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT.parent
OUT = ROOT / "training"
LR0 = 0.1


def dummy_model() -> keras.Model:
    """The smallest compiled model callbacks can be attached to."""
    keras.backend.clear_session()
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1, name="dense")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=LR0), loss="mse")
    return model


def mark_weights(model: keras.Model, epoch: int) -> None:
    """Every weight holds the epoch number, so restored weights name their epoch."""
    model.set_weights([np.full(w.shape, float(epoch), dtype=np.float32) for w in model.get_weights()])


def run_early_stopping(args: dict, values: list[float], monitor: str) -> dict:
    model = dummy_model()
    cb = keras.callbacks.EarlyStopping(monitor=monitor, **args)
    cb.set_model(model)
    model.stop_training = False
    cb.on_train_begin()
    ran, stopped_at = 0, None
    for epoch, v in enumerate(values):
        mark_weights(model, epoch)
        cb.on_epoch_end(epoch, {monitor: v})
        ran = epoch + 1
        if model.stop_training:
            stopped_at = epoch
            break
    cb.on_train_end()
    restored = float(model.get_weights()[0].flat[0])
    return {"epochs_run": ran, "stopped_epoch": stopped_at,
            "restored_epoch": int(restored) if args.get("restore_best_weights") else None,
            "best": None if cb.best is None else float(cb.best), "best_epoch": cb.best_epoch}  # fmt: skip


def run_reduce_lr(args: dict, values: list[float], monitor: str) -> dict:
    model = dummy_model()
    cb = keras.callbacks.ReduceLROnPlateau(monitor=monitor, **args)
    cb.set_model(model)
    cb.on_train_begin()
    lrs, logged = [], []
    for epoch, v in enumerate(values):
        logs = {monitor: v}
        cb.on_epoch_end(epoch, logs)
        logged.append(logs.get("learning_rate"))
        lrs.append(float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)))
    return {"lr_after_epoch": lrs, "logged_learning_rate": logged}


def run_checkpoint(args: dict, values: list[float], monitor: str) -> dict:
    model = dummy_model()
    with tempfile.TemporaryDirectory() as tmp:
        pattern = os.path.join(tmp, "ckpt-{epoch:02d}.weights.h5")
        cb = keras.callbacks.ModelCheckpoint(pattern, monitor=monitor, save_weights_only=True, **args)
        cb.set_model(model)
        cb.on_train_begin()
        for epoch, v in enumerate(values):
            cb.on_epoch_begin(epoch)
            cb.on_epoch_end(epoch, {monitor: v})
        saved = sorted(int(n[5:7]) - 1 for n in os.listdir(tmp))
    return {"saved_epochs": saved, "best": None if cb.best is None else float(cb.best)}


# Each case: callback, Keras kwargs (snake_case), the monitored key and its value per epoch.
CASES = [
    ("early_stopping", "patience0_stops_on_first_non_improvement", {"patience": 0}, "val_loss", [1.0, 0.9, 0.95, 0.8]),
    ("early_stopping", "patience2", {"patience": 2}, "val_loss", [1.0, 0.9, 0.9, 0.95, 0.8, 0.85, 0.86, 0.87]),
    ("early_stopping", "tie_is_not_improvement", {"patience": 1}, "val_loss", [0.5, 0.5, 0.5, 0.5]),
    ("early_stopping", "min_delta", {"patience": 1, "min_delta": 0.05}, "val_loss", [1.0, 0.97, 0.9, 0.88, 0.86, 0.8]),
    ("early_stopping", "min_delta_exact_boundary", {"patience": 0, "min_delta": 0.25}, "val_loss", [1.0, 0.75, 0.5]),
    ("early_stopping", "max_mode", {"patience": 1, "mode": "max"}, "val_acc", [0.5, 0.6, 0.6, 0.55, 0.7]),
    ("early_stopping", "baseline_never_beaten", {"patience": 2, "baseline": 0.5}, "val_loss", [0.8, 0.7, 0.6, 0.55, 0.52]),
    ("early_stopping", "baseline_beaten", {"patience": 1, "baseline": 0.75}, "val_loss", [0.8, 0.7, 0.6, 0.65, 0.66]),
    ("early_stopping", "restore_best_weights", {"patience": 2, "restore_best_weights": True}, "val_loss", [1.0, 0.7, 0.8, 0.9, 0.6]),
    ("early_stopping", "restore_best_without_stop", {"patience": 5, "restore_best_weights": True}, "val_loss", [1.0, 0.7, 0.8, 0.9]),
    ("early_stopping", "start_from_epoch", {"patience": 0, "start_from_epoch": 2}, "val_loss", [1.0, 2.0, 3.0, 2.5, 2.6]),
    ("early_stopping", "compared_in_float32", {"patience": 0}, "val_loss", [1.0, 0.99999999, 0.9]),
    ("early_stopping", "loss_auto_mode", {"patience": 1}, "loss", [3.0, 2.0, 2.5, 2.4]),
    ("reduce_lr_on_plateau", "defaults_patience2", {"patience": 2}, "val_loss", [1.0, 1.0, 1.0, 0.9, 0.95, 0.95, 0.95, 0.95]),
    ("reduce_lr_on_plateau", "factor_half_cooldown1", {"patience": 1, "factor": 0.5, "cooldown": 1}, "val_loss", [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]),
    ("reduce_lr_on_plateau", "min_lr", {"patience": 1, "factor": 0.2, "min_lr": 0.005}, "val_loss", [1.0, 1.1, 1.2, 1.3, 1.4, 1.5]),
    ("reduce_lr_on_plateau", "min_delta", {"patience": 1, "factor": 0.5, "min_delta": 0.1}, "val_loss", [1.0, 0.95, 0.85, 0.84, 0.7]),
    ("reduce_lr_on_plateau", "max_mode", {"patience": 1, "factor": 0.5, "mode": "max", "min_delta": 0}, "val_acc", [0.5, 0.5, 0.6, 0.6, 0.55]),
    ("model_checkpoint", "save_best_only_min", {"save_best_only": True}, "val_loss", [1.0, 0.8, 0.8, 0.9, 0.7]),
    ("model_checkpoint", "save_best_only_max", {"save_best_only": True, "mode": "max"}, "val_acc", [0.5, 0.4, 0.6, 0.6, 0.61]),
    ("model_checkpoint", "save_every_epoch", {}, "val_loss", [1.0, 2.0, 3.0]),
]
RUNNERS = {"early_stopping": run_early_stopping, "reduce_lr_on_plateau": run_reduce_lr,
           "model_checkpoint": run_checkpoint}  # fmt: skip


def make_callbacks() -> dict:
    out = []
    for callback, name, args, monitor, values in CASES:
        expected = RUNNERS[callback](args, values, monitor)
        out.append({"callback": callback, "name": name, "args": args, "monitor": monitor,
                    "values": values, "expected": expected})  # fmt: skip
    return {"initial_learning_rate": LR0, "cases": out}


F32 = lambda x: float(np.float32(x))  # noqa: E731  (what a float32 metric looks like as a Python float)

CSV_CASES = [
    {"name": "train_and_val", "separator": ",", "append": False, "runs": [[
        {"loss": F32(0.6931471805599453), "acc": 0.5, "val_loss": F32(0.1), "val_acc": 1.0},
        {"loss": 1e-05, "acc": 0.0001, "val_loss": 123456789.0, "val_acc": 0.25},
        {"loss": F32(1 / 3), "acc": 1e-7, "val_loss": 1e16, "val_acc": 2.5e-10},
    ]]},
    {"name": "no_validation_gives_na_columns", "separator": ",", "append": False, "runs": [[
        {"loss": 2.0, "acc": 0.125}, {"loss": 1.5, "acc": 0.375},
    ]]},
    {"name": "semicolon_and_learning_rate", "separator": ";", "append": False, "runs": [[
        {"loss": 0.75, "val_loss": 0.5, "learning_rate": F32(0.001)},
        {"loss": 0.5, "val_loss": 0.25, "learning_rate": F32(0.0001)},
    ]]},
    {"name": "append_second_run_has_no_header", "separator": ",", "append": True, "runs": [
        [{"loss": 1.0, "val_loss": 2.0}],
        [{"loss": 0.5, "val_loss": 1.5}, {"loss": 0.25, "val_loss": 1.25}],
    ]},
]


def make_csv(out_dir: Path) -> list[dict]:
    out_dir.mkdir(parents=True)
    cases = []
    for case in CSV_CASES:
        path = out_dir / f"{case['name']}.csv"
        for run in case["runs"]:
            cb = keras.callbacks.CSVLogger(str(path), separator=case["separator"], append=case["append"])
            cb.set_model(dummy_model())
            cb.on_train_begin()
            for epoch, logs in enumerate(run):
                cb.on_epoch_end(epoch, dict(logs))
            cb.on_train_end()
        cases.append({**case, "file": path.name})
    (out_dir / "cases.json").write_text(json.dumps(cases, indent=1) + "\n", encoding="utf8")
    return cases


def make_roundtrip(out_dir: Path) -> list[dict]:
    with tempfile.TemporaryDirectory() as tmp:
        writer = REPO / "packages" / "weights" / "test" / "helpers" / "tiny-models.ts"
        subprocess.run(["pnpm", "exec", "tsx", str(writer), tmp], cwd=REPO / "packages" / "weights",
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        checker = Path(__file__).resolve().parent / "check_graft_models.py"
        r = subprocess.run([sys.executable, str(checker), tmp, "--resave", str(out_dir)],
                           capture_output=True, text=True)  # fmt: skip
        results = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
        if r.returncode != 0:
            raise SystemExit(f"check_graft_models.py failed:\n{r.stdout}\n{r.stderr}")
    for p in out_dir.glob("*.keras"):
        normalise_keras_zip(p)
    return results


def normalise_keras_zip(path: Path) -> None:
    """Fixed zip times and date_saved, so reruns give the same bytes."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as z:
        for name, data in entries:
            if name == "metadata.json":
                meta = json.loads(data)
                meta["date_saved"] = "2000-01-01@00:00:00"
                data = json.dumps(meta).encode()
            z.writestr(zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0)), data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skip-roundtrip", action="store_true", help="keep keras_roundtrip/ as it is")
    args = ap.parse_args(argv)
    keep = None
    if args.skip_roundtrip and (OUT / "keras_roundtrip").is_dir():
        keep = Path(tempfile.mkdtemp()) / "keras_roundtrip"
        shutil.copytree(OUT / "keras_roundtrip", keep)
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)

    callbacks = make_callbacks()
    (OUT / "callbacks.json").write_text(json.dumps(callbacks, indent=1) + "\n", encoding="utf8")
    csv_cases = make_csv(OUT / "csv_logger")
    if keep is not None:
        shutil.copytree(keep, OUT / "keras_roundtrip")
        roundtrip = None
    else:
        roundtrip = make_roundtrip(OUT / "keras_roundtrip")

    import tensorflow as tf

    manifest = {
        "generator": "test-fixtures/scripts/make_training_fixtures.py",
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__,
                     "h5py": h5py.__version__, "numpy": np.__version__,
                     "python": sys.version.split()[0]},  # fmt: skip
        "files": {
            "callbacks.json": f"{len(callbacks['cases'])} cases: Keras callbacks on a compiled SGD(learning_rate={LR0}) model, fed fixed logs",
            "csv_logger/": f"{len(csv_cases)} CSVLogger outputs (Keras writes \\r\\n line ends), logs in cases.json",
            "keras_roundtrip/": "NAME.from_{h5,keras}.{keras,h5}: Keras re-saving graft's files; NAME.input.npy; NAME.from_*.output.npy: Keras' prediction",
        },
        "roundtrip_check": roundtrip,
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
