"""Fixtures for the local cluster's pieces (localkfp/): the MLMD shim in its own virtualenv.

Builds live in ${DIGITSTUDY_CACHE:-~/.cache/digitstudy}/localkfp/; a missing one skips the
test (locally) or fails it (CI=true), naming the make target that builds it.
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
MLMD = ROOT / "localkfp" / "mlmd"
CACHE = Path(os.environ.get("DIGITSTUDY_CACHE", Path.home() / ".cache" / "digitstudy")) / "localkfp"


def stop(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 15 s: the process started by the fixture, by its id."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def node_lock():
    """The machine's one local node (fixed namespace and addresses), for one test file at a time:
    an exclusive lock on a file in the temporary folder, held while the test file uses the node
    (pytest-xdist runs other test files at the same time)."""
    with open(Path(tempfile.gettempdir()) / "localkfp-node-test.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="module")
def stop_process():
    """`stop(proc)` for the processes a test file starts itself."""
    return stop


@pytest.fixture(scope="module")
def venv_python() -> Path:
    version = re.search(r"^ml-metadata==(\S+)", (MLMD / "requirements.txt").read_text(), re.M)[1]
    venv = Path(os.environ.get("MLMD_VENV", CACHE / f"mlmd-venv-{version}"))
    python = venv / "bin" / "python"
    if not (venv / ".requirements.sha256").exists() or not python.exists():
        missing_tool("the MLMD shim's virtualenv", f"{venv} is not built", "make cluster-build-mlmd")
    return python


@pytest.fixture(scope="module")
def shim(venv_python, tmp_path_factory):
    """A shim on free ports (gRPC, gRPC-Web) over a fresh SQLite file: (host, grpc, web)."""
    state = tmp_path_factory.mktemp("mlmd")
    ready, log_path = state / "ready", state / "shim.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(MLMD / "serve.sh"), "--host", "127.0.0.1", "--grpc-port", "0",
             "--grpc-web-port", "0", "--db", str(state / "metadata.sqlite"),
             "--ready-file", str(ready)],
            stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "MLMD_VENV": str(venv_python.parents[1])})
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the shim did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        host, grpc_port, web_port = ready.read_text().split()
        yield host, int(grpc_port), int(web_port)
    finally:
        stop(proc)
    assert proc.returncode == 0, log_path.read_text()[-2000:]
