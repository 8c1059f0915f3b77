"""Data-preparation components: fetch the raw datasets and derive features from them.

Each is one call of its library step (``digitstudy.steps``) under the same name; ``settings``
is the step's own share of the profile, so its cache key moves only with those settings."""

from kfp.dsl import Dataset, Input, Model, Output

from components.settings import component


@component
def fetch_fsdd(settings: dict, source: str, fingerprint: str, dataset: Output[Dataset]):
    """FSDD wavs from a local folder, s3://datasets/... or the canonical release
    (``fingerprint``: of the objects under an s3:// source; in the cache key only)."""
    from digitstudy.steps import run_step

    run_step("fetch-fsdd", settings, dataset=dataset.path, source=source)


@component
def fetch_mnist(settings: dict, source: str, fingerprint: str, dataset: Output[Dataset]):
    """MNIST idx/npz files from a local folder, s3://datasets/... or the canonical files
    (``fingerprint``: of the objects under an s3:// source; in the cache key only)."""
    from digitstudy.steps import run_step

    run_step("fetch-mnist", settings, dataset=dataset.path, source=source)


@component
def mfcc_features(settings: dict, dataset: Input[Dataset], features: Output[Dataset]):
    from digitstudy.steps import run_step

    run_step("mfcc-features", settings, dataset=dataset.path, features=features.path)


@component
def spectrogram_images(settings: dict, dataset: Input[Dataset], images: Output[Dataset]):
    from digitstudy.steps import run_step

    run_step("spectrogram-images", settings, dataset=dataset.path, images=images.path)


@component
def reduced_mnist(settings: dict, dataset: Input[Dataset], reduced: Output[Dataset]):
    from digitstudy.steps import run_step

    run_step("reduced-mnist", settings, dataset=dataset.path, reduced=reduced.path)


@component
def p4a_reduced_mnist(settings: dict, dataset: Input[Dataset], reduced: Output[Dataset]):
    """Part A's ReducedMNIST sample, shared by all its model x seed tasks."""
    from digitstudy.steps import run_step

    run_step("p4a-reduced-mnist", settings, dataset=dataset.path, reduced=reduced.path)


@component
def p2_augment(settings: dict, real_size: int, reduced: Input[Dataset], pools: Output[Dataset],
               figure: Output[Dataset]):
    """The augmented pool of one real size (smaller generated counts are its prefixes)."""
    from digitstudy.steps import run_step

    run_step("p2-augment", settings, reduced=reduced.path, pools=pools.path, figure=figure.path,
             real_size=real_size)


@component
def p3_synthesize(settings: dict, variant: str, gan: Input[Model], synthetic: Output[Dataset]):
    """A balanced, labelled synthetic pool from one trained generator ("" or a variant label)."""
    from digitstudy.steps import run_step

    run_step("p3-synthesize", settings, gan=gan.path, synthetic=synthetic.path, variant=variant)
