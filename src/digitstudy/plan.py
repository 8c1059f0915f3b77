"""Which tasks a run has: the profile's grids for the selected parts, fixed when the DAG is built.

The plan is plain data: the DAG builder (``pipelines/study.py``) turns each list into a
``dsl.ParallelFor`` over static items compiled into the YAML, and creates no task for a part
that is not selected. Loop items are dicts of ints or plain lists (KFP types the fields of a
static dict item by its first value, kfp/dsl/for_loop.py ``_get_first_element_type``), so a
grid over a string axis (models, GAN training sets) is its own loop level.
"""

from __future__ import annotations

from dataclasses import dataclass

from digitstudy.config import Profile
from digitstudy.config.p3 import FULL

ALL_PARTS = ("p1", "p2", "p3", "p4a", "p4b")


def parse_parts(parts: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"p1,p2"`` (or a list; None or "" = every part) -> validated parts in study order."""
    if parts is None or parts == "":
        return ALL_PARTS
    items = parts.split(",") if isinstance(parts, str) else list(parts)
    chosen = {p.strip() for p in items if p.strip()}
    if not chosen:
        raise ValueError(f"no parts selected (PARTS={parts!r}); choose from {', '.join(ALL_PARTS)}")
    unknown = sorted(chosen - set(ALL_PARTS))
    if unknown:
        raise ValueError(f"unknown part(s) {', '.join(unknown)} in PARTS={parts!r}; "
                         f"known: {', '.join(ALL_PARTS)}")
    return tuple(p for p in ALL_PARTS if p in chosen)


@dataclass(frozen=True)
class StudyPlan:
    """The grids of one run; empty tuples for parts that are not selected."""

    parts: tuple[str, ...]
    # Problem 1
    p1_seeds: tuple[int, ...]
    # split_index: into p1.splits.kinds (0 = the study rows' split; the others rerun the
    # baseline and Approach A at p1.splits.bottleneck as labelled rows)
    p1_baseline: tuple[dict, ...]  # {"split_index", "seed"}
    p1_l2_scopes: tuple[str, ...]  # the study rows' scope first; a loop level around the cells
    p1_autoencoder: tuple[dict, ...]  # {"bottleneck", "seed", "split_index"}
    # Problem 2: one augment task per real size, its Table 3 cells nested inside
    p2_real_sizes: tuple[int, ...]
    p2_cells: tuple[dict, ...]  # {"generated", "seed"}, the same for every real size
    # Problem 3: one size-specific GAN per Table 5 row, its cells nested inside
    p3_specific_sizes: tuple[int, ...]
    p3_specific_cells: tuple[dict, ...]  # {"synthetic_count", "seed"}; 0 = real only
    p3_full: bool
    p3_full_cells: tuple[dict, ...]  # {"real_size", "synthetic_count", "seed"}
    p3_proposed_cells: tuple[dict, ...]  # {"synthetic_count", "seed"}
    # labelled rows beside Table 5's (p3.variants, "filtered"). A variant that changes how
    # the GAN trains: a string loop level, the variant rows' sizes inside it, each with its
    # own GAN. A pool variant (synthesis only, filtered) is a string loop nested in its Table
    # 5 row's loop and draws from that row's GAN; those rows are a loop of their own.
    p3_gan_variants: tuple[str, ...]
    p3_variant_sizes: tuple[int, ...]
    p3_pool_variants: tuple[str, ...]
    p3_pool_sizes: tuple[int, ...]  # Table 5 rows with pool variants; the others: plain_sizes
    p3_variant_cells: tuple[dict, ...]  # {"synthetic_count", "seed"}; the baseline is Table 5's
    # Problem 4
    p4a_models: tuple[str, ...]
    p4a_seeds: tuple[int, ...]
    p4b_models: tuple[str, ...]
    p4b_seeds: tuple[int, ...]

    @property
    def p3_plain_sizes(self) -> tuple[int, ...]:
        """The Table 5 rows without pool variants."""
        return tuple(s for s in self.p3_specific_sizes if s not in self.p3_pool_sizes)


def plan_study(profile: Profile, parts: str | list[str] | tuple[str, ...] | None) -> StudyPlan:
    selected = parse_parts(parts)

    def when(part: str, items) -> tuple:
        return tuple(items) if part in selected else ()

    p1, p2, p3, p4a, p4b = profile.p1, profile.p2, profile.p3, profile.p4a, profile.p4b
    extra_splits = range(1, len(p1.splits.kinds))
    specific = [int(t) for t in p3.train_sets if t != FULL]
    return StudyPlan(
        parts=selected,
        p1_seeds=when("p1", p1.seeds),
        p1_baseline=when("p1", ({"split_index": i, "seed": s}
                                for i in range(len(p1.splits.kinds)) for s in p1.seeds)),
        p1_l2_scopes=when("p1", p1.autoencoder.l2_scopes),
        p1_autoencoder=when("p1", [*({"bottleneck": b, "seed": s, "split_index": 0}
                                     for b in p1.autoencoder.bottleneck_dims for s in p1.seeds),
                                   *({"bottleneck": p1.splits.bottleneck, "seed": s,
                                      "split_index": i}
                                     for i in extra_splits for s in p1.seeds)]),
        p2_real_sizes=when("p2", p2.real_sizes),
        p2_cells=when("p2", ({"generated": g, "seed": s}
                             for g in p2.generated_counts for s in p2.seeds)),
        p3_specific_sizes=when("p3", specific),
        p3_specific_cells=when("p3", ({"synthetic_count": k, "seed": s}
                                      for k in p3.synthetic_counts for s in p3.seeds)),
        p3_full="p3" in selected and FULL in p3.train_sets,
        p3_full_cells=when("p3", ({"real_size": r, "synthetic_count": k, "seed": s}
                                  for r in p3.real_sizes for k in p3.synthetic_counts if k
                                  for s in p3.seeds) if FULL in p3.train_sets else ()),
        p3_proposed_cells=when("p3", ({"synthetic_count": k, "seed": s}
                                      for k in p3.synthetic_counts for s in p3.seeds)),
        p3_gan_variants=when("p3", p3.gan_variant_labels),
        p3_variant_sizes=when("p3", p3.variant_rows if p3.gan_variant_labels else ()),
        p3_pool_variants=when("p3", p3.pool_variant_labels),
        p3_pool_sizes=when("p3", p3.variant_rows if p3.pool_variant_labels else ()),
        p3_variant_cells=when("p3", ({"synthetic_count": k, "seed": s}
                                     for k in p3.synthetic_counts if k for s in p3.seeds)),
        p4a_models=when("p4a", p4a.models),
        p4a_seeds=when("p4a", p4a.seeds),
        p4b_models=when("p4b", p4b.models),
        p4b_seeds=when("p4b", p4b.seeds),
    )
