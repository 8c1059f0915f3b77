"""The local cluster's smoke pipeline: two steps passing an artifact, and a ``ParallelFor`` of 3
gathered with ``dsl.Collected`` into a consumer. (No ``from __future__ import annotations``:
KFP reads the components' annotations as types.)"""

from kfp import dsl
from kfp.dsl import Dataset, Input, Output

ITEMS = [1, 2, 3]


def smoke_pipeline(image: str):
    """The pipeline, its components in ``image`` (one holding kfp: the project's CPU image)."""

    @dsl.component(base_image=image, install_kfp_package=False)
    def produce(text: str, data: Output[Dataset]):
        with open(data.path, "w") as f:
            f.write(text)

    @dsl.component(base_image=image, install_kfp_package=False)
    def shout(data: Input[Dataset]) -> str:
        with open(data.path) as f:
            return f.read().upper()

    @dsl.component(base_image=image, install_kfp_package=False)
    def square(x: int) -> int:
        return x * x

    @dsl.component(base_image=image, install_kfp_package=False)
    def total(values: list) -> int:
        return sum(values)

    @dsl.pipeline(name="localkfp-smoke")
    def smoke() -> int:
        produced = produce(text="digits").set_caching_options(False)
        shout(data=produced.outputs["data"]).set_caching_options(False)
        with dsl.ParallelFor(ITEMS) as x:
            squared = square(x=x).set_caching_options(False)
        return total(values=dsl.Collected(squared.output)).set_caching_options(False).output

    return smoke
