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


# Test items behind each table's study accuracies (their binomial SE in the SE of a
# difference, ``intervals.difference_se``), keyed by TableSpec name, where the study gives them:
# Table 1: 15% of the 3000 FSDD clips (section 1.1; 0.9311 = 419/450); Tables 3, 5, 6: the
# ReducedMNIST test set, 200 per class (section 2; 0.9795 = 1959/2000); Table 10: "1000 test
# images" (5.2.1); Table 13: the study says ~300 (10%), but its accuracies are multiples of
# 1/256 (249, 254, 252 of 256), so 256 were evaluated.
STUDY_TEST_SIZES: dict[str, int] = {"Table 1": 450, "Table 1 sweep": 450, "Table 3": 2000,
                                    "Table 5": 2000, "Table 6": 2000, "Table 10": 1000,
                                    "Table 13": 256}
