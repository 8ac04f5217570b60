"""Writes test-fixtures/data/: small image files of every kind Keras' load_img meets
(PNG 8/16-bit, palette with and without transparency, grayscale, gray+alpha, RGBA,
1-bit, JPEG baseline/progressive/grayscale/EXIF-rotated/CMYK, BMP, PPM, TIFF, GIF,
WebP), Keras' own load_img + img_to_array output for each in every color_mode, resized
outputs for every interpolation, and the flow_from_directory listings and batches for
a directory tree described in tree.json, so that TypeScript tests can compare graft
with Keras without Python.

    python3 test-fixtures/scripts/make_data_fixtures.py

Deterministic: every picture comes from seeded numpy RNGs. It rewrites everything in
test-fixtures/data/ but its README.md. See test-fixtures/data/README.md.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

sys.dont_write_bytecode = True
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
warnings.filterwarnings("ignore")

import numpy as np  # noqa: E402
import PIL  # noqa: E402
from PIL import Image  # noqa: E402

import keras  # noqa: E402
from keras.src.legacy.preprocessing import image as KI  # noqa: E402
from keras.src.utils import image_utils  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "data"
IMAGES = OUT / "images"
GOLDEN = OUT / "load_img"
W, H = 15, 11  # odd, non-square: catches swapped axes and off-by-one centres


def picture(seed: int, h: int = H, w: int = W) -> np.ndarray:
    """A smooth gradient with a noisy block: edges and flat areas both matter."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack(
        [x * 255.0 / (w - 1), y * 255.0 / (h - 1), (x + y) * 127.0 / (w + h)], axis=-1
    )
    img[h // 4 : h // 2, w // 3 : 2 * w // 3] = rng.integers(0, 256, (h // 2 - h // 4, 2 * w // 3 - w // 3, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def write_images() -> dict[str, str]:
    """name -> description."""
    IMAGES.mkdir(parents=True)
    rgb = picture(1)
    alpha = np.linspace(0, 255, W * H).reshape(H, W).astype(np.uint8)
    alpha[0, :4] = 0  # fully transparent pixels with colour behind them
    files: dict[str, str] = {}

    def save(name: str, img: Image.Image, desc: str, **kw):
        img.save(IMAGES / name, **kw)
        files[name] = desc

    save("rgb.png", Image.fromarray(rgb), "8-bit RGB PNG")
    save("rgba.png", Image.fromarray(np.dstack([rgb, alpha]), "RGBA"), "8-bit RGBA PNG")
    gray = (rgb.astype(np.float32) @ [0.299, 0.587, 0.114]).astype(np.uint8)
    save("gray.png", Image.fromarray(gray, "L"), "8-bit grayscale PNG")
    save("la.png", Image.fromarray(np.dstack([gray, alpha]), "LA"), "grayscale + alpha PNG")
    g16 = (picture(2)[..., 0].astype(np.uint32) * 257 + np.arange(W)[None, :] * 3).astype(np.uint16)
    save("gray16.png", Image.fromarray(g16, "I;16"), "16-bit grayscale PNG (Pillow mode I;16)")
    # 16-bit RGB: Pillow has no 16-bit RGB mode, write the PNG bytes by hand.
    rgb16 = picture(3).astype(np.uint16) * 257 + np.uint16(100)
    (IMAGES / "rgb16.png").write_bytes(png_rgb16(rgb16))
    files["rgb16.png"] = "16-bit RGB PNG (Pillow reads it as 8-bit RGB)"
    pal = Image.fromarray(rgb).quantize(colors=16, method=Image.Quantize.MEDIANCUT)
    save("palette.png", pal, "palette PNG, 16 colours")
    palt = pal.copy()
    palt.info["transparency"] = 3
    save("palette_trns.png", palt, "palette PNG with a transparent index (tRNS)", transparency=3)
    save("bilevel.png", Image.fromarray(gray > 128).convert("1"), "1-bit PNG")
    save("baseline.jpg", Image.fromarray(rgb), "baseline JPEG 4:2:0", quality=90)
    save("progressive.jpg", Image.fromarray(rgb), "progressive JPEG", quality=85, progressive=True)
    save("gray.jpg", Image.fromarray(gray, "L"), "grayscale JPEG", quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    save("exif_rot6.jpg", Image.fromarray(rgb), "JPEG with EXIF Orientation=6", quality=90, exif=exif)
    save("cmyk.jpg", Image.fromarray(rgb).convert("CMYK"), "CMYK JPEG", quality=95)
    save("rgb.bmp", Image.fromarray(rgb), "24-bit BMP")
    save("rgb.ppm", Image.fromarray(rgb), "binary PPM (P6)")
    save("rgb.tif", Image.fromarray(rgb), "uncompressed RGB TIFF")
    save("rgb.gif", pal, "GIF (palette)")
    save("rgb.webp", Image.fromarray(rgb), "lossless WebP", lossless=True)
    big = picture(4, 19, 25)
    save("big.png", Image.fromarray(big), "25x19 RGB PNG, for resizing")
    save("big_rgba.png", Image.fromarray(np.dstack([big, np.linspace(0, 255, 19 * 25).reshape(19, 25).astype(np.uint8)]), "RGBA"), "25x19 RGBA PNG, for resizing with premultiplied alpha")
    return files


def png_rgb16(a: np.ndarray) -> bytes:
    import struct
    import zlib

    h, w, _ = a.shape
    raw = b"".join(b"\x00" + a[r].astype(">u2").tobytes() for r in range(h))

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def save_npy(path: Path, a: np.ndarray, compact: bool = False) -> None:
    """float32, or uint8 when compact and every value is a whole number in 0..255."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if compact and a.size and a.min() >= 0 and a.max() <= 255 and np.all(a == np.round(a)):
        np.save(path, np.ascontiguousarray(a, dtype="u1"))
    else:
        np.save(path, np.ascontiguousarray(a, dtype="<f4"))


def load_img_goldens(files: dict[str, str]) -> list[dict]:
    cases = []
    for name in sorted(files):
        for mode in ("rgb", "grayscale", "rgba"):
            try:
                img = image_utils.load_img(IMAGES / name, color_mode=mode)
                pil_mode = img.mode
                x = image_utils.img_to_array(img)
            except Exception as e:  # noqa: BLE001
                cases.append({"file": name, "color_mode": mode, "error": str(e)})
                continue
            out = f"{Path(name).stem}.{Path(name).suffix[1:]}.{mode}.npy"
            save_npy(GOLDEN / out, x, compact=True)
            cases.append({"file": name, "color_mode": mode, "pil_mode": pil_mode, "shape": list(x.shape), "golden": f"load_img/{out}"})
    # Resizing: every interpolation, down and up, both aspect modes.
    for name in ("big.png", "big_rgba.png", "gray16.png"):
        modes = {"big.png": ("rgb", "grayscale"), "big_rgba.png": ("rgba",), "gray16.png": ("grayscale",)}[name]
        for mode in modes:
            for interp in ("nearest", "bilinear", "bicubic", "lanczos", "box", "hamming"):
                for target, keep in (((9, 13), False), ((31, 27), False), ((12, 12), True)):
                    try:
                        img = image_utils.load_img(IMAGES / name, color_mode=mode, target_size=target, interpolation=interp, keep_aspect_ratio=keep)
                        x = image_utils.img_to_array(img)
                    except Exception as e:  # noqa: BLE001
                        cases.append({"file": name, "color_mode": mode, "interpolation": interp, "target_size": list(target), "keep_aspect_ratio": keep, "error": str(e)})
                        continue
                    out = f"resize/{Path(name).stem}.{mode}.{interp}.{target[0]}x{target[1]}{'.keep' if keep else ''}.npy"
                    save_npy(GOLDEN / out, x, compact=True)
                    cases.append({"file": name, "color_mode": mode, "interpolation": interp, "target_size": list(target), "keep_aspect_ratio": keep, "shape": list(x.shape), "golden": f"load_img/{out}"})
    return cases


# ---------------------------------------------------------------- flow_from_directory
# The tree: relative path -> source image in images/ (or raw bytes for non-images).
# Names exercise code-point order (Zebra < cats < dogs, "a-b" < "a/"), recursion
# order, case-insensitive extensions, the dotless "weirdjpg" match, non-image files,
# formats Keras ignores (webp, gif), a hidden class and a hidden subfolder.
TREE = {
    "Zebra/z2.JPG": "baseline.jpg",
    "Zebra/z1.png": "rgb.png",
    "cats/b.jpg": "progressive.jpg",
    "cats/a.png": "rgba.png",
    "cats/A.PNG": "palette.png",
    "cats/sub/c.png": "gray.png",
    "cats/sub/deeper/e.ppm": "rgb.ppm",
    "cats/sub-b/d.bmp": "rgb.bmp",
    "cats/weirdjpg": "baseline.jpg",
    "cats/notes.txt": None,
    "cats/x.webp": "rgb.webp",
    "cats/y.gif": "rgb.gif",
    "cats/.ipynb_checkpoints/a-checkpoint.png": "rgb.png",
    "dogs/01.tif": "rgb.tif",
    "dogs/02.tiff": "rgb.tif",
    "dogs/03.jpeg": "gray.jpg",
    "dogs/10.png": "la.png",
    "dogs/2.png": "palette_trns.png",
    "dogs/\u00e9t\u00e9.png": "bilevel.png",
    "dogs/z.png": "rgb16.png",
    ".ipynb_checkpoints/stale-checkpoint.png": "rgb.png",
}


# Symbolic links: path -> target (relative to the link's folder). A linked folder is
# walked only with follow_links; a linked file is always listed.
LINKS = {
    "dogs/linked": "../cats/sub-b",
    "Zebra/zlink.png": "z1.png",
}


def build_tree(root: Path) -> None:
    for rel, src in TREE.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if src is None:
            p.write_text("not an image\n")
        else:
            shutil.copyfile(IMAGES / src, p)
    for rel, target in LINKS.items():
        os.symlink(target, root / rel)


def listing(it) -> dict:
    return {
        "class_indices": it.class_indices,
        "filenames": [f.replace(os.sep, "/") for f in it.filenames],
        "classes": [int(c) for c in it.classes],
        "samples": int(it.samples),
    }


RECIPE = dict(rescale=1.0 / 255, horizontal_flip=True, fill_mode="nearest", zoom_range=0.3,
              width_shift_range=0.3, height_shift_range=0.3, rotation_range=30)


def flow_goldens() -> dict:
    out: dict = {"tree": TREE, "links": LINKS, "listings": [], "batches": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        build_tree(root)
        visible = sorted(c for c in os.listdir(root) if not c.startswith("."))
        for opts in (
            {},
            {"classes": visible},
            {"classes": ["dogs", "Zebra"]},
            {"validation_split": 0.3, "subset": "training"},
            {"validation_split": 0.3, "subset": "validation"},
            {"validation_split": 0.25, "subset": "validation", "classes": visible},
            {"follow_links": True},
        ):
            vs = opts.get("validation_split")
            gen = KI.ImageDataGenerator(**({"validation_split": vs} if vs else {}))
            kw = {k: v for k, v in opts.items() if k != "validation_split"}
            it = gen.flow_from_directory(str(root), target_size=(10, 14), batch_size=4, **kw)
            out["listings"].append({"options": opts, **listing(it)})

        # Batches through the recipe's augmentation, seeded, in both iteration protocols.
        for protocol in ("next", "getitem"):
            for class_mode in ("categorical",):
                gen = KI.ImageDataGenerator(**RECIPE)
                it = gen.flow_from_directory(str(root), target_size=(10, 14), batch_size=4, classes=visible,
                                             class_mode=class_mode, seed=1234, shuffle=True)
                xs, ys = [], []
                for epoch in range(2):
                    for b in range(len(it)):
                        x, y = next(it) if protocol == "next" else it[b]
                        xs.append(x)
                        ys.append(y)
                    if protocol == "getitem":
                        it.on_epoch_end()
                name = f"flow/recipe.{protocol}.{class_mode}"
                save_npy(OUT / f"{name}.x.npy", np.concatenate(xs))
                save_npy(OUT / f"{name}.y.npy", np.concatenate(ys))
                out["batches"].append({
                    "protocol": protocol, "class_mode": class_mode, "epochs": 2, "batches_per_epoch": len(it),
                    "batch_sizes": [len(x) for x in xs], "augment": RECIPE, "target_size": [10, 14],
                    "batch_size": 4, "seed": 1234, "classes": visible, "x": f"{name}.x.npy", "y": f"{name}.y.npy",
                })
        # Unaugmented, unshuffled: the plain pictures, grayscale and rgba too.
        for color_mode in ("rgb", "grayscale"):
            gen = KI.ImageDataGenerator()
            it = gen.flow_from_directory(str(root), target_size=(10, 14), batch_size=32, classes=visible,
                                         color_mode=color_mode, class_mode="sparse", shuffle=False)
            x, y = it[0]
            name = f"flow/plain.{color_mode}"
            save_npy(OUT / f"{name}.x.npy", x)
            save_npy(OUT / f"{name}.y.npy", y)
            out["batches"].append({"protocol": "getitem", "class_mode": "sparse", "color_mode": color_mode,
                                   "target_size": [10, 14], "shuffle": False, "classes": visible,
                                   "x": f"{name}.x.npy", "y": f"{name}.y.npy"})
    return out


def numpy_random() -> list[dict]:
    """np.random's legacy stream, the one Keras' iterators and augmentations draw from."""
    out = []
    for seed in (0, 3, 1234, 2**32 - 1):
        np.random.seed(seed)
        out.append({
            "seed": seed,
            "random": [np.random.random() for _ in range(3)],
            "uniform": [np.random.uniform(-30, 30), np.random.uniform(0.7, 1.3)],
            "randint": [int(np.random.randint(0, n)) for n in (1, 2, 7, 1000, 2**31 + 5)],
            "choice": [int(np.random.choice([-1, 1])), float(np.random.choice([0.1, 0.25, 0.4]))],
            "permutation": [int(v) for v in np.random.permutation(23)],
            "after": np.random.random(),
        })
    return out


def main() -> None:
    # Everything but the hand-written README is regenerated.
    OUT.mkdir(parents=True, exist_ok=True)
    for p in OUT.iterdir():
        if p.name != "README.md":
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    files = write_images()
    manifest = {
        "generator": "test-fixtures/scripts/make_data_fixtures.py",
        "versions": {"keras": keras.__version__, "pillow": PIL.__version__, "numpy": np.__version__},
        "images": files,
        "load_img": load_img_goldens(files),
        "flow_from_directory": flow_goldens(),
        "numpy_random": numpy_random(),
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {OUT} ({total / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
