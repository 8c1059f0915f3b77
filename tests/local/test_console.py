"""The console filter: per-task logs, epoch lines shown, warnings once, the cause line."""

import io
import threading

from pipelines.local.console import TaskConsole, failure_cause


def _console(tmp_path, verbose=False):
    term = io.StringIO()
    return term, TaskConsole(term, tmp_path / "logs", total=3, verbose=verbose)


def test_lines_go_to_the_writing_tasks_log_and_only_progress_reaches_the_terminal(tmp_path):
    term, console = _console(tmp_path)

    def task(name, n):
        state = console.task_started(name)
        console.write('[KFP Executor 2026-01-01 10:00:00,000 INFO]: Got executor_input:\n'
                      '{\n  "x": 1\n}\n')
        console.write(f"[KFP Executor 2026-01-01 10:00:00,000 INFO]: {name} epoch 1/{n} loss=1\n")
        console.write("[KFP Executor 2026-01-01 10:00:00,000 WARNING]: slow disk 12 ms\n")
        console.write("part of a line ")  # a line written in pieces stays one line
        console.write("and its end\n")
        console.task_finished(state, ok=True, detail="test acc 0.900")

    threads = [threading.Thread(target=task, args=(f"t{i}", i + 1)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    console.close()
    shown = term.getvalue().splitlines()
    assert sorted(ln.strip() for ln in shown if "epoch" in ln) == \
        ["t0 epoch 1/1 loss=1", "t1 epoch 1/2 loss=1", "t2 epoch 1/3 loss=1"]
    assert sum("slow disk" in ln for ln in shown) == 1  # digits differ only: one warning
    assert {ln.split()[0] for ln in shown if " done in " in ln} == {"[1/3]", "[2/3]", "[3/3]"}
    assert not any("executor_input" in ln or "part of a line" in ln for ln in shown)
    log = (tmp_path / "logs" / "t1.log").read_text()
    assert (
        "Got executor_input" in log
        and "part of a line and its end" in log
        and "t0 epoch" not in log
    )


def test_verbose_passes_everything(tmp_path):
    term, console = _console(tmp_path, verbose=True)
    console.write("Got executor_input:\n")
    assert "Got executor_input" in term.getvalue()


def test_the_cause_is_the_last_exception_line(tmp_path):
    log = tmp_path / "x.log"
    log.write_text("Traceback (most recent call last):\n  File \"a.py\", line 1\n"
                   "digitstudy.data.fsdd.FsddError: /data/fsdd/recordings/3_x_1.wav: empty file (0 "
                   "bytes)\n"
                   "11:00:00.000 - ERROR - Task 'fetch-fsdd' finished with status FAILURE\n")
    assert failure_cause(log) == "FsddError: /data/fsdd/recordings/3_x_1.wav: empty file (0 bytes)"
    log.write_text("some last words\n")
    assert failure_cause(log) == "some last words"
