"""PyTorch's side of graft-cuda's per-layer benchmark (bench/cuda_conv_layers.bench.ts):
VGG19's 16 convolution shapes at one input size and batch, each timed as forward,
fused forward (conv + bias + ReLU: eager PyTorch runs conv then relu_), backprop input
and backprop filter (aten.convolution_backward with one output asked for), channels_last,
cudnn.benchmark on, TF32 allowed (--dtype bf16: bf16 operands, as autocast gives).
CUDA events around --iters calls after --warmup; one JSON object per line, ms per call.

usage: python3 torch_conv_layers.py [--size 224] [--batch 16] [--iters 20] [--warmup 3] [--dtype fp32|bf16]
"""
import argparse
import json

import torch

p = argparse.ArgumentParser()
p.add_argument("--size", type=int, default=224)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--iters", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--dtype", default="fp32")
p.add_argument("--device", default="cuda")
a = p.parse_args()
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = True
cuda = a.device == "cuda"
dev = torch.device(a.device)
dt = torch.bfloat16 if a.dtype == "bf16" else torch.float32
cl = torch.channels_last


def shapes(size):
    out, cin, hw = [], 3, size
    for block, (cout, n) in enumerate(((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)), 1):
        for i in range(1, n + 1):
            out.append((f"block{block}_conv{i}", hw, cin, cout))
            cin = cout
        hw //= 2
    return out


def time_ms(fn):
    for _ in range(a.warmup):
        fn()
    if not cuda:
        import time
        t0 = time.perf_counter()
        for _ in range(a.iters):
            fn()
        return (time.perf_counter() - t0) * 1000 / a.iters
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    e0.record()
    for _ in range(a.iters):
        fn()
    e1.record()
    e1.synchronize()
    return e0.elapsed_time(e1) / a.iters


for name, hw, cin, cout in shapes(a.size):
    x = torch.randn(a.batch, cin, hw, hw, device=dev, dtype=dt).contiguous(memory_format=cl)
    w = torch.randn(cout, cin, 3, 3, device=dev, dtype=dt).contiguous(memory_format=cl) * 0.05
    b = torch.randn(cout, device=dev, dtype=dt)
    dy = torch.randn(a.batch, cout, hw, hw, device=dev, dtype=dt).contiguous(memory_format=cl)
    conv = torch.nn.functional.conv2d
    bwd = torch.ops.aten.convolution_backward
    ops = {
        "forward": lambda: conv(x, w, None, 1, 1),
        "fused": lambda: torch.relu_(conv(x, w, b, 1, 1)),
        "backprop_input": lambda: bwd(dy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [True, False, False]),
        "backprop_filter": lambda: bwd(dy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, [False, True, False]),
    }
    with torch.no_grad():
        for op, fn in ops.items():
            ms = time_ms(fn)
            gflop = 2 * a.batch * hw * hw * cin * cout * 9 / 1e9
            print(json.dumps({"anchor": "pytorch", "dtype": a.dtype, "layer": name, "op": op, "size": a.size,
                              "batch": a.batch, "ms": round(ms, 4), "tflops": round(gflop / ms, 1)}), flush=True)
