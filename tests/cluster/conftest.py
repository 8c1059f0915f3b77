"""Fixtures for the cluster/storage tests: a real S3-protocol server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

import pytest

from digitstudy.storage import Retry, StorageConfig

# The first N requests are unauthenticated (they create the IAM user below); every later
# request must be signed with that user's key, so wrong credentials are really rejected.
IAM_SETUP_REQUESTS = 3
ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
FAST_RETRY = Retry(attempts=3, initial=0.01, factor=2.0, max_delay=0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str

    def config(self, **overrides) -> StorageConfig:
        values = {"endpoint": self.endpoint, "access_key": self.access_key,
                  "secret_key": self.secret_key, "retry": FAST_RETRY} | overrides
        return StorageConfig(**values)


@pytest.fixture
def free_port():
    """A function returning a port on 127.0.0.1 that nothing listens on."""
    return _free_port


@pytest.fixture
def fast_retry() -> Retry:
    return FAST_RETRY


@pytest.fixture(scope="session")
def s3_server():
    """moto's standalone S3 server as a subprocess, with IAM auth enforced."""
    pytest.importorskip("moto.server", reason="moto[server] is not installed (dev extra)")
    boto3 = pytest.importorskip("boto3")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(IAM_SETUP_REQUESTS)
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from moto.server import main; sys.exit(main())",
         "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                    pytest.fail(f"moto server did not start on 127.0.0.1:{port}: {err[-2000:]}")
                time.sleep(0.1)
        iam = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="digitstudy")
        key = iam.create_access_key(UserName="digitstudy")["AccessKey"]
        iam.put_user_policy(UserName="digitstudy", PolicyName="all", PolicyDocument=ALLOW_ALL)
        yield S3Server(f"127.0.0.1:{port}", key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


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
