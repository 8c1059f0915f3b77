"""Which tasks a run has: the profile's grids, restricted to the selected parts.

The pipeline fans out over these lists (``dsl.ParallelFor``); a part that is not
selected gets empty lists, so its tasks never start. Parts are a runtime parameter,
so a cluster run can select them just like ``make run PARTS=...``.
"""

from __future__ import annotations

from digitstudy.config import Profile

ALL_PARTS = ("p1", "p2", "p3", "p4a", "p4b")
# Parts this version of the pipeline can run (the others are later work).
IMPLEMENTED_PARTS = ("p1",)
# Which raw datasets each part reads.
PART_DATASETS = {"p1": "fsdd", "p2": "mnist", "p3": "mnist", "p4a": "mnist", "p4b": "fsdd"}


def parse_parts(parts: str | list[str]) -> list[str]:
    """``"p1,p2"`` (or a list) -> validated, de-duplicated parts in study order."""
    items = parts.split(",") if isinstance(parts, str) else list(parts)
    chosen = {p.strip() for p in items if p.strip()}
    if not chosen:
        raise ValueError(f"no parts selected (PARTS={parts!r}); choose from {', '.join(ALL_PARTS)}")
    unknown = sorted(chosen - set(ALL_PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {unknown} in PARTS={parts!r}; known: {', '.join(ALL_PARTS)}")
    missing = sorted(chosen - set(IMPLEMENTED_PARTS))
    if missing:
        raise ValueError(f"part(s) {missing} are not implemented in this version "
                         f"(implemented: {', '.join(IMPLEMENTED_PARTS)})")
    return [p for p in ALL_PARTS if p in chosen]


def dataset_needed(parts: str | list[str], dataset: str, only: tuple[str, ...] | None = None) -> bool:
    """Whether a selected part (optionally: one of ``only``) reads ``dataset``."""
    selected = parse_parts(parts)
    return any(PART_DATASETS[p] == dataset and (only is None or p in only) for p in selected)


def plan_study(profile: Profile, parts: str | list[str]) -> dict:
    """Task lists per fan-out and the datasets needed, for the selected parts."""
    selected = parse_parts(parts)
    p1 = profile.p1
    on = "p1" in selected
    plan = {
        "parts": selected,
        "p1_baseline": [{"seed": s} for s in p1.seeds] if on else [],
        "p1_autoencoder": [{"bottleneck": b, "seed": s} for b in p1.autoencoder.bottleneck_dims
                           for s in p1.seeds] if on else [],
        "p1_utterance": [{"seed": s} for s in p1.seeds] if on else [],
    }
    return plan
