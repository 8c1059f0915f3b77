"""GAN variants as profile data: the aux BN momentum reaches the layers, each variant's
overrides land in the settings its steps read, and bad variant settings name the key."""

from __future__ import annotations

import keras
import pytest
from profile_overrides import profile_with

from digitstudy.config import ProfileError
from digitstudy.experiments.gan_grid import _tag
from digitstudy.experiments.gan_variants import train_gan_variant_step, with_variant
from digitstudy.models import gan as G
from digitstudy.runner import settings_view


def test_aux_bn_momentum_from_the_profile_reaches_every_batch_norm_layer():
    arch = profile_with("tiny", p3__architecture__aux_bn_momentum=0.77).p3.architecture
    model, _ = G.build_aux_classifier(arch)
    base = next(la for la in model.layers if isinstance(la, keras.Model))
    norms = [la for la in base.layers if isinstance(la, keras.layers.BatchNormalization)]
    assert len(norms) > 30 and {la.momentum for la in norms} == {0.77}


def test_profiles_keep_the_deviation_and_list_the_stock_variant():
    for name in ("tiny", "paper"):
        p3 = profile_with(name).p3
        assert p3.architecture.aux_bn_momentum == 0.9
        overrides = {v.label: v.overrides.model_dump(exclude_none=True) for v in p3.variants}
        assert overrides == {"stock-aux-bn": {"aux_bn_momentum": 0.999},
                             "no-aux-loss": {"aux_weight": 0.0},
                             "synthesis-training-mode": {"synthesis_training_mode": True}}
        assert p3.variant_rows == p3.real_sizes[:1]
        assert p3.gan_variant_labels == ["stock-aux-bn", "no-aux-loss"]
        assert p3.pool_variant_labels == ["synthesis-training-mode", "filtered"]


def test_variant_overrides_land_in_the_steps_settings():
    profile = profile_with("tiny")
    train = settings_view("p3-train-gan-variant", profile)
    stock = with_variant(train, "stock-aux-bn")
    assert stock.p3.architecture.aux_bn_momentum == 0.999
    assert stock.p3.train.aux_weight == profile.p3.train.aux_weight
    assert stock.p3.architecture.noise_dim == profile.p3.architecture.noise_dim
    assert train.p3.architecture.aux_bn_momentum == 0.9  # the original view is untouched
    no_aux = with_variant(train, "no-aux-loss")
    assert no_aux.p3.train.aux_weight == 0 and no_aux.p3.architecture.aux_bn_momentum == 0.9
    synth = settings_view("p3-synthesize-variant", profile)
    assert with_variant(synth, "synthesis-training-mode").p3.synthesis_training_mode is True
    assert with_variant(synth, "no-aux-loss").p3.synthesis_training_mode is False
    assert with_variant(synth, "filtered") is synth
    with pytest.raises(ValueError, match=r"'nope' is not in p3\.variants.*stock-aux-bn"):
        with_variant(train, "nope")


def test_a_gan_variant_trains_its_own_gan_a_synthesis_variant_shares_the_default_one():
    profile = profile_with("tiny")
    train = settings_view("p3-train-gan-variant", profile)

    class Data:  # what the tag reads of a training set
        import numpy as np
        x, y = np.zeros((10, 28, 28), np.uint8), np.arange(10)

    tag = {v: _tag(with_variant(train, v), "30", Data) for v in
           ("stock-aux-bn", "no-aux-loss", "synthesis-training-mode", "filtered")}
    assert tag["synthesis-training-mode"] == tag["filtered"] == _tag(train, "30", Data)
    assert len({tag["stock-aux-bn"], tag["no-aux-loss"], tag["filtered"]}) == 3
    # the DAG's split follows the tag: a variant gets its own GAN iff it would train another
    p3 = profile.p3
    assert p3.gan_variant_labels == [v for v in ("stock-aux-bn", "no-aux-loss",
                                                 "synthesis-training-mode")
                                     if tag[v] != tag["filtered"]]
    assert p3.pool_variant_labels == ["synthesis-training-mode", "filtered"]


@pytest.mark.parametrize("variant, message", [
    ("synthesis-training-mode", r"'synthesis-training-mode' changes only synthesis.*"
                                r"GAN variants: stock-aux-bn, no-aux-loss"),
    ("filtered", "'filtered' changes only synthesis"),
    ("nope", r"'nope' is not in p3\.variants"),
])
def test_the_variant_gan_step_refuses_to_train_a_pool_variants_gan_again(tmp_path, variant,
                                                                          message):
    train = settings_view("p3-train-gan-variant", profile_with("tiny"))
    with pytest.raises(ValueError, match=message):
        train_gan_variant_step(train, reduced=tmp_path / "missing", gan=tmp_path / "gan",
                               real_size=30, variant=variant)
    assert not (tmp_path / "gan").exists()


@pytest.mark.parametrize("override, message", [
    ({"p3__variants": [{"label": "a", "overrides": {}}]}, "at least one of"),
    ({"p3__variants": [{"label": "a", "overrides": {"aux_momentum": 0.5}}]}, "aux_momentum"),
    ({"p3__variants": [{"label": "a", "overrides": {"aux_weight": 0}},
                       {"label": "a", "overrides": {"aux_weight": 1}}]}, "unique"),
    ({"p3__variants": [{"label": "filtered", "overrides": {"aux_weight": 0}}]}, "unique"),
    ({"p3__variants": [{"label": "Bad Label", "overrides": {"aux_weight": 0}}]}, "label"),
    ({"p3__variant_real_sizes": [31]}, r"variant_real_sizes: \[31\]"),
    ({"p3__filter": {"enabled": True, "threshold": 1.5, "max_draws_factor": 2, "seed": 1,
                     "batch_size": 10}}, "threshold"),
    ({"p3__architecture__aux_bn_momentum": 1.0}, "aux_bn_momentum"),
])
def test_bad_variant_settings_name_the_key(override, message):
    with pytest.raises(ProfileError, match=message):
        profile_with("tiny", **override)
