"""``python -m digitstudy``: list the steps, run one by hand (to rerun or debug it), or
check a run's inputs first (``python -m digitstudy preflight --parts p1 --data-dir DIR``)."""

from __future__ import annotations

import argparse
import sys

from digitstudy.errors import UserError
from digitstudy.logs import setup_logging
from digitstudy.runner import run_step
from digitstudy.steps import LIST_INPUTS, STEPS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="digitstudy", description=__doc__)
    sub = parser.add_subparsers(dest="step", required=True, metavar="STEP")
    sub.add_parser("list", help="list the steps")
    sub.add_parser("preflight", help="check profile, PARTS and data before a run", add_help=False)
    for step in STEPS.values():
        p = sub.add_parser(step.name, help=step.help, description=step.help)
        p.add_argument("--profile", default="tiny", help="tiny, paper or a YAML path")
        for name in step.inputs:
            nargs = "+" if name in LIST_INPUTS else None
            p.add_argument(f"--{name}", required=True, nargs=nargs, help="input directory")
        for name in step.outputs:
            p.add_argument(f"--{name}", required=True, help="output directory")
        for name, kind in step.params.items():
            p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, required=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    setup_logging()
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    except UserError as err:  # the user's to fix: one paragraph, no traceback
        print(f"error: {err}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    if argv[:1] == ["preflight"]:
        from digitstudy.preflight import main as preflight_main

        return preflight_main(argv[1:])
    args = vars(build_parser().parse_args(argv))
    name = args.pop("step")
    if name == "list":
        width = max(len(n) for n in STEPS)
        for step in STEPS.values():
            print(f"{step.name:<{width}}  {step.help}")
        return 0
    profile = args.pop("profile")
    result = run_step(name, profile, **args)
    if result is not None and hasattr(result, "metrics"):
        print(result.metrics)
    return 0


if __name__ == "__main__":
    sys.exit(main())
