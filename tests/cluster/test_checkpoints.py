"""digitstudy.checkpoints: a local folder mirrored to a real SeaweedFS, generation by generation."""

from __future__ import annotations

import pytest

from digitstudy import checkpoints, storage

pytestmark = pytest.mark.objectstore


def env_for(server, run="run-1"):
    return {**server.weed.env(), checkpoints.STORE_ENV: "s3://checkpoints/ck",
            checkpoints.RUN_ENV: run}


@pytest.fixture
def server(s3_server):
    storage.Storage(s3_server.config()).ensure_buckets([storage.CHECKPOINTS_BUCKET])
    return s3_server


def test_without_a_store_only_the_local_folder_is_used(tmp_path):
    store = checkpoints.for_task(tmp_path / "ckpt", "gan-abc", env={})
    assert store.remote is None and store.local == tmp_path / "ckpt"
    assert store.pull() is False
    store.push()  # no-op
    store.clear()


def test_a_store_without_minio_settings_falls_back_to_the_local_folder(tmp_path, caplog):
    env = {checkpoints.STORE_ENV: "s3://checkpoints", checkpoints.RUN_ENV: "run-1"}
    store = checkpoints.for_task(tmp_path / "ckpt", "gan-abc", env=env)
    assert store.remote is None and "a retried pod starts over" in caplog.text


def test_a_store_without_the_run_identity_is_refused(server, tmp_path):
    env = env_for(server, run="")
    with pytest.raises(storage.ConfigMissing, match="DIGITSTUDY_RUN is empty"):
        checkpoints.for_task(tmp_path / "ckpt", "gan-abc", env=env)


def test_push_pull_keeps_only_the_newest_complete_generation(server, tmp_path, sleeps):
    env = env_for(server, run=f"run-{tmp_path.name[-12:]}")
    first = checkpoints.for_task(tmp_path / "pod-1", "gan-abc", env=env)
    assert first.remote.uri == f"s3://checkpoints/ck/{env[checkpoints.RUN_ENV]}/gan-abc/"
    first.local.mkdir()
    (first.local / "state.npz").write_bytes(b"epoch 1")
    first.push_if_changed()
    first.push_if_changed()  # unchanged: no new generation
    assert first.remote.generations() == ([1], [1])
    (first.local / "state.npz").write_bytes(b"epoch 2")
    first.push_if_changed()
    assert first.remote.generations() == ([2], [2])  # generation 1 dropped after 2 completed

    # the next generation's upload dies: generation 2 stays whole and is what a retry gets
    real = first.remote.store.client.fput_object

    def dies(bucket, key, path, *a, **k):
        raise OSError("connection reset: pod killed")

    first.remote.store.client.fput_object = dies
    (first.local / "state.npz").write_bytes(b"epoch 3")
    with pytest.raises(storage.EndpointUnreachable):
        first.push()
    first.remote.store.client.fput_object = real
    complete, every = first.remote.generations()
    assert complete == [2]

    retry = checkpoints.for_task(tmp_path / "pod-2", "gan-abc", env=env)
    assert retry.pull() is True
    assert (retry.local / "state.npz").read_bytes() == b"epoch 2"
    other_inputs = checkpoints.for_task(tmp_path / "pod-3", "gan-def", env=env)
    assert other_inputs.pull() is False  # another key never resumes this checkpoint
    retry.clear()
    assert not retry.local.exists() and retry.remote.generations() == ([], [])
