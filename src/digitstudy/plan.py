"""Which tasks a run has: the profile's grids, restricted to the selected parts.

The pipeline fans out over these lists (``dsl.ParallelFor``); a part that is not
selected gets empty lists, so its tasks never start. Parts are a runtime parameter,
so a cluster run can select them just like ``make run PARTS=...``.
"""

from __future__ import annotations

from digitstudy.config import Profile

ALL_PARTS = ("p1", "p2", "p3", "p4a", "p4b")
# Parts this version of the pipeline can run (the others are later work).
IMPLEMENTED_PARTS = ("p1", "p2", "p4a", "p4b")
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


# Which parts read each derived dataset.
STEP_PARTS = {"mfcc-features": ("p1",), "spectrogram-images": ("p4b",),
              "reduced-mnist": ("p2", "p3")}


def dataset_needed(parts: str | list[str], dataset: str) -> bool:
    """Whether a selected part reads the raw ``dataset`` (fsdd, mnist)."""
    return any(PART_DATASETS[p] == dataset for p in parse_parts(parts))


def step_needed(parts: str | list[str], step: str) -> bool:
    """Whether a selected part reads the output of the data step ``step``."""
    return bool(set(parse_parts(parts)) & set(STEP_PARTS[step]))


def plan_study(profile: Profile, parts: str | list[str]) -> dict:
    """Task lists per fan-out and the datasets needed, for the selected parts."""
    selected = parse_parts(parts)
    p1, p2, p4a, p4b = profile.p1, profile.p2, profile.p4a, profile.p4b

    def when(part: str, items: list[dict], placeholder: dict) -> list[dict]:
        # A part that is not selected gets one item marked skip (its task writes a SKIPPED
        # marker and returns): an empty dsl.ParallelFor breaks dsl.Collected in kfp.local.
        if part in selected:
            return [{**item, "skip": False} for item in items]
        return [{**placeholder, "skip": True}]

    return {
        "parts": selected,
        "p1_baseline": when("p1", [{"seed": s} for s in p1.seeds], {"seed": 0}),
        "p1_autoencoder": when("p1", [{"bottleneck": b, "seed": s}
                                      for b in p1.autoencoder.bottleneck_dims for s in p1.seeds],
                               {"bottleneck": 0, "seed": 0}),
        "p1_utterance": when("p1", [{"seed": s} for s in p1.seeds], {"seed": 0}),
        "p2_augment": when("p2", [{"real_size": r} for r in p2.real_sizes], {"real_size": 0}),
        "p2_cells": when("p2", [{"real_size": r, "generated": g, "seed": s} for r in p2.real_sizes
                                for g in p2.generated_counts for s in p2.seeds],
                         {"real_size": 0, "generated": 0, "seed": 0}),
        "p4a_models": when("p4a", [{"model": m, "seed": s} for m in p4a.models for s in p4a.seeds],
                           {"model": "", "seed": 0}),
        "p4b_models": when("p4b", [{"model": m, "seed": s} for m in p4b.models for s in p4b.seeds],
                           {"model": "", "seed": 0}),
    }
