"""Data-preparation components: fetch the raw datasets and derive features from them.

Each is one call of its registry step (``digitstudy.steps``, named in its decorator); ``settings``
is the step's own share of the profile, so its cache key moves only with those settings."""

from kfp.dsl import Dataset, Input, Model, Output

from components import component
from digitstudy import steps


@component(steps.FETCH_FSDD)
def fetch_fsdd(settings: dict, source: str, fingerprint: str, dataset: Output[Dataset]):
    """FSDD wavs from a local folder, s3://datasets/... or the canonical release
    (``fingerprint``: of the objects under an s3:// source; in the cache key only)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.FETCH_FSDD, settings, dataset=dataset.path, source=source)


@component(steps.FETCH_MNIST)
def fetch_mnist(settings: dict, source: str, fingerprint: str, dataset: Output[Dataset]):
    """MNIST idx/npz files from a local folder, s3://datasets/... or the canonical files
    (``fingerprint``: of the objects under an s3:// source; in the cache key only)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.FETCH_MNIST, settings, dataset=dataset.path, source=source)


@component(steps.MFCC_FEATURES)
def mfcc_features(settings: dict, dataset: Input[Dataset], features: Output[Dataset]):
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.MFCC_FEATURES, settings, dataset=dataset.path, features=features.path)


@component(steps.SPECTROGRAM_IMAGES)
def spectrogram_images(settings: dict, dataset: Input[Dataset], images: Output[Dataset]):
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.SPECTROGRAM_IMAGES, settings, dataset=dataset.path, images=images.path)


@component(steps.REDUCED_MNIST)
def reduced_mnist(settings: dict, dataset: Input[Dataset], reduced: Output[Dataset]):
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.REDUCED_MNIST, settings, dataset=dataset.path, reduced=reduced.path)


@component(steps.P4A_REDUCED_MNIST)
def p4a_reduced_mnist(settings: dict, dataset: Input[Dataset], reduced: Output[Dataset]):
    """Part A's ReducedMNIST sample, shared by all its model x seed tasks."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P4A_REDUCED_MNIST, settings, dataset=dataset.path, reduced=reduced.path)


@component(steps.P2_AUGMENT)
def p2_augment(settings: dict, real_size: int, reduced: Input[Dataset], pools: Output[Dataset],
               figure: Output[Dataset]):
    """The augmented pool of one real size (smaller generated counts are its prefixes)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P2_AUGMENT, settings, reduced=reduced.path, pools=pools.path, figure=figure.path,
             real_size=real_size)


@component(steps.P3_SYNTHESIZE)
def p3_synthesize(settings: dict, variant: str, gan: Input[Model], synthetic: Output[Dataset]):
    """A balanced, labelled synthetic pool from one trained generator ("" or a variant label)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_SYNTHESIZE, settings, gan=gan.path, synthetic=synthetic.path, variant=variant)
