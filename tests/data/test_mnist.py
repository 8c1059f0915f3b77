"""MNIST idx / npz loaders, the md5-checked download and the fetch-mnist step, on tiny fixtures."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import threading
from pathlib import Path

import numpy as np
import pytest
from mnist_fixtures import write_idx

from digitstudy.data import download, mnist
from digitstudy.data.download import ChecksumError, fetch
from digitstudy.data.mnist import (
    MnistError,
    load_mnist,
    load_mnist_npz,
    read_idx,
)
from digitstudy.data.mnist_sources import fetch_mnist_step


def digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n, dtype=np.uint8) % 10


def write_split(folder: Path, split: str, n: int, gz: bool = True, seed: int = 0):
    folder.mkdir(parents=True, exist_ok=True)
    x, y = digits(n, seed)
    img, lbl = mnist.IDX_FILES[split]
    ext = ".gz" if gz else ""
    write_idx(folder / (img + ext), x)
    write_idx(folder / (lbl + ext), y)
    return x, y


def test_reads_gzipped_and_raw_idx(tmp_path):
    x_tr, y_tr = write_split(tmp_path, "train", 30, gz=False, seed=1)
    x_te, y_te = write_split(tmp_path, "test", 20, gz=True, seed=2)
    data = load_mnist(tmp_path)
    assert set(data.splits) == {"train", "test"}
    np.testing.assert_array_equal(data.splits["train"][0], x_tr)
    np.testing.assert_array_equal(data.splits["train"][1], y_tr)
    np.testing.assert_array_equal(data.splits["test"][0], x_te)
    assert data.splits["test"][0].dtype == np.uint8 and data.splits["test"][0].shape == (20, 28, 28)


def test_only_t10k_reports_the_splits_it_found(tmp_path):
    write_split(tmp_path, "test", 20)
    data = load_mnist(tmp_path)
    assert set(data.splits) == {"test"}
    text = data.describe()
    assert "found test (20 images" in text and "t10k-images-idx3-ubyte.gz" in text
    assert "missing train" in text


def test_bad_magic_names_the_file(tmp_path):
    path = tmp_path / "t10k-images-idx3-ubyte"
    write_idx(path, digits(3)[0])
    raw = bytearray(path.read_bytes())
    raw[3] = 0x01  # idx1 magic in an images file
    path.write_bytes(bytes(raw))
    with pytest.raises(MnistError, match=r"t10k-images-idx3-ubyte: magic number 0x00000801"):
        read_idx(path, 3)


def test_truncated_file_names_the_file(tmp_path):
    path = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", digits(4)[0])
    data = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(data[:-100]))
    with pytest.raises(MnistError,
                       match=r"t10k-images-idx3-ubyte.gz: header says shape \(4, 28, 28\)"):
        read_idx(path, 3)


def test_not_gzip_names_the_file(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(b"not gzip at all")
    with pytest.raises(MnistError, match="t10k-labels-idx1-ubyte.gz: cannot read"):
        read_idx(path, 1)


def test_image_label_count_mismatch(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", digits(5)[0])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", digits(4)[1])
    with pytest.raises(MnistError, match="5 images but labels of shape"):
        load_mnist(tmp_path)


def test_wrong_image_size(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((2, 32, 32), np.uint8))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(2, np.uint8))
    with pytest.raises(MnistError, match=r"shape \(2, 32, 32\), expected \(n, 28, 28\)"):
        load_mnist(tmp_path)


def test_images_without_labels_is_an_error(tmp_path):
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", digits(2)[0])
    with pytest.raises(MnistError, match="t10k-images-idx3-ubyte.gz is there but "
                                         "t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_folder_without_mnist_files(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(MnistError, match="no MNIST files"):
        load_mnist(tmp_path)


def test_keras_npz(tmp_path):
    (x_tr, y_tr), (x_te, y_te) = digits(12, 1), digits(6, 2)
    np.savez(tmp_path / "mnist.npz", x_train=x_tr, y_train=y_tr.astype(np.int64),
             x_test=x_te, y_test=y_te)
    data = load_mnist(tmp_path)
    assert set(data.splits) == {"train", "test"}
    np.testing.assert_array_equal(data.splits["train"][0], x_tr)
    assert data.splits["train"][1].dtype == np.uint8


def test_npz_missing_key_and_bad_label(tmp_path):
    x, y = digits(4)
    np.savez(tmp_path / "a.npz", x_train=x, y_train=y, x_test=x)
    with pytest.raises(MnistError, match=r"a.npz: missing key\(s\) \['y_test'\]"):
        load_mnist_npz(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", x_train=x, y_train=y + 10, x_test=x, y_test=y)
    with pytest.raises(MnistError, match="b.npz: y_train must hold integers 0-9"):
        load_mnist_npz(tmp_path / "b.npz")


def test_fetch_step_copies_a_data_dir(tmp_path):
    data_dir = tmp_path / "DATA_DIR"
    x, _ = write_split(data_dir / "mnist", "test", 20)
    (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").chmod(0o444)
    out = tmp_path / "dataset"
    fetch_mnist_step(None, dataset=out, source=str(data_dir))
    fetch_mnist_step(None, dataset=out, source=str(data_dir))  # rerun over its own output
    np.testing.assert_array_equal(load_mnist(out).splits["test"][0], x)


def test_fetch_step_copies_a_reduced_mnist_folder(tmp_path):
    from PIL import Image

    for split in ("train", "test"):
        (tmp_path / "src" / split / "3").mkdir(parents=True)
        Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "src" / split / "3" / "a.png")
    fetch_mnist_step(None, dataset=tmp_path / "out", source=str(tmp_path / "src"))
    assert (tmp_path / "out" / "train" / "3" / "a.png").is_file()
    assert (tmp_path / "out" / "test" / "3" / "a.png").is_file()


# --- download: a local HTTP server stands in for the mirror -----------------------------------

@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local HTTP mirror holding fixture copies of the four canonical files; the expected
    md5s are the fixtures' own. Yields (base URL, request log)."""
    root = tmp_path / "mirror"
    write_split(root, "train", 30, seed=1)
    write_split(root, "test", 10, seed=2)
    md5s = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in root.iterdir()}
    monkeypatch.setattr(mnist, "CANONICAL_MD5", md5s)
    monkeypatch.setenv("DIGITSTUDY_CACHE", str(tmp_path / "cache"))
    requests_seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

        def do_GET(self):
            requests_seen.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", requests_seen, root
    server.shutdown()
    server.server_close()


def test_download_from_a_mirror_is_checked_and_cached(tmp_path, mirror):
    base, seen, _ = mirror
    fetch_mnist_step(None, dataset=tmp_path / "a", source=base)
    assert sorted(seen) == sorted(f"/{n}" for n in mnist.CANONICAL_MD5)
    data = load_mnist(tmp_path / "a")
    assert len(data.splits["train"][1]) == 30 and len(data.splits["test"][1]) == 10
    fetch_mnist_step(None, dataset=tmp_path / "b", source=base)
    assert len(seen) == 4  # second fetch served from the cache
    assert (tmp_path / "cache" / "mnist" / "train-images-idx3-ubyte.gz").is_file()


def test_download_with_a_wrong_md5_leaves_nothing(tmp_path, mirror, monkeypatch):
    base, _, _ = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    monkeypatch.setitem(mnist.CANONICAL_MD5, name, "0" * 32)
    with pytest.raises(ChecksumError, match=f"{name}: md5 .* does not match the expected 0000"):
        mnist.download_mnist(base)
    cached = tmp_path / "cache" / "mnist"
    assert not (cached / name).exists() and not (cached / (name + ".partial")).exists()


def test_cached_file_failing_its_md5_is_downloaded_again(tmp_path, mirror):
    base, seen, root = mirror
    name = "t10k-images-idx3-ubyte.gz"
    (tmp_path / "cache" / "mnist").mkdir(parents=True)
    (tmp_path / "cache" / "mnist" / name).write_bytes(b"corrupt")
    path = fetch(base + name, None, f"mnist/{name}", md5=mnist.CANONICAL_MD5[name])
    assert path.read_bytes() == (root / name).read_bytes() and seen == [f"/{name}"]


def test_sha256_still_works_positionally(tmp_path, mirror):
    base, _, root = mirror
    name = "t10k-labels-idx1-ubyte.gz"
    sha = hashlib.sha256((root / name).read_bytes()).hexdigest()
    assert fetch(base + name, sha).read_bytes() == (root / name).read_bytes()
    with pytest.raises(ChecksumError, match="sha256"):
        fetch(base + name, "1" * 64, "other-name.gz")


def test_empty_source_downloads_the_canonical_files(tmp_path, monkeypatch):
    """No network: requests.get is replaced; the URLs must be the canonical mirror's."""
    monkeypatch.setenv("DIGITSTUDY_CACHE", str(tmp_path / "cache"))
    files = {}
    for split, n in (("train", 20), ("test", 10)):
        write_split(tmp_path / "src", split, n)
    for p in (tmp_path / "src").iterdir():
        files[p.name] = p.read_bytes()
    monkeypatch.setattr(mnist, "CANONICAL_MD5",
                        {k: hashlib.md5(v).hexdigest() for k, v in files.items()})
    urls = []

    class Response:
        def __init__(self, url):
            self.content = files[url.rsplit("/", 1)[1]]
            self.headers = {"content-length": str(len(self.content))}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def raise_for_status(self):
            pass

        def iter_content(self, chunk):
            yield self.content

    def fake_get(url, stream, timeout):
        urls.append(url)
        return Response(url)

    monkeypatch.setattr(download.requests, "get", fake_get)
    fetch_mnist_step(None, dataset=tmp_path / "out", source="")
    assert sorted(urls) == sorted(mnist.MNIST_MIRROR + n for n in files)
    assert mnist.MNIST_MIRROR == "https://storage.googleapis.com/cvdf-datasets/mnist/"
    assert set(load_mnist(tmp_path / "out").splits) == {"train", "test"}
