"""Container tests: a Docker engine, and the CPU image for this commit (built if missing).

Every test here that needs the engine is marked ``container`` and skips, saying why, when
no engine answers; the runner's argument checks (test_runner_args.py) need none.
The image is built with ``make image-cpu``; on a machine without a registry the local
base (``make base-image``) is used when the engine has it. A rebuild after a source change
reuses the engine's cached lock layer (only the project layer is rebuilt).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
LOCAL_BASE = os.environ.get("DIGITSTUDY_TEST_PYTHON_IMAGE", "digitstudy-base:bookworm-py3.11")


def pytest_collection_modifyitems(items):
    """``container``: every test here that needs the engine (directly or through the image)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents and "engine" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.container)


def docker_client_or_reason():
    try:
        import docker

        client = docker.from_env()
        client.ping()
        return client, None
    except Exception as e:  # no docker package, no socket, engine down
        return (
            None,
            f"no Docker engine answers ({type(e).__name__}); start one: docs/cluster.md, 'Images'",
        )


@pytest.fixture(scope="session")
def engine():
    client, reason = docker_client_or_reason()
    if client is None:
        missing_tool("Docker engine", reason, "as root: apt-get install -y docker.io debootstrap; "
                     "dockerd --bridge=none --iptables=false --ip6tables=false &")
    yield client
    client.close()


@pytest.fixture(scope="session")
def cpu_image(engine) -> str:
    """The tag the compiled pipeline names (components.images), built now if missing."""
    import docker

    from components import images

    try:
        engine.images.get(images.CPU_IMAGE)
        return images.CPU_IMAGE
    except docker.errors.ImageNotFound:
        pass
    base = []
    try:
        engine.images.get(LOCAL_BASE)
        base = [f"PYTHON_IMAGE={LOCAL_BASE}"]
    except docker.errors.ImageNotFound:
        pass  # the Dockerfile's default: the official python image, from a registry
    done = subprocess.run(["make", "image-cpu", *base, f"CPU_IMAGE={images.CPU_IMAGE}"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, (
        f"make image-cpu failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return images.CPU_IMAGE


@pytest.fixture(scope="session")
def docker_run(cpu_image):
    """``docker run --rm --network none <cpu image> ...`` (these checks need no network)."""

    def run(*command: str, args: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "run", "--rm", "--network", "none", *args, cpu_image,
                               *command],
                              capture_output=True, text=True, timeout=600)

    return run
