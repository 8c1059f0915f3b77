"""The MLMD shim (localkfp/mlmd): KFP's ML Metadata calls through real gRPC and gRPC-Web.

The shim runs in its own virtualenv (ml-metadata wants protobuf < 5), built by
`make cluster-build-mlmd`; the checks run there too (localkfp/mlmd/check.py), as
subprocesses of this test, against a server (the `shim` fixture, conftest.py) on free ports of 127.0.0.1 with a fresh SQLite
file. Without the virtualenv the tests skip (locally) or fail (CI=true), naming the command.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import urllib.request
from pathlib import Path

from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
MLMD = ROOT / "localkfp" / "mlmd"
CACHE = Path(os.environ.get("DIGITSTUDY_CACHE", Path.home() / ".cache" / "digitstudy")) / "localkfp"
KFP_SRC = Path(os.environ.get("KFP_SRC", CACHE / "kfp-src" / "2.17.0-4a3592cb"))


def run_in_venv(venv_python: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv_python), "-c", code, *args], capture_output=True, text=True,
                          timeout=120)


def test_every_rpc_of_the_service_is_served(venv_python):
    out = subprocess.run([str(MLMD / "serve.sh"), "--list"], capture_output=True, text=True,
                         env={**os.environ, "MLMD_VENV": str(venv_python.parents[1])}, check=True)
    served = dict(line.split("\t") for line in out.stdout.splitlines())
    # the service's 52 RPCs: 49 straight to the wheel's extension, 2 composed, 1 refused
    assert len(served) == 52
    assert [n for n, how in served.items() if how == "composed"] == [
        "GetParentContextsByContexts", "GetChildrenContextsByContexts"]
    assert [n for n, how in served.items() if how == "unimplemented"] == ["GetLineageGraph"]


def test_kfp_rpcs_through_grpc_and_the_ui_rpcs_through_grpc_web(venv_python, shim):
    host, grpc_port, web_port = shim
    out = subprocess.run([str(venv_python), str(MLMD / "check.py"), "--grpc", f"{host}:{grpc_port}",
                          "--grpc-web", f"http://{host}:{web_port}"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    # an artifact type, artifact, execution, context and event, written and read back
    for rpc in ("PutArtifactType", "PutArtifacts", "PutExecution", "PutContexts",
                "GetEventsByExecutionIDs", "GetArtifactsByID", "GetContextsByArtifact"):
        assert f"ok grpc {rpc}" in lines
    for rpc in ("GetArtifactsByContext", "GetExecutionsByContext", "GetArtifactTypes"):
        assert f"ok grpc-web {rpc}" in lines
    assert lines[-1].startswith("checked 28 RPCs")


COMPOSED_AND_ERRORS = r"""
import sys, grpc
from ml_metadata.proto import metadata_store_pb2 as pb, metadata_store_service_pb2 as svc
from ml_metadata.proto import metadata_store_service_pb2_grpc as svc_grpc
stub = svc_grpc.MetadataStoreServiceStub(grpc.insecure_channel(sys.argv[1]))
t = stub.PutContextType(svc.PutContextTypeRequest(context_type=pb.ContextType(name="t"))).type_id
a, b, c = stub.PutContexts(svc.PutContextsRequest(contexts=[
    pb.Context(type_id=t, name=n) for n in "abc"])).context_ids
stub.PutParentContexts(svc.PutParentContextsRequest(parent_contexts=[
    pb.ParentContext(child_id=b, parent_id=a), pb.ParentContext(child_id=c, parent_id=a)]))
got = stub.GetParentContextsByContexts(svc.GetParentContextsByContextsRequest(context_ids=[a, b, c]))
print("parents", sorted((k, [x.id for x in v.parent_contexts]) for k, v in got.contexts.items()))
got = stub.GetChildrenContextsByContexts(svc.GetChildrenContextsByContextsRequest(context_ids=[a]))
print("children", sorted((k, sorted(x.id for x in v.children_contexts)) for k, v in got.contexts.items()))
print("ids", a, b, c)
for call, request in ((stub.GetArtifactType, svc.GetArtifactTypeRequest(type_name="absent")),
                      (stub.GetLineageGraph, svc.GetLineageGraphRequest())):
    try:
        call(request)
    except grpc.RpcError as e:
        print("error", e.code().name)
"""


def test_composed_rpcs_and_status_codes(venv_python, shim):
    host, grpc_port, _ = shim
    out = run_in_venv(venv_python, COMPOSED_AND_ERRORS, f"{host}:{grpc_port}")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    a, b, c = map(int, lines[2].split()[1:])
    assert lines[0] == f"parents {[(b, [a]), (c, [a])]}"
    assert lines[1] == f"children {[(a, sorted([b, c]))]}"
    # the store's status codes reach the client as they are; the one unserved RPC says so
    assert lines[3:] == ["error NOT_FOUND", "error UNIMPLEMENTED"]


CONCURRENT = r"""
import sys, grpc
from concurrent.futures import ThreadPoolExecutor
from ml_metadata.proto import metadata_store_pb2 as pb, metadata_store_service_pb2 as svc
from ml_metadata.proto import metadata_store_service_pb2_grpc as svc_grpc
stub = svc_grpc.MetadataStoreServiceStub(grpc.insecure_channel(sys.argv[1]))
t = stub.PutExecutionType(svc.PutExecutionTypeRequest(
    execution_type=pb.ExecutionType(name="concurrent"))).type_id
def writer(i):
    for j in range(20):
        stub.PutExecution(svc.PutExecutionRequest(execution=pb.Execution(type_id=t, name=f"{i}-{j}")))
        stub.GetExecutionsByType(svc.GetExecutionsByTypeRequest(type_name="concurrent"))
with ThreadPoolExecutor(8) as pool:
    list(pool.map(writer, range(8)))
print(len(stub.GetExecutionsByType(svc.GetExecutionsByTypeRequest(type_name="concurrent")).executions))
"""


def test_concurrent_writers(venv_python, shim):
    """8 clients at once (a ParallelFor's drivers): every write lands, none is refused."""
    host, grpc_port, _ = shim
    out = run_in_venv(venv_python, CONCURRENT, f"{host}:{grpc_port}")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["160"]


def grpc_web_post(url: str, message: bytes, **headers) -> tuple[int, dict, bytes]:
    """One unary gRPC-Web call as the UI's JS client makes it (mode=grpcweb: binary frames)."""
    body = b"\x00" + struct.pack(">I", len(message)) + message
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1", "Accept": "*/*",
        **headers})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, dict(answer.headers.items()), answer.read()


def test_grpc_web_empty_response_is_still_a_message_frame(shim):
    """The grpc-web JS client fails a unary call without a message frame ("Incomplete
    response"): an empty response (here: no artifact 999999) is a frame of length 0."""
    host, _, web_port = shim
    message = b"\x08\xbf\x84\x3d"  # GetArtifactsByIDRequest{artifact_ids: [999999]}
    status, headers, payload = grpc_web_post(
        f"http://{host}:{web_port}/ml_metadata.MetadataStoreService/GetArtifactsByID", message)
    assert status == 200
    assert payload[:5] == b"\x00\x00\x00\x00\x00"  # an uncompressed message of 0 bytes
    assert payload[5] == 0x80 and re.search(rb"grpc-status: ?0\r\n", payload[10:])


def test_grpc_web_error_is_a_trailer_and_cors_answers_the_origin(shim):
    host, _, web_port = shim
    # GetArtifactTypeRequest{type_name: "absent"}: field 1, length-delimited
    message = b"\x0a\x06absent"
    status, headers, payload = grpc_web_post(
        f"http://{host}:{web_port}/ml_metadata.MetadataStoreService/GetArtifactType", message,
        Origin="http://127.0.0.1:3000")
    assert status == 200
    assert headers["Content-Type"] == "application/grpc-web+proto"
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"
    # no message frame, only the trailer frame (flag 0x80) carrying grpc-status 5 (NOT_FOUND)
    assert payload[0] == 0x80
    trailer = payload[5:].decode()
    assert re.search(r"grpc-status: ?5\r\n", trailer), trailer
    assert "grpc-message" in trailer
    preflight = urllib.request.Request(
        f"http://{host}:{web_port}/ml_metadata.MetadataStoreService/GetArtifactType",
        method="OPTIONS", headers={"Origin": "http://127.0.0.1:3000",
                                   "Access-Control-Request-Method": "POST"})
    with urllib.request.urlopen(preflight, timeout=30) as answer:
        assert answer.status == 204
        assert answer.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"


def test_the_checked_rpcs_are_those_kfp_2_17_calls():
    """check.py's lists = the RPCs of KFP's Go client and of its UI, read from the checkout."""
    if not (KFP_SRC / "backend" / "src" / "v2" / "metadata" / "client.go").exists():
        missing_tool("the KFP 2.17.0 checkout", f"{KFP_SRC} is absent", "make kfp-src")
    text = (MLMD / "check.py").read_text()
    listed = {name: set(re.findall(r'"(\w+)"', re.search(rf"{name} = \((.*?)\)", text, re.S)[1]))
              for name in ("KFP_GO_RPCS", "KFP_UI_RPCS")}
    go = set()  # every non-test Go file holding a MetadataStoreServiceClient (client.go)
    for path in (KFP_SRC / "backend" / "src").rglob("*.go"):
        source = path.read_text(errors="replace")
        if (not path.name.endswith("_test.go") and "testutils" not in path.parts
                and "MetadataStoreServiceClient" in source):
            go |= set(re.findall(r"\.svc\.([A-Z]\w+)\(", source))
    assert go == listed["KFP_GO_RPCS"]
    ui = set()
    for path in (KFP_SRC / "frontend" / "src").rglob("*.ts*"):
        if ".test." not in path.name and "third_party" not in path.parts:
            ui |= {m[0].upper() + m[1:] for m in re.findall(
                r"metadataStoreService\s*\.\s*([a-z]\w+)\(", path.read_text(errors="replace"))}
            ui |= set(re.findall(r"new (Get\w+)Request\(", path.read_text(errors="replace")))
    assert ui == listed["KFP_UI_RPCS"]
