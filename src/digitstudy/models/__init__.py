"""Keras models of the study and the shared training loop. Importing these imports TensorFlow."""
