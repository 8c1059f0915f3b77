"""ReducedMNIST sampler (stratified, seeded, disjoint, nested) and the ReducedMNIST folder
loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitstudy.config import load_profile, profile_from_dict
from digitstudy.data.mnist import MnistData
from digitstudy.data.reduced_mnist import (
    ReducedMnistError,
    load_reduced,
    load_reduced_folder,
    per_class_prefix,
    sample_reduced,
)
from digitstudy.runner import run_step


def with_ids(labels: np.ndarray, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images whose first two pixels spell a unique id, so overlap and identity are checkable."""
    ids = np.arange(len(labels)) + offset
    x = np.zeros((len(labels), 28, 28), np.uint8)
    x[:, 0, 0], x[:, 0, 1] = ids // 256, ids % 256
    return x, labels.astype(np.uint8)


def ids_of(x: np.ndarray) -> np.ndarray:
    return x[:, 0, 0].astype(int) * 256 + x[:, 0, 1]


def one_pool(per_class: int = 30, short: dict[int, int] | None = None) -> MnistData:
    counts = {d: per_class for d in range(10)} | (short or {})
    labels = np.concatenate([np.full(n, d) for d, n in counts.items()])
    labels = labels[np.random.default_rng(7).permutation(len(labels))]
    return MnistData(Path("/fixture"), {"test": with_ids(labels)})


def two_pools(train_per_class: int = 20, test_per_class: int = 8) -> MnistData:
    tr = np.repeat(np.arange(10), train_per_class)
    te = np.repeat(np.arange(10), test_per_class)
    return MnistData(Path("/fixture"), {"train": with_ids(tr), "test": with_ids(te, offset=5000)})


def per_class_ids(x, y) -> dict[int, list[int]]:
    ids = ids_of(x)
    return {d: ids[y == d].tolist() for d in range(10)}


def test_stratified_disjoint_and_noted_from_one_pool():
    r = sample_reduced(one_pool(), 10, 5, seed=1)
    assert np.bincount(r.y_train, minlength=10).tolist() == [10] * 10
    assert np.bincount(r.y_test, minlength=10).tolist() == [5] * 10
    assert not set(ids_of(r.x_train)) & set(ids_of(r.x_test))
    assert len(set(ids_of(r.x_train))) == 100
    assert r.x_train.dtype == np.uint8 and r.x_train.shape == (100, 28, 28)
    assert any("no train split" in n for n in r.notes)


def test_labels_travel_with_their_images():
    data = one_pool()
    x_all, y_all = data.splits["test"]
    r = sample_reduced(data, 10, 5, seed=1)
    np.testing.assert_array_equal(y_all[ids_of(r.x_train)], r.y_train)
    np.testing.assert_array_equal(y_all[ids_of(r.x_test)], r.y_test)


def test_same_seed_same_sample_other_seed_other_sample():
    a, b = sample_reduced(one_pool(), 10, 5, seed=1), sample_reduced(one_pool(), 10, 5, seed=1)
    c = sample_reduced(one_pool(), 10, 5, seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.x_test, b.x_test)
    assert a.meta["fingerprint"] == b.meta["fingerprint"] != c.meta["fingerprint"]
    assert set(ids_of(a.x_train)) != set(ids_of(c.x_train))


@pytest.mark.parametrize("make", [one_pool, two_pools])
def test_real_subsets_are_nested_prefixes(make):
    small, mid, large = (sample_reduced(make(), n, 5, seed=3) for n in (3, 7, 10))
    for d in range(10):
        s = per_class_ids(small.x_train, small.y_train)[d]
        m = per_class_ids(mid.x_train, mid.y_train)[d]
        big = per_class_ids(large.x_train, large.y_train)[d]
        assert s == m[:3] and m == big[:7]
    # the test set does not depend on the train size
    np.testing.assert_array_equal(small.x_test, large.x_test)
    # and a subset of the large sample is the smaller sample
    xs, ys = large.train_subset(3)
    np.testing.assert_array_equal(xs, small.x_train)
    np.testing.assert_array_equal(ys, small.y_train)
    # rank-major storage: the first 10 * n images are the n-per-class subset
    np.testing.assert_array_equal(large.x_train[:70], mid.x_train)


def test_too_few_in_a_class_names_the_class():
    with pytest.raises(ReducedMnistError,
                       match=r"class 5 has 12 images, 10 train \+ 5 test per class were asked"):
        sample_reduced(one_pool(short={5: 12}), 10, 5, seed=0)


def test_too_few_in_a_split_names_class_and_split():
    with pytest.raises(ReducedMnistError,
                       match="class 0 has 8 images in the test split, 9 test per class"):
        sample_reduced(two_pools(), 10, 9, seed=0)
    with pytest.raises(ReducedMnistError, match="class 0 has 20 images in the train split"):
        sample_reduced(two_pools(), 21, 5, seed=0)


def test_two_pools_keep_train_and_test_apart():
    r = sample_reduced(two_pools(), 10, 4, seed=0)
    assert (ids_of(r.x_train) < 5000).all() and (ids_of(r.x_test) >= 5000).all()
    assert r.notes == []


def test_subset_larger_than_sampled_is_an_error():
    r = sample_reduced(one_pool(), 10, 5, seed=0)
    with pytest.raises(ReducedMnistError, match="class 0 has 10 train images, 11 per class"):
        r.train_subset(11)


def test_per_class_prefix_keeps_stored_order():
    y = np.array([1, 0, 1, 1, 0, 0, 1] + list(range(2, 10)) * 2)
    idx = per_class_prefix(y, 2)
    assert idx[:4].tolist() == [0, 1, 2, 4]
    assert np.bincount(y[idx]).tolist() == [2] * 10


# --- ReducedMNIST folders ---------------------------------------------------------------------

def write_folder(root: Path, per_class: dict[str, int], size=(28, 28)) -> None:
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in per_class.items():
        for d in range(10):
            (root / split / str(d)).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                ext = (".png", ".bmp", ".jpg")[i % 3]
                img = np.full(size, d * 20, np.uint8) + rng.integers(0, 5, size, dtype=np.uint8)
                Image.fromarray(img).save(root / split / str(d) / f"{i}{ext}")


def test_folder_loader_reads_both_splits(tmp_path):
    write_folder(tmp_path, {"train": 4, "test": 2})
    (tmp_path / "train" / "3" / ".DS_Store").write_text("ignored")
    data = load_reduced_folder(tmp_path)
    x, y = data.splits["train"]
    assert x.shape == (40, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [4] * 10
    assert abs(int(x[y == 7].mean()) - 140) <= 5  # pixels survive (jpg is lossy)
    assert len(data.splits["test"][1]) == 20


def test_folder_bad_digit_folder_is_named(tmp_path):
    write_folder(tmp_path, {"train": 1, "test": 1})
    (tmp_path / "test" / "ten").mkdir()
    with pytest.raises(ReducedMnistError, match=r"test/ten: expected only digit folders 0-9"):
        load_reduced_folder(tmp_path)


def test_folder_bad_file_is_named(tmp_path):
    write_folder(tmp_path, {"train": 1, "test": 1})
    (tmp_path / "train" / "2" / "notes.txt").write_text("x")
    with pytest.raises(ReducedMnistError, match=r"train/2/notes.txt: not an image file"):
        load_reduced_folder(tmp_path)
    (tmp_path / "train" / "2" / "notes.txt").unlink()
    (tmp_path / "train" / "2" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ReducedMnistError, match=r"train/2/broken.png: not a readable image"):
        load_reduced_folder(tmp_path)


def test_folder_wrong_image_size_is_named(tmp_path):
    write_folder(tmp_path, {"train": 1, "test": 1})
    write_folder(tmp_path / "x", {"train": 1}, size=(32, 32))
    (tmp_path / "x" / "train" / "4" / "0.png").rename(tmp_path / "train" / "4" / "big.png")
    with pytest.raises(ReducedMnistError, match=r"train/4/big.png: image is 32x32, expected 28x28"):
        load_reduced_folder(tmp_path)


def p2_profile(train_per_class: int, test_per_class: int, real_sizes: list[int]):
    data = load_profile("tiny").model_dump(mode="json")
    data["p2"]["reduced"] |= {"train_per_class": train_per_class, "test_per_class": test_per_class}
    data["p2"]["real_sizes"] = real_sizes
    return profile_from_dict(data)


def test_step_on_a_reduced_mnist_folder(tmp_path):
    write_folder(tmp_path / "ds", {"train": 6, "test": 3})
    run_step("reduced-mnist", p2_profile(5, 3, [2, 5]), dataset=tmp_path / "ds",
             reduced=tmp_path / "r")
    r = load_reduced(tmp_path / "r")
    assert np.bincount(r.y_train).tolist() == [5] * 10
    assert np.bincount(r.y_test).tolist() == [3] * 10
    assert r.meta["splits_found"] == ["test", "train"] and r.notes == []


def test_profile_rejects_real_sizes_beyond_the_sample():
    from digitstudy.config import ProfileError

    with pytest.raises(ProfileError, match=r"real_sizes \[2, 9\] exceed reduced.train_per_class"):
        p2_profile(5, 3, [2, 9])
