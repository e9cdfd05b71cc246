"""Measures the JPEG traces in a CIFAR-10 binary archive: luminance steps at the 8-pixel
block boundaries against those inside the blocks, and chroma steps between aligned pixel
pairs against those within a pair (4:2:0 subsampling makes colour constant within a pair).
In images never JPEG-compressed at this size those columns are not special, so the two
numbers of each pair agree; the archive in ../shared/data was decoded from JPEGs.

Usage: python jpeg_traces.py --data ../shared/data/cifar-10-binary.tar.gz
"""

import argparse
import tarfile

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    with tarfile.open(args.data) as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if name not in ("data_batch_1.bin", "test_batch.bin"):
                continue
            rows = np.frombuffer(tar.extractfile(member).read(), np.uint8).reshape(-1, 3073)
            images = rows[:, 1:].reshape(-1, 3, 32, 32).astype(np.float64)
            luma = np.abs(np.diff(images.mean(1), axis=2))  # steps between columns j and j+1
            edges = [7, 15, 23]
            inside = [j for j in range(31) if j not in edges]
            chroma = np.abs(np.diff(images[:, 2] - images[:, 1], axis=2))
            print(
                f"{name}: luma step at block edges {luma[:, :, edges].mean():.2f} vs inside "
                f"{luma[:, :, inside].mean():.2f}; chroma step between pixel pairs "
                f"{chroma[:, :, 1::2].mean():.2f} vs within {chroma[:, :, 0::2].mean():.2f}"
            )


if __name__ == "__main__":
    main()
