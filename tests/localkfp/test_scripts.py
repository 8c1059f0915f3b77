"""The local cluster's shell scripts: shellcheck-clean; the executable ones strict."""

from __future__ import annotations

import shutil
import subprocess
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
