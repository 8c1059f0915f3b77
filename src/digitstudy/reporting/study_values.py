"""The study's published numbers, as transcribed in ``study_tables.yaml``.

The YAML is a verbatim copy of ``shared/reference/study-tables.yaml`` (a test checks
that they stay equal); nothing here retypes a number.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def study_tables() -> dict[str, Any]:
    text = (resources.files("digitstudy.reporting") / "study_tables.yaml").read_text()
    return yaml.safe_load(text)
