"""``make pipeline-compile``: the study pipeline as KFP IR YAML (loads back with kfp)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kfp import compiler

from digitstudy.config import load_profile
from digitstudy.plan import parse_parts
from pipelines.placement import Placement
from pipelines.study import build_study


def output_path(profile_name: str, target: str, parts: str | None) -> Path:
    """``build/digitstudy-<profile>[-<parts>]-<target>.yaml``; a profile given as a path is
    named by its file's stem."""
    stem = Path(profile_name).stem if profile_name.endswith((".yaml", ".yml")) else profile_name
    chosen = parse_parts(parts)
    suffix = "" if parts in (None, "") else "-" + "-".join(chosen)
    return Path("build") / f"digitstudy-{stem}{suffix}-{target}.yaml"


def compile_study(profile_name: str, target: str, output: Path, parts: str | None = None) -> Path:
    profile = load_profile(profile_name)
    placement = Placement.for_cluster(target, profile.cluster)
    output.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(build_study(profile, parts, placement), str(output))
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="tiny")
    parser.add_argument("--target", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--parts", default=None, help="comma list, default: every part")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.output or output_path(args.profile, args.target, args.parts)
    print(compile_study(args.profile, args.target, out, args.parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
