"""Writes tests/fixtures/tiny.pth and tiny-logits.json: a small model saved by PyTorch's own
`torch.save(state_dict())`, and its logits for two fixed images, so the native tests check
`.pth` reading (src/model/torch/pth.rs) without PyTorch in CI.

The model is cifar-lab's `conv 2 3 relu, maxpool 4, flatten, dense 10`, written as the
`nn.Sequential` cifar-lab's model.py writes for it (names 0.weight, 0.bias, 4.weight, 4.bias).

Usage: python make_pth_fixture.py tests/fixtures
"""

import json
import sys
from pathlib import Path

import torch
from torch import nn

out = Path(sys.argv[1])
torch.manual_seed(7)
net = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(), nn.MaxPool2d(4), nn.Flatten(), nn.Linear(98, 10))
# The images of the Rust test: value i of the flat [2, 3, 32, 32] tensor is (i % 251) / 251.
images = (torch.arange(2 * 3 * 32 * 32) % 251).float().div(251).reshape(2, 3, 32, 32)
net.eval()
with torch.no_grad():
    logits = net(images)
torch.save(net.state_dict(), out / "tiny.pth")
(out / "tiny-logits.json").write_text(json.dumps({
    "model": "conv 2 3 relu, maxpool 4, flatten, dense 10",
    "torch": torch.__version__,
    "logits": [float(v) for v in logits.flatten()],
}, indent=1) + "\n")
