"""Writes VGG19's convolutional base (Keras VGG19 without top, random weights)
as ONNX with a dynamic batch, so onnxruntime-node can be timed beside graft.

    python3 make_vgg19_onnx.py OUT.onnx [W1,W2,W3,W4,W5]

The optional widths replace Keras' 64,128,256,512,512 (graft bench --filters), and the
height and width are dynamic too.
"""
import sys

import torch

widths = [int(w) for w in sys.argv[2].split(",")] if len(sys.argv) > 2 else [64, 128, 256, 512, 512]
layers, cin = [], 3
for cout, convs in zip(widths, (2, 2, 4, 4, 4)):
    for _ in range(convs):
        layers += [torch.nn.Conv2d(cin, cout, 3, padding=1), torch.nn.ReLU()]
        cin = cout
    layers.append(torch.nn.MaxPool2d(2, 2))
net = torch.nn.Sequential(*layers).eval()
kwargs = {"dynamo": False} if "dynamo" in torch.onnx.export.__code__.co_varnames else {}
torch.onnx.export(net, torch.randn(1, 3, 224, 224), sys.argv[1], input_names=["x"], output_names=["y"],
                  dynamic_axes={"x": {0: "batch", 2: "height", 3: "width"}, "y": {0: "batch", 2: "oh", 3: "ow"}}, opset_version=13, **kwargs)
print(sys.argv[1])
