"""Reference for the load benchmark: h5py reading every weight of a Keras
weight file into numpy arrays. Prints JSON: seconds and peak RSS growth."""
import json
import sys
import time


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def main(path: str, repeats: int) -> None:
    import h5py  # noqa: F401  (imported before the clock starts, like tfjs on the graft side)
    import numpy as np

    times = []
    peak = 0
    for _ in range(repeats):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        before = rss_kib("VmRSS:")
        t0 = time.perf_counter()
        arrays = []
        with h5py.File(path, "r") as f:
            for name in [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]:
                g = f[name]
                for w in g.attrs["weight_names"]:
                    arrays.append(np.asarray(g[w.decode() if isinstance(w, bytes) else w]))
        times.append(time.perf_counter() - t0)
        peak = max(peak, (rss_kib("VmHWM:") - before) * 1024)
        del arrays
    print(json.dumps({"seconds": min(times), "peak_rss_growth": peak}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
