"""One logging setup for the CLI, the KFP components and the scripts."""

from __future__ import annotations

import logging
import os
import warnings


def setup_logging(level: int = logging.INFO) -> None:
    # TensorFlow's C++ banner lines are noise in step logs; keep errors.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        force=True,
    )
    warnings.filterwarnings("ignore", message=".*jax.*", category=UserWarning)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` writes them ("1.47 1.30
    1.63"): the paper-run scripts log it beside each cell's wall time."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())
