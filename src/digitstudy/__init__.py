"""digitstudy: scarce-data digit recognition study (autoencoders, augmentation, GANs, attention).

The library knows nothing about Kubeflow: every step is a plain function reachable from
``python -m digitstudy <step>`` and wrapped by a thin KFP component in ``components/``.
"""

__version__ = "0.1.0"
