"""The named Problem 4 models as configuration: conv stages, attention placements, dense head.

TensorFlow-free (the profile checks its model names against these keys; the report reads a
variant's note here). :mod:`digitstudy.models.attention_cnn` builds a Keras model from a
spec. The keys are the profile's model names and the rows of the study's Tables 10 and 13;
a model that is not a study row is a labelled variant and says what it is in ``note``.
Adding a model row: one entry here, then its name in the profiles' ``models`` lists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal


@dataclass(frozen=True)
class Stage:
    """Conv(filters, kernel, ReLU, valid) [-> BatchNorm] then pooling 2x2 and attention."""

    filters: int
    kernel: int
    pool: Literal["max", "avg"]
    batch_norm: bool = False
    attention: str | None = None  # an attention_cnn.BLOCKS key
    attend: Literal["after_pool", "before_pool"] = "after_pool"
    dropout: float = 0.0  # after the attention block (Part B hybrid)


@dataclass(frozen=True)
class CnnSpec:
    stages: tuple[Stage, ...]
    dense: tuple[int, ...]  # hidden Dense(ReLU) widths before the 10-way softmax
    dense_dropout: tuple[float, ...] = ()  # Dropout after each hidden Dense (0 = none)
    l2: float = 0.0  # L2 on the hidden Dense kernels
    note: str = ""  # a labelled variant (not a study row): what it is, for the table's note

    def with_attention(self, placements: dict[int, str], **stage_changes) -> CnnSpec:
        """This spec with block ``placements[i]`` in stage ``i`` (0-based) and stage changes."""
        stages = tuple(
            replace(s, attention=placements.get(i, s.attention), **stage_changes)
            for i, s in enumerate(self.stages)
        )
        return replace(self, stages=stages)

    @property
    def blocks(self) -> tuple[str, ...]:
        """The attention blocks of its stages, in order."""
        return tuple(s.attention for s in self.stages if s.attention)


_MNIST_BASE = CnnSpec(stages=(Stage(32, 3, "max"), Stage(64, 3, "max")), dense=(128,),
                      dense_dropout=(0.3,))
MNIST_MODELS: dict[str, CnnSpec] = {
    "base_cnn": _MNIST_BASE,
    "spatial_attention": _MNIST_BASE.with_attention({0: "spatial"}),
    "self_attention": _MNIST_BASE.with_attention({1: "self"}),
    "self_attention_add_norm": replace(
        _MNIST_BASE.with_attention({1: "self_add_norm"}),
        note="self-attention as LayerNorm(x + MHA(x)) (the Transformer's add & norm); the "
             "study's row self_attention is its literal MHA -> LayerNorm"),
    "cbam": _MNIST_BASE.with_attention({0: "cbam"}),
    "se": _MNIST_BASE.with_attention({0: "se"}),
}

_LENET = CnnSpec(stages=(Stage(6, 5, "avg"), Stage(16, 5, "avg")), dense=(120, 84))
SPEECH_MODELS: dict[str, CnnSpec] = {
    "baseline_lenet": _LENET,
    "cnn_with_cbam": _LENET.with_attention({0: "cbam", 1: "cbam"}, batch_norm=True,
                                           attend="before_pool"),
    "hybrid_channel_attention": replace(
        _LENET.with_attention({0: "channel_ln", 1: "channel_ln"}, batch_norm=True,
                              attend="before_pool", dropout=0.1),
        dense_dropout=(0.5, 0.5), l2=1e-3),
}
