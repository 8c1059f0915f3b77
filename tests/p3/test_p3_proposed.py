"""The proposed pipeline of study 3.4 end to end on synthetic digits: train-gan-proposed ->
synthesize -> p3-proposed-cell (GAN steps eager here: the traced path runs in
test_p3_steps)."""

from __future__ import annotations

import functools
import json
import shutil

import pytest

from digitstudy.experiments import gan_grid
from digitstudy.models.gan import train_conditional_gan
from digitstudy.runner import run_step

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def eager_gan(monkeypatch):
    monkeypatch.setattr(gan_grid, "train_conditional_gan",
                        functools.partial(train_conditional_gan, run_eagerly=True))


def test_proposed_pipeline(work, profile):
    run_step("p3-train-gan-proposed", profile, reduced=work / "red", pools=work / "pools",
             gan=work / "ganp")
    meta = json.loads((work / "ganp" / gan_grid.GAN_META).read_text())
    assert meta["train_set"] == "proposed" and meta["images"] == 300  # 10 real + 20 augmented
    assert meta["epochs"] == profile.p3.proposed.gan_epochs
    run_step("p3-synthesize", profile, gan=work / "ganp", synthetic=work / "synp",
             variant="")
    record = run_step("p3-proposed-cell", profile, reduced=work / "red", pools=work / "pools",
                      synthetic=work / "synp", result=work / "pc", synthetic_count=15, seed=3)
    assert record.experiment == "p3-proposed-cell"
    assert record.cell == {"real": 10, "augmented": 20, "synthetic": 15}
    assert record.metrics["train_images"] == 450
    other = work / "syn_other"  # a pool that claims another GAN
    shutil.copytree(work / "synp", other)
    meta = json.loads((other / gan_grid.SYNTHETIC_META).read_text())
    (other / gan_grid.SYNTHETIC_META).write_text(json.dumps({**meta, "train_set": "10"}))
    with pytest.raises(ValueError, match="synthesised by the GAN of '10', not of 'proposed'"):
        run_step("p3-proposed-cell", profile, reduced=work / "red", pools=work / "pools",
                 synthetic=other, result=work / "px", synthetic_count=5, seed=3)
