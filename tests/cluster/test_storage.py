"""digitstudy.storage against a real SeaweedFS S3 server on 127.0.0.1
(tests/cluster/conftest.py)."""

from __future__ import annotations

import json

import pytest
import urllib3

from digitstudy import storage
from digitstudy.data import remote
from digitstudy.reporting import upload
from digitstudy.storage import (
    MANIFEST,
    BucketMissing,
    ConfigMissing,
    CredentialsRejected,
    EndpointUnreachable,
    IncompleteUpload,
    Storage,
    StorageConfig,
)

pytestmark = pytest.mark.objectstore


@pytest.fixture
def tree(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)) * 10)
    (src / "c.csv").write_text("table,row\nT1,r1\n")
    return src


def read_tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_upload_then_download_round_trip(s3_server, bucket, tree, tmp_path):
    store = Storage(s3_server.config())
    manifest = store.upload_folder(tree, bucket, "runs/r1", meta={"run_name": "r1"})
    assert set(manifest["files"]) == {"a.txt", "sub/b.bin", "c.csv"}
    assert manifest["meta"] == {"run_name": "r1"}
    keys = store.list_keys(bucket, "runs/r1/")
    assert f"runs/r1/{MANIFEST}" in keys and len(keys) == 4
    out = store.download_folder(bucket, "runs/r1", tmp_path / "out")
    assert read_tree(out) == read_tree(tree)
    assert not (tmp_path / "out.partial").exists()
    only = store.download_folder(bucket, "runs/r1", tmp_path / "only", only=["c.csv"])
    assert read_tree(only) == {"c.csv": b"table,row\nT1,r1\n"}


def test_failed_upload_leaves_nothing_that_looks_complete(s3_server, bucket, tree, tmp_path,
                                                          monkeypatch, sleeps, fast_retry):
    store = Storage(s3_server.config())
    real_put = store.client.fput_object

    def flaky_put(bucket_name, key, path, *args, **kwargs):
        if key.endswith("b.bin"):
            raise urllib3.exceptions.ProtocolError("connection reset mid-upload")
        return real_put(bucket_name, key, path, *args, **kwargs)

    monkeypatch.setattr(store.client, "fput_object", flaky_put)
    with pytest.raises(EndpointUnreachable, match="after 3 attempts"):
        store.upload_folder(tree, bucket, "runs/broken")
    assert len(sleeps) == fast_retry.attempts - 1  # bounded: retried, then gave up
    assert store.list_keys(bucket, "runs/broken/") == []  # what was written is removed
    with pytest.raises(IncompleteUpload, match="not a complete upload"):
        store.download_folder(bucket, "runs/broken", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_prefix_without_manifest_is_refused(s3_server, bucket, tmp_path):
    store = Storage(s3_server.config())
    store.put_bytes(bucket, "runs/half/results.csv", b"x", "text/csv")  # e.g. a crashed writer
    with pytest.raises(IncompleteUpload, match="1 objects but no manifest"):
        store.download_folder(bucket, "runs/half", tmp_path / "out")
    complete, incomplete = store.complete_prefixes(bucket)
    assert complete == [] and incomplete == ["runs"]


def test_overwrite_in_progress_is_not_complete(s3_server, bucket, tree, monkeypatch, sleeps):
    store = Storage(s3_server.config())
    store.upload_folder(tree, bucket, "r")
    (tree / "a.txt").write_text("changed")
    monkeypatch.setattr(store.client, "fput_object",
                        lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(EndpointUnreachable):
        store.upload_folder(tree, bucket, "r")
    assert not store.exists(bucket, f"r/{MANIFEST}")  # the old manifest no longer vouches


def test_tampered_object_fails_its_manifest(s3_server, bucket, tree, tmp_path):
    store = Storage(s3_server.config())
    store.upload_folder(tree, bucket, "r")
    store.put_bytes(bucket, "r/a.txt", b"ALPHA", "text/plain")  # same size, other content
    with pytest.raises(IncompleteUpload, match="a.txt does not match its manifest"):
        store.download_folder(bucket, "r", tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.partial").exists()


def test_unreachable_endpoint_retries_with_backoff_then_names_it(sleeps, free_port):
    port = free_port()  # nothing listens here
    store = Storage(StorageConfig(f"127.0.0.1:{port}", "k", "s", retry=storage.Retry(
        attempts=4, initial=1.0, factor=2.0, max_delay=3.0)))
    with pytest.raises(EndpointUnreachable) as info:
        store.require_bucket("datasets")
    assert f"http://127.0.0.1:{port}" in str(info.value) and "after 4 attempts" in str(info.value)
    assert len(sleeps) == 3
    nominal = [1.0, 2.0, 3.0]  # doubling, capped at max_delay; ±20 % jitter
    assert all(0.8 * n <= s <= 1.2 * n for s, n in zip(sleeps, nominal, strict=True))


def test_transient_failure_recovers(s3_server, bucket, monkeypatch, sleeps):
    store = Storage(s3_server.config())
    real = store.client.bucket_exists
    failures = iter([urllib3.exceptions.ProtocolError("reset"), TimeoutError("slow")])

    def sometimes(name):
        err = next(failures, None)
        if err:
            raise err
        return real(name)

    monkeypatch.setattr(store.client, "bucket_exists", sometimes)
    store.require_bucket(bucket)
    assert len(sleeps) == 2


@pytest.mark.parametrize("which", ["access_key", "secret_key"])
def test_wrong_credentials_are_named_and_not_retried(s3_server, bucket, which, sleeps):
    store = Storage(s3_server.config(**{which: "WRONGWRONGWRONG"}))
    with pytest.raises(CredentialsRejected, match="rejected the credentials"):
        store.list_keys(bucket, "")
    with pytest.raises(CredentialsRejected):
        store.require_bucket(bucket)
    assert sleeps == []
    assert store.config.secret_key not in repr(store.config)


def test_missing_bucket(s3_server, tree, sleeps):
    store = Storage(s3_server.config())
    with pytest.raises(BucketMissing, match="'no-such-bucket' does not exist"):
        store.upload_folder(tree, "no-such-bucket", "x")
    with pytest.raises(BucketMissing):
        store.list_keys("no-such-bucket", "")
    assert sleeps == []


def test_ensure_buckets_is_idempotent(s3_server, free_port):
    store = Storage(s3_server.config())
    names = [f"ensure-a-{free_port()}", f"ensure-b-{free_port()}"]
    assert store.ensure_buckets(names) == names
    assert store.ensure_buckets(names) == []


def test_download_dataset_is_cached_by_manifest(s3_server, bucket, tree, tmp_path):
    config = s3_server.config()
    Storage(config).upload_folder(tree, bucket, "fsdd")
    first = remote.download_dataset(f"s3://{bucket}/fsdd", config, cache=tmp_path / "cache")
    assert read_tree(first) == read_tree(tree)
    again = remote.download_dataset(f"s3://{bucket}/fsdd/", config, cache=tmp_path / "cache")
    assert again == first
    (tree / "new.txt").write_text("more data")
    Storage(config).upload_folder(tree, bucket, "fsdd")
    third = remote.download_dataset(f"s3://{bucket}/fsdd", config, cache=tmp_path / "cache")
    assert third != first and (third / "new.txt").read_text() == "more data"


def test_upload_report_and_list_complete_runs(s3_server, tree, monkeypatch):
    config = s3_server.config()
    store = Storage(config)
    store.ensure_buckets([storage.RESULTS_BUCKET])
    uri = upload.upload_report(tree, "tiny-abc123-20260101-120000", config)
    assert uri == "s3://results/tiny-abc123-20260101-120000/"
    store.put_bytes(storage.RESULTS_BUCKET, "crashed-run/results.csv", b"x", "text/csv")
    complete, incomplete = store.complete_prefixes(storage.RESULTS_BUCKET)
    assert "tiny-abc123-20260101-120000" in complete and "crashed-run" in incomplete
    manifest = json.loads(store.get_bytes(storage.RESULTS_BUCKET,
                                          f"tiny-abc123-20260101-120000/{MANIFEST}"))
    assert manifest["meta"]["run_name"] == "tiny-abc123-20260101-120000"
    with pytest.raises(ValueError, match="run name"):
        upload.upload_report(tree, "../escape", config)


def test_config_from_env():
    with pytest.raises(ConfigMissing, match="MINIO_ACCESS_KEY, MINIO_SECRET_KEY"):
        StorageConfig.from_env({"MINIO_ENDPOINT": "minio:9000"})
    cfg = StorageConfig.from_env({"MINIO_ENDPOINT": "https://s3.example.org/",
                                  "MINIO_ACCESS_KEY": "ak", "MINIO_SECRET_KEY": "sk"})
    assert (cfg.endpoint, cfg.secure, cfg.url) == ("s3.example.org", True, "https://s3.example.org")
    assert "sk" not in repr(cfg)
    plain = StorageConfig.from_env({"MINIO_ENDPOINT": "minio.kubeflow:9000",
                                    "MINIO_ACCESS_KEY": "a",
                                    "MINIO_SECRET_KEY": "s"})
    assert not plain.secure and plain.url == "http://minio.kubeflow:9000"


def test_env_file(tmp_path):
    path = tmp_path / "minio.env"
    path.write_text("# written by "
                    "kind_up.sh\nMINIO_ENDPOINT=localhost:9000\n\nMINIO_ACCESS_KEY='ak'\n")
    assert storage.read_env_file(path) == {"MINIO_ENDPOINT": "localhost:9000",
                                           "MINIO_ACCESS_KEY": "ak"}
    path.write_text("garbage line\n")
    with pytest.raises(ConfigMissing, match="minio.env:1"):
        storage.read_env_file(path)


@pytest.mark.parametrize("uri,expected", [
    ("s3://datasets/fsdd", ("datasets", "fsdd")),
    ("minio://results/run-1/", ("results", "run-1")),
    ("s3://datasets", ("datasets", "")),
])
def test_parse_uri(uri, expected):
    assert storage.parse_uri(uri) == expected


@pytest.mark.parametrize("uri", ["/local/path", "gs://b/x", "s3://b/../x"])
def test_parse_uri_rejects(uri):
    with pytest.raises(ValueError):
        storage.parse_uri(uri)


def test_put_bytes_is_a_single_object(s3_server, bucket):
    store = Storage(s3_server.config())
    store.put_bytes(bucket, "k", b"payload", "text/plain")
    assert store.get_bytes(bucket, "k") == b"payload"
    assert store.exists(bucket, "k") and not store.exists(bucket, "nope")
    store.remove(bucket, ["k"])
    assert not store.exists(bucket, "k")


def test_the_report_upload_happens_only_when_configured(s3_server, tree, caplog):
    config = s3_server.config()
    Storage(config).ensure_buckets([storage.RESULTS_BUCKET])
    env = {"MINIO_ENDPOINT": config.endpoint, "MINIO_ACCESS_KEY": config.access_key,
           "MINIO_SECRET_KEY": config.secret_key}
    assert upload.upload_report_if_configured(tree, "run-published", env) == "s3://results/run-published/"
    complete, _ = Storage(config).complete_prefixes(storage.RESULTS_BUCKET)
    assert "run-published" in complete
    assert upload.upload_report_if_configured(tree, "run-local", {}) is None
    assert "not uploaded to MinIO" in caplog.text


def test_fingerprint_changes_with_the_objects_under_a_prefix(s3_server, bucket):
    store = Storage(s3_server.config())
    store.put_bytes(bucket, "fsdd/a.wav", b"one", "audio/wav")
    store.put_bytes(bucket, "other/x", b"elsewhere", "text/plain")
    first = store.fingerprint(bucket, "fsdd")
    assert store.fingerprint(bucket, "fsdd/") == first
    store.put_bytes(bucket, "other/x", b"changed", "text/plain")
    assert store.fingerprint(bucket, "fsdd") == first  # only the prefix counts
    store.put_bytes(bucket, "fsdd/a.wav", b"two", "audio/wav")  # same size, new content
    second = store.fingerprint(bucket, "fsdd")
    assert second != first
    store.put_bytes(bucket, "fsdd/b.wav", b"new", "audio/wav")
    assert store.fingerprint(bucket, "fsdd") not in (first, second)
    with pytest.raises(IncompleteUpload, match="no objects to fingerprint"):
        store.fingerprint(bucket, "nothing-here")
    both = remote.data_fingerprint([f"s3://{bucket}/fsdd", f"s3://{bucket}/other"],
                                    s3_server.config())
    assert both == remote.data_fingerprint([f"s3://{bucket}/other", f"s3://{bucket}/fsdd"],
                                            s3_server.config())  # order-free
