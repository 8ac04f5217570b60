"""Writes test-fixtures/data/animated/: a 3-frame animated GIF and a 3-frame lossless
animated WebP, and for each what Keras' load_img + img_to_array returns for it (Pillow
opens an animated file on its first frame), as uint8 .npy in rgb and grayscale mode.

    python3 test-fixtures/scripts/make_animated_fixtures.py

Needs only Pillow and numpy: load_img(path, color_mode) is Image.open(path) followed by
convert("RGB") or convert("L") when the mode differs, which is what is done here.
Deterministic (seeded numpy RNG); a few KB in all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "data" / "animated"
W, H = 12, 9


def frames() -> list[Image.Image]:
    rng = np.random.default_rng(13)
    out = []
    for k in range(3):
        # Few colours, so that the GIF palette holds every one exactly.
        base = rng.integers(0, 6, size=(H, W, 3), dtype=np.uint8) * 51
        base[:, :, k] = 255 - base[:, :, k]
        out.append(Image.fromarray(base, "RGB"))
    return out


def golden(path: Path, mode: str) -> np.ndarray:
    img = Image.open(path)
    if img.mode != mode:
        img = img.convert(mode)
    return np.asarray(img, dtype=np.uint8)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    fs = frames()
    gif = OUT / "anim.gif"
    fs[0].save(gif, save_all=True, append_images=fs[1:], duration=100, loop=0)
    webp = OUT / "anim.webp"
    fs[0].save(webp, save_all=True, append_images=fs[1:], duration=100, loop=0, lossless=True)
    for f in (gif, webp):
        with Image.open(f) as im:
            assert im.n_frames == 3, (f, im.n_frames)
        for mode, name in (("RGB", "rgb"), ("L", "grayscale")):
            arr = golden(f, mode)
            if arr.ndim == 2:
                arr = arr[:, :, None]
            np.save(OUT / f"{f.name}.{name}.npy", arr)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
