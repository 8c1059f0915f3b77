"""Data-preparation components: fetch the raw datasets and derive features from them.

A data step whose dataset no selected part needs writes a SKIPPED marker and returns."""


from kfp.dsl import Dataset, Input, Model, Output

from components.settings import component


@component
def plan_grid(profile: dict, parts: str, grid: str) -> list:
    """The task list of one fan-out for this run (empty when its part is not selected)."""
    from digitstudy.config import profile_from_dict
    from digitstudy.plan import plan_study

    return plan_study(profile_from_dict(profile), parts)[grid]


@component
def fetch_fsdd(profile: dict, parts: str, source: str, dataset: Output[Dataset]):
    """FSDD wavs from a local folder, s3://datasets/... or the canonical release."""
    from digitstudy.plan import dataset_needed
    from digitstudy.steps import run_step, skip_marker

    if not dataset_needed(parts, "fsdd"):
        return skip_marker(dataset.path, "fetch-fsdd")
    run_step("fetch-fsdd", profile, dataset=dataset.path, source=source)


@component
def fetch_mnist(profile: dict, parts: str, source: str, dataset: Output[Dataset]):
    """MNIST idx/npz files from a local folder, s3://datasets/... or the canonical files."""
    from digitstudy.plan import dataset_needed
    from digitstudy.steps import run_step, skip_marker

    if not dataset_needed(parts, "mnist"):
        return skip_marker(dataset.path, "fetch-mnist")
    run_step("fetch-mnist", profile, dataset=dataset.path, source=source)


@component
def mfcc_features(profile: dict, parts: str, dataset: Input[Dataset], features: Output[Dataset]):
    from digitstudy.plan import step_needed
    from digitstudy.steps import run_step, skip_marker

    if not step_needed(parts, "mfcc-features"):
        return skip_marker(features.path, "mfcc-features")
    run_step("mfcc-features", profile, dataset=dataset.path, features=features.path)


@component
def spectrogram_images(profile: dict, parts: str, dataset: Input[Dataset], images: Output[Dataset]):
    from digitstudy.plan import step_needed
    from digitstudy.steps import run_step, skip_marker

    if not step_needed(parts, "spectrogram-images"):
        return skip_marker(images.path, "spectrogram-images")
    run_step("spectrogram-images", profile, dataset=dataset.path, images=images.path)


@component
def reduced_mnist(profile: dict, parts: str, dataset: Input[Dataset], reduced: Output[Dataset]):
    from digitstudy.plan import step_needed
    from digitstudy.steps import run_step, skip_marker

    if not step_needed(parts, "reduced-mnist"):
        return skip_marker(reduced.path, "reduced-mnist")
    run_step("reduced-mnist", profile, dataset=dataset.path, reduced=reduced.path)


@component
def augment(profile: dict, skip: bool, real_size: int, reduced: Input[Dataset], pools: Output[Dataset]):
    """The augmented pool of one real size (smaller generated counts are its prefixes)."""
    from digitstudy.steps import run_step, skip_marker

    if skip:
        return skip_marker(pools.path, "augment")
    run_step("augment", profile, reduced=reduced.path, pools=pools.path, real_size=real_size)


@component
def gather(profile: dict, subdirs: bool, inputs: Input[list[Dataset]], gathered: Output[Dataset]):
    """Fan-in: the outputs of one fan-out as one artifact, for another fan-out to read."""
    from digitstudy.steps import run_step

    run_step("gather", profile, inputs=[a.path for a in inputs], gathered=gathered.path,
             subdirs=subdirs)


@component
def synthesize(profile: dict, skip: bool, gan: Input[Model], synthetic: Output[Dataset]):
    """A balanced, labelled synthetic pool from one trained generator."""
    from digitstudy.steps import run_step, skip_marker

    if skip:
        return skip_marker(synthetic.path, "synthesize")
    run_step("synthesize", profile, gan=gan.path, synthetic=synthetic.path)
