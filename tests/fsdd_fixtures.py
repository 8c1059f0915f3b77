"""Synthesised recordings named like FSDD: each digit is a distinct tone, so they separate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SR = 8000


def tone(digit: int, rng: np.random.Generator, seconds: float | None = None) -> np.ndarray:
    n = int(SR * (seconds if seconds is not None else rng.uniform(0.25, 0.6)))
    t = np.arange(n) / SR
    f0 = 250.0 + 180.0 * digit
    sig = np.sin(2 * np.pi * f0 * t) + 0.4 * np.sin(2 * np.pi * 2.1 * f0 * t + rng.uniform(0, 6))
    sig *= np.hanning(n) * rng.uniform(0.3, 0.8)
    return (sig + 0.01 * rng.standard_normal(n)).astype(np.float32)


def write_fsdd(folder: Path, per_speaker: int = 4, speakers=("alice", "bob", "carol"),
               seed: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for digit in range(10):
        for speaker in speakers:
            for index in range(per_speaker):
                sf.write(folder / f"{digit}_{speaker}_{index}.wav", tone(digit, rng), SR)
    return folder
