"""The pipeline of the live retry check (test_live.py): a step that fails on its first
attempt (KFP_RETRY_INDEX=0) and succeeds on the next, once outside and twice inside a
dsl.ParallelFor. Compiled offline through KFP's own backend compiler by
tests/localkfp/test_backend_check.py. (No `from __future__ import
annotations`: KFP reads the component's annotations as types.)"""


from kfp import dsl

from components.images import CPU_IMAGE

RETRIES = {"num_retries": 2, "backoff_duration": "5s", "backoff_factor": 2,
           "backoff_max_duration": "900s"}


@dsl.component(base_image=CPU_IMAGE, install_kfp_package=False)
def fail_first_attempt(item: int) -> str:
    import os
    import sys

    index = os.environ.get("KFP_RETRY_INDEX")
    print(f"item {item}: KFP_RETRY_INDEX={index!r}")
    if index is None:
        sys.exit("KFP_RETRY_INDEX is not set: this task has no retry strategy")
    if index == "0":
        sys.exit(f"item {item}: failing the first attempt on purpose")
    return index


def retried(task):
    return task.set_retry(**RETRIES).set_caching_options(False)


@dsl.pipeline(name="digitstudy-retry-check")
def retry_check():
    retried(fail_first_attempt(item=0))  # outside a loop
    with dsl.ParallelFor([1, 2]) as item:
        retried(fail_first_attempt(item=item))
