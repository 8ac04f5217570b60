"""Reference for native/bench: PyTorch on the CPU, VGG19's base and the
recipe's training step, NCHW as PyTorch prefers. One JSON line per task.

    python3 torch_vgg19_cpu.py --task extract|train [--size 224] [--batch 8] [--steps 3]
"""
import argparse
import json
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--task", choices=["extract", "train"], required=True)
parser.add_argument("--size", type=int, default=224)
parser.add_argument("--batch", type=int, default=8)
parser.add_argument("--steps", type=int, default=3)
args = parser.parse_args()


def base():
    layers, cin = [], 3
    for cout, convs in ((64, 2), (128, 2), (256, 4), (512, 4), (512, 4)):
        for _ in range(convs):
            layers += [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.ReLU(inplace=True)]
            cin = cout
        layers.append(torch.nn.MaxPool2d(2, 2))
    return torch.nn.Sequential(*layers)


x = torch.randn(args.batch, 3, args.size, args.size)
times = []
if args.task == "extract":
    net = base().eval()
    with torch.inference_mode():
        for i in range(args.steps + 1):
            t0 = time.perf_counter()
            net(x)
            if i > 0:
                times.append(time.perf_counter() - t0)
else:
    feat = base()
    # Keras' layers[:5] are input, block1_conv1, block1_conv2, block1_pool, block2_conv1.
    frozen = [feat[0], feat[2], feat[5]]
    for m in frozen:
        for p in m.parameters():
            p.requires_grad_(False)
    side = args.size // 32
    net = torch.nn.Sequential(feat, torch.nn.Flatten(), torch.nn.Linear(512 * side * side, 1024), torch.nn.ReLU(),
                              torch.nn.Dropout(0.5), torch.nn.Linear(1024, 1024), torch.nn.ReLU(), torch.nn.Linear(1024, 16))
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=1e-4, momentum=0.9)
    y = torch.arange(args.batch) % 16
    loss_fn = torch.nn.CrossEntropyLoss()
    for i in range(args.steps + 1):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
        if i > 0:
            times.append(time.perf_counter() - t0)
mean = sum(times) / len(times)
print(json.dumps({"reference": "pytorch-cpu", "torch": torch.__version__, "threads": torch.get_num_threads(), "task": args.task,
                  "input_size": args.size, "batch_size": args.batch, "step_seconds": times, "img_per_s": args.batch / mean}))
