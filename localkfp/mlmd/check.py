"""Check an MLMD server the way KFP 2.17 uses it: every RPC its Go client (driver, launcher)
calls through gRPC, and every RPC its UI calls through gRPC-Web (a grpc-web framed HTTP POST,
as the UI's JS client sends through the UI server's `/ml_metadata.*` proxy).

    check.py --grpc HOST:PORT [--grpc-web http://HOST:PORT]    (run it with the shim's venv)

Prints `ok <transport> <RPC>` per call and `checked N RPCs`; exits 1 at the first mismatch.
The RPC lists below are what KFP 2.17.0 calls: `backend/src/v2/metadata/client.go`
(`c.svc.<RPC>(`) and `frontend/src/mlmd/Api.ts`'s users (`metadataStoreService.<rpc>(`);
tests/localkfp/test_mlmd_shim.py compares them with the checkout when it is there.
"""

from __future__ import annotations

import argparse
import struct
import sys
import urllib.request
import uuid

import grpc
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from ml_metadata.proto import metadata_store_service_pb2_grpc as svc_grpc

KFP_GO_RPCS = (
    "GetArtifactType", "GetArtifactsByID", "GetArtifactsByURI", "GetContextByTypeAndName",
    "GetContextType", "GetContextsByArtifact", "GetContextsByExecution", "GetContextsByID",
    "GetEventsByArtifactIDs", "GetEventsByExecutionIDs", "GetExecutionByTypeAndName",
    "GetExecutionsByContext", "GetExecutionsByID", "GetParentContextsByContext",
    "PutArtifactType", "PutArtifacts", "PutContextType", "PutContexts", "PutExecution",
    "PutExecutionType", "PutParentContexts",
)
KFP_UI_RPCS = (
    "GetArtifactTypes", "GetArtifactTypesByID", "GetArtifacts", "GetArtifactsByContext",
    "GetArtifactsByID", "GetContextByTypeAndName", "GetContextType", "GetContextsByExecution",
    "GetEventsByArtifactIDs", "GetEventsByExecutionIDs", "GetExecutionTypes",
    "GetExecutionTypesByID", "GetExecutions", "GetExecutionsByContext", "GetExecutionsByID",
)


class Failed(Exception):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)


class Grpc:
    name = "grpc"

    def __init__(self, target: str):
        self.stub = svc_grpc.MetadataStoreServiceStub(grpc.insecure_channel(target))

    def __call__(self, rpc: str, request):
        return getattr(self.stub, rpc)(request, timeout=30)


class GrpcWeb:
    """A unary gRPC-Web call: POST <base>/ml_metadata.MetadataStoreService/<RPC>, body = one
    uncompressed length-prefixed message; the answer = message frame(s) + a trailer frame."""

    name = "grpc-web"

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def __call__(self, rpc: str, request):
        data = request.SerializeToString()
        body = b"\x00" + struct.pack(">I", len(data)) + data
        http = urllib.request.Request(
            f"{self.base}/ml_metadata.MetadataStoreService/{rpc}", data=body, method="POST",
            headers={"Content-Type": "application/grpc-web+proto", "X-Grpc-Web": "1",
                     "X-User-Agent": "grpc-web-javascript/0.1", "Accept": "*/*"})
        with urllib.request.urlopen(http, timeout=30) as answer:
            content_type = answer.headers.get("Content-Type", "")
            payload = answer.read()
        # the grpc-web JS client accepts only application/grpc* answers
        expect(content_type.startswith("application/grpc-web"), f"{rpc}: Content-Type {content_type!r}")
        message, trailers, pos = None, {}, 0
        while pos < len(payload):
            flag, size = payload[pos], struct.unpack(">I", payload[pos + 1:pos + 5])[0]
            frame = payload[pos + 5:pos + 5 + size]
            pos += 5 + size
            if flag & 0x80:
                for line in frame.decode().split("\r\n"):
                    if ":" in line:
                        key, value = line.split(":", 1)
                        trailers[key.strip().lower()] = value.strip()
            else:
                message = frame
        status = trailers.get("grpc-status")
        expect(status == "0", f"{rpc}: grpc-status {status} {trailers.get('grpc-message', '')}")
        response_cls = getattr(svc, f"{rpc}Response")
        return response_cls.FromString(message or b"")


class Recorder:
    """A call that records the RPC names it made."""

    def __init__(self, call):
        self.call, self.done = call, []

    def __call__(self, name: str, request):
        self.done.append(name)
        return self.call(name, request)


def kfp_go_calls(call, tag: str) -> list[str]:
    """The driver's and launcher's calls, in the order a run makes them (shapes as client.go)."""
    rpc = Recorder(call)
    run_type = rpc("PutContextType", svc.PutContextTypeRequest(
        context_type=pb.ContextType(name="system.PipelineRun"), can_add_fields=True)).type_id
    rpc("GetContextType", svc.GetContextTypeRequest(type_name="system.PipelineRun"))
    run_name = f"run-{tag}"
    run_ctx = rpc("PutContexts", svc.PutContextsRequest(contexts=[pb.Context(
        name=run_name, type_id=run_type,
        custom_properties={"namespace": pb.Value(string_value="kubeflow")})])).context_ids[0]
    run_context = rpc("GetContextByTypeAndName", svc.GetContextByTypeAndNameRequest(
        type_name="system.PipelineRun", context_name=run_name)).context
    expect(run_context.id == run_ctx, "GetContextByTypeAndName returns the run context")
    parent_ctx = rpc("PutContexts", svc.PutContextsRequest(contexts=[pb.Context(
        name=f"pipeline-{tag}", type_id=run_type)])).context_ids[0]
    rpc("PutParentContexts", svc.PutParentContextsRequest(parent_contexts=[
        pb.ParentContext(child_id=run_ctx, parent_id=parent_ctx)]))
    parents = rpc("GetParentContextsByContext",
                  svc.GetParentContextsByContextRequest(context_id=run_ctx)).contexts
    expect([c.id for c in parents] == [parent_ctx], "GetParentContextsByContext")
    ctxs = rpc("GetContextsByID", svc.GetContextsByIDRequest(context_ids=[run_ctx])).contexts
    expect(ctxs[0].name == run_name, "GetContextsByID")

    exec_type = rpc("PutExecutionType", svc.PutExecutionTypeRequest(
        execution_type=pb.ExecutionType(name="system.ContainerExecution"),
        can_add_fields=True)).type_id
    art_type = rpc("PutArtifactType", svc.PutArtifactTypeRequest(
        artifact_type=pb.ArtifactType(name="system.Dataset"), can_add_fields=True)).type_id
    rpc("GetArtifactType", svc.GetArtifactTypeRequest(type_name="system.Dataset"))
    uri = f"s3://mlpipeline/v2/artifacts/{tag}/producer/out"
    art = rpc("PutArtifacts", svc.PutArtifactsRequest(artifacts=[pb.Artifact(
        type_id=art_type, uri=uri, state=pb.Artifact.LIVE,
        custom_properties={"display_name": pb.Value(string_value="out")})])).artifact_ids[0]
    task = f"producer-{tag}"
    execution = pb.Execution(
        type_id=exec_type, name=task, last_known_state=pb.Execution.RUNNING,
        custom_properties={"task_name": pb.Value(string_value="producer")})
    exec_id = rpc("PutExecution", svc.PutExecutionRequest(
        execution=execution, contexts=[run_context],
        options=svc.PutExecutionRequest.Options(reuse_context_if_already_exist=True))
    ).execution_id
    execution.id = exec_id
    execution.last_known_state = pb.Execution.COMPLETE
    rpc("PutExecution", svc.PutExecutionRequest(
        execution=execution, contexts=[run_context],
        artifact_event_pairs=[svc.PutExecutionRequest.ArtifactAndEvent(
            artifact=pb.Artifact(id=art, type_id=art_type, uri=uri),
            event=pb.Event(type=pb.Event.OUTPUT, path=pb.Event.Path(
                steps=[pb.Event.Path.Step(key="out")])))],
        options=svc.PutExecutionRequest.Options(reuse_context_if_already_exist=True)))
    got = rpc("GetExecutionsByID", svc.GetExecutionsByIDRequest(execution_ids=[exec_id]))
    expect(got.executions[0].last_known_state == pb.Execution.COMPLETE, "GetExecutionsByID state")
    got = rpc("GetExecutionByTypeAndName", svc.GetExecutionByTypeAndNameRequest(
        type_name="system.ContainerExecution", execution_name=task)).execution
    expect(got.id == exec_id, "GetExecutionByTypeAndName")
    got = rpc("GetExecutionsByContext", svc.GetExecutionsByContextRequest(context_id=run_ctx))
    expect([e.id for e in got.executions] == [exec_id], "GetExecutionsByContext")
    got = rpc("GetContextsByExecution", svc.GetContextsByExecutionRequest(execution_id=exec_id))
    expect([c.id for c in got.contexts] == [run_ctx], "GetContextsByExecution")
    events = rpc("GetEventsByExecutionIDs",
                 svc.GetEventsByExecutionIDsRequest(execution_ids=[exec_id])).events
    expect([(e.artifact_id, e.type) for e in events] == [(art, pb.Event.OUTPUT)],
           "GetEventsByExecutionIDs")
    events = rpc("GetEventsByArtifactIDs",
                 svc.GetEventsByArtifactIDsRequest(artifact_ids=[art])).events
    expect([e.execution_id for e in events] == [exec_id], "GetEventsByArtifactIDs")
    got = rpc("GetArtifactsByID", svc.GetArtifactsByIDRequest(artifact_ids=[art])).artifacts
    expect(got[0].uri == uri, "GetArtifactsByID")
    got = rpc("GetArtifactsByURI", svc.GetArtifactsByURIRequest(uris=[uri])).artifacts
    expect([a.id for a in got] == [art], "GetArtifactsByURI")
    got = rpc("GetContextsByArtifact", svc.GetContextsByArtifactRequest(artifact_id=art)).contexts
    expect([c.id for c in got] == [run_ctx], "GetContextsByArtifact (attributed by PutExecution)")
    return rpc.done


def kfp_ui_calls(call, tag: str) -> list[str]:
    """The UI's reads, over what kfp_go_calls wrote under the same tag."""
    rpc = Recorder(call)
    run = rpc("GetContextByTypeAndName", svc.GetContextByTypeAndNameRequest(
        type_name="system.PipelineRun", context_name=f"run-{tag}")).context
    expect(run.name == f"run-{tag}", "GetContextByTypeAndName")
    rpc("GetContextType", svc.GetContextTypeRequest(type_name="system.PipelineRun"))
    execs = rpc("GetExecutionsByContext",
                svc.GetExecutionsByContextRequest(context_id=run.id)).executions
    expect(len(execs) == 1, "GetExecutionsByContext")
    exec_id = execs[0].id
    arts = rpc("GetArtifactsByContext", svc.GetArtifactsByContextRequest(context_id=run.id))
    expect(len(arts.artifacts) == 1, "GetArtifactsByContext")
    art = arts.artifacts[0]
    got = rpc("GetExecutionsByID", svc.GetExecutionsByIDRequest(execution_ids=[exec_id]))
    expect(got.executions[0].name == f"producer-{tag}", "GetExecutionsByID")
    got = rpc("GetContextsByExecution", svc.GetContextsByExecutionRequest(execution_id=exec_id))
    expect([c.id for c in got.contexts] == [run.id], "GetContextsByExecution")
    events = rpc("GetEventsByExecutionIDs",
                 svc.GetEventsByExecutionIDsRequest(execution_ids=[exec_id])).events
    expect([e.artifact_id for e in events] == [art.id], "GetEventsByExecutionIDs")
    events = rpc("GetEventsByArtifactIDs",
                 svc.GetEventsByArtifactIDsRequest(artifact_ids=[art.id])).events
    expect([e.execution_id for e in events] == [exec_id], "GetEventsByArtifactIDs")
    got = rpc("GetArtifactsByID", svc.GetArtifactsByIDRequest(artifact_ids=[art.id]))
    expect(got.artifacts[0].uri == art.uri, "GetArtifactsByID")
    types = rpc("GetArtifactTypes", svc.GetArtifactTypesRequest()).artifact_types
    expect("system.Dataset" in {t.name for t in types}, "GetArtifactTypes")
    got = rpc("GetArtifactTypesByID", svc.GetArtifactTypesByIDRequest(type_ids=[art.type_id]))
    expect(got.artifact_types[0].name == "system.Dataset", "GetArtifactTypesByID")
    types = rpc("GetExecutionTypes", svc.GetExecutionTypesRequest()).execution_types
    expect("system.ContainerExecution" in {t.name for t in types}, "GetExecutionTypes")
    got = rpc("GetExecutionTypesByID",
              svc.GetExecutionTypesByIDRequest(type_ids=[execs[0].type_id]))
    expect(got.execution_types[0].name == "system.ContainerExecution", "GetExecutionTypesByID")
    got = rpc("GetArtifacts", svc.GetArtifactsRequest(options=pb.ListOperationOptions(
        filter_query=f"uri = '{art.uri}'")))
    expect([a.id for a in got.artifacts] == [art.id], "GetArtifacts (filter_query)")
    got = rpc("GetExecutions", svc.GetExecutionsRequest(options=pb.ListOperationOptions(
        max_result_size=100, order_by_field=pb.ListOperationOptions.OrderByField(
            field=pb.ListOperationOptions.OrderByField.CREATE_TIME, is_asc=False))))
    expect(exec_id in {e.id for e in got.executions}, "GetExecutions")
    return rpc.done


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--grpc", required=True, help="HOST:PORT of the gRPC service")
    p.add_argument("--grpc-web", default="", help="http://HOST:PORT serving gRPC-Web (optional)")
    args = p.parse_args(argv)
    tag = uuid.uuid4().hex[:8]
    checked = set()
    try:
        grpc_call = Grpc(args.grpc)
        for name in kfp_go_calls(grpc_call, tag):
            print(f"ok grpc {name}")
            checked.add(("grpc", name))
        missing = set(KFP_GO_RPCS) - {n for t, n in checked}
        expect(not missing, f"KFP's Go RPCs not exercised: {sorted(missing)}")
        for name in kfp_ui_calls(grpc_call, tag):
            checked.add(("grpc", name))
        if args.grpc_web:
            for name in kfp_ui_calls(GrpcWeb(args.grpc_web), tag):
                print(f"ok grpc-web {name}")
                checked.add(("grpc-web", name))
            missing = set(KFP_UI_RPCS) - {n for t, n in checked if t == "grpc-web"}
            expect(not missing, f"the UI's RPCs not exercised: {sorted(missing)}")
    except (Failed, grpc.RpcError, OSError) as e:
        print(f"FAILED: {e}", file=sys.stderr)
        return 1
    names = {n for _, n in checked}
    print(f"checked {len(names)} RPCs ({len(checked)} calls by transport)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
