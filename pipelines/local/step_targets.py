"""Imported by the warm fork server (``warm_python.preload_modules``): every registry step's
target, so a forked task starts with its module (TensorFlow, Keras, librosa) loaded."""

from digitstudy.steps import STEPS

for _step in STEPS.values():
    _step.load()
