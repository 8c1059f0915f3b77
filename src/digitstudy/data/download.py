"""Fetch canonical dataset files into a local cache, verified by SHA-256 (or MD5).

The cache lives in ``$DIGITSTUDY_CACHE`` (default ``~/.cache/digitstudy``). A file is
downloaded to a temporary name and renamed only once its checksum matches, so an
interrupted or corrupted download never looks complete.
"""

from __future__ import annotations

import logging
from pathlib import Path

import requests
from tqdm import tqdm

from digitstudy.cache import cache_dir
from digitstudy.digests import file_digest
from digitstudy.errors import UserError

log = logging.getLogger(__name__)

CHUNK = 1 << 20


class ChecksumError(UserError):
    """A downloaded file that is not the published one."""


class DownloadError(UserError):
    """A canonical file that could not be fetched (no internet): use a local DATA_DIR."""


def checksum_mismatches(path: Path, expected: dict[str, str | None]) -> list[str]:
    """``"<algorithm> <actual> does not match the expected <wanted>"`` per failing checksum."""
    bad = []
    for algorithm, wanted in expected.items():
        if wanted is not None and (actual := file_digest(path, algorithm)) != wanted.lower():
            bad.append(f"{algorithm} {actual} does not match the expected {wanted}")
    return bad


def fetch(url: str, sha256: str | None, filename: str | None = None, *, retries: int = 3,
          timeout: float = 60.0, md5: str | None = None) -> Path:
    """Return the cached copy of ``url``, downloading it first if needed.

    The file must match every checksum given (``sha256`` and/or ``md5``, for sources that
    only publish MD5s such as MNIST). With neither, any content is accepted (for sources
    whose checksum is verified another way, e.g. a content fingerprint of what was
    extracted). ``filename`` may hold a subfolder of the cache (``mnist/...``).
    """
    expected = {"sha256": sha256, "md5": md5}
    target = cache_dir() / (filename or url.rstrip("/").rsplit("/", 1)[-1])
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        if not checksum_mismatches(target, expected):
            log.info("using cached %s", target)
            return target
        log.warning("cached %s fails its checksum; downloading again", target)
        target.unlink()
    partial = target.with_suffix(target.suffix + ".partial")
    last_error: Exception | None = None
    for attempt in range(1, retries + 1):
        try:
            with requests.get(url, stream=True, timeout=timeout) as resp:
                resp.raise_for_status()
                total = int(resp.headers.get("content-length", 0)) or None
                with open(partial, "wb") as f, tqdm(
                    total=total, unit="B", unit_scale=True, desc=target.name, mininterval=2
                ) as bar:
                    for chunk in resp.iter_content(CHUNK):
                        f.write(chunk)
                        bar.update(len(chunk))
            break
        except requests.RequestException as err:
            last_error = err
            log.warning("download %s failed (attempt %d/%d): %s", url, attempt, retries, err)
    else:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"could not download {url} after {retries} attempts ({last_error}); with no "
            "internet, put the dataset in a folder and run with DATA_DIR=<folder holding "
            "fsdd/recordings/ and mnist/> (make run), or pass --source to the step"
        )
    bad = checksum_mismatches(partial, expected)
    if bad:
        partial.unlink()
        raise ChecksumError(f"{url}: {'; '.join(bad)}")
    partial.rename(target)
    return target
