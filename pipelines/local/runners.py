"""How a local run executes each task: in this virtualenv, or in the project's image.

``subprocess`` (the default): ``kfp.local.SubprocessRunner``, every component a subprocess of
this venv. ``docker``: ``kfp.local.DockerRunner``, every component in the image the compiled
pipeline names (``components.images``: the image built for this commit by ``make image-cpu``),
with host networking (these engines have no bridge), ``DATA_DIR`` bind-mounted read-only at
the same path (pipeline arguments carry host paths), and the pipeline root, which kfp.local
bind-mounts read-write at the same path (kfp/local/docker_task_handler.py:42-76), writable by
the container's user: the image's uid 1000 when root runs make (the root is chowned to it),
otherwise the caller's own uid:gid, so outputs stay the caller's.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from kfp import local

from digitstudy.errors import UserError

RUNNERS = ("subprocess", "docker")
IMAGE_UID = 1000  # images/add_app_user.sh; the Dockerfiles' USER 1000:1000


class RunnerError(UserError):
    """The requested runner cannot start: says what to do instead (make run prints it
    without a traceback, as every UserError)."""


@dataclass(frozen=True)
class LocalRunner:
    runner: local.SubprocessRunner | local.DockerRunner
    description: str  # one line for the run's output: what executed the tasks


def docker_client():
    """A client of the local engine, or RunnerError saying that none answers."""
    try:
        import docker

        client = docker.from_env()
        client.ping()
        return client
    except Exception as e:  # docker missing, no socket, engine not running
        raise RunnerError(
            f"RUNNER=docker: no Docker engine answers ({type(e).__name__}: {e}). Start one as in "
            "docs/cluster.md ('Images'): dockerd --bridge=none --iptables=false --ip6tables=false"
        ) from e


def local_image(client, image: str):
    """The image from the local engine. Never pulled: kfp.local would otherwise pull it
    (kfp/local/docker_task_handler.py:121-134), and the registry is not reachable here."""
    import docker

    try:
        return client.images.get(image)
    except docker.errors.ImageNotFound:
        raise RunnerError(
            f"RUNNER=docker: image {image} is not in the local engine. Build it for this commit: "
            "make image-cpu (offline: make base-image, then make image-cpu "
            "PYTHON_IMAGE=digitstudy-base:bookworm-py3.11)") from None


def data_mount(data_dir: str | Path | None, user: str) -> list:
    """DATA_DIR read-only at its own absolute path (s3:// and canonical downloads: nothing).
    Only the mounted folder's own modes count in the container (docker creates its parents),
    so a folder another uid cannot list (pytest's and mktemp's are 0700) fails every task."""
    from docker.types import Mount

    if not data_dir or str(data_dir).startswith("s3://"):
        return []
    path = Path(data_dir).resolve()
    if not path.is_dir():
        raise RunnerError(f"DATA_DIR={data_dir}: no such folder ({path})")
    uid = int(user.split(":")[0])
    closed = [d for d in (path, *path.glob("*/"), *path.glob("*/*/"))
              if d.is_dir() and d.stat().st_uid != uid and d.stat().st_mode & 0o005 != 0o005]
    if closed:
        raise RunnerError(f"DATA_DIR={data_dir}: {closed[0]} is not readable by the containers' "
                          f"uid {uid} (mode {closed[0].stat().st_mode & 0o777:o}); chmod o+rx it")
    return [Mount(target=str(path), source=str(path), type="bind", read_only=True)]


def container_user(pipeline_root: Path) -> str:
    """uid:gid the containers run as; makes the pipeline root writable for it."""
    pipeline_root.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return f"{os.getuid()}:{os.getgid()}"
    if pipeline_root.stat().st_uid == 0:
        os.chown(pipeline_root, IMAGE_UID, IMAGE_UID)
    return f"{IMAGE_UID}:{IMAGE_UID}"


def make_runner(kind: str, pipeline_root: Path, data_dir: str | Path | None = None,
                image: str | None = None, **container_args) -> LocalRunner:
    """The kfp.local runner for ``kind``. ``container_args`` go to ``docker run`` (e.g.
    ``read_only=True, tmpfs={"/tmp": ""}``) and override the defaults; with ``user`` the
    caller makes the pipeline root writable for that uid."""
    if kind == "subprocess":
        return LocalRunner(local.SubprocessRunner(use_venv=False),
                           f"subprocess runner (this virtualenv's python, {sys.executable})")
    if kind != "docker":
        raise RunnerError(f"runner {kind!r}: expected one of {', '.join(RUNNERS)}")
    if image is None:
        from components import images

        image = images.CPU_IMAGE
    client = docker_client()
    try:
        found = local_image(client, image)
    finally:
        client.close()
    user = container_args.pop("user", None) or container_user(pipeline_root)
    args = {"network_mode": "host", "mounts": data_mount(data_dir, user), "user": user,
            **container_args}
    description = (
        f"docker runner: image {image} ({found.short_id}), user {args['user']}, "
        + (f"data {Path(data_dir).resolve()} read-only" if args["mounts"] else "no data mount")
        + f", network {args['network_mode']}"
    )
    return LocalRunner(local.DockerRunner(**args), description)
