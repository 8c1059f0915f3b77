"""A watched kfp.local run: counter lines, stop on failure, Ctrl-C ends the steps; each with
steps started cold and forked from a warm interpreter (pipelines/local/warm_python.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("watched_pipeline.py")


STARTS = pytest.mark.parametrize("start", ["cold", "warm"])


def _start(mode: str, out: Path, start: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, str(SCRIPT), mode, str(out), start], cwd=out.parent,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed step whose parent is gone waits for init to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _run(mode: str, out: Path, start: str) -> tuple[int, list[str]]:
    proc = _start(mode, out, start)
    stdout, _ = proc.communicate(timeout=240)
    return proc.returncode, stdout.strip().splitlines()


@STARTS
def test_a_quiet_run_shows_a_counter_epochs_and_each_warning_once(tmp_path, start):
    code, lines = _run("ok", tmp_path / "out", start)
    assert code == 0, lines
    assert lines[0].startswith("running 4 tasks")
    done = [ln for ln in lines if " done in " in ln]
    assert [ln.split()[0] for ln in done] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert sum("epoch 1/2" in ln for ln in lines) == 4
    assert sum("the same warning from every step" in ln for ln in lines) == 1
    assert not any("Executor" in ln or "executor_input" in ln for ln in lines)
    run = tmp_path / "out" / "run"
    logs = sorted(p.name for p in (run / "logs").iterdir())
    assert logs == ["run.log", "step-1.log", "step-2.log", "step-3.log", "step-4.log"]
    log = (run / "logs" / "step-3.log").read_text()
    assert "Got executor_input" in log  # the full log
    # forked steps saw the warm interpreter's preloads; both kinds lead their own group and
    # write temp files in the run folder
    assert f"step[3] preloaded={start == 'warm'} own-group=True tmp={run / 'tmp'}" in log
    assert not (run / "tmp").exists()  # mktemp -d folders of the steps went with it


def test_many_forked_steps_at_a_time_all_succeed(tmp_path):
    """Each forked step's exit code is read once (pipelines/local/warm_python.py WarmTask.wait)."""
    code, lines = _run("many", tmp_path / "out", "warm")
    assert code == 0, lines[-20:]
    assert sum(" done in " in ln for ln in lines) == 24


@STARTS
def test_a_failed_step_stops_new_work_and_the_last_lines_say_what_and_where(tmp_path, start):
    code, lines = _run("fail", tmp_path / "out", start)
    assert code == 1
    assert sum(" started" in ln for ln in lines) == 2  # items 3 and 4 never start
    assert lines[-4] == "FAILED: step step[2]"
    assert lines[-3] == "  cause: ValueError: /data/user/2_bad.wav: not a readable audio file"
    log = Path(lines[-2].split("  full log: ", 1)[1])
    assert log.name == "step-2.log"
    assert "Traceback" in (log if log.is_absolute() else tmp_path / log).read_text()
    assert (tmp_path / "out" / "run" / "RUN_STATE").read_text().startswith("failed")


@STARTS
def test_sigint_ends_the_run_and_its_steps_within_seconds(tmp_path, start):
    out = tmp_path / "out"
    proc = _start("sleep", out, start)
    deadline = time.time() + 120
    while not (out / "pid").is_file() or not (out / "pid").read_text():
        assert time.time() < deadline and proc.poll() is None, "the sleeping step never started"
        time.sleep(0.2)
    time.sleep(1)
    step_pid = int((out / "pid").read_text())
    t0 = time.perf_counter()
    proc.send_signal(signal.SIGINT)  # what Ctrl-C sends the run (its steps have their own groups)
    stdout, _ = proc.communicate(timeout=30)
    stopped_in = time.perf_counter() - t0
    assert proc.returncode == 130, stdout
    assert stopped_in < 15
    assert "interrupted" in stdout.strip().splitlines()[-1]
    assert not _running(step_pid), "the running step was left behind"
    assert "sleeper started" in stdout and "step started" not in stdout  # nothing new started
    assert (out / "run" / "RUN_STATE").read_text().startswith("interrupted")
    assert not (out / "run" / "tmp").exists()
