"""The MinIO / S3 client: configuration, the bucket names (``datasets``, ``results``, ...),
retried calls with named errors, and complete-or-absent folder uploads and downloads.
What goes in them lives with its kind of work: datasets in ``data/remote.py``, the run's
report in ``reporting/upload.py``, training checkpoints in ``checkpoints.py``.

Guarantees:

* every call to the server goes through :func:`_call`, which retries transient failures
  (connection errors, timeouts, 5xx, ``SlowDown``) a bounded number of times with
  exponential backoff, and turns everything else into one of the named errors below
  (unreachable endpoint, rejected credentials, missing bucket) naming the endpoint;
* a folder upload is only *complete* once its ``_COMPLETE`` manifest (file list, sizes,
  SHA-256) is written, last. An upload that fails removes what it wrote; an overwrite
  removes the old manifest first. Readers refuse prefixes without a manifest and check
  every file against it, so a partial upload never looks complete;
* downloads go to a ``.partial`` folder that is renamed only when every file verified.

Configuration comes from the environment (on a cluster the ``digitstudy-minio`` Secret
is mapped onto these variables): ``MINIO_ENDPOINT`` (``host:port``, or a URL whose
``https://`` scheme turns TLS on), ``MINIO_ACCESS_KEY``, ``MINIO_SECRET_KEY``, and
optionally ``MINIO_SECURE`` and ``MINIO_REGION``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import random
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error, ServerError

from digitstudy.digests import file_digest

log = logging.getLogger(__name__)

T = TypeVar("T")

DATASETS_BUCKET = "datasets"
RESULTS_BUCKET = "results"
PIPELINE_ROOT_BUCKET = "pipeline-root"
CHECKPOINTS_BUCKET = "checkpoints"  # training checkpoints that outlive a pod (checkpoints.py)
BUCKETS = (DATASETS_BUCKET, RESULTS_BUCKET, PIPELINE_ROOT_BUCKET, CHECKPOINTS_BUCKET)
# KFP pipeline root of every run (pipelines/submit.py); the `Overrides` entry for this
# bucket in KFP's kfp-launcher ConfigMap (k8s/launcher) sends it to digitstudy's MinIO.
PIPELINE_ROOT = f"minio://{PIPELINE_ROOT_BUCKET}/v2/artifacts"
DEFAULT_ENV_FILE = ".cache/minio.env"  # written by scripts/kind_up.sh
MANIFEST = "_COMPLETE"
WORKERS = 4

CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied",
                    "InvalidToken", "ExpiredToken"}
TRANSIENT_CODES = {"InternalError", "SlowDown", "ServiceUnavailable", "RequestTimeout",
                   "XMinioServerNotInitialized"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_sleep = time.sleep  # indirection so tests can record backoff without waiting


class StorageError(RuntimeError):
    """Any storage failure; the message names the endpoint and what to check."""


class EndpointUnreachable(StorageError):
    pass


class CredentialsRejected(StorageError):
    pass


class BucketMissing(StorageError):
    pass


class IncompleteUpload(StorageError):
    """A prefix without a valid ``_COMPLETE`` manifest, or a file that fails it."""


class ConfigMissing(StorageError):
    pass


@dataclass(frozen=True)
class Retry:
    """Bounded retries: ``attempts`` tries, sleeping ``initial * factor**k`` (capped, jittered)."""

    attempts: int = 5
    initial: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0

    def delays(self) -> Iterable[float]:
        delay = self.initial
        for _ in range(self.attempts - 1):
            yield min(delay, self.max_delay) * random.uniform(0.8, 1.2)
            delay *= self.factor


@dataclass(frozen=True)
class StorageConfig:
    endpoint: str  # host:port
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    secure: bool = False
    region: str | None = "us-east-1"
    retry: Retry = Retry()
    connect_timeout: float = 5.0
    read_timeout: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides) -> StorageConfig:
        env = os.environ if env is None else env
        missing = [k for k in ("MINIO_ENDPOINT", "MINIO_ACCESS_KEY", "MINIO_SECRET_KEY")
                   if not env.get(k)]
        if missing:
            raise ConfigMissing(
                f"MinIO settings missing from the environment: {', '.join(missing)}. On a cluster "
                "they come from the digitstudy-minio Secret; locally `make kind-up` writes them "
                "to .cache/minio.env (or export them yourself, see docs/cluster.md)"
            )
        endpoint = env["MINIO_ENDPOINT"].strip().rstrip("/")
        secure = env.get("MINIO_SECURE", "").lower() in ("1", "true", "yes")
        if endpoint.startswith(("http://", "https://")):
            secure = endpoint.startswith("https://")
            endpoint = endpoint.split("://", 1)[1]
        return cls(endpoint=endpoint, access_key=env["MINIO_ACCESS_KEY"],
                   secret_key=env["MINIO_SECRET_KEY"], secure=secure,
                   region=env.get("MINIO_REGION") or "us-east-1", **overrides)

    @property
    def url(self) -> str:
        return f"{'https' if self.secure else 'http'}://{self.endpoint}"


def read_env_file(path: str | Path) -> dict[str, str]:
    """``KEY=VALUE`` lines (as written by scripts/kind_up.sh); blank lines and # comments
    skipped."""
    values = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigMissing(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        key, value = line.split("=", 1)
        values[key.strip()] = value.strip().strip("'\"")
    return values


def config_from(env_file: str | Path | None = DEFAULT_ENV_FILE,
                env: Mapping[str, str] | None = None) -> StorageConfig:
    """MinIO settings from the environment, else from ``env_file`` (KEY=VALUE lines, as
    ``make kind-up`` or ``weed-up`` write them); ConfigMissing says how to get them."""
    env = os.environ if env is None else env
    if env.get("MINIO_ENDPOINT"):
        return StorageConfig.from_env(env)
    if env_file and Path(env_file).is_file():
        return StorageConfig.from_env({**read_env_file(env_file), **env})
    return StorageConfig.from_env(env)


class Storage:
    """A MinIO client whose every request is retried and whose errors are named."""

    def __init__(self, config: StorageConfig):
        self.config = config
        # urllib3's own retries are off: _call owns retrying, so the bound is one number.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout),
            retries=False, maxsize=WORKERS * 2,
        )
        self.client = Minio(config.endpoint, access_key=config.access_key,
                            secret_key=config.secret_key, secure=config.secure,
                            region=config.region, http_client=http)

    # -- error handling -------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[[], T], bucket: str | None = None) -> T:
        delays = iter(self.config.retry.delays())
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn()
            except S3Error as err:
                if err.code not in TRANSIENT_CODES:
                    raise self._named(err, what, bucket) from None
                last: Exception = err
            except (ServerError, urllib3.exceptions.HTTPError, OSError) as err:
                last = err
            delay = next(delays, None)
            if delay is None:
                break
            log.warning("%s on %s failed (attempt %d/%d): %s; retrying in %.1fs", what,
                        self.config.url, attempt, self.config.retry.attempts, _short(last), delay)
            _sleep(delay)
        if isinstance(last, S3Error | ServerError):
            raise StorageError(f"{what}: MinIO at {self.config.url} kept failing after "
                               f"{attempt} attempts: {_short(last)}") from None
        raise EndpointUnreachable(
            f"{what}: cannot reach MinIO at {self.config.url} after {attempt} attempts "
            f"({_short(last)}). Is the endpoint right and is MinIO running "
            "(`make doctor`; on kind the port mapping 9000 needs `make kind-up`)?"
        ) from None

    def _named(self, err: S3Error, what: str, bucket: str | None) -> StorageError:
        if err.code in CREDENTIAL_CODES:
            return CredentialsRejected(
                f"{what}: MinIO at {self.config.url} rejected the credentials ({err.code}) for "
                f"access key {self.config.access_key[:4]}…; check "
                f"MINIO_ACCESS_KEY/MINIO_SECRET_KEY "
                "against the digitstudy-minio Secret"
            )
        if err.code == "NoSuchBucket":
            return self._missing(what, bucket or err.bucket_name)
        return StorageError(
            f"{what}: MinIO at {self.config.url} answered {err.code}: {err.message}"
        )

    def _missing(self, what: str, bucket: str | None) -> BucketMissing:
        return BucketMissing(
            f"{what}: bucket {bucket!r} does not exist on {self.config.url}; `make kind-up` "
            "creates datasets, results and pipeline-root (or run "
            "`python -m digitstudy.cluster ensure-buckets`)"
        )

    # -- buckets --------------------------------------------------------------------------

    def require_bucket(self, bucket: str) -> None:
        what = f"check bucket {bucket}"
        if not self._call(what, lambda: self.client.bucket_exists(bucket), bucket):
            raise self._missing(what, bucket)

    def ensure_buckets(self, buckets: Iterable[str] = BUCKETS) -> list[str]:
        """Create the buckets that are missing; returns the ones created."""
        created = []
        for bucket in buckets:
            if not self._call(f"check bucket {bucket}",
                              lambda b=bucket: self.client.bucket_exists(b)):
                self._call(f"create bucket {bucket}", lambda b=bucket: self.client.make_bucket(b))
                created.append(bucket)
        return created

    # -- objects --------------------------------------------------------------------------

    def list_keys(self, bucket: str, prefix: str, recursive: bool = True) -> list[str]:
        return self._call(
            f"list {bucket}/{prefix}",
            lambda: [o.object_name for o in
                     self.client.list_objects(bucket, prefix=prefix, recursive=recursive)],
            bucket,
        )

    def put_bytes(self, bucket: str, key: str, data: bytes, content_type: str) -> None:
        self._call(f"upload {bucket}/{key}", lambda: self.client.put_object(
            bucket, key, io.BytesIO(data), len(data), content_type=content_type), bucket)

    def get_bytes(self, bucket: str, key: str) -> bytes:
        def fetch() -> bytes:
            resp = self.client.get_object(bucket, key)
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()
        return self._call(f"download {bucket}/{key}", fetch, bucket)

    def exists(self, bucket: str, key: str) -> bool:
        def stat() -> bool:
            try:
                self.client.stat_object(bucket, key)
                return True
            except S3Error as err:
                if err.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                    return False
                raise
        return self._call(f"stat {bucket}/{key}", stat, bucket)

    def remove(self, bucket: str, keys: Iterable[str]) -> None:
        for key in keys:
            self._call(f"remove {bucket}/{key}", lambda k=key: self.client.remove_object(bucket, k),
                       bucket)

    # -- folders with a completeness manifest ----------------------------------------------

    def upload_folder(self, local_dir: str | Path, bucket: str, prefix: str,
                      meta: Mapping[str, str] | None = None,
                      patterns: Iterable[str] = ("*",)) -> dict:
        """Upload the files under ``local_dir`` whose names match ``patterns`` to
        ``bucket/prefix/`` (relative paths kept), manifest last."""
        local_dir = Path(local_dir)
        if not local_dir.is_dir():
            raise FileNotFoundError(f"upload: {local_dir} is not a folder")
        prefix = _clean_prefix(prefix)
        patterns = tuple(patterns)
        files = sorted(p for p in local_dir.rglob("*")
                       if p.is_file() and any(p.match(pat) for pat in patterns))
        if not files:
            raise FileNotFoundError(f"upload: {local_dir} holds no files matching {patterns}")
        self.require_bucket(bucket)
        manifest_key = f"{prefix}/{MANIFEST}"
        if self.exists(bucket, manifest_key):  # an overwrite is incomplete until it finishes
            self.remove(bucket, [manifest_key])
        entries: dict[str, dict] = {}
        written: list[str] = []

        def put(path: Path) -> None:
            rel = path.relative_to(local_dir).as_posix()
            key = f"{prefix}/{rel}"
            entries[rel] = {"size": path.stat().st_size, "sha256": file_digest(path)}
            self._call(f"upload {bucket}/{key}",
                       lambda: self.client.fput_object(bucket, key, str(path)), bucket)
            written.append(key)

        try:
            _parallel(put, files)
            manifest = {"files": dict(sorted(entries.items())), "meta": dict(meta or {}),
                        "completed_at": datetime.now(UTC).isoformat(timespec="seconds")}
            self.put_bytes(bucket, manifest_key, json.dumps(manifest, indent=1).encode(),
                           "application/json")
        except BaseException:
            log.error("upload to %s/%s failed; removing the %d objects already written",
                      bucket, prefix, len(written))
            try:
                self.remove(bucket, written)
            except StorageError as cleanup:
                log.error("cleanup failed too (%s); the prefix has no manifest, so readers "
                          "still treat it as incomplete", cleanup)
            raise
        log.info("uploaded %d files (%s) to %s/%s/", len(files),
                 _human(sum(e["size"] for e in entries.values())), bucket, prefix)
        return manifest

    def manifest(self, bucket: str, prefix: str) -> dict:
        prefix = _clean_prefix(prefix)
        key = f"{prefix}/{MANIFEST}"
        self.require_bucket(bucket)
        if not self.exists(bucket, key):
            found = self.list_keys(bucket, prefix + "/")
            state = f"{len(found)} objects but no manifest" if found else "nothing there"
            raise IncompleteUpload(f"{self.config.url}/{bucket}/{prefix}/ is not a complete "
                                   f"upload ({state}); upload it again")
        try:
            data = json.loads(self.get_bytes(bucket, key))
            data["files"].items()
        except (ValueError, KeyError, AttributeError) as err:
            raise IncompleteUpload(f"{bucket}/{key}: unreadable manifest ({err})") from None
        return data

    def download_folder(self, bucket: str, prefix: str, dest: str | Path,
                        only: Iterable[str] | None = None) -> Path:
        """Download a complete upload into ``dest`` (replaced atomically); ``only`` limits files."""
        prefix = _clean_prefix(prefix)
        files = self.manifest(bucket, prefix)["files"]
        wanted = list(files) if only is None else list(only)
        unknown = [w for w in wanted if w not in files]
        if unknown:
            raise IncompleteUpload(f"{bucket}/{prefix}/: manifest lists no {', '.join(unknown)}")
        dest = Path(dest)
        partial = dest.with_name(dest.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)

        def get(rel: str) -> None:
            target = partial / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            self._call(f"download {bucket}/{prefix}/{rel}", lambda: self.client.fget_object(
                bucket, f"{prefix}/{rel}", str(target)), bucket)
            expected = files[rel]
            if (
                target.stat().st_size != expected["size"]
                or file_digest(target) != expected["sha256"]
            ):
                raise IncompleteUpload(f"{bucket}/{prefix}/{rel} does not match its manifest "
                                       "(size or SHA-256); upload it again")

        try:
            _parallel(get, wanted)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        shutil.rmtree(dest, ignore_errors=True)
        partial.rename(dest)
        return dest

    def fingerprint(self, bucket: str, prefix: str) -> str:
        """A digest of every object under ``bucket/prefix/`` (key, size, ETag): it changes
        when any object is added, removed or rewritten. ETags are content hashes for plain
        uploads (MD5) and per-part digests for multipart ones, so equal digests mean the
        same objects as written, not a byte comparison."""
        prefix = _clean_prefix(prefix) + "/" if prefix.strip("/") else ""

        def listing() -> list[tuple[str, int, str]]:
            return sorted((o.object_name, o.size or 0, (o.etag or "").strip('"')) for o in
                          self.client.list_objects(bucket, prefix=prefix, recursive=True))
        objects = self._call(f"list {bucket}/{prefix}", listing, bucket)
        if not objects:
            raise IncompleteUpload(f"{self.config.url}/{bucket}/{prefix}: no objects to "
                                   "fingerprint (upload the data first: make data-upload)")
        return hashlib.sha256(json.dumps(objects).encode()).hexdigest()[:16]

    def complete_prefixes(self, bucket: str) -> tuple[list[str], list[str]]:
        """Top-level prefixes of ``bucket``: (complete, incomplete), sorted."""
        self.require_bucket(bucket)
        tops = sorted(k.rstrip("/") for k in self.list_keys(bucket, "", recursive=False)
                      if k.endswith("/"))
        complete = [t for t in tops if self.exists(bucket, f"{t}/{MANIFEST}")]
        return complete, [t for t in tops if t not in complete]


# -- names: object URIs and run names ----------------------------------------------------------


def parse_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` (or ``minio://``) -> (bucket, prefix)."""
    match = re.match(r"^(?:s3|minio)://([^/]+)/?(.*)$", uri)
    if not match:
        raise ValueError(f"not an s3:// or minio:// URI: {uri!r}")
    return match.group(1), _clean_prefix(match.group(2)) if match.group(2).strip("/") else ""


def check_run_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"run name {name!r}: use letters, digits, '.', '_' and '-' only")
    return name


def _parallel(fn: Callable[[T], None], items: list[T]) -> None:
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for future in [pool.submit(fn, item) for item in items]:
            future.result()


def _clean_prefix(prefix: str) -> str:
    prefix = prefix.strip("/")
    if not prefix or any(part in ("", ".", "..") for part in prefix.split("/")):
        raise ValueError(f"bad object prefix {prefix!r}")
    return prefix


def _short(err: Exception) -> str:
    if isinstance(err, MinioException | urllib3.exceptions.HTTPError):
        text = str(err)
    else:
        text = f"{type(err).__name__}: {err}"
    return text if len(text) < 300 else text[:300] + "…"


def _human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{size:.0f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
