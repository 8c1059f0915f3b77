"""Keras models of the study and the shared training loop. Importing these imports TensorFlow,
except ``specs`` (the named Problem 4 models as data)."""
