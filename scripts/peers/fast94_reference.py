"""cifar-lab's `fast94` recipe written again in PyTorch, as a side-by-side reference for the
native run (issue #12): the same network, settings and data, so the two can be compared epoch
by epoch on the same CPUs. It follows cifar-lab's own code (src/train/recipe.rs,
src/optim/nesterov.rs, src/model/prepare.rs), not any other implementation.

Prints one JSON line per epoch (training accuracy, validation accuracy on the test batch,
seconds) and, after the last planned epoch, the test accuracy with six-view TTA.
`--stop-after K` ends after K epochs of the 10-epoch schedule (a partial comparison).

Usage: python fast94_reference.py --data ../shared/data/cifar-10-binary.tar.gz [--threads 2] [--stop-after K] [--seed 42]
"""

import argparse
import json
import math
import tarfile
import time

import torch
import torch.nn.functional as F
from torch import nn

EPOCHS, BATCH, LR, MOMENTUM, SMOOTHING = 10, 1024, 1.5, 0.85, 0.2
DECAY_PER_STEP = 0.0153 / (1 + 1 / (1 - MOMENTUM))
SHIFT_LR_SCALE, NORM_MOMENTUM, WHITEN_EPS, WHITEN_IMAGES = 64.0, 0.4, 5e-4, 5000
LOOKAHEAD_EVERY, WHITEN_BIAS_EPOCHS = 5, 3


def load(path):
    """The binary CIFAR-10 archive: (train images, train labels, test images, test labels)."""
    parts = {}
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if name.endswith(".bin") and ("data_batch" in name or "test_batch" in name):
                raw = torch.frombuffer(bytearray(tar.extractfile(member).read()), dtype=torch.uint8)
                parts[name] = raw.reshape(-1, 3073)
    train = torch.cat([parts[f"data_batch_{i}.bin"] for i in range(1, 6)])
    test = parts["test_batch.bin"]
    images = lambda r: r[:, 1:].reshape(-1, 3, 32, 32).float() / 255
    labels = lambda r: r[:, 0].long()
    return images(train), labels(train), images(test), labels(test)


class Norm(nn.BatchNorm2d):
    """A batch norm whose scale stays at 1 (only the shift trains)."""

    def __init__(self, n):
        super().__init__(n, eps=1e-12, momentum=NORM_MOMENTUM)
        self.weight.requires_grad = False


def conv(cin, cout):
    layer = nn.Conv2d(cin, cout, 3, padding="same", bias=False)
    with torch.no_grad():
        nn.init.dirac_(layer.weight[: min(cin, cout)])
    return layer


def block(cin, cout):
    return [conv(cin, cout), nn.MaxPool2d(2), Norm(cout), nn.GELU(), conv(cout, cout), Norm(cout), nn.GELU()]


class Rescale(nn.Module):
    def forward(self, x):
        return x / 9


def network(train_images):
    whiten = nn.Conv2d(3, 24, 2, bias=True)
    patches = train_images[:WHITEN_IMAGES].unfold(2, 2, 1).unfold(3, 2, 1)
    patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, 12).double()
    values, vectors = torch.linalg.eigh(patches.T @ patches / len(patches))
    filters = (vectors.T / torch.sqrt(values + WHITEN_EPS)[:, None]).reshape(12, 3, 2, 2)
    with torch.no_grad():
        whiten.weight.copy_(torch.cat([filters, -filters]).float())
        whiten.bias.zero_()
    whiten.weight.requires_grad = False
    head = nn.Linear(256, 10, bias=False)
    layers = [whiten, nn.GELU(), *block(24, 64), *block(64, 256), *block(256, 256), nn.MaxPool2d(3), nn.Flatten(), head, Rescale()]
    return nn.Sequential(*layers)


def batches(images, labels, epoch, generator):
    """One epoch of augmented batches: flips alternate by epoch, shifts of up to 2 px."""
    n = len(images)
    first_flip = torch.rand(n, generator=torch.Generator().manual_seed(7)) < 0.5
    flip = first_flip ^ (epoch % 2 == 1)
    images = torch.where(flip[:, None, None, None], images.flip(-1), images)
    padded = F.pad(images, (2,) * 4, mode="reflect")
    shifts = torch.randint(0, 5, (n, 2), generator=generator)
    out = torch.empty_like(images)
    for dy in range(5):
        for dx in range(5):
            mask = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
            out[mask] = padded[mask, :, dy : dy + 32, dx : dx + 32]
    order = torch.randperm(n, generator=generator)
    for start in range(0, n, BATCH):
        index = order[start : start + BATCH]
        yield out[index], labels[index]


def evaluate(model, images, labels, tta=False):
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(images), 2000):
            x = images[start : start + 2000]
            mirror = lambda v: 0.5 * model(v) + 0.5 * model(v.flip(-1))
            if tta:
                padded = F.pad(x, (1,) * 4, mode="reflect")
                shifted = 0.5 * (mirror(padded[:, :, :32, :32]) + mirror(padded[:, :, 2:, 2:]))
                logits = 0.5 * mirror(x) + 0.5 * shifted
            else:
                logits = model(x)
            correct += (logits.argmax(1) == labels[start : start + 2000]).sum().item()
    model.train()
    return correct / len(images)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--stop-after", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    train_x, train_y, test_x, test_y = load(args.data)
    mean = train_x.mean((0, 2, 3), keepdim=True)
    std = train_x.std((0, 2, 3), keepdim=True)
    train_x, test_x = (train_x - mean) / std, (test_x - mean) / std
    model = network(train_x)
    shifts = [p for m in model.modules() if isinstance(m, Norm) for p in [m.bias]]
    others = [p for p in model.parameters() if p.requires_grad and all(p is not s for s in shifts)]
    optimizer = torch.optim.SGD(
        [
            dict(params=others, lr=LR, weight_decay=DECAY_PER_STEP / LR),
            dict(params=shifts, lr=LR * SHIFT_LR_SCALE, weight_decay=DECAY_PER_STEP / (LR * SHIFT_LR_SCALE)),
        ],
        momentum=MOMENTUM,
        nesterov=True,
    )
    for group in optimizer.param_groups:
        group["base_lr"] = group["lr"]
    steps_per_epoch = math.ceil(len(train_x) / BATCH)
    total = steps_per_epoch * EPOCHS
    peak = int(0.23 * total)
    factor = lambda s: 0.2 + 0.8 * s / peak if s < peak else 1 + (0.07 - 1) * (s - peak) / (total - peak)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=SMOOTHING)
    average, step = None, 0

    def pull(decay):
        nonlocal average
        state = {k: v for k, v in model.state_dict().items() if v.dtype.is_floating_point}
        if average is None:
            average = {k: v.clone() for k, v in state.items()}
            return
        for k, v in state.items():
            average[k].lerp_(v, 1 - decay)
            v.copy_(average[k])

    for epoch in range(1, args.stop_after + 1):
        started = time.time()
        model[0].bias.requires_grad = epoch <= WHITEN_BIAS_EPOCHS
        correct = seen = 0
        for x, y in batches(train_x, train_y, epoch, generator):
            for group in optimizer.param_groups:
                group["lr"] = group["base_lr"] * factor(step)
            logits = model(x)
            loss = loss_fn(logits, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            if step % LOOKAHEAD_EVERY == 0:
                pull(0.95**5 * (step / total) ** 3)
        if epoch == EPOCHS and average is not None:
            pull(1.0)
        seconds = time.time() - started
        val = evaluate(model, test_x, test_y)
        print(json.dumps(dict(epoch=epoch, acc=correct / seen, val_acc=val, seconds=round(seconds, 1))), flush=True)
    if args.stop_after == EPOCHS:
        print(json.dumps(dict(tta_test_acc=evaluate(model, test_x, test_y, tta=True))), flush=True)


if __name__ == "__main__":
    main()
