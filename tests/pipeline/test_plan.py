"""The run's plan: the profile's grids for the selected parts, fixed when the DAG is built."""

import pytest
from profile_overrides import profile_with

from digitstudy.config import load_profile
from digitstudy.plan import ALL_PARTS, parse_parts, plan_study


def test_parts_are_validated():
    assert parse_parts("p2, p1") == ("p1", "p2")  # study order, spaces ignored
    assert parse_parts(None) == parse_parts("") == ALL_PARTS
    with pytest.raises(ValueError, match=r"unknown part\(s\) p9"):
        parse_parts("p1,p9")
    with pytest.raises(ValueError, match="no parts selected"):
        parse_parts(" , ")


def test_plan_fans_out_per_grid_cell_and_seed():
    profile = load_profile("tiny")
    plan = plan_study(profile, "p1")
    assert plan.p1_autoencoder[:-1] == tuple({"bottleneck": b, "seed": 42, "split_index": 0}
                                             for b in profile.p1.autoencoder.bottleneck_dims)
    assert plan.p1_seeds == (42,)


def test_p1_variants_are_loop_items_beside_the_study_cells():
    profile = profile_with(p1__seeds=[1, 2], p1__splits__bottleneck=100)
    plan = plan_study(profile, "p1")
    # the study rows' scope first, then the variants: a string loop level around the cells
    assert plan.p1_l2_scopes == ("all", "hidden")
    # the speaker split (kinds[1]) reruns the baseline and one bottleneck, per seed
    assert plan.p1_baseline == tuple({"split_index": i, "seed": s} for i in (0, 1) for s in (1, 2))
    assert [c for c in plan.p1_autoencoder if c["split_index"]] == [
        {"bottleneck": 100, "seed": 1, "split_index": 1},
        {"bottleneck": 100, "seed": 2, "split_index": 1}]
    study_only = plan_study(profile_with(p1__splits__kinds=["random"]), "p1")
    assert {c["split_index"] for c in study_only.p1_autoencoder} == {0}


def test_unselected_parts_have_no_items():
    plan = plan_study(load_profile("tiny"), "p4a")
    assert plan.parts == ("p4a",)
    assert plan.p1_autoencoder == plan.p2_cells == plan.p3_specific_sizes == plan.p4b_models == ()
    assert not plan.p3_full and plan.p3_proposed_cells == ()
    assert plan.p4a_models == tuple(load_profile("tiny").p4a.models)


def test_p3_cells_are_nested_per_gan():
    p3 = load_profile("tiny").p3
    plan = plan_study(load_profile("tiny"), "p3")
    assert plan.p3_specific_sizes == tuple(p3.real_sizes)
    # every row's cells, the real-only column included, under its size-specific GAN
    assert {c["synthetic_count"] for c in plan.p3_specific_cells} == set(p3.synthetic_counts)
    # the full GAN serves every row, for the synthetic columns only
    assert {(c["real_size"], c["synthetic_count"]) for c in plan.p3_full_cells} == {
        (r, k) for r in p3.real_sizes for k in p3.synthetic_counts if k}
    assert plan.p3_full and plan.p3_proposed_cells


GAN_VARIANT = {"label": "no-aux", "overrides": {"aux_weight": 0}}  # trains its own GAN
POOL_VARIANT = {"label": "train-mode", "overrides": {"synthesis_training_mode": True}}


def p3_grid(**p3):
    """The tiny profile with a Table 5 grid of its own (the planning logic, not a profile's
    values)."""
    base = {"p3__real_sizes": [5, 7, 9], "p3__train_sets": ["5", "7", "9", "full"],
            "p3__synthetic_counts": [0, 10, 20], "p3__seeds": [1, 2],
            "p3__variants": [GAN_VARIANT, POOL_VARIANT], "p3__variant_real_sizes": None}
    return profile_with(**(base | {f"p3__{k}": v for k, v in p3.items()}))


def test_p3_variant_rows_at_the_smallest_row_unless_listed():
    plan = plan_study(p3_grid(filter__enabled=True), "p3")
    # a GAN variant trains its own GAN per row; a pool variant (and filtered synthesis) draws
    # from the row's own GAN, so its rows are nested in that row's loop
    assert plan.p3_gan_variants == ("no-aux",)
    assert plan.p3_pool_variants == ("train-mode", "filtered")
    assert plan.p3_variant_sizes == plan.p3_pool_sizes == (5,)  # the smallest row
    assert plan.p3_plain_sizes == (7, 9)
    # every synthetic column and seed; the real-only baseline is the Table 5 row's own
    assert [(c["synthetic_count"], c["seed"]) for c in plan.p3_variant_cells] == [
        (k, s) for k in (10, 20) for s in (1, 2)]
    listed = plan_study(p3_grid(variant_real_sizes=[5, 9], variants=[POOL_VARIANT],
                                filter__enabled=False), "p3")
    assert listed.p3_pool_variants == ("train-mode",) and listed.p3_pool_sizes == (5, 9)
    assert listed.p3_gan_variants == listed.p3_variant_sizes == ()
    assert listed.p3_plain_sizes == (7,)
    none = plan_study(p3_grid(variants=[], filter__enabled=False), "p3")
    assert none.p3_pool_sizes == none.p3_variant_sizes == () and none.p3_plain_sizes == (5, 7, 9)
    p1_only = plan_study(p3_grid(), "p1")
    assert p1_only.p3_gan_variants == p1_only.p3_pool_variants == p1_only.p3_plain_sizes == ()


def test_loop_items_have_one_type_per_item():
    """KFP types a static dict item's fields by its first value (kfp/dsl/for_loop.py
    _get_first_element_type): mixed types would be mistyped in the compiled YAML."""
    plan = plan_study(load_profile("paper"), None)
    for name in ("p1_baseline", "p1_autoencoder", "p2_cells", "p3_specific_cells", "p3_full_cells",
                 "p3_proposed_cells", "p3_variant_cells"):
        for item in getattr(plan, name):
            assert {type(v) for v in item.values()} == {int}, (name, item)
