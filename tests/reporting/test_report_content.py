"""The report says what was run, how sure each accuracy is, and keeps facts apart."""

import json
import math

import pandas as pd
import pytest
from report_records import N_TEST, p1_records

from digitstudy.config import load_profile
from digitstudy.reporting.header import run_header
from digitstudy.reporting.intervals import accuracy_interval, difference_se, z_test_pvalue
from digitstudy.reporting.report import write_report
from digitstudy.reporting.tables import signed


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    profile = load_profile("tiny")
    write_report(p1_records(), out, "tiny-x", "tiny", study_scale=profile.study_scale,
                 profile=profile, sources={"fsdd": "/data/fsdd/recordings"})
    return out


def test_the_interval_of_80_of_90_and_its_test_against_the_study():
    iv = accuracy_interval([80 / 90], [90], study=0.9311)
    assert (iv.correct, iv.n) == (80, 90)
    assert iv.low == pytest.approx(0.8074, abs=1e-4) and iv.high == pytest.approx(0.9385, abs=1e-4)
    assert not iv.significant  # 0.9311 is inside
    assert accuracy_interval([80 / 90], [90], study=0.9511).significant
    # two seeds on the same 10 items: the mean (6 of 10), not 12 of 20 items
    seeds = accuracy_interval([0.5, 0.7], [10, 10])
    assert (seeds.correct, seeds.n, seeds.p_value) == (6, 10, None)


def test_the_se_of_a_difference_adds_both_test_sets_and_the_seed_spread():
    # 0.98 on 1000 items over 3 seeds with sd 0.002, against 0.9810 on the study's 1000
    se = difference_se(0.98, 1000, 0.981, 1000, 0.002, 3)
    assert se == pytest.approx((0.98 * 0.02 / 1000 + 0.981 * 0.019 / 1000 + 0.002 ** 2 / 3) ** 0.5)
    assert se == pytest.approx(0.00629, abs=1e-5)
    # unknown study size and one seed: only this run's test-set SE
    assert difference_se(0.98, 1000, 0.981, None, math.nan, 1) == pytest.approx(
        (0.98 * 0.02 / 1000) ** 0.5)
    assert z_test_pvalue(1.96 * se, se) == pytest.approx(0.05, abs=1e-3)
    assert z_test_pvalue(0.0, 0.0) == 1.0


def test_the_header_gives_per_part_sizes_split_epochs_and_seeds_against_the_study():
    [(title, lines)] = run_header(load_profile("tiny"), p1_records(), {"fsdd": "/data/fsdd"})
    text = "\n".join(lines)
    assert title.startswith("Problem 1")
    assert "FSDD v1.0.10 from /data/fsdd" in text
    assert "60 of the study's 300 (0.2x); 600 in all" in text
    assert "split train/val/test: 420/90/90 (study 2100/450/450)" in text
    assert "baseline 30 (study 100)" in text and "autoencoder 5 (study 100)" in text
    assert "utterance.autoencoder 2 (study 50)" in text
    assert "seeds: 42" in text
    assert f"test items per accuracy: {N_TEST} (one error moves an accuracy by 1.1 points)" in text


def test_markdown_cells_show_interval_signed_delta_and_significance(report):
    md = (report / "report.md").read_text()
    assert "delta = this run \u2212 study" in md
    # SE of delta = sqrt(.8889 * .1111 / 90 + .9311 * .0689 / 450) = 0.0352; z = 1.20
    assert ("| Baseline | Test accuracy | 0.9311 | 0.8889 | 0.807\u20130.939 (n=90) | \u22120.0422 "
            "| 0.0352 | no (p=0.23) |") in md
    assert "0.1x" not in md  # no single global scale claim
    assert "Facts (not compared): Feature dimension: Baseline 13 (study 13)" in md
    assert "| Baseline | Feature dimension" not in md


def test_html_has_the_same_legend_human_columns_and_signed_deltas(report):
    html = (report / "index.html").read_text()
    assert "delta = this run \u2212 study" in html
    for column in ("Study", "This run", "95% interval (n)", "Delta", "SE of delta", "Significant?"):
        assert f">{column}</th>" in html
    assert "study_value" not in html and "run_value" not in html
    assert "\u22120.0422" in html
    assert "60 of the study&#x27;s 300 (0.2x)" in html or "60 of the study's 300 (0.2x)" in html


def test_facts_are_not_metrics(report):
    headline = json.loads((report / "headline.json").read_text())
    assert not any("feature_dimension" in k for k in headline)
    csv = pd.read_csv(report / "results.csv")
    facts = csv[csv.kind == "fact"]
    assert set(facts.column) == {"Feature dimension"} and facts.delta.isna().all()


def test_signed_deltas():
    assert signed(0.0123) == "+0.0123" and signed(-0.0422) == "\u22120.0422"


def test_figures_have_distinct_titles(report):
    md = (report / "report.md").read_text()
    captions = [line for line in md.splitlines() if line.startswith("![")]
    assert len(captions) == len(set(captions))
    assert any("training curves" in c for c in captions) and any(
        "confusion matrix" in c for c in captions
    )


def test_the_header_reads_the_split_the_steps_used_from_their_records():
    records = p1_records()
    for r in records:  # counts the P1 steps took from the mfcc-features artifact
        r.metrics.update(train_images=421.0, val_images=89.0)
    [(_, lines)] = run_header(load_profile("tiny"), records)
    assert "split train/val/test: 421/89/90 (study 2100/450/450)" in lines
    for r in records:
        del r.metrics["val_images"]
    [(_, lines)] = run_header(load_profile("tiny"), records)
    assert "split train/val/test: not in the records (study 2100/450/450)" in lines
