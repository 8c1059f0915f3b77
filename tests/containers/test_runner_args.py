"""pipelines/local/runners.py's checks before any container starts (no engine needed, except the
missing-image case)."""

from __future__ import annotations

import os

import pytest
from kfp import local

from digitstudy.errors import UserError
from pipelines.local.runners import IMAGE_UID, RunnerError, container_user, data_mount, make_runner


def test_data_dir_is_mounted_read_only_at_its_own_path(tmp_path):
    (tmp_path / "fsdd").mkdir()
    tmp_path.chmod(0o755)
    mount, = data_mount(tmp_path, f"{os.getuid()}:{os.getgid()}")
    assert mount["Source"] == mount["Target"] == str(tmp_path.resolve())
    assert mount["ReadOnly"] is True and mount["Type"] == "bind"
    assert data_mount("s3://datasets", "1000:1000") == [] and data_mount(None, "1000:1000") == []


def test_missing_data_dir_is_named(tmp_path):
    with pytest.raises(RunnerError, match=r"DATA_DIR=.*nope: no such folder"):
        data_mount(tmp_path / "nope", "1000:1000")


def test_a_folder_the_container_uid_cannot_list_is_named(tmp_path):
    inner = tmp_path / "fsdd"
    inner.mkdir()
    tmp_path.chmod(0o755)
    inner.chmod(0o700)
    with pytest.raises(RunnerError,
                       match=r"fsdd is not readable by the containers' uid 54321 \(mode 700\); "
                             r"chmod o\+rx"):
        data_mount(tmp_path, "54321:54321")


@pytest.mark.skipif(os.geteuid() != 0,
                    reason="as a non-root caller the containers run as the caller's uid")
def test_root_caller_runs_containers_as_the_image_uid_and_hands_it_the_pipeline_root(tmp_path):
    root = tmp_path / "outputs"
    assert container_user(root) == f"{IMAGE_UID}:{IMAGE_UID}"
    assert root.stat().st_uid == IMAGE_UID


def test_runner_names(tmp_path):
    assert isinstance(make_runner("subprocess", tmp_path).runner, local.SubprocessRunner)
    with pytest.raises(RunnerError, match="runner 'podman': expected one of subprocess, docker"):
        make_runner("podman", tmp_path)


def test_a_missing_image_is_an_error_not_a_pull(engine, tmp_path):
    with pytest.raises(RunnerError,
                       match=r"image digitstudy-no-such:1 is not in the local engine.*make "
                             r"image-cpu") as err:
        make_runner("docker", tmp_path, image="digitstudy-no-such:1")
    assert isinstance(err.value, UserError)  # make run prints it as one line, exit 2, no traceback
