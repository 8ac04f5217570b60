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

usage: python3 torch_vgg19_gpu.py [--size 224] [--batch 16] [--steps 10] [--tf32 1] [--device cuda|cpu]
(--device cpu --size 32 --steps 1 is a quick rehearsal of this script without a GPU.)
"""
import argparse
import json
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--size", type=int, default=224)
p.add_argument("--batch", type=int, default=16)
p.add_argument("--classes", type=int, default=16)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--tf32", type=int, default=1)
p.add_argument("--device", default="cuda")
a = p.parse_args()

cuda = a.device == "cuda"
torch.backends.cudnn.benchmark = True
torch.backends.cudnn.allow_tf32 = bool(a.tf32)
torch.backends.cuda.matmul.allow_tf32 = bool(a.tf32)
dev = torch.device(a.device)
sync = torch.cuda.synchronize if cuda else (lambda: None)
gpu = torch.cuda.get_device_name() if cuda else "cpu"


def recipe():
    layers, cin = [], 3
    for cout, n in ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)):
        for _ in range(n):
            layers += [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.ReLU(inplace=True)]
            cin = cout
        layers.append(torch.nn.MaxPool2d(2, 2))
    base = torch.nn.Sequential(*layers)
    head = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear((a.size // 32) ** 2 * 512, 1024),
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
    for _ in range(3 if cuda else 1):
        fn()
    sync()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        fn()
    sync()
    return (time.perf_counter() - t0) / a.steps


for layout in ("nhwc", "nchw"):
    fmt = torch.channels_last if layout == "nhwc" else torch.contiguous_format
    model = recipe().to(dev, memory_format=fmt).train()
    opt = torch.optim.SGD([q for q in model.parameters() if q.requires_grad], lr=1e-4, momentum=0.9)
    x = torch.rand(a.batch, 3, a.size, a.size, device=dev).contiguous(memory_format=fmt)
    y = torch.randint(0, a.classes, (a.batch,), device=dev)

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    common = {"anchor": "pytorch", "version": torch.__version__, "layout": layout, "size": a.size,
              "batch": a.batch, "tf32": a.tf32, "device": gpu}
    print(json.dumps({**common, "task": "train", "img_per_s": round(a.batch / timed(step), 2)}), flush=True)
    base = model[0].eval()
    with torch.no_grad():
        dt = timed(lambda: base(x))
    print(json.dumps({**common, "task": "extract", "img_per_s": round(a.batch / dt, 2)}), flush=True)
    del model, opt, x
    if cuda:
        torch.cuda.empty_cache()
