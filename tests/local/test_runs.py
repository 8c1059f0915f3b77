"""Run folders: state markers and pruning to the newest N (make clean-runs KEEP=N)."""

from __future__ import annotations

import os

import pytest

from pipelines.local.runs import RunFolder, main, prune


def _runs(folder, n):
    for i in range(n):
        path = folder / f"tiny-2026010{i}"
        path.mkdir(parents=True)
        os.utime(path, (1000 + i, 1000 + i))
    return folder


def test_prune_keeps_the_newest(tmp_path):
    folder = _runs(tmp_path / "local_outputs", 5)
    (folder / ".kfp_cache").mkdir()
    gone = prune(folder, 2)
    assert [p.name for p in gone] == ["tiny-20260100", "tiny-20260101", "tiny-20260102"]
    assert sorted(p.name for p in folder.iterdir()) == [".kfp_cache", "tiny-20260103",
                                                        "tiny-20260104"]
    assert prune(folder, 0) and not any(p for p in folder.iterdir() if not p.name.startswith("."))


def test_clean_runs_cli_prunes_every_folder_and_tolerates_missing_ones(tmp_path, capsys):
    a, b = _runs(tmp_path / "a", 3), _runs(tmp_path / "b", 1)
    assert main(["--keep", "1", str(a), str(b), str(tmp_path / "missing")]) == 0
    assert len(list(a.iterdir())) == 1 and len(list(b.iterdir())) == 1
    assert "removed 2 run(s), kept 1" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--keep", "-1", str(a)])


def test_run_folder_states(tmp_path):
    run = RunFolder.create(tmp_path, "tiny-x")
    assert run.state == "running" and run.logs.is_dir() and run.tmp.is_dir()
    run.mark("failed", "fetch-fsdd: FsddError: ...")
    assert run.state == "failed"
    run.drop_tmp()
    assert not run.tmp.exists()
    with pytest.raises(ValueError):
        run.mark("done")
