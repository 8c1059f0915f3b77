"""Split one resolved dependency set into the runtime lock and the dev lock.

    python scripts/split_lock.py [--check]

The resolution is the union of requirements.lock and requirements-dev.lock, installed in
the running environment (``make setup``; after adding a dependency, ``pip install`` it and
add its pin to either file). The runtime lock is the closure of pyproject's
[project.dependencies] over that set (what the images install); the dev lock is ``-r
requirements.lock`` plus every other pin (the dev extra and what it pulls in), so both
files share each version. A pin whose environment marker does not hold here (e.g.
``tensorflow`` on aarch64) cannot be walked from this machine's metadata: it is kept as
written. ``--check`` exits 1 when the files differ from what this would write.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME, DEV = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
HEADERS = {
    RUNTIME: "# Runtime pins (what the images install): the closure of pyproject's dependencies.\n"
             "# Generated with requirements-dev.lock from one resolution: "
             "python scripts/split_lock.py\n",
    DEV: "# Dev pins: the runtime lock plus the dev and jax extras and their dependencies "
         "(make setup).\n"
         "# Generated with requirements.lock from one resolution: python scripts/split_lock.py\n"
         "-r requirements.lock\n",
}


def read_pins(path: Path) -> dict[str, Requirement]:
    pins = {}
    for number, line in enumerate(path.read_text().splitlines(), 1) if path.exists() else ():
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-r ")):
            continue
        req = Requirement(line)
        if len(req.specifier) != 1 or next(iter(req.specifier)).operator != "==":
            raise SystemExit(f"{path.name}:{number}: {line!r} is not an exact name==version pin")
        pins[canonicalize_name(req.name)] = req
    return pins


def applies(req: Requirement, extras: tuple[str, ...] = ("",)) -> bool:
    return req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras)


def closure(roots: list[Requirement], pins: dict[str, Requirement]) -> set[str]:
    """Names reachable from ``roots`` through installed metadata, checked against ``pins``."""
    seen: set[str] = set()
    walked: set[tuple[str, tuple[str, ...]]] = set()
    todo = [(r, ("",)) for r in roots]
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if not applies(req, extras):
            continue
        if name not in pins:
            raise SystemExit(f"{req.name} (needed as {req}) has no pin in the locks")
        installed = metadata.version(name)
        if pins[name].specifier and not pins[name].specifier.contains(installed, prereleases=True):
            raise SystemExit(f"{name}: {installed} installed, the lock says {pins[name].specifier};"
                             " install the locks first (make setup)")
        key_extras = tuple(sorted(req.extras)) or ("",)
        seen.add(name)
        if (name, key_extras) in walked:
            continue
        walked.add((name, key_extras))
        for dep in metadata.requires(name) or []:
            todo.append((Requirement(dep), key_extras))
    return seen


def render(path: Path, reqs: list[Requirement]) -> str:
    return HEADERS[path] + "".join(
        f"{r}\n" for r in sorted(reqs, key=lambda r: canonicalize_name(r.name))
    )


def split() -> dict[Path, str]:
    pins = {**read_pins(DEV), **read_pins(RUNTIME)}
    foreign = {n for n, r in pins.items() if not applies(r)}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    roots = [Requirement(d) for d in project["dependencies"]]
    runtime = closure(roots, pins) | {n for n in foreign if n in read_pins(RUNTIME)}
    return {RUNTIME: render(RUNTIME, [pins[n] for n in runtime]),
            DEV: render(DEV, [pins[n] for n in pins.keys() - runtime])}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the files")
    args = parser.parse_args(argv)
    stale = [p.name for p, text in split().items() if not p.exists() or p.read_text() != text]
    if args.check:
        for name in stale:
            print(f"split_lock: {name} is not what scripts/split_lock.py writes", file=sys.stderr)
        return 1 if stale else 0
    for path, text in split().items():
        path.write_text(text)
    print(f"split_lock: wrote {RUNTIME.name} and {DEV.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
