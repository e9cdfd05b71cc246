"""cifar-lab's five presets (the tutorial's three CNNs, `deeper-bn` and `fast94`) trained on
random data in Keras (TensorFlow) and PyTorch, timed the way `cifar-lab bench` times itself:
batch 128, Adadelta (lr 1.0, rho 0.95, eps 1e-7), forward + backward + update, a first step
timed alone, warm-up, then the median of timed runs.

Prints one JSON line per model and framework, in `cifar-lab bench --json`'s fields, so
scripts/bench can put the peers in the same table. Each framework is limited to the same
number of threads as cifar-lab gets (--threads, default: all cores).

Usage: python bench_peers.py --framework keras|torch [--device cpu|cuda] [--threads N] [--warmup 2] [--steps 5] [--runs 5]
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time

BATCH = 128


def layers(model):
    """The presets' layer lists, as cifar-lab's src/model/presets.rs writes them."""
    conv = lambda filters, padding, act="relu": ("conv", filters, padding, act)
    pool = lambda size=2: ("pool", size)
    flat, bn = ("flatten",), ("bn",)
    drop = lambda rate: ("dropout", rate)
    dense = lambda units, act: ("dense", units, act)
    act = lambda name: ("act", name)
    # Convolution, then normalisation, then the nonlinearity.
    conv_bn = lambda filters, padding: [conv(filters, padding, None), bn, act("relu")]
    fast94_block = lambda filters: [conv(filters, "same", None), pool(), bn, act("gelu"),
                                    conv(filters, "same", None), bn, act("gelu")]
    return {
        "plain": [conv(32, "valid"), conv(64, "valid"), pool(), flat, dense(128, "relu"), dense(10, None)],
        "dropout": [conv(32, "valid"), conv(64, "valid"), pool(), drop(0.25), flat,
                    dense(128, "relu"), drop(0.5), dense(10, None)],
        "deeper": [conv(32, "same"), conv(32, "valid"), pool(), drop(0.25), conv(64, "same"),
                   conv(64, "valid"), pool(), drop(0.25), flat, dense(512, "relu"), drop(0.5),
                   dense(10, None)],
        "deeper-bn": [*conv_bn(32, "same"), *conv_bn(32, "valid"), pool(), drop(0.25),
                      *conv_bn(64, "same"), *conv_bn(64, "valid"), pool(), drop(0.25), flat,
                      dense(512, None), bn, act("relu"), drop(0.5), dense(10, None)],
        # airbench94's network: a frozen 2x2 whitening convolution (24 filters, its bias
        # trains), three blocks, a 3x3 pool and a linear head scaled by 1/9.
        "fast94": [("whiten", 24, 2), act("gelu"), *fast94_block(64), *fast94_block(256),
                   *fast94_block(256), pool(3), flat, dense(10, None), ("rescale", 1 / 9)],
    }[model]


MODELS = ["plain", "dropout", "deeper", "deeper-bn", "fast94"]


def keras_step(model_name):
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((32, 32, 3))])
    for layer in layers(model_name):
        kind = layer[0]
        if kind == "conv":
            model.add(keras.layers.Conv2D(layer[1], 3, padding=layer[2], activation=layer[3]))
        elif kind == "whiten":
            # Keras freezes whole layers: the kernel trains here (96 weights per filter on
            # 31x31 pixels, a sliver of the step's work).
            model.add(keras.layers.Conv2D(layer[1], layer[2]))
        elif kind == "pool":
            model.add(keras.layers.MaxPooling2D(layer[1]))
        elif kind == "dropout":
            model.add(keras.layers.Dropout(layer[1]))
        elif kind == "flatten":
            model.add(keras.layers.Flatten())
        elif kind == "bn":
            model.add(keras.layers.BatchNormalization())
        elif kind == "act":
            model.add(keras.layers.Activation(layer[1]))
        elif kind == "rescale":
            model.add(keras.layers.Rescaling(layer[1]))
        else:
            model.add(keras.layers.Dense(layer[1], activation=layer[2]))
    model.compile(
        optimizer=keras.optimizers.Adadelta(learning_rate=1.0, rho=0.95, epsilon=1e-7),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(0)
    x = rng.random((BATCH, 32, 32, 3), dtype=np.float32)
    y = keras.utils.to_categorical(rng.integers(0, 10, BATCH), 10)
    return lambda: model.train_on_batch(x, y)


def torch_step(model_name, device="cpu"):
    import torch
    from torch import nn

    class Rescale(nn.Module):
        def __init__(self, factor):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

    modules, channels, side, features = [], 3, 32, 0
    flattened = False
    for layer in layers(model_name):
        kind = layer[0]
        if kind in ("conv", "whiten"):
            kernel = 3 if kind == "conv" else layer[2]
            pad = 1 if kind == "conv" and layer[2] == "same" else 0
            conv = nn.Conv2d(channels, layer[1], kernel, padding=pad)
            if kind == "whiten":
                conv.weight.requires_grad = False
            modules.append(conv)
            if kind == "conv" and layer[3] == "relu":
                modules.append(nn.ReLU())
            channels, side = layer[1], side + 2 * pad - (kernel - 1)
        elif kind == "pool":
            modules.append(nn.MaxPool2d(layer[1]))
            side //= layer[1]
        elif kind == "dropout":
            modules.append(nn.Dropout(layer[1]))
        elif kind == "flatten":
            modules.append(nn.Flatten())
            features, flattened = channels * side * side, True
        elif kind == "bn":
            modules.append(nn.BatchNorm1d(features) if flattened else nn.BatchNorm2d(channels))
        elif kind == "act":
            modules.append(nn.ReLU() if layer[1] == "relu" else nn.GELU())
        elif kind == "rescale":
            modules.append(Rescale(layer[1]))
        else:
            modules.append(nn.Linear(features, layer[1]))
            if layer[2] == "relu":
                modules.append(nn.ReLU())
            features = layer[1]
    model = nn.Sequential(*modules).to(device)
    optimizer = torch.optim.Adadelta(
        [p for p in model.parameters() if p.requires_grad], lr=1.0, rho=0.95, eps=1e-7
    )
    loss_fn = nn.CrossEntropyLoss()
    torch.manual_seed(0)
    x = torch.rand(BATCH, 3, 32, 32, device=device)
    y = torch.randint(0, 10, (BATCH,), device=device)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--framework", choices=["keras", "torch"], required=True)
    parser.add_argument("--model", choices=MODELS, action="append")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    # PyTorch only: "cuda" times the same loop on a GPU (each step still reads the loss back,
    # as cifar-lab's benchmark does).
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()

    if args.framework == "keras":
        os.environ["KERAS_BACKEND"] = "tensorflow"
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
        make, version = keras_step, f"Keras {__import__('keras').__version__} / TensorFlow {tf.__version__}"
    else:
        import torch

        torch.set_num_threads(args.threads)
        make = lambda model: torch_step(model, args.device)
        version = f"PyTorch {torch.__version__}"
        if args.device != "cpu":
            version += f" on {torch.cuda.get_device_name() if args.device.startswith('cuda') else args.device}"

    for model in args.model or MODELS:
        started = time.perf_counter()
        step = make(model)
        step()
        first = time.perf_counter() - started
        for _ in range(max(args.warmup - 1, 0)):
            step()
        rates = []
        for _ in range(max(args.runs, 1)):
            started = time.perf_counter()
            for _ in range(max(args.steps, 1)):
                step()
            rates.append(max(args.steps, 1) * BATCH / (time.perf_counter() - started))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "model": model,
            "backend": version,
            "batch_size": BATCH,
            "first_step_seconds": first,
            "images_per_second": statistics.median(rates),
            "peak_rss_mib": peak,
        }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
