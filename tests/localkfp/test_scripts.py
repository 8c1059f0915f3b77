"""Every shell script of the local cluster (localkfp/**/*.sh): shellcheck-clean, strict, executable."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "localkfp").rglob("*.sh"))


def test_localkfp_scripts_pass_shellcheck():
    if shutil.which("shellcheck") is None:
        missing_tool("shellcheck", "not on PATH", "scripts/install_tools.sh (make tools)")
    assert SCRIPTS
    out = subprocess.run(["shellcheck", "-x", *map(str, SCRIPTS)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def test_localkfp_scripts_are_strict_and_executable():
    for path in SCRIPTS:
        name = path.relative_to(ROOT)
        assert path.stat().st_mode & 0o111, f"{name} is not executable"
        assert "set -euo pipefail" in path.read_text(), name
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0, name
