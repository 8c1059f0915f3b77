from __future__ import annotations

import random
import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # shared fixture helpers (fsdd_fixtures)

from fsdd_fixtures import write_fsdd  # noqa: E402
from mnist_fixtures import block_digits  # noqa: E402
from profile_overrides import small_gan_profile  # noqa: E402


@pytest.fixture(scope="session")
def fsdd_dir(tmp_path_factory) -> Path:
    """A small synthetic FSDD folder: 10 digits x 3 speakers x 4 recordings."""
    return write_fsdd(tmp_path_factory.mktemp("fsdd") / "recordings")


@pytest.fixture(scope="session")
def digits():
    """``digits(n_per_class, seed)``: synthetic, linearly separable 28x28 "digits"."""
    return block_digits


@pytest.fixture(scope="session")
def p3_profile():
    """The tiny profile with a minimal-width Table 4 GAN (GAN model and step tests)."""
    return small_gan_profile()


@pytest.fixture(autouse=True)
def _seed_global_rngs(request):
    """Every test starts from the same global RNG state, whatever ran before it in its worker.

    Keras draws initial weights from its global RNG when a layer is built without a seed, so
    a test's outcome must not depend on which tests that worker ran first (or on a random test
    order). The seed is fixed per test (from its node id); Keras is seeded only where the test
    file imported it, so TensorFlow-free tests stay TensorFlow-free."""
    seed = zlib.crc32(request.node.nodeid.encode()) % 2**31
    random.seed(seed)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(seed)
    if "keras" in sys.modules:
        sys.modules["keras"].utils.set_random_seed(seed)
