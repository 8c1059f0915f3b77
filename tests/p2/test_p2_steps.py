"""fetch-mnist -> reduced-mnist -> augment -> classifier-cell, end to end on synthetic digits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from mnist_fixtures import write_mnist_t10k

from digitstudy.cli import main
from digitstudy.data.reduced_mnist import ReducedMnistError, load_reduced
from digitstudy.experiments.augmented_pools import FIGURE_FILE, load_pool
from digitstudy.reporting.records import load_record
from digitstudy.runner import run_step


@pytest.fixture
def profile(p2_profile):
    return p2_profile(reduced={"train_per_class": 8, "test_per_class": 4},
                      real_sizes=[3, 8], generated_counts=[0, 5, 10],
                      classifier={"train": {"epochs": 1, "batch_size": 32,
                                            "learning_rate": 0.001, "patience": None}})


@pytest.fixture
def source(tmp_path, digits):
    """A DATA_DIR with a Keras mnist.npz holding both splits."""
    (x_tr, y_tr), (x_te, y_te) = digits(12, seed=1), digits(6, seed=2)
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    np.savez(tmp_path / "data" / "mnist" / "mnist.npz", x_train=x_tr, y_train=y_tr,
             x_test=x_te, y_test=y_te)
    return tmp_path / "data"


@pytest.fixture
def prepared(tmp_path, profile, source):
    run_step("fetch-mnist", profile, dataset=tmp_path / "ds", source=str(source))
    run_step("reduced-mnist", profile, dataset=tmp_path / "ds", reduced=tmp_path / "red")
    for real in profile.p2.real_sizes:  # both pools in one folder
        run_step("p2-augment", profile, reduced=tmp_path / "red", pools=tmp_path / "pools",
                 figure=tmp_path / "figure", real_size=real)
    return tmp_path / "red", tmp_path / "pools"


def test_reduced_and_pools(prepared, profile):
    red, pools = prepared
    r = load_reduced(red)
    assert (
        np.bincount(r.y_train).tolist() == [8] * 10 and np.bincount(r.y_test).tolist() == [4] * 10
    )
    assert r.meta["splits_found"] == ["test", "train"] and r.notes == []
    for real in (3, 8):
        x, y, meta = load_pool(pools, real, r.meta["fingerprint"])
        assert x.dtype == np.uint8 and x.shape == (100, 28, 28)
        assert np.bincount(y).tolist() == [10] * 10
        assert meta["real_size"] == real and meta["augment"]["strength"] == 0.5
    with np.load(pools / "pool_real3.npz") as npz:  # sources come from the 3-per-class subset
        assert npz["source"].max() < 30
    assert (pools.parent / "figure" / FIGURE_FILE).stat().st_size > 10_000
    with pytest.raises(ValueError, match="was made from ReducedMNIST"):
        load_pool(pools, 3, "another")
    with pytest.raises(FileNotFoundError, match=r"no augmented pool for 5 real per class"):
        load_pool(pools, 5, r.meta["fingerprint"])


@pytest.mark.slow
def test_classifier_cells_write_records(prepared, profile, tmp_path):
    red, pools = prepared
    for real, generated in ((3, 0), (8, 10)):
        out = tmp_path / f"cell_{real}_{generated}"
        main(["p2-classifier-cell", "--profile", str(dump(profile, tmp_path)), "--reduced",
              str(red),
              "--pools", str(pools), "--result", str(out), "--real-size", str(real),
              "--generated", str(generated), "--seed", "7"])
        rec = load_record(out)
        assert rec.experiment == "p2-classifier-cell" and rec.part == "p2"
        assert rec.cell == {"real": real, "generated": generated} and rec.seed == 7
        assert rec.metrics["train_images"] == 10 * (real + generated)
        assert rec.metrics["test_images"] == 40 and 0 <= rec.metrics["test_accuracy"] <= 1
        assert len(rec.predictions.y_true) == 40 == len(rec.predictions.y_pred)
        assert len(rec.history["loss"]) == 1 and rec.train_seconds > 0


def test_more_generated_than_the_pool_holds(prepared, profile, tmp_path):
    red, pools = prepared
    with pytest.raises(ReducedMnistError, match=r"class 0 has 10 augmented images in the pool, "
                                                r"11 per class were asked"):
        run_step("p2-classifier-cell", profile, reduced=red, pools=pools, result=tmp_path / "x",
                 real_size=3, generated=11, seed=0)


def test_t10k_only_source_is_noted_in_every_record(tmp_path, profile):
    write_mnist_t10k(tmp_path / "t10k", per_class=12, seed=3)
    run_step("fetch-mnist", profile, dataset=tmp_path / "ds", source=str(tmp_path / "t10k"))
    run_step("reduced-mnist", profile, dataset=tmp_path / "ds", reduced=tmp_path / "red")
    rec = run_step("p2-classifier-cell", profile, reduced=tmp_path / "red", pools=tmp_path / "none",
                   result=tmp_path / "cell", real_size=3, generated=0, seed=0)
    assert any("no train split" in note for note in rec.notes)
    assert load_reduced(tmp_path / "red").meta["splits_found"] == ["test"]


def test_empty_train_split_is_an_error(tmp_path, profile, digits):
    x, y = digits(12, seed=3)
    (tmp_path / "only").mkdir()
    np.savez(tmp_path / "only" / "mnist.npz", x_train=x[:0], y_train=y[:0], x_test=x, y_test=y)
    run_step("fetch-mnist", profile, dataset=tmp_path / "ds", source=str(tmp_path / "only"))
    with pytest.raises(ReducedMnistError, match=r"class 0 has 0 images in the train split"):
        run_step("reduced-mnist", profile, dataset=tmp_path / "ds", reduced=tmp_path / "red")


def dump(profile, tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(json.dumps(profile.model_dump(mode="json")))  # JSON is YAML
    return path
