"""Writes a file with the official VGG19-notop file's layout and sizes (Keras 1
style: root `layer_names` only, `<layer>_W_1:0` / `<layer>_b_1:0` datasets in
each layer group), filled with seeded random numbers, for the load benchmark."""
import sys

import h5py
import numpy as np

FILTERS = [64, 128, 256, 512, 512]
CONVS = [2, 2, 4, 4, 4]


def main(path: str) -> None:
    rng = np.random.default_rng(0)
    names = ["input_1"]
    weights = {}
    cin = 3
    for b, (f, n) in enumerate(zip(FILTERS, CONVS), start=1):
        for i in range(1, n + 1):
            name = f"block{b}_conv{i}"
            names.append(name)
            weights[name] = [
                (f"{name}_W_1:0", rng.standard_normal((3, 3, cin, f), dtype=np.float32) * 0.05),
                (f"{name}_b_1:0", rng.standard_normal((f,), dtype=np.float32) * 0.05),
            ]
            cin = f
        names.append(f"block{b}_pool")
    width = max(len(n) for n in names)
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n in names], dtype=f"S{width}")
        for name in names:
            g = f.create_group(name)
            ws = weights.get(name, [])
            if ws:
                g.attrs["weight_names"] = np.array([w[0].encode() for w in ws])
            else:
                g.attrs["weight_names"] = np.array([], dtype=np.float64)
            for wname, value in ws:
                g.create_dataset(wname, data=value)


if __name__ == "__main__":
    main(sys.argv[1])
