"""Models between cifar-lab and PyTorch, checked both ways on the real test images.

1. cifar-lab -> PyTorch: for each run folder written by `cifar-lab train` (model.safetensors
   and model.py beside model.bpk), PyTorch loads the weights into model.py's `Net` with a
   strict `load_state_dict` and computes the logits of the first --images test images;
   `cifar-lab evaluate --logits` computes them from the same file. Prints the largest
   difference and how many predicted classes agree.
2. PyTorch -> cifar-lab: trains model.py's `Net` of the first run's model from scratch in
   PyTorch (Adadelta lr 1.0, rho 0.95, eps 1e-7, batch 128, as cifar-lab and Keras), measures
   its test accuracy in PyTorch, and saves it three ways: model.py's `save` (the model
   recorded), a bare `save_file(state_dict())`, and `torch.save(state_dict(), ...)` (.pth).
   `cifar-lab evaluate` then reads each and reports its accuracy.

Prints one JSON object; the .safetensors of step 2 (`--out`) is what the page's
*Evaluate saved weights* takes.

Usage: python torch_interchange.py --cifar-lab target/release/cifar-lab
           --data ../shared/data/cifar-10-binary.tar.gz --out DIR RUN_DIR...
           [--images 1000] [--epochs 2] [--threads 2]
"""

import argparse
import importlib.util
import json
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

RECORD = 3073


def batches(archive):
    """The archive's training images and labels, then its test ones (uint8 CHW)."""
    train, test = [], None
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            name = Path(member.name).name
            if name.startswith("data_batch_") or name == "test_batch.bin":
                raw = np.frombuffer(tar.extractfile(member).read(), dtype=np.uint8).copy()
                records = raw.reshape(-1, RECORD)
                pair = (records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64))
                if name == "test_batch.bin":
                    test = pair
                else:
                    train.append(pair)
    images = np.concatenate([p[0] for p in train])
    labels = np.concatenate([p[1] for p in train])
    return (images, labels), test


def module_of(run):
    spec = importlib.util.spec_from_file_location(f"model_{run.name}", run / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cifar_lab(binary, *args):
    done = subprocess.run([binary, *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"cifar-lab {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


def accuracy_of(stdout):
    # "`plain` on the 10000 test images: accuracy 0.6512, loss 1.0123"
    return float(stdout.split("accuracy ")[1].split(",")[0])


def torch_logits(net, images, module, batch=500):
    net.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(net(module.prepare(images[i : i + batch])))
    return torch.cat(out).numpy()


def exported(args, run, test, tmp):
    module = module_of(run)
    net = module.Net()
    # Strict: every name and shape as PyTorch's own module has them.
    net.load_state_dict(load_file(run / "model.safetensors"))
    images = test[0][: args.images]
    ours = torch_logits(net, images, module)
    csv = tmp / f"{run.name}-logits.csv"
    cifar_lab(args.cifar_lab, "evaluate", "--data", args.data,
              "--weights", run / "model.safetensors", "--logits", csv)
    theirs = np.loadtxt(csv, delimiter=",", skiprows=1)[: args.images, 2:]
    return {
        "run": run.name,
        "model": module.MODEL,
        "images": int(len(images)),
        "max_logit_difference": float(np.abs(ours - theirs).max()),
        "same_class": int((ours.argmax(1) == theirs.argmax(1)).sum()),
    }


def trained_in_torch(args, run, train, test, out):
    module = module_of(run)
    torch.manual_seed(0)
    net = module.Net()
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    loss = torch.nn.CrossEntropyLoss()
    images, labels = train
    rng = np.random.default_rng(0)
    start = time.time()
    for _ in range(args.epochs):
        net.train()
        order = rng.permutation(len(images))
        for i in range(0, len(order), 128):
            pick = order[i : i + 128]
            optimizer.zero_grad()
            loss(net(module.prepare(images[pick])), torch.as_tensor(labels[pick])).backward()
            optimizer.step()
    seconds = time.time() - start
    predicted = torch_logits(net, test[0], module).argmax(1)
    torch_accuracy = float((predicted == test[1]).mean())
    out.mkdir(parents=True, exist_ok=True)
    recorded, bare, pth = out / "torch-net.safetensors", out / "bare.safetensors", out / "net.pth"
    module.save(net, recorded)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, bare)
    torch.save(net.state_dict(), pth)
    read = {
        "safetensors, model recorded": cifar_lab(args.cifar_lab, "evaluate", "--data", args.data, "--weights", recorded),
        "safetensors, bare (--model)": cifar_lab(args.cifar_lab, "evaluate", "--data", args.data, "--weights", bare, "--model", module.MODEL),
        ".pth (--model)": cifar_lab(args.cifar_lab, "evaluate", "--data", args.data, "--weights", pth, "--model", module.MODEL),
    }
    return {
        "model": module.MODEL,
        "epochs": args.epochs,
        "train_seconds": round(seconds, 1),
        "torch_accuracy": torch_accuracy,
        "cifar_lab_accuracy": {how: accuracy_of(stdout) for how, stdout in read.items()},
        "file_for_the_page": str(recorded),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cifar-lab", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train, test = batches(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "torch": torch.__version__,
        "exported": [exported(args, run, test, args.out) for run in args.runs],
        "trained_in_torch": trained_in_torch(args, args.runs[0], train, test, args.out),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
