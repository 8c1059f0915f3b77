"""Faults of a real object store: SeaweedFS killed mid-upload, restarted between steps.

Each test has its own ``weed`` server (``weed_server`` in conftest.py) that it kills
(SIGKILL: nothing flushed, as a crashed or deleted pod) and starts again on the same
ports and data folder.
"""

from __future__ import annotations

import io
import os
import threading
import time

import pytest

from digitstudy import storage
from digitstudy.data import remote
from digitstudy.reporting import upload
from digitstudy.storage import MANIFEST, EndpointUnreachable, IncompleteUpload, Retry, Storage

pytestmark = pytest.mark.objectstore

PART = 5 * 1024 * 1024  # the S3 minimum part size: a 3-part multipart upload below


def dataset(root, big_mb: int = 14):
    root.mkdir(parents=True)
    (root / "labels.csv").write_text("file,label\na.wav,1\n")
    (root / "big.bin").write_bytes(os.urandom(big_mb * 1024 * 1024))
    return root


def read_tree(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


class KillAfter(io.RawIOBase):
    """A file reader that SIGKILLs the server once ``after`` bytes were read from it, so
    the server dies with part of the object received (the rest of the read continues)."""

    def __init__(self, path, after: int, kill):
        self.f, self.after, self.kill, self.done = open(path, "rb"), after, kill, 0

    def readable(self):
        return True

    def read(self, n=-1):
        data = self.f.read(n)
        self.done += len(data)
        if self.done > self.after and self.kill:
            self.kill()
            self.kill = None
        return data


def test_server_killed_mid_upload_leaves_nothing_complete_and_the_retry_succeeds(
        weed_server, tmp_path, sleeps):
    config = weed_server.config()
    store = Storage(config)
    store.ensure_buckets(["datasets"])
    src = dataset(tmp_path / "fsdd")
    real_fput = store.client.fput_object
    killed = []

    def fput_that_kills(bucket, key, path, *args, **kwargs):
        if not key.endswith("big.bin"):
            return real_fput(bucket, key, path, *args, **kwargs)
        reader = KillAfter(path, PART + 1, lambda: (weed_server.weed.kill(), killed.append(1)))
        return store.client.put_object(bucket, key, reader, os.path.getsize(path), part_size=PART)

    store.client.fput_object = fput_that_kills
    with pytest.raises(EndpointUnreachable, match="after 3 attempts"):
        store.upload_folder(src, "datasets", "fsdd")
    assert killed  # the server really died during the big object's upload
    assert len(sleeps) >= 2  # the failed part was retried (bounded) before giving up

    weed_server.weed.start()  # same ports, same data folder
    fresh = Storage(config)
    keys = fresh.list_keys("datasets", "fsdd/")
    assert f"fsdd/{MANIFEST}" not in keys and "fsdd/big.bin" not in keys
    with pytest.raises(IncompleteUpload, match="not a complete upload"):
        fresh.download_folder("datasets", "fsdd", tmp_path / "out")
    with pytest.raises(IncompleteUpload):
        remote.download_dataset("s3://datasets/fsdd", config, cache=tmp_path / "cache")

    fresh.upload_folder(src, "datasets", "fsdd")  # the retry of the step
    got = remote.download_dataset("s3://datasets/fsdd", config, cache=tmp_path / "cache")
    assert read_tree(got) == read_tree(src)


def test_data_survives_a_restart_between_two_steps(weed_server, tmp_path):
    config = weed_server.config()
    Storage(config).ensure_buckets(["datasets", storage.RESULTS_BUCKET])
    src = dataset(tmp_path / "mnist", big_mb=2)
    Storage(config).upload_folder(src, "datasets", "mnist")  # step 1: data-upload
    report = tmp_path / "report"
    report.mkdir()
    (report / "results.csv").write_text("table,row\nT1,r1\n")
    upload.upload_report(report, "run-a", config)

    weed_server.weed.kill()  # the store's pod dies and is rescheduled
    weed_server.weed.start()

    got = remote.download_dataset("s3://datasets/mnist", config, cache=tmp_path / "cache")
    assert read_tree(got) == read_tree(src)  # step 2 reads what step 1 wrote
    complete, incomplete = Storage(config).complete_prefixes(storage.RESULTS_BUCKET)
    assert (complete, incomplete) == (["run-a"], [])


def test_a_request_during_a_short_outage_is_retried_until_the_server_is_back(
        weed_server, tmp_path):
    config = weed_server.config(retry=Retry(attempts=8, initial=0.5, factor=2.0, max_delay=4.0))
    store = Storage(config)
    store.ensure_buckets(["results"])
    weed_server.weed.kill()
    restarter = threading.Thread(target=lambda: (time.sleep(1.0), weed_server.weed.start()))
    restarter.start()
    try:
        store.put_bytes("results", "during-outage.txt", b"written after the restart", "text/plain")
    finally:
        restarter.join()
    assert store.get_bytes("results", "during-outage.txt") == b"written after the restart"
