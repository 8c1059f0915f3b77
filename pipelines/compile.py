"""``make pipeline-compile``: the study pipeline as KFP IR YAML (loads back with kfp)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kfp import compiler

from digitstudy.config import load_profile
from pipelines.arguments import pipeline_arguments


def compile_study(profile_name: str, target: str, output: Path) -> Path:
    os.environ["DIGITSTUDY_TARGET"] = target  # read by pipelines.placement at import
    from pipelines import placement
    from pipelines.study import build_study

    placement.TARGET = target
    profile = load_profile(profile_name)
    defaults = pipeline_arguments(profile, None, None, run_id="")
    output.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(build_study(profile.pipeline.parallelism), str(output),
                                pipeline_parameters=defaults)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", default="tiny")
    parser.add_argument("--target", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    out = args.output or Path("build") / f"digitstudy-{args.profile}-{args.target}.yaml"
    from pipelines import placement  # cluster placement of the target (requests, GPU, secrets)

    with placement.configured(args.target, load_profile(args.profile).cluster):
        print(compile_study(args.profile, args.target, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
