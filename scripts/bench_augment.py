"""Benchmark: augmented images per second for each augmentation and "combined".

Augments ``--images`` MNIST digits (default 30,000, the largest pool one real size of the
paper grid needs: 3000 per class) with the profile's parameters, best of ``--repeats``
runs, and also times the generator (balanced sources + combined + uint8 conversion) that
the augment step runs.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from digitstudy.augment import AUGMENTATIONS, augment, generate_augmented, to_uint8
from digitstudy.config import load_profile
from digitstudy.data.mnist import find_mnist_folder, load_mnist


def digits(data_dir: str | None, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    if data_dir:
        data = load_mnist(find_mnist_folder(Path(data_dir)))
        x, y = data.splits.get("train") or data.splits["test"]
        reps = -(-n // len(x))
        return np.tile(x, (reps, 1, 1))[:n], np.tile(y, reps)[:n], f"MNIST digits from {data_dir}"
    rng = np.random.default_rng(0)  # no data: random strokes are as costly to transform
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            np.arange(n, dtype=np.uint8) % 10, "random images")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", help="a folder with MNIST files (or a DATA_DIR with mnist/)")
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--images", type=int, default=30_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cfg = load_profile(args.profile).p2.augment
    x, y, what = digits(args.data_dir, args.images)
    print(f"{len(x)} {what}; profile {args.profile} (strength {cfg.strength}); "
          f"{os.cpu_count()} CPUs; best of {args.repeats}")
    augment(x[:64], "combined", cfg, 0)  # warm-up

    def best(fn) -> float:
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    print(f"{'augmentation':<14}{'seconds':>9}{'images/s':>12}")
    for name in AUGMENTATIONS:
        s = best(lambda name=name: augment(x, name, cfg, 0))
        print(f"{name:<14}{s:>9.2f}{len(x) / s:>12,.0f}")
    per_class = len(x) // 10
    s = best(lambda: to_uint8(generate_augmented(x, y, per_class, cfg, seed=0)[0]))
    print(f"{'generator':<14}{s:>9.2f}{10 * per_class / s:>12,.0f}  "
          f"({per_class} per class, combined, to uint8)")


if __name__ == "__main__":
    main()
