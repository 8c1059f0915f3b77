"""What MLMD holds of one KFP run (run it with the MLMD shim's venv):

    mlmd_run.py --mlmd HOST:PORT --run-id RUN_ID

prints JSON: the run's context (type ``system.PipelineRun``, named by the run id, as KFP's
driver creates it: backend/src/v2/metadata/client.go GetPipelineFromExecution/GetPipeline ...),
its executions with their state, its artifacts' URIs, and each artifact's store session (the
``store_session_info`` the launcher records: which store and Secret the UI reads it with)."""

from __future__ import annotations

import argparse
import json

import grpc
from ml_metadata.proto import metadata_store_pb2 as pb
from ml_metadata.proto import metadata_store_service_pb2 as svc
from ml_metadata.proto import metadata_store_service_pb2_grpc as svc_grpc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mlmd", required=True)
    parser.add_argument("--run-id", required=True)
    args = parser.parse_args()
    stub = svc_grpc.MetadataStoreServiceStub(grpc.insecure_channel(args.mlmd))
    context = stub.GetContextByTypeAndName(svc.GetContextByTypeAndNameRequest(
        type_name="system.PipelineRun", context_name=args.run_id), timeout=30).context
    if not context.id:
        raise SystemExit(f"no system.PipelineRun context named {args.run_id} in MLMD")
    executions = stub.GetExecutionsByContext(svc.GetExecutionsByContextRequest(
        context_id=context.id), timeout=30).executions
    artifacts = stub.GetArtifactsByContext(svc.GetArtifactsByContextRequest(
        context_id=context.id), timeout=30).artifacts
    print(json.dumps({
        "context": context.id,
        "executions": [{"name": e.custom_properties["task_name"].string_value,
                        "state": pb.Execution.State.Name(e.last_known_state)} for e in executions],
        "artifacts": [a.uri for a in artifacts],
        "sessions": {a.uri: a.custom_properties["store_session_info"].string_value
                     for a in artifacts if "store_session_info" in a.custom_properties}}))


if __name__ == "__main__":
    main()
