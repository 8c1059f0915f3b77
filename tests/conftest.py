from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # shared fixture helpers (fsdd_fixtures)

from fsdd_fixtures import write_fsdd  # noqa: E402


@pytest.fixture(scope="session")
def fsdd_dir(tmp_path_factory) -> Path:
    """A small synthetic FSDD folder: 10 digits x 3 speakers x 4 recordings."""
    return write_fsdd(tmp_path_factory.mktemp("fsdd") / "recordings")
