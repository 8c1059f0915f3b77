"""Checks before a run starts (seconds, not minutes): everything the user can get wrong.

- PARTS and the profile's plan for them are valid;
- DATA_DIR exists and holds what the selected parts need (FSDD for p1/p4b, MNIST for
  p2/p3/p4a);
- every FSDD recording is readable: a header read of each file (``soundfile.info``), so a
  corrupt file the profile would not even sample is still found; one sample rate, mono
  unless ``data.fsdd.channels: mix_down``; enough recordings per digit for
  ``data.fsdd.per_digit_limit``;
- every MNIST file has the right magic number and size;
- with no DATA_DIR, the canonical download is cached or reachable.
Every failure is a :class:`~digitstudy.errors.UserError` naming the file, key or setting.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from digitstudy.config import Profile
from digitstudy.data import fsdd, mnist
from digitstudy.errors import UserError

log = logging.getLogger(__name__)

DATA_DIR_HINT = ("run with DATA_DIR=<folder holding fsdd/recordings/ and mnist/> "
                 "(e.g. make run DATA_DIR=../shared/data)")
MAX_LISTED = 5


class PreflightError(UserError):
    """A pre-flight check failed."""


# the raw dataset each part reads
PART_DATASETS = {"p1": "fsdd", "p4b": "fsdd", "p2": "mnist", "p3": "mnist", "p4a": "mnist"}


def _parts(profile: Profile, parts: str | None) -> tuple[list[str], tuple[str, ...]]:
    from digitstudy.plan import parse_parts, plan_study

    try:
        selected = parse_parts(parts)
        plan_study(profile, selected)
    except ValueError as err:
        raise PreflightError(str(err)) from None
    return sorted({PART_DATASETS[p] for p in selected}), selected


def check_fsdd(profile: Profile, source: Path, workers: int = 8) -> str:
    """Header-check every recording of the FSDD folder under ``source``; a summary line."""
    t0 = time.perf_counter()
    try:
        folder = fsdd.recordings_dir(source)
    except fsdd.FsddError:
        raise PreflightError(
            f"{source}: no FSDD recordings (expected {{digit}}_{{speaker}}_{{index}}.wav files "
            f"in {source}, {source / 'recordings'} or {source / 'fsdd' / 'recordings'})") from None
    recs = fsdd.load_fsdd_index(folder)

    def info(rec):
        try:
            return fsdd.audio_info(rec.path)
        except fsdd.FsddError as err:
            return err

    with ThreadPoolExecutor(max_workers=workers) as pool:  # libsndfile releases the GIL
        results = list(pool.map(info, recs))
    bad = [str(r) for r in results if isinstance(r, Exception)]
    if bad:
        more = f" (and {len(bad) - MAX_LISTED} more)" if len(bad) > MAX_LISTED else ""
        raise PreflightError(f"{len(bad)} of {len(recs)} FSDD recordings under {folder} cannot be "
                             f"used: " + "; ".join(bad[:MAX_LISTED]) + more
                             + ". Remove or replace them.")
    infos = [r for r in results if not isinstance(r, Exception)]
    cfg = profile.data.fsdd
    fsdd.check_formats(infos, folder, cfg.channels)
    fsdd.select(recs, cfg.per_digit_limit, cfg.sample_seed, folder=folder)
    seconds = time.perf_counter() - t0
    rates = sorted({i.sample_rate for i in infos})
    channels = sorted({i.channels for i in infos})
    kept = "all" if cfg.per_digit_limit is None else f"{cfg.per_digit_limit} per digit"
    return (f"FSDD {folder}: {len(recs)} recordings readable ({rates[0]} Hz, "
            f"{'mono' if channels == [1] else f'{channels} channels, mixed down'}), "
            f"headers checked in {seconds:.1f} s; the profile uses {kept}")


def check_mnist(source: Path) -> str:
    from digitstudy.data.mnist_sources import find_reduced_folder

    t0 = time.perf_counter()
    if (reduced := find_reduced_folder(source)) is not None:
        return f"MNIST {reduced}: a ReducedMNIST folder (checked by the reduced-mnist step)"
    try:
        folder = mnist.find_mnist_folder(source)
    except mnist.MnistError as err:
        raise PreflightError(str(err)) from None
    data = mnist.load_mnist(folder)  # magic numbers, header shapes and sizes of every file
    seconds = time.perf_counter() - t0
    return f"{data.describe()}; checked in {seconds:.2f} s"


def _reachable(url: str) -> str | None:
    """None if ``url`` answers, else why not."""
    import requests

    try:
        requests.head(url, timeout=5, allow_redirects=True).raise_for_status()
    except requests.RequestException as err:
        return str(err).split("\n")[0][:200]
    return None


def check_download(dataset: str) -> str:
    """No DATA_DIR: the canonical files must be cached or their URL reachable."""
    from digitstudy.data.download import cache_dir

    if dataset == "fsdd":
        cached = (cache_dir() / "fsdd-v1.0.10" / "recordings").is_dir()
        url = fsdd.FSDD_URL
    else:
        cached = all((cache_dir() / "mnist" / n).is_file() for n in mnist.CANONICAL_MD5)
        url = mnist.MNIST_MIRROR + next(iter(mnist.CANONICAL_MD5))
    if cached:
        return f"{dataset.upper()}: canonical files cached in {cache_dir()}"
    why = _reachable(url)
    if why is not None:
        raise PreflightError(f"no DATA_DIR was given, so {dataset.upper()} would be downloaded "
                             f"from {url}, which cannot be reached ({why}); {DATA_DIR_HINT}")
    return f"{dataset.upper()}: will be downloaded from {url} (first run only)"


def preflight(profile: Profile, parts: str | None, data_dir: str | Path | None) -> list[str]:
    """Every check for a run of ``parts`` on ``data_dir``; summary lines, or a PreflightError."""
    datasets, selected = _parts(profile, parts)
    lines = [f"profile {profile.name}: valid; parts {', '.join(selected)}"]
    if data_dir and str(data_dir).startswith("s3://"):
        return lines + [f"data {data_dir}: object store, checked by the fetch steps"]
    if not data_dir:
        return lines + [check_download(d) for d in datasets]
    source = Path(data_dir)
    if not source.exists():
        raise PreflightError(f"DATA_DIR {data_dir} does not exist ({source.resolve()}); "
                             f"{DATA_DIR_HINT}")
    if not source.is_dir():
        raise PreflightError(f"DATA_DIR {data_dir} is a file, not a folder; {DATA_DIR_HINT}")
    for dataset in datasets:
        lines.append(check_fsdd(profile, source) if dataset == "fsdd" else check_mnist(source))
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m digitstudy preflight --profile tiny --parts p1 --data-dir DIR``."""
    import argparse

    from digitstudy.config import load_profile

    parser = argparse.ArgumentParser(prog="digitstudy preflight",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="tiny")
    parser.add_argument("--parts", default=None, help="comma list; default: every part")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args(argv)
    for line in preflight(load_profile(args.profile), args.parts, args.data_dir):
        print(line)
    return 0
