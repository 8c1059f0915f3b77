"""make pipeline-submit against a local HTTP server that records the KFP REST calls."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from digitstudy import storage
from digitstudy.cluster import doctor
from digitstudy.cluster.pods import Unschedulable
from digitstudy.reporting import upload
from pipelines import arguments, submit

API = "/apis/v2beta1"


class FakeKfp:
    """Just enough of the KFP v2beta1 REST API for kfp.Client's submit path."""

    def __init__(self, final_state: str = "SUCCEEDED", experiment_exists: bool = False):
        self.calls: list[dict] = []
        self.final_state = final_state
        self.experiments = [{"experiment_id": "exp-0", "display_name": "digitstudy"}] \
            if experiment_exists else []

    def answer(self, method: str, path: str, query: dict, body) -> tuple[int, dict]:
        self.calls.append({"method": method, "path": path, "query": query, "body": body})
        if (method, path) == ("GET", f"{API}/healthz"):
            return 200, {"multi_user": False}
        if (method, path) == ("GET", f"{API}/experiments"):
            predicate = json.loads(query["filter"][0])["predicates"][0]
            wanted = predicate.get("stringValue", predicate.get("string_value"))
            found = [e for e in self.experiments if e["display_name"] == wanted]
            return 200, {"experiments": found, "total_size": len(found)}
        if (method, path) == ("POST", f"{API}/experiments"):
            experiment = {"experiment_id": "exp-1", **body}
            self.experiments.append(experiment)
            return 200, experiment
        if (method, path) == ("POST", f"{API}/runs"):
            return 200, {"run_id": "run-1", "display_name": body["display_name"],
                         "state": "PENDING"}
        if (method, path) == ("GET", f"{API}/runs/run-1"):
            return 200, {"run_id": "run-1", "state": self.final_state}
        return 404, {"error": f"unexpected {method} {path}"}

    def find(self, method: str, path: str) -> list[dict]:
        return [c for c in self.calls if c["method"] == method and c["path"] == path]


@pytest.fixture
def kfp_api():
    fake = FakeKfp()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method):
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            url = urlparse(self.path)
            try:
                status, payload = fake.answer(method, url.path, parse_qs(url.query), body)
            except Exception as err:  # surface fake bugs as an HTTP error, not a hang-up
                status, payload = 500, {"error": repr(err)}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._reply("GET")

        def do_POST(self):
            self._reply("POST")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.host = f"http://127.0.0.1:{server.server_address[1]}"
    yield fake
    server.shutdown()
    server.server_close()


def run_body(fake: FakeKfp) -> dict:
    posts = fake.find("POST", f"{API}/runs")
    assert len(posts) == 1
    return posts[0]["body"]


def test_submit_sends_pipeline_experiment_and_typed_parameters(kfp_api, tmp_path, capsys):
    code = submit.submit("tiny", "cpu", kfp_api.host, build_dir=tmp_path)
    assert code == 0
    assert kfp_api.find("POST", f"{API}/experiments")[0]["body"]["display_name"] == "digitstudy"
    body = run_body(kfp_api)
    assert body["experiment_id"] == "exp-1"
    from components.images import IMAGE_TAG

    assert re.fullmatch(rf"tiny-{re.escape(IMAGE_TAG)}-\d{{8}}-\d{{6}}", body["display_name"])
    params = body["runtime_config"]["parameters"]
    assert params["profile_name"] == "tiny"  # the profile and parts are bound at compile time
    assert params["parts"] == "p1,p2,p3,p4a,p4b"
    assert params["run_id"] == body["display_name"]  # aggregate uploads to results/<run name>/
    assert params["fsdd_source"] == ""
    assert body["runtime_config"]["pipeline_root"] == doctor.PIPELINE_ROOT  # our MinIO
    spec = body["pipeline_spec"]
    assert spec["pipeline_spec"]["pipelineInfo"]["name"] == "digitstudy"
    assert "platform_spec" in spec  # the Kubernetes settings travel with the run
    out = capsys.readouterr().out
    assert f"{kfp_api.host}/#/runs/details/run-1" in out
    assert (tmp_path / "digitstudy-tiny-cpu.yaml").is_file()


def cached_tasks(body: dict) -> dict[str, bool]:
    """Each task's caching option in the submitted pipeline spec (DAGs included)."""
    spec = body["pipeline_spec"]["pipeline_spec"]
    dags = [spec["root"]] + list(spec["components"].values())
    return {name: task.get("cachingOptions", {}).get("enableCache", False)
            for dag in dags for name, task in dag.get("dag", {}).get("tasks", {}).items()}


@pytest.mark.parametrize("cache", [True, False])
def test_no_cache_turns_off_every_tasks_cache(kfp_api, tmp_path, cache):
    assert submit.submit("tiny", "cpu", kfp_api.host, build_dir=tmp_path, parts="p1",
                         cache=cache) == 0
    caching = cached_tasks(run_body(kfp_api))
    assert caching["p1-baseline"] is cache  # a training task, cached as compiled
    assert not caching["aggregate-results"]  # never cached (it names the run)
    if not cache:
        assert not any(caching.values())


def test_existing_experiment_is_reused(kfp_api, tmp_path):
    kfp_api.experiments.append({"experiment_id": "exp-0", "display_name": "digitstudy"})
    assert submit.submit("tiny", "cpu", kfp_api.host, build_dir=tmp_path) == 0
    assert kfp_api.find("POST", f"{API}/experiments") == []
    assert run_body(kfp_api)["experiment_id"] == "exp-0"


def test_gpu_submit_requests_gpus_without_extra_placement_and_uses_minio_sources(kfp_api, tmp_path,
                                                                               monkeypatch):
    # the data fingerprint needs the object store; its own test below runs it against one
    monkeypatch.setattr(submit.remote, "data_fingerprint", lambda sources, config: "fp-1")
    monkeypatch.setattr(submit.storage, "config_from", lambda minio_env: None)
    assert submit.submit("paper", "gpu", kfp_api.host, data_source="s3://datasets",
                         build_dir=tmp_path) == 0
    body = run_body(kfp_api)
    params = body["runtime_config"]["parameters"]
    assert (params["fsdd_source"], params["mnist_source"]) == ("s3://datasets/fsdd",
                                                              "s3://datasets/mnist")
    executors = body["pipeline_spec"]["pipeline_spec"]["deploymentSpec"]["executors"]
    gpu = {name for name, e in executors.items()
           if e["container"].get("resources", {}).get("accelerator")}
    assert {"exec-p1-baseline", "exec-p1-autoencoder", "exec-p1-utterance-embedding"} <= gpu
    assert not {n for n in gpu if n.startswith(("exec-fetch", "exec-plan", "exec-aggregate"))}
    platform = body["pipeline_spec"]["platform_spec"]["platforms"]["kubernetes"]
    baseline = platform["deploymentSpec"]["executors"]["exec-p1-baseline"]
    # the paper profile asks for no node selector or toleration: nvidia.com/gpu is enough
    assert "tolerations" not in baseline and "nodeSelector" not in baseline
    # checkpoint store: MinIO credentials and the run's identity (the workflow's pod label)
    assert baseline["secretAsEnv"][0]["secretName"] == doctor.MINIO
    assert {"fieldPath": "metadata.labels['workflows.argoproj.io/workflow']",
            "name": "DIGITSTUDY_RUN"} in baseline["fieldPathAsEnv"]


def test_wait_downloads_the_report(kfp_api, tmp_path, s3_server, monkeypatch):
    config = s3_server.config()
    store = storage.Storage(config)
    store.ensure_buckets([storage.RESULTS_BUCKET])
    report = tmp_path / "made-by-aggregate"
    report.mkdir()
    (report / "results.csv").write_text("table,row,column,study_value,run_value,delta\n")
    (report / "index.html").write_text("<html></html>")
    upload.upload_report(report, "tiny-fixed-20260101-000000", config)
    monkeypatch.setattr(submit, "make_run_name", lambda *a: "tiny-fixed-20260101-000000")
    for key, value in (("MINIO_ENDPOINT", config.endpoint), ("MINIO_ACCESS_KEY", config.access_key),
                       ("MINIO_SECRET_KEY", config.secret_key)):
        monkeypatch.setenv(key, value)
    code = submit.submit("tiny", "cpu", kfp_api.host, wait=True, build_dir=tmp_path,
                         report_dir=tmp_path / "runs")
    assert code == 0
    assert kfp_api.find("GET", f"{API}/runs/run-1")
    assert (tmp_path / "runs" / "tiny-fixed-20260101-000000" / "index.html").is_file()


def test_failed_run_exits_nonzero(kfp_api, tmp_path, capsys):
    kfp_api.final_state = "FAILED"
    assert submit.submit("tiny", "cpu", kfp_api.host, wait=True, build_dir=tmp_path) == 1
    assert "finished: FAILED" in capsys.readouterr().out


def test_local_folder_is_not_a_cluster_data_source():
    with pytest.raises(SystemExit, match="does not exist inside the pods"):
        submit.run_arguments("/work/shared/data", "run")


def test_run_names_are_valid_object_prefixes():
    from datetime import UTC, datetime

    name = submit.make_run_name("paper", "0123456789ab-dirty-deadbeef",
                                datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert name == "paper-0123456789ab-dirty-deadbeef-20260102-030405"


def test_no_kfp_answering_is_one_line_naming_the_host(tmp_path, capsys, free_port):
    host = f"http://127.0.0.1:{free_port()}"
    assert submit.main(["--profile", "tiny", "--host", host]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("pipeline-submit:")]
    assert len(lines) == 1 and host in lines[0]
    assert "make kind-up" in lines[0] and "KFP_HOST" in lines[0]
    assert "Traceback" not in err and "Retrying" not in err


def test_canceled_run_is_final(kfp_api, tmp_path, capsys):
    kfp_api.final_state = "CANCELED"
    assert submit.submit("tiny", "cpu", kfp_api.host, wait=True, build_dir=tmp_path,
                         timeout=60) == 1
    assert "finished: CANCELED" in capsys.readouterr().out
    assert len(kfp_api.find("GET", f"{API}/runs/run-1")) == 1  # not polled until the timeout


def test_wait_gives_up_at_the_timeout():
    class Running:
        def get_run(self, run_id):
            return type("Run", (), {"state": "RUNNING"})()

    now = [0.0]
    with pytest.raises(TimeoutError, match="still RUNNING after 60s"):
        submit.wait_for_run(Running(), "r", timeout=60, sleep=15, clock=lambda: now[0],
                            pause=lambda s: now.__setitem__(0, now[0] + s))
    assert now[0] == 60


def test_wait_shows_unschedulable_pods_once_per_reason(capsys):
    class Run:
        states = iter(["PENDING", "RUNNING", "RUNNING", "RUNNING", "SUCCEEDED"])

        def get_run(self, run_id):
            return type("Run", (), {"state": next(self.states)})()

    gpu = "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    seen = iter([None, Unschedulable(2, gpu), None, Unschedulable(3, gpu)])
    assert submit.wait_for_run(Run(), "r", timeout=600, pause=lambda s: None,
                               watch=lambda: next(seen)) == "SUCCEEDED"
    out = capsys.readouterr().out.splitlines()
    assert out == [f"run r RUNNING: 2 pods Pending, not schedulable: {gpu}"]


def package_with(tmp_path, parameters: dict):
    path = tmp_path / "pipeline.yaml"
    path.write_text("root:\n  inputDefinitions:\n    parameters: "
                    + json.dumps(parameters) + "\n---\nplatforms: {}\n")
    return path


def test_data_fingerprint_follows_the_objects_under_the_sources(s3_server, tmp_path, monkeypatch,
                                                                caplog):
    config = s3_server.config()
    store = storage.Storage(config)
    store.ensure_buckets([storage.DATASETS_BUCKET])
    for name in arguments.DATASETS:
        store.put_bytes(storage.DATASETS_BUCKET, f"{name}/a.bin", b"v1", "application/octet-stream")
    for key, value in (("MINIO_ENDPOINT", config.endpoint), ("MINIO_ACCESS_KEY", config.access_key),
                       ("MINIO_SECRET_KEY", config.secret_key)):
        monkeypatch.setenv(key, value)
    args = submit.run_arguments("s3://datasets", "run")
    declared = package_with(tmp_path, {"data_fingerprint": {"parameterType": "STRING"}})
    first = submit.add_data_fingerprint(args, declared, "s3://datasets", None)["data_fingerprint"]
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert submit.add_data_fingerprint(args, declared, "s3://datasets", None)["data_fingerprint"] \
        == first  # same objects, same key: the fetch stays cached
    store.put_bytes(storage.DATASETS_BUCKET, "mnist/a.bin", b"v2", "application/octet-stream")
    assert submit.add_data_fingerprint(args, declared, "s3://datasets", None)["data_fingerprint"] \
        != first  # new data under the same URI: the fetch re-runs
    assert submit.add_data_fingerprint(args, declared, None, None)["data_fingerprint"] == ""
    legacy = package_with(tmp_path, {"profile": {"parameterType": "STRUCT"}})
    assert submit.add_data_fingerprint(args, legacy, "s3://datasets", None) == args
    assert "has no data_fingerprint parameter" in caplog.text
