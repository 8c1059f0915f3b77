"""The variant rows' steps end to end on synthetic digits: a variant's GAN carries its
overrides, its pool, quality record and cells carry its label; the filtered pool is balanced
and every kept digit met the threshold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from digitstudy.config import profile_from_dict
from digitstudy.experiments import gan_grid
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow


def chain(work, profile, variant: str) -> dict:
    """The row's GAN (p3-train-gan-variant for a GAN variant, else the default p3-train-gan)
    -> p3-synthesize-variant -> quality -> one 5-synthetic cell."""
    gan, syn = work / f"gan-{variant}", work / f"syn-{variant}"
    if variant in profile.p3.gan_variant_labels:
        run_step("p3-train-gan-variant", profile, reduced=work / "red", gan=gan, real_size=10,
                 variant=variant)
    else:
        run_step("p3-train-gan", profile, reduced=work / "red", gan=gan, real_size=10)
    run_step("p3-synthesize-variant", profile, reduced=work / "red", gan=gan, synthetic=syn,
             real_size=10, variant=variant)
    quality = run_step("p3-gan-quality", profile, reduced=work / "red", gan=gan, synthetic=syn,
                       result=work / f"q-{variant}")
    cell = run_step("p3-synthetic-cell", profile, reduced=work / "red", synthetic=syn,
                    result=work / f"c-{variant}", real_size=10, synthetic_count=5,
                    gan_kind="specific", seed=42)
    return {"gan": json.loads((gan / gan_grid.GAN_META).read_text()), "syn": syn,
            "quality": quality, "cell": cell}


def test_filtered_rows(work, profile):
    # a 1-epoch GAN judged by a 1-epoch CNN: a low threshold, still a real filter
    data = profile.as_parameter()
    data["p3"]["filter"] |= {"threshold": 0.02, "max_draws_factor": 200}
    profile = profile_from_dict(data)
    out = chain(work, profile, "filtered")
    with np.load(out["syn"] / gan_grid.SYNTHETIC_FILE) as npz:
        y, conf = npz["y"], npz["confidence"]
    per_class = gan_grid.synthetic_per_class(profile)
    assert np.bincount(y, minlength=10).tolist() == [per_class] * 10
    assert (conf >= profile.p3.filter.threshold).all()
    meta = json.loads((out["syn"] / gan_grid.SYNTHETIC_META).read_text())
    assert meta["variant"] == "filtered" and len(meta["filter"]["draws"]) == 10
    assert min(meta["filter"]["draws"]) >= per_class
    assert out["quality"].cell == {"train_set": "10", "variant": "filtered"}
    assert out["cell"].cell == {"real": 10, "synthetic": 5, "gan": "specific",
                                "variant": "filtered"}


def test_a_gan_variant_trains_with_its_override(work, profile):
    out = chain(work, profile, "no-aux-loss")
    assert out["cell"].cell["variant"] == "no-aux-loss"
    # aux weight 0: the generator loss is the adversarial loss alone
    h = out["gan"]["history"]
    np.testing.assert_allclose(h["g_loss"], h["g_adv_loss"], rtol=1e-5)
