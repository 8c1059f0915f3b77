"""The run's plan: the profile's grids for the selected parts, fixed when the DAG is built."""

import pytest
from profile_overrides import profile_with

from digitstudy.config import load_profile, profile_from_dict
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
    assert not plan.p3_full and not plan.p3_proposed
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
    assert plan.p3_full and plan.p3_proposed


def test_p3_variant_rows_at_the_smallest_row_unless_listed():
    paper = plan_study(load_profile("paper"), "p3")
    # a GAN variant trains its own GAN per row; a pool variant draws from the row's own GAN
    assert paper.p3_gan_variants == ("stock-aux-bn", "no-aux-loss")
    assert paper.p3_pool_variants == ("synthesis-training-mode", "filtered")
    assert paper.p3_variant_sizes == paper.p3_pool_sizes == (300,)
    assert paper.p3_plain_sizes == (700, 1000)
    seeds = load_profile("paper").p3.seeds
    assert [(c["synthetic_count"], c["seed"]) for c in paper.p3_variant_cells] == [
        (k, s) for k in (1000, 2000, 3000) for s in seeds]  # every seed; the baseline is Table 5's
    data = load_profile("paper").as_parameter()
    data["p3"] |= {"variant_real_sizes": [300, 1000], "variants": []}
    listed = plan_study(profile_from_dict(data), "p3")
    assert listed.p3_pool_variants == ("filtered",) and listed.p3_pool_sizes == (300, 1000)
    assert listed.p3_gan_variants == listed.p3_variant_sizes == ()
    assert listed.p3_plain_sizes == (700,)
    p1_only = plan_study(load_profile("paper"), "p1")
    assert p1_only.p3_gan_variants == p1_only.p3_pool_variants == p1_only.p3_plain_sizes == ()


def test_loop_items_have_one_type_per_item():
    """KFP types a static dict item's fields by its first value (kfp/dsl/for_loop.py
    _get_first_element_type): mixed types would be mistyped in the compiled YAML."""
    plan = plan_study(load_profile("paper"), None)
    for name in ("p1_baseline", "p1_autoencoder", "p2_cells", "p3_specific_cells", "p3_full_cells",
                 "p3_proposed_cells", "p3_variant_cells"):
        for item in getattr(plan, name):
            assert {type(v) for v in item.values()} == {int}, (name, item)
