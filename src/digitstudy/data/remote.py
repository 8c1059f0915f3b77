"""Datasets in the object store (an ``s3://`` source): a complete upload as a local folder,
cached by its manifest, and one digest of what lies under a run's sources."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from digitstudy.storage import Storage, StorageConfig, parse_uri

log = logging.getLogger(__name__)


def download_dataset(uri: str, config: StorageConfig | None = None,
                     cache: Path | None = None) -> Path:
    """A complete upload (e.g. ``s3://datasets/fsdd``) as a local folder, cached by manifest."""
    from digitstudy.cache import cache_dir

    bucket, prefix = parse_uri(uri)
    if not prefix:
        raise ValueError(f"{uri}: name a dataset prefix, e.g. s3://{bucket}/fsdd")
    store = Storage(config or StorageConfig.from_env())
    manifest = store.manifest(bucket, prefix)
    digest = hashlib.sha256(json.dumps(manifest["files"], sort_keys=True).encode()).hexdigest()[:16]
    target = (cache or cache_dir()) / "minio" / bucket / prefix / digest
    if target.is_dir():
        log.info("using cached %s (%s)", uri, target)
        return target
    log.info("downloading %s (%d files) to %s", uri, len(manifest["files"]), target)
    return store.download_folder(bucket, prefix, target)


def data_fingerprint(uris: Iterable[str], config: StorageConfig | None = None) -> str:
    """One digest of the objects under every ``s3://bucket/prefix`` in ``uris`` (see
    :meth:`Storage.fingerprint`): passed to a run so cached fetch steps re-run when the
    data under an unchanged URI changes."""
    store = Storage(config or StorageConfig.from_env())
    parts = [f"{uri}={store.fingerprint(*parse_uri(uri))}" for uri in sorted(uris)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
