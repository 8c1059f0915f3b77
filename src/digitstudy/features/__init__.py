"""Feature extraction from FSDD audio (NumPy/librosa only; no TensorFlow)."""
