"""Checkpoints that outlive a pod: a local working folder, mirrored to the object store.

A long training step writes its checkpoint into a local folder (``local``). On a cluster
that folder is inside the task's output directory, an emptyDir that a retried pod gets
fresh, so the store also keeps each checkpoint in S3 under a key derived from the run and
the task's inputs, and a retried pod pulls the newest one before training:

    s3://<bucket>/<run>/<key>/g<generation>/...   (a complete upload: its _COMPLETE manifest)

- ``DIGITSTUDY_CHECKPOINT_STORE`` (``s3://checkpoints``): turns the mirror on; the
  ``MINIO_*`` variables say where the store is (digitstudy.storage);
- ``DIGITSTUDY_RUN``: the run, the same for every retry of a task and different for
  every run. On KFP it is the Argo workflow's name, which Argo puts on every pod as the
  label ``workflows.argoproj.io/workflow`` (argo-workflows v4.0.5
  workflow/controller/workflowpod.go:204) and the pipeline maps to this variable with the
  downward API (kfp-kubernetes ``use_field_path_as_env``). KFP's own variables are no
  use here: ``KFP_POD_NAME``/``KFP_POD_UID`` change with every retry, ``KFP_RETRY_INDEX``
  counts them (backend/src/v2/compiler/argocompiler/common.go:42-67, kubeflow/pipelines
  2.17.0);
- ``key``: the caller's digest of the task's inputs (config, data), so a task with other
  inputs never resumes this one's checkpoint.

Every push is a new generation, uploaded manifest-last; older generations are removed
only after it is complete, so a pod killed mid-upload leaves the previous checkpoint
whole. Without ``DIGITSTUDY_CHECKPOINT_STORE`` (``make run``) the same code only uses the
local folder.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from digitstudy import storage

log = logging.getLogger(__name__)

STORE_ENV = "DIGITSTUDY_CHECKPOINT_STORE"
RUN_ENV = "DIGITSTUDY_RUN"
GENERATION = re.compile(r"^g(\d{6})$")


@dataclass
class Remote:
    store: storage.Storage
    bucket: str
    prefix: str  # <run>/<key>

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}/"

    def generations(self) -> tuple[list[int], list[int]]:
        """(complete, all) generation numbers under the prefix, ascending."""
        found = set()
        for key in self.store.list_keys(self.bucket, self.prefix + "/"):
            parts = key[len(self.prefix) + 1:].split("/", 1)
            match = GENERATION.match(parts[0])
            if match:
                found.add(int(match.group(1)))
        complete = [g for g in sorted(found)
                    if self.store.exists(self.bucket, self._key(g, storage.MANIFEST))]
        return complete, sorted(found)

    def _key(self, generation: int, name: str = "") -> str:
        return f"{self.prefix}/g{generation:06d}" + (f"/{name}" if name else "")


@dataclass
class CheckpointStore:
    """``local``: the folder training reads and writes; ``remote``: its mirror, or None."""

    local: Path
    remote: Remote | None = None
    _pushed: tuple | None = field(default=None, repr=False)

    def pull(self) -> bool:
        """Replace ``local`` by the newest complete checkpoint in the store; False if none."""
        if self.remote is None:
            return False
        complete, _ = self.remote.generations()
        if not complete:
            log.info("no checkpoint in %s yet: starting from scratch", self.remote.uri)
            return False
        newest = complete[-1]
        self.remote.store.download_folder(self.remote.bucket, self.remote._key(newest),
                                          self.local)
        self._pushed = self._signature()
        log.info("restored the checkpoint %s (generation %d) into %s", self.remote.uri, newest,
                 self.local)
        return True

    def push(self) -> None:
        """Upload ``local`` as a new generation, then drop the older ones."""
        if self.remote is None:
            return
        _, every = self.remote.generations()
        generation = (every[-1] + 1) if every else 1
        self.remote.store.upload_folder(self.local, self.remote.bucket,
                                        self.remote._key(generation),
                                        meta={"generation": str(generation)})
        self._pushed = self._signature()
        for old in every:
            keys = self.remote.store.list_keys(self.remote.bucket, self.remote._key(old) + "/")
            manifest = self.remote._key(old, storage.MANIFEST)  # first: never half-complete
            self.remote.store.remove(self.remote.bucket,
                                     [manifest] + [k for k in keys if k != manifest])
        log.info("checkpoint pushed to %sg%06d/", self.remote.uri, generation)

    def push_if_changed(self) -> None:
        """``push`` when the local checkpoint files changed since the last pull or push."""
        if self.remote is not None and self.local.is_dir() and self._signature() != self._pushed:
            self.push()

    def clear(self) -> None:
        """The step finished: its output replaces the checkpoint, here and in the store."""
        shutil.rmtree(self.local, ignore_errors=True)
        if self.remote is not None:
            _, every = self.remote.generations()
            for generation in every:
                self.remote.store.remove(self.remote.bucket, self.remote.store.list_keys(
                    self.remote.bucket, self.remote._key(generation) + "/"))

    def keras_callback(self):
        """A Keras callback that pushes after every epoch whose checkpoint was written
        (list it after the callback that writes the checkpoint)."""
        import keras

        return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch,
                                              logs: self.push_if_changed())

    def _signature(self) -> tuple:
        if not self.local.is_dir():
            return ()
        return tuple(sorted((p.relative_to(self.local).as_posix(), p.stat().st_size,
                             p.stat().st_mtime_ns) for p in self.local.rglob("*") if p.is_file()))


def for_task(local: Path, key: str, env: Mapping[str, str] | None = None) -> CheckpointStore:
    """The checkpoint store of one task: ``local`` mirrored to ``$DIGITSTUDY_CHECKPOINT_STORE``
    under ``<$DIGITSTUDY_RUN>/<key>`` when that is set, else ``local`` alone."""
    env = os.environ if env is None else env
    uri = env.get(STORE_ENV, "").strip()
    if not uri:
        return CheckpointStore(local)
    bucket, root = storage.parse_uri(uri)
    if not env.get("MINIO_ENDPOINT"):  # the Secret is optional on a cluster (placement.py)
        log.warning("%s=%s but no MINIO_ENDPOINT (digitstudy-minio Secret missing?): the "
                    "checkpoint stays in %s and a retried pod starts over", STORE_ENV, uri, local)
        return CheckpointStore(local)
    run = env.get(RUN_ENV, "").strip()
    if not run:
        raise storage.ConfigMissing(
            f"{STORE_ENV}={uri} but {RUN_ENV} is empty: the checkpoint key needs the run's "
            "identity (on KFP the pipeline maps the pod label workflows.argoproj.io/workflow "
            f"to {RUN_ENV}; locally export any name for the run)")
    prefix = "/".join(p for p in (root, storage.check_run_name(run), storage.check_run_name(key))
                      if p)
    remote = Remote(storage.Storage(storage.StorageConfig.from_env(env)), bucket, prefix)
    return CheckpointStore(local, remote)
