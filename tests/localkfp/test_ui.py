"""The KFP UI as localkfp/ui/serve.sh runs it: bound to 127.0.0.1 only, serving the client,
and proxying MLMD's gRPC-Web (`/ml_metadata.*`) to the MLMD shim, as the UI's JS client calls it.

Needs the UI build (`make cluster-build-ui`) and the shim's virtualenv
(`make cluster-build-mlmd`); without them the tests skip (locally) or fail (CI=true).
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("DIGITSTUDY_CACHE", Path.home() / ".cache" / "digitstudy")) / "localkfp"
UI_DIR = Path(os.environ.get("UI_DIR", CACHE / "ui-2.17.0-4a3592cb"))


SECRET = "store-secret-not-for-logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer: {log.read_text()[-3000:]}")
            time.sleep(0.2)


class FakeApiServer(BaseHTTPRequestHandler):
    """Stands in for KFP's API server (HTTP 8888): its healthz only."""

    def do_GET(self):  # noqa: N802 (BaseHTTPRequestHandler's name)
        body = json.dumps({"commit_sha": "fake-api", "tag_name": "2.17.0", "multi_user": False,
                           "pipeline_store": "database"}).encode()
        status = 200 if self.path == "/apis/v2beta1/healthz" else 404
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def api_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeApiServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def ui(shim, api_server, stop_process, tmp_path_factory):
    """The UI server on a free port, its MLMD gRPC-Web the `shim` fixture's: the UI's port."""
    if not (UI_DIR / "NODE").exists():
        missing_tool("the KFP UI build", f"{UI_DIR} is not built", "make cluster-build-ui")
    log = tmp_path_factory.mktemp("ui") / "ui.log"
    port = free_port()
    env = {**os.environ, "UI_PORT": str(port), "METADATA_ENVOY_SERVICE_SERVICE_PORT": str(shim[2]),
           "ML_PIPELINE_SERVICE_PORT": str(api_server), "MINIO_SECRET_KEY": SECRET}
    with log.open("w") as out:
        proc = subprocess.Popen([str(ROOT / "localkfp" / "ui" / "serve.sh")], env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/", proc, log)
        yield port
    finally:
        stop_process(proc)
    # upstream prints its config at start, the TensorBoard signing secret in it (by default
    # the store's secret key): serve.sh gives it one of its own
    assert SECRET not in log.read_text()


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_serves_the_client_on_loopback_only(ui):
    with urllib.request.urlopen(f"http://127.0.0.1:{ui}/", timeout=10) as answer:
        html = answer.read().decode()
    assert answer.status == 200 and "<div id=\"root\"" in html.replace("'", '"')
    # 127.0.0.1 in /proc/net/tcp is 0100007F; 0.0.0.0 (every interface) would be 00000000
    assert listening_addresses(ui) == {"0100007F"}


def test_healthz_reports_the_build_and_the_api_server(ui):
    """The UI's healthz: its build info files (as upstream's Dockerfile writes them) and the
    API server's healthz, fetched from ML_PIPELINE_SERVICE_HOST/PORT."""
    with urllib.request.urlopen(f"http://127.0.0.1:{ui}/apis/v2beta1/healthz", timeout=10) as a:
        health = json.load(a)
    assert health["frontendTagName"] == "2.17.0"
    assert health["frontendCommitHash"].startswith("4a3592cb")
    assert health["buildDate"]
    assert health["apiServerReady"] is True and health["apiServerCommitHash"] == "fake-api"


def test_mlmd_grpc_web_through_the_ui_server(ui):
    """The UI's JS client calls MLMD at the UI's own origin; the UI server proxies it."""
    message = b""  # GetArtifactTypesRequest{}: every artifact type
    body = b"\x00" + struct.pack(">I", len(message)) + message
    request = urllib.request.Request(
        f"http://127.0.0.1:{ui}/ml_metadata.MetadataStoreService/GetArtifactTypes", data=body,
        method="POST", headers={"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1",
                                "Accept": "*/*"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.headers["Content-Type"] == "application/grpc-web+proto"
        payload = answer.read()
    frames = []  # (flag, data): a message frame (0x00) and the trailer frame (0x80)
    while payload:
        size = struct.unpack(">I", payload[1:5])[0]
        frames.append((payload[0], payload[5:5 + size]))
        payload = payload[5 + size:]
    # a fresh store has no types: an empty message, still framed (the JS client needs one)
    assert frames == [(0x00, b""), (0x80, frames[1][1])]
    assert frames[1][1].replace(b" ", b"").startswith(b"grpc-status:0\r\n"), frames[1][1]
