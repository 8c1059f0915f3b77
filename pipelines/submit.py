"""``make pipeline-submit``: compile the study for a cluster and start a run on Kubeflow Pipelines.

The run goes to experiment ``digitstudy`` under the name ``<profile>-<image tag>-<UTC time>``
(the image tag is the git commit, see scripts/image_tag.sh), with the profile's values as
typed pipeline arguments, so the Kubeflow UI can compare runs. ``--wait`` waits for the
run to finish and downloads its report from MinIO (``results/<run name>/``).
Multi-user Kubeflow installs: ``--namespace`` and a bearer token in ``KFP_TOKEN``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import urllib3
import yaml

from digitstudy import storage
from digitstudy.cluster.pods import Unschedulable
from digitstudy.config import load_profile
from digitstudy.data import remote
from digitstudy.logs import setup_logging
from digitstudy.plan import parse_parts
from digitstudy.storage import check_run_name
from pipelines.arguments import (
    DATA_FINGERPRINT,
    DATASETS,
    PARTS,
    PROFILE_NAME,
    pipeline_arguments,
    source_parameter,
)

log = logging.getLogger("digitstudy.submit")

EXPERIMENT = "digitstudy"
# Explicit per run, so artifacts go to digitstudy's MinIO while the namespace's default root
# stays KFP's: the launcher sends this bucket to our MinIO through the `Overrides` entry
# that k8s/launcher/kfp-launcher-patch.yaml adds to KFP's kfp-launcher ConfigMap.
PIPELINE_ROOT = storage.PIPELINE_ROOT
FINISHED_OK = "SUCCEEDED"
# Final run states of the v2beta1 API (kubeflow/pipelines 2.17.0 backend/api/v2beta1/
# run.proto:224-250). kfp.Client.wait_for_run_completion (kfp 2.17.3 client.py:1384)
# treats only succeeded/failed/skipped/error as final, so a CANCELED run would be waited
# on until the timeout: submit waits with its own loop.
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "SKIPPED", "CANCELED"})


class KfpUnreachable(RuntimeError):
    pass


def make_run_name(profile_name: str, image_tag: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return check_run_name(f"{profile_name}-{image_tag}-{now:%Y%m%d-%H%M%S}")


def run_arguments(data_source: str | None, run_name: str) -> dict:
    """Run arguments; ``data_source`` is ``s3://<bucket>`` (holding fsdd/ and mnist/) or None.
    The profile and parts are bound in the compiled pipeline (PARTS at compile time)."""
    if data_source and not data_source.startswith("s3://"):
        raise SystemExit(f"--data-dir {data_source}: on a cluster, datasets come from MinIO "
                         "(s3://datasets after `make data-upload`) or, left empty, from the "
                         "canonical URLs; a local folder does not exist inside the pods")
    return pipeline_arguments(data_source, run_id=run_name)


def add_data_fingerprint(arguments: dict, package: Path, data_source: str | None,
                         minio_env: str | None) -> dict:
    """``data_fingerprint``: a digest of the objects under the run's s3:// sources (their
    ETags), so fetch steps cached on an unchanged ``source`` string re-run when the data
    changed. Only passed when the compiled pipeline declares that parameter."""
    spec = next(yaml.safe_load_all(package.read_text()))  # the pipeline spec, then platform spec
    declared = spec.get("root", {}).get("inputDefinitions", {}).get("parameters", {})
    if DATA_FINGERPRINT not in declared:
        log.warning("the pipeline has no %s parameter: fetch steps stay cached on the source "
                    "URI alone", DATA_FINGERPRINT)
        return arguments
    if not data_source:
        return {**arguments, DATA_FINGERPRINT: ""}  # canonical URLs: pinned by sha256
    sources = [arguments[source_parameter(name)] for name in DATASETS]
    fingerprint = remote.data_fingerprint(sources, storage.config_from(minio_env))
    log.info("data fingerprint of %s: %s", ", ".join(sources), fingerprint)
    return {**arguments, DATA_FINGERPRINT: fingerprint}


def wait_for_run(client, run_id: str, timeout: float, sleep: float = 15.0,
                 clock: Callable[[], float] = time.monotonic,
                 pause: Callable[[float], None] = time.sleep,
                 watch: Callable[[], Unschedulable | None] | None = None) -> str:
    """Poll the run until it reaches a final state (CANCELED included); its state. ``watch``
    (:func:`pending_pods`) says which of the run's pods cannot be scheduled: each reason of
    the scheduler's shown once, in one line (pods queued for the CPU come and go)."""
    deadline = clock() + timeout
    shown: set[str] = set()
    while True:
        state = str(client.get_run(run_id).state).upper()
        if state in FINAL_STATES:
            return state
        pending = watch() if watch else None
        if pending and pending.reason not in shown:
            print(f"run {run_id} {state}: {pending}", flush=True)
            shown.add(pending.reason)
        if clock() >= deadline:
            raise TimeoutError(f"run {run_id} still {state} after {timeout:.0f}s")
        pause(sleep)


def pending_pods(run_id: str, namespace: str) -> Callable[[], Unschedulable | None] | None:
    """A watch for :func:`wait_for_run`: the run's pods the scheduler cannot place (e.g. no
    node with a free ``nvidia.com/gpu``); None without a kubeconfig."""
    from kubernetes import client, config

    from digitstudy.cluster.pods import PENDING, RUN_ID_LABEL, unschedulable

    try:
        config.load_kube_config()
    except Exception as err:  # no kubeconfig: the KFP API alone is watched
        log.debug("no kubeconfig (%s): Pending pods are not watched", err)
        return None
    core = client.CoreV1Api()

    def watch() -> Unschedulable | None:
        try:
            pods = core.list_namespaced_pod(namespace, label_selector=f"{RUN_ID_LABEL}={run_id}",
                                            field_selector=PENDING, _request_timeout=10)
        except Exception as err:  # the API may be unreachable from here: not fatal to waiting
            log.debug("listing the run's pods failed: %s", err)
            return None
        return unschedulable(pods.items)
    return watch


def _connect(host: str, namespace: str | None, token: str | None):
    import kfp

    with warnings.catch_warnings():  # "only works with KFP >= 2.0.0-beta.2": 2.17 here
        warnings.filterwarnings("ignore", "This client only works", FutureWarning)
        return kfp.Client(host=host, ui_host=host, namespace=namespace or "kubeflow",
                          existing_token=token)


def compile_for_cluster(profile_name: str, target: str, output: Path,
                        parts: str | None = None) -> Path:
    from pipelines.compile import compile_study

    return compile_study(profile_name, target, output, parts)


def without_cache(package: Path) -> Path:
    """A copy of the compiled ``package`` (``<name>-no-cache.yaml``) with every task's cache
    off, those inside sub-DAGs and loops too: kfp.Client's ``enable_caching`` reaches only the
    root DAG's tasks (kfp 2.17 client/client.py:1783-1786, ``_override_caching_options``)."""
    docs = list(yaml.safe_load_all(package.read_text()))
    spec = docs[0]
    for dag in [spec["root"], *spec.get("components", {}).values()]:
        for task in dag.get("dag", {}).get("tasks", {}).values():
            task["cachingOptions"] = {"enableCache": False}
    copy = package.with_name(f"{package.stem}-no-cache.yaml")
    copy.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return copy


@dataclass(frozen=True)
class StartedRun:
    client: object  # kfp.Client
    run_id: str
    run_name: str  # also the report's folder in the results bucket
    url: str


def start_run(profile_name: str, target: str, host: str, *, data_source: str | None = None,
              parts: str | None = None, namespace: str | None = None, token: str | None = None,
              minio_env: str | None = storage.DEFAULT_ENV_FILE, build_dir: Path = Path("build"),
              pipeline_root: str = PIPELINE_ROOT, cache: bool = True) -> StartedRun:
    """Compile ``profile_name`` for ``target`` and start it on the KFP API at ``host``;
    ``cache=False`` runs every task again (KFP's cache is neither read nor written)."""
    from components.images import CPU_IMAGE, GPU_IMAGE, IMAGE_TAG
    from pipelines.compile import output_path

    profile = load_profile(profile_name)
    package = compile_for_cluster(profile_name, target,
                                  build_dir / output_path(profile_name, target, parts).name, parts)
    if not cache:
        package = without_cache(package)
    run_name = make_run_name(profile.name, IMAGE_TAG)
    arguments = run_arguments(data_source, run_name)
    # shown and compared in the Kubeflow UI; the pipeline was compiled for exactly these
    arguments |= {PROFILE_NAME: profile.name, PARTS: ",".join(parse_parts(parts))}
    arguments = add_data_fingerprint(arguments, package, data_source, minio_env)
    images = CPU_IMAGE + (f" and {GPU_IMAGE}" if target == "gpu" else "")
    if "-dirty-" in IMAGE_TAG or IMAGE_TAG == "dev":
        log.warning("image tag %s: the cluster needs these exact images (make images kind-load, "
                    "or images-push)", IMAGE_TAG)
    log.info("submitting %s (%s, TARGET=%s, images %s) to %s", run_name, package, target, images,
             host)
    quiet = logging.getLogger("urllib3.connectionpool")  # its retry warnings: one line below
    level, quiet.level = quiet.level, logging.ERROR
    try:
        client = _connect(host, namespace, token)
        result = client.create_run_from_pipeline_package(
            str(package), arguments=arguments, run_name=run_name, experiment_name=EXPERIMENT,
                namespace=namespace, pipeline_root=pipeline_root or None)
    except (urllib3.exceptions.HTTPError, OSError) as err:
        raise KfpUnreachable(f"no Kubeflow Pipelines API answers at {host} "
                             f"({type(err).__name__}); start one with `make cluster-up` (the "
                             "local KFP) or `make kind-up`, or point KFP_HOST at your KFP "
                             "UI/API URL") from None
    finally:
        quiet.level = level
    return StartedRun(client, result.run_id, run_name,
                      f"{host.rstrip('/')}/#/runs/details/{result.run_id}")


def submit(profile_name: str, target: str, host: str, *, data_source: str | None = None,
           parts: str | None = None, wait: bool = False, timeout: int = 6 * 3600,
           namespace: str | None = None, token: str | None = None,
           report_dir: Path = Path("report/cluster-runs"),
           minio_env: str | None = storage.DEFAULT_ENV_FILE,
           build_dir: Path = Path("build"), pipeline_root: str = PIPELINE_ROOT,
           cache: bool = True) -> int:
    run = start_run(profile_name, target, host, data_source=data_source, parts=parts,
                    namespace=namespace, token=token, minio_env=minio_env, build_dir=build_dir,
                    pipeline_root=pipeline_root, cache=cache)
    print(f"run {run.run_name}: {run.url}", flush=True)
    if not wait:
        return 0
    state = wait_for_run(run.client, run.run_id, timeout,
                         watch=pending_pods(run.run_id, namespace or "kubeflow"))
    print(f"run {run.run_name} finished: {state}")
    if state != FINISHED_OK:
        return 1
    return download_report(run.run_name, report_dir, minio_env)


def download_report(run_name: str, report_dir: Path, minio_env: str | None) -> int:
    try:
        store = storage.Storage(storage.config_from(minio_env))
        target = store.download_folder(storage.RESULTS_BUCKET, run_name, report_dir / run_name)
    except storage.StorageError as err:
        print(f"the run succeeded but its report could not be downloaded: {err}", file=sys.stderr)
        return 3
    print(f"report: {target / 'index.html'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="tiny")
    parser.add_argument("--target", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--host", default="http://localhost:8080", help="KFP UI/API URL (KFP_HOST)")
    parser.add_argument("--data-dir", default=None,
                        help="s3://datasets (after make data-upload); empty: canonical URLs")
    parser.add_argument("--parts", default=None)
    parser.add_argument("--wait", action="store_true", help="wait, then download the report")
    parser.add_argument("--timeout", type=int, default=6 * 3600, help="seconds to wait")
    parser.add_argument("--namespace", default=None, help="KFP namespace (multi-user installs)")
    parser.add_argument("--minio-env", default=storage.DEFAULT_ENV_FILE)
    parser.add_argument("--pipeline-root", default=PIPELINE_ROOT,
                        help="where the run's artifacts go; '' = the cluster's default")
    parser.add_argument("--no-cache", action="store_true",
                        help="run every task again: KFP's cache is neither read nor written")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        return submit(args.profile, args.target, args.host, data_source=args.data_dir,
                      parts=args.parts, wait=args.wait, timeout=args.timeout,
                      namespace=args.namespace, token=os.environ.get("KFP_TOKEN") or None,
                      minio_env=args.minio_env, pipeline_root=args.pipeline_root,
                      cache=not args.no_cache)
    except (KfpUnreachable, storage.StorageError) as err:  # StorageError: data fingerprint
        print(f"pipeline-submit: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
