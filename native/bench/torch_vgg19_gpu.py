"""PyTorch reference for graft-cuda's VGG19 benchmark, run in the same device call
(scripts/gpu-check.sh) so that the figures are comparable.

The classic Keras VGG19 transfer-learning recipe, as `graft bench` runs it: the VGG19
convolutional base with its first 5 Keras layers frozen (block1_conv1, block1_conv2,
block2_conv1 hold weights), then Flatten -> Dense 1024 relu -> Dropout 0.5 -> Dense
1024 relu -> Dense 16 softmax, SGD lr 1e-4 momentum 0.9, categorical cross-entropy.
  train:   images/s of whole training steps (forward, backward, optimizer)
  extract: images/s of the base's forward pass
Both in channels_last (NHWC, graft's layout) and NCHW (PyTorch's default), float32 with
TF32 allowed (as graft-cuda by default; --tf32 0 to forbid). One JSON object per line.

Modes (--modes): tf32-nhwc (eager float32, TF32 on, channels_last: graft's layout and
math), amp-bf16-nhwc (torch.autocast bf16, fp32 master weights: what GPU users train
with; graft's bf16 counterpart), tf32-nchw. Each step is timed with CUDA events after
--warmup steps; median and mean over --steps, and the peak device memory of the mode.

usage: python3 torch_vgg19_gpu.py [--sizes 224,256] [--batch 16] [--steps 20] [--warmup 5]
       [--modes tf32-nhwc,amp-bf16-nhwc] [--device cuda|cpu]
(--device cpu --sizes 32 --steps 1 is a quick rehearsal of this script without a GPU.)
"""
import argparse
import json
import statistics
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--sizes", default="224")
p.add_argument("--size", type=int, default=None)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--classes", type=int, default=16)
p.add_argument("--steps", type=int, default=20)
p.add_argument("--warmup", type=int, default=5)
p.add_argument("--modes", default="tf32-nhwc,amp-bf16-nhwc")
p.add_argument("--device", default="cuda")
a = p.parse_args()
sizes = [a.size] if a.size else [int(v) for v in a.sizes.split(",")]

cuda = a.device == "cuda"
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = True
torch.backends.cuda.matmul.allow_tf32 = True
dev = torch.device(a.device)
sync = torch.cuda.synchronize if cuda else (lambda: None)
gpu = torch.cuda.get_device_name() if cuda else "cpu"


def recipe(size):
    layers, cin = [], 3
    for cout, n in ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)):
        for _ in range(n):
            layers += [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.ReLU(inplace=True)]
            cin = cout
        layers.append(torch.nn.MaxPool2d(2, 2))
    base = torch.nn.Sequential(*layers)
    head = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear((size // 32) ** 2 * 512, 1024),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Linear(1024, 1024),
        torch.nn.ReLU(),
        torch.nn.Linear(1024, a.classes),
    )
    for conv in (base[0], base[2], base[5]):  # Keras layers[:5]: block1_conv1/2, block2_conv1
        for q in conv.parameters():
            q.requires_grad = False
    return torch.nn.Sequential(base, head)


def timed(fn):
    """Per-step seconds: CUDA events around each step (host clock on the CPU)."""
    for _ in range(a.warmup if cuda else 1):
        fn()
    sync()
    out = []
    for _ in range(a.steps):
        if cuda:
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            fn()
            e1.record()
            e1.synchronize()
            out.append(e0.elapsed_time(e1) / 1000)
        else:
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return out


for size in sizes:
    for mode in a.modes.split(","):
        amp = mode.startswith("amp-bf16")
        fmt = torch.channels_last if mode.endswith("nhwc") else torch.contiguous_format
        if cuda:
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
        model = recipe(size).to(dev, memory_format=fmt).train()
        opt = torch.optim.SGD([q for q in model.parameters() if q.requires_grad], lr=1e-4, momentum=0.9)
        x = torch.rand(a.batch, 3, size, size, device=dev).contiguous(memory_format=fmt)
        y = torch.randint(0, a.classes, (a.batch,), device=dev)

        def step():
            opt.zero_grad(set_to_none=True)
            with torch.autocast(a.device, dtype=torch.bfloat16, enabled=amp):
                loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()

        def extract():
            with torch.no_grad(), torch.autocast(a.device, dtype=torch.bfloat16, enabled=amp):
                base(x)

        common = {"anchor": "pytorch", "version": torch.__version__, "mode": mode, "layout": mode.split("-")[-1],
                  "size": size, "batch": a.batch, "tf32": 1, "device": gpu}
        for task, fn in (("train", step), ("extract", extract)):
            if task == "extract":
                base = model[0].eval()
                if cuda:
                    torch.cuda.reset_peak_memory_stats()
            sec = timed(fn)
            med, mean = statistics.median(sec), statistics.fmean(sec)
            peak = torch.cuda.max_memory_allocated() if cuda else 0
            print(json.dumps({**common, "task": task, "img_per_s": round(a.batch / mean, 2),
                              "img_per_s_median": round(a.batch / med, 2), "median_ms": round(med * 1000, 3),
                              "mean_ms": round(mean * 1000, 3), "steps": a.steps, "peak_bytes": peak}), flush=True)
        del model, opt, x
