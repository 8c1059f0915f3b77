"""A run's report copied to the object store (``results/<run name>/``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from digitstudy.storage import RESULTS_BUCKET, Storage, StorageConfig, check_run_name

log = logging.getLogger(__name__)


def upload_report(report_dir: str | Path, run_name: str,
                  config: StorageConfig | None = None) -> str:
    """Copy a run's report folder to ``results/<run name>/``; returns its URI."""
    store = Storage(config or StorageConfig.from_env())
    store.upload_folder(report_dir, RESULTS_BUCKET, check_run_name(run_name),
                        meta={"run_name": run_name})
    return f"s3://{RESULTS_BUCKET}/{run_name}/"


def upload_report_if_configured(report_dir: str | Path, run_id: str,
                                env: Mapping[str, str] | None = None) -> str | None:
    """The aggregate step's upload: ``report_dir`` to ``results/<run_id>/`` when MinIO is
    configured (on a cluster the digitstudy-minio Secret sets MINIO_*), else a logged no-op
    (``make run``). Upload failures raise: a run's report must not go missing quietly."""
    env = os.environ if env is None else env
    if not env.get("MINIO_ENDPOINT"):
        log.warning("report of %s not uploaded to MinIO: no MINIO_ENDPOINT (fine for a local "
                    "run; on a cluster the digitstudy-minio Secret is missing)", run_id)
        return None
    uri = upload_report(report_dir, run_id, StorageConfig.from_env(env))
    log.info("report of %s uploaded to %s", run_id, uri)
    return uri
