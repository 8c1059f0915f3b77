"""Which tasks a run has: the profile's grids, restricted to the selected parts.

The pipeline fans out over these lists (``dsl.ParallelFor``); a part that is not
selected gets empty lists, so its tasks never start. Parts are a runtime parameter,
so a cluster run can select them just like ``make run PARTS=...``.
"""

from __future__ import annotations

from digitstudy.config import Profile

ALL_PARTS = ("p1", "p2", "p3", "p4a", "p4b")
# Parts this version of the pipeline can run (the others are later work).
IMPLEMENTED_PARTS = ALL_PARTS
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
    p1, p2, p3, p4a, p4b = profile.p1, profile.p2, profile.p3, profile.p4a, profile.p4b
    # augmented pools: Table 3's real sizes, and the proposed pipeline's (section 3.4)
    augment_sizes = sorted(set(p2.real_sizes if "p2" in selected else [])
                           | ({p3.proposed.real_size} if "p3" in selected else set()))

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
        "augment": [{"real_size": r, "skip": False} for r in augment_sizes]
        or [{"real_size": 0, "skip": True}],
        "p2_cells": when("p2", [{"real_size": r, "generated": g, "seed": s} for r in p2.real_sizes
                                for g in p2.generated_counts for s in p2.seeds],
                         {"real_size": 0, "generated": 0, "seed": 0}),
        "p3_gans": when("p3", [{"train_set": t} for t in p3.train_sets], {"train_set": ""}),
        "p3_proposed_gan": when("p3", [{"train_set": "proposed"}], {"train_set": ""}),
        "p3_cells": when("p3", [{"real_size": r, "synthetic_count": k, "gan_kind": kind, "seed": s}
                                for r in p3.real_sizes for k in p3.synthetic_counts
                                for kind in (("specific", "full") if k else ("specific",))
                                for s in p3.seeds],
                         {"real_size": 0, "synthetic_count": 0, "gan_kind": "", "seed": 0}),
        "p3_proposed_cells": when("p3", [{"synthetic_count": k, "seed": s}
                                         for k in p3.synthetic_counts for s in p3.seeds],
                                  {"synthetic_count": 0, "seed": 0}),
        "p4a_models": when("p4a", [{"model": m, "seed": s} for m in p4a.models for s in p4a.seeds],
                           {"model": "", "seed": 0}),
        "p4b_models": when("p4b", [{"model": m, "seed": s} for m in p4b.models for s in p4b.seeds],
                           {"model": "", "seed": 0}),
    }
