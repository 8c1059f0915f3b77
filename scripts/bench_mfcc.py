"""Benchmark: the project's MFCC extractor against a plain per-file librosa loop.

Decodes every FSDD file, then times (a) ``librosa.feature.mfcc`` called per file, as the
study did, and (b) ``digitstudy.features.mfcc.mfcc_batch``; checks the values agree.
Both are warmed up first so librosa's one-off numba compilation is not counted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from digitstudy.config import load_profile
from digitstudy.data.fsdd import load_fsdd_index
from digitstudy.features.mfcc import decode_all, mfcc_batch, mfcc_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", required=True, help="folder holding fsdd/recordings")
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cfg = load_profile(args.profile).p1.mfcc
    recs = load_fsdd_index(args.data_dir)
    t0 = time.perf_counter()
    signals, sr = decode_all([r.path for r in recs], cfg.workers)
    decode_s = time.perf_counter() - t0
    mfcc_reference(signals[0], sr, cfg)
    mfcc_batch(signals[:8], sr, cfg)

    def best(fn) -> tuple[float, list]:
        times, out = [], None
        for _ in range(args.repeats):
            t = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - t)
        return min(times), out

    loop_s, ref = best(lambda: [mfcc_reference(s, sr, cfg) for s in signals])
    batch_s, got = best(lambda: mfcc_batch(signals, sr, cfg))
    diff = max(float(np.abs(a - b).max()) for a, b in zip(got, ref, strict=True))
    n = len(signals)
    print(f"FSDD files: {n} at {sr} Hz (decode {decode_s:.2f} s, {n / decode_s:.0f} files/s)")
    print(f"{'extractor':<34}{'seconds':>9}{'files/s':>10}")
    print(f"{'plain librosa.feature.mfcc loop':<34}{loop_s:>9.2f}{n / loop_s:>10.0f}")
    print(f"{'digitstudy mfcc_batch':<34}{batch_s:>9.2f}{n / batch_s:>10.0f}")
    print(f"speed-up {loop_s / batch_s:.1f}x; max |difference| {diff:.2e} (target: >= 2x, <= 1e-4)")


if __name__ == "__main__":
    main()
