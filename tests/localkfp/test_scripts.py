"""The local cluster's shell scripts: shellcheck-clean; the executable ones strict; the shared
library's timed steps and CPU lock."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "localkfp").rglob("*.sh"))


def test_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        missing_tool("shellcheck", "not on PATH", "scripts/install_tools.sh (make tools)")
    assert SCRIPTS
    out = subprocess.run(["shellcheck", "-x", "-P", "SCRIPTDIR", *map(str, SCRIPTS)], capture_output=True,
                         text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout


def test_executable_scripts_are_strict():
    for path in SCRIPTS:
        if path.stat().st_mode & 0o111:
            assert "set -euo pipefail" in path.read_text(), path
            assert subprocess.run(["bash", "-n", str(path)]).returncode == 0, path


def lib(command: str, **env: str) -> subprocess.CompletedProcess:
    """``command`` in bash after sourcing localkfp/lib.sh."""
    return subprocess.run(["bash", "-c", f". localkfp/lib.sh && {command}"], cwd=ROOT, text=True,
                          capture_output=True, env={"PATH": "/usr/bin:/bin", **env}, timeout=60)


def test_step_reports_the_commands_status_and_heavy_waits_for_the_lock(tmp_path):
    if shutil.which("flock") is None:
        missing_tool("flock", "not on PATH", "apt-get install util-linux")
    lock, held = tmp_path / "lock", tmp_path / "held"
    holder = subprocess.Popen(["flock", str(lock), "bash", "-c", f"touch {held}; sleep 2"])
    try:
        while not held.exists():
            time.sleep(0.05)
        out = lib("step demo heavy bash -c 'exit 3'", LOCALKFP_LOCK=str(lock))
    finally:
        holder.wait()
    assert out.returncode == 3
    assert out.stdout.splitlines()[0] == "== demo"
    assert out.stdout.splitlines()[-1].startswith("== demo: ") and "(rc 3)" in out.stdout
    assert f"for the lock {lock}" in out.stderr and "waited" in out.stderr
    unlocked = lib("heavy echo ran")
    assert (unlocked.returncode, unlocked.stdout, unlocked.stderr) == (0, "ran\n", "")
