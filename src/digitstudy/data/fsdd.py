"""Free Spoken Digit Dataset: file index, decoding, canonical download and the fetch step.

Recordings are named ``{digit}_{speaker}_{index}.wav`` (mono, 8 kHz in the canonical
release; any rate is kept native). The canonical source is release v1.0.10 of
github.com/Jakobovski/free-spoken-digit-dataset. Its archive has no published checksum,
so what is extracted is verified by a content fingerprint of the recordings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import tarfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from digitstudy.data.download import fetch
from digitstudy.errors import UserError

if TYPE_CHECKING:
    from digitstudy.config.sections import SettingsView

log = logging.getLogger(__name__)

FSDD_URL = "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.10.tar.gz"
# sha256 over the sorted "name sha256(content)" lines of all 3000 recordings of v1.0.10.
FSDD_FINGERPRINT = "dbd573d7cafe79c4b49f65718115e1304e24e067fa39eff18a660dc6cb9c360f"
NAME_PATTERN = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[A-Za-z0-9-]+)_(?P<index>[0-9]+)\.wav$")
DIGITS = tuple(range(10))


class FsddError(UserError):
    """Bad FSDD input; the message names the file or class."""


@dataclass(frozen=True)
class Recording:
    path: Path
    digit: int
    speaker: str
    index: int


def parse_name(path: Path) -> Recording:
    match = NAME_PATTERN.match(path.name)
    if match is None:
        raise FsddError(
            f"{path}: file name does not follow FSDD's '{{digit}}_{{speaker}}_{{index}}.wav'"
        )
    return Recording(path, int(match["digit"]), match["speaker"], int(match["index"]))


def recordings_dir(source: Path) -> Path:
    """The folder holding the wavs: ``source`` itself, ``recordings/`` or ``fsdd/recordings/``."""
    if not source.exists():
        raise FsddError(f"{source}: folder does not exist")
    for candidate in (source, source / "recordings", source / "fsdd" / "recordings"):
        if candidate.is_dir() and any(candidate.glob("*.wav")):
            return candidate
    raise FsddError(f"{source}: no FSDD .wav files here, in recordings/ or in fsdd/recordings/")


def load_fsdd_index(folder: str | Path) -> list[Recording]:
    """All recordings of a folder, sorted by (digit, speaker, index); errors name the bad file."""
    folder = recordings_dir(Path(folder))
    recs = sorted(
        (parse_name(p) for p in folder.glob("*.wav")), key=lambda r: (r.digit, r.speaker, r.index)
    )
    missing = sorted(set(DIGITS) - {r.digit for r in recs})
    if missing:
        raise FsddError(f"{folder}: no recordings for digit(s) {missing}")
    digits = Counter(r.digit for r in recs)
    speakers = Counter(r.speaker for r in recs)
    log.info("FSDD %s: %d recordings; per digit %s; per speaker %s", folder, len(recs),
             dict(sorted(digits.items())), dict(sorted(speakers.items())))
    return recs


SOURCES_FILE = "SOURCES.json"  # in a fetched dataset: copy name -> the user's original path


def original_path(path: Path) -> Path:
    """The user's file a fetched copy came from (fetch-fsdd's manifest), else ``path``."""
    manifest = path.parent / SOURCES_FILE
    if manifest.is_file():
        try:
            return Path(json.loads(manifest.read_text())[path.name])
        except (KeyError, ValueError):
            pass
    return path


@dataclass(frozen=True)
class AudioInfo:
    path: Path
    sample_rate: int
    channels: int
    frames: int


def audio_info(path: Path) -> AudioInfo:
    """A header read of one recording (no decoding); errors name the user's file."""
    shown = original_path(path)
    if path.stat().st_size == 0:
        raise FsddError(f"{shown}: empty file (0 bytes)")
    try:
        info = sf.info(str(path))
    except Exception as err:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        raise FsddError(f"{shown}: not a readable audio file ({err})") from None
    if info.frames == 0:
        raise FsddError(f"{shown}: empty recording (0 samples)")
    return AudioInfo(shown, int(info.samplerate), int(info.channels), int(info.frames))


def check_formats(infos: list[AudioInfo], folder: Path, channels_setting: str) -> None:
    """One sample rate across the recordings, and mono unless the profile opts in to
    mixing down (``data.fsdd.channels: mix_down``); errors name one example of each."""
    by_rate: dict[int, AudioInfo] = {}
    by_channels: dict[int, AudioInfo] = {}
    for info in infos:
        by_rate.setdefault(info.sample_rate, info)
        by_channels.setdefault(info.channels, info)
    if len(by_rate) > 1:
        examples = "; ".join(f"{rate} Hz, e.g. {i.path}" for rate, i in sorted(by_rate.items()))
        raise FsddError(f"{folder}: recordings have mixed sample rates ({examples}); "
                        "MFCC frames need one rate: resample the files to one rate")
    multi = {c: i for c, i in by_channels.items() if c > 1}
    if multi and channels_setting != "mix_down":
        examples = "; ".join(f"{c} channels, e.g. {i.path}" for c, i in sorted(by_channels.items()))
        raise FsddError(f"{folder}: recordings are not all mono ({examples}); set "
                        "data.fsdd.channels: mix_down in the profile to average them to mono")


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Decode one recording to mono float32 at its native rate; errors name the user's file.

    Several channels are averaged: the fetch step lets such files through only when the
    profile says ``data.fsdd.channels: mix_down`` (FSDD itself is mono)."""
    if path.is_file() and path.stat().st_size == 0:
        raise FsddError(f"{original_path(path)}: empty file (0 bytes)")
    try:
        signal, sr = sf.read(path, dtype="float32", always_2d=True)
    except Exception as err:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        raise FsddError(f"{original_path(path)}: not a readable audio file ({err})") from None
    if signal.shape[0] == 0:
        raise FsddError(f"{original_path(path)}: empty recording (0 samples)")
    if signal.shape[1] > 1:
        signal = signal.mean(axis=1, keepdims=True)
    return signal[:, 0], int(sr)


def fingerprint(recs: list[Recording]) -> str:
    digest = hashlib.sha256()
    for rec in sorted(recs, key=lambda r: r.path.name):
        digest.update(
            f"{rec.path.name} {hashlib.sha256(rec.path.read_bytes()).hexdigest()}\n".encode()
        )
    return digest.hexdigest()


def download_fsdd() -> Path:
    """The canonical v1.0.10 recordings, downloaded once into the cache and verified."""
    archive = fetch(FSDD_URL, sha256=None, filename="fsdd-v1.0.10.tar.gz")
    target = archive.parent / "fsdd-v1.0.10"
    if not (target / "recordings").is_dir():
        tmp = target.with_name(target.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if "/recordings/" in m.name and m.isfile()]
            for m in members:
                m.name = "recordings/" + Path(m.name).name
            tar.extractall(tmp, members=members, filter="data")
        got = fingerprint(load_fsdd_index(tmp / "recordings"))
        if got != FSDD_FINGERPRINT:
            shutil.rmtree(tmp)
            raise FsddError(f"{archive}: extracted recordings have fingerprint {got}, "
                            f"expected {FSDD_FINGERPRINT} (v1.0.10)")
        shutil.rmtree(target, ignore_errors=True)
        tmp.rename(target)
    return target / "recordings"


def select(recs: list[Recording], per_digit: int | None, seed: int,
           folder: Path | None = None) -> list[Recording]:
    """Keep ``per_digit`` recordings of each digit (seeded, stratified by speaker)."""
    if per_digit is None:
        return recs
    rng = np.random.default_rng(seed)
    kept: list[Recording] = []
    for digit in DIGITS:
        pool = [r for r in recs if r.digit == digit]
        if len(pool) < per_digit:
            where = f" under {folder}" if folder is not None else ""
            raise FsddError(f"digit {digit} has {len(pool)} recordings{where}, "
                            f"data.fsdd.per_digit_limit asks for {per_digit}")
        # round-robin over speakers in a seeded order keeps every speaker represented
        by_speaker: dict[str, list[Recording]] = {}
        for r in (pool[i] for i in rng.permutation(len(pool))):
            by_speaker.setdefault(r.speaker, []).append(r)
        queues = [by_speaker[s] for s in sorted(by_speaker)]
        picked: list[Recording] = []
        while len(picked) < per_digit:
            for q in queues:
                if q and len(picked) < per_digit:
                    picked.append(q.pop())
        kept.extend(picked)
    return sorted(kept, key=lambda r: (r.digit, r.speaker, r.index))


def resolve_source(source: str) -> Path:
    if not source:
        return download_fsdd()
    if source.startswith("s3://"):
        from digitstudy.data import remote  # deployment extra; see docs/cluster.md

        return recordings_dir(remote.download_dataset(source))
    return recordings_dir(Path(source))


def fetch_step(settings: SettingsView, *, dataset: Path, source: str) -> None:
    """Copy the profile's share of FSDD into ``dataset`` (a folder of wavs).

    The recordings kept are header-checked first (errors name the user's file) and
    ``SOURCES.json`` maps each copy to its original, so a later step's decoding error
    names the file under DATA_DIR rather than the copy."""
    folder = resolve_source(source)
    recs = load_fsdd_index(folder)
    fp_cfg = settings.data.fsdd
    if len(recs) == 3000:
        same = fingerprint(recs) == FSDD_FINGERPRINT
        log.info("FSDD content %s release v1.0.10", "matches" if same else "DIFFERS from")
    recs = select(recs, fp_cfg.per_digit_limit, fp_cfg.sample_seed, folder=folder)
    check_formats([audio_info(r.path) for r in recs], folder, fp_cfg.channels)
    dataset.mkdir(parents=True, exist_ok=True)
    for rec in recs:
        shutil.copy2(rec.path, dataset / rec.path.name)
    (dataset / SOURCES_FILE).write_text(
        json.dumps({r.path.name: str(r.path.resolve()) for r in recs}, indent=0))
    log.info("fetch-fsdd: %d recordings -> %s", len(recs), dataset)
