"""localkfp.run_timing: where a run's time went, from its pods."""

from __future__ import annotations

from localkfp import run_timing


def pod(name: str, created: str, main: tuple[str, str] | None, init: tuple[str, str]) -> dict:
    def ended(span):
        return {"terminated": {"startedAt": span[0], "finishedAt": span[1]}}

    statuses = [{"name": "init", "state": ended(init)}]
    if main:
        statuses.append({"name": "main", "state": ended(main)})
    return {"metadata": {"name": name, "creationTimestamp": created},
            "status": {"containerStatuses": statuses}}


T = "2026-12-07T01:00:{:02d}Z"


def test_most_at_once_counts_overlapping_main_containers_only():
    pods = [pod("a-system-container-impl-1", T.format(0), (T.format(10), T.format(30)),
                (T.format(1), T.format(2))),
            pod("b-system-container-impl-2", T.format(0), (T.format(20), T.format(40)),
                (T.format(1), T.format(2))),
            # starts as a ends: not at once with it
            pod("c-system-container-impl-3", T.format(0), (T.format(30), T.format(35)),
                (T.format(1), T.format(2))),
            pod("d-system-dag-driver-4", T.format(0), None, (T.format(0), T.format(59)))]
    spans = run_timing.main_spans(pods)
    assert len(spans) == 3
    assert run_timing.most_at_once(spans) == 2
    assert run_timing.most_at_once(spans[:1] + spans[2:]) == 1
    assert run_timing.most_at_once([]) == 0


def test_summary_splits_executor_time_before_and_in_main():
    pods = [pod("a-system-container-impl-1", T.format(0), (T.format(10), T.format(30)),
                (T.format(1), T.format(2))),
            pod("d-system-dag-driver-4", T.format(0), None, (T.format(0), T.format(5)))]
    workflow = {"status": {"startedAt": T.format(0), "finishedAt": T.format(40)}}
    result = run_timing.summary(workflow, pods)
    assert result["wall_s"] == 40
    assert result["pods"]["container-impl"]["sum_s"] == 30
    assert result["pods"]["dag-driver"]["sum_s"] == 5
    assert result["executor_before_main_s"]["mean_s"] == 10
    assert result["executor_main_s"]["mean_s"] == 20
    assert result["executor_main_most_at_once"] == 1
