"""Training components: one task per grid cell (and seed); each writes a result record and
logs its metrics and confusion matrix for the Kubeflow UI."""

from kfp.dsl import ClassificationMetrics, Dataset, Input, Metrics, Model, Output

from components.settings import component


@component
def p1_baseline(profile: dict, skip: bool, seed: int, features: Input[Dataset], result: Output[Model],
                metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p1-baseline")
    record = run_step("p1-baseline", profile, features=features.path, result=result.path, seed=seed)
    publish(record, metrics, confusion)


@component
def p1_autoencoder(profile: dict, skip: bool, bottleneck: int, seed: int, features: Input[Dataset],
                   result: Output[Model], metrics: Output[Metrics],
                   confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p1-autoencoder")
    record = run_step("p1-autoencoder", profile, features=features.path, result=result.path,
                      bottleneck=bottleneck, seed=seed)
    publish(record, metrics, confusion)


@component
def p1_utterance_embedding(profile: dict, skip: bool, seed: int, features: Input[Dataset], result: Output[Model],
                           metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p1-utterance-embedding")
    record = run_step("p1-utterance-embedding", profile, features=features.path, result=result.path,
                      seed=seed)
    publish(record, metrics, confusion)


@component
def classifier_cell(profile: dict, skip: bool, real_size: int, generated: int, seed: int,
                    reduced: Input[Dataset], pools: Input[Dataset], result: Output[Model],
                    metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    """One Table 3 cell: the Table 2 CNN on real + augmented images per class."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "classifier-cell")
    record = run_step("classifier-cell", profile, reduced=reduced.path, pools=pools.path,
                      result=result.path, real_size=real_size, generated=generated, seed=seed)
    publish(record, metrics, confusion)


@component
def attention_mnist(profile: dict, skip: bool, model: str, seed: int, dataset: Input[Dataset],
                    result: Output[Model], metrics: Output[Metrics],
                    confusion: Output[ClassificationMetrics]):
    """One Part A model (Table 10 row) on ReducedMNIST, with its attention maps."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "attention-mnist")
    record = run_step("attention-mnist", profile, dataset=dataset.path, result=result.path,
                      model=model, seed=seed)
    publish(record, metrics, confusion)


@component
def attention_speech(profile: dict, skip: bool, model: str, seed: int, images: Input[Dataset],
                     result: Output[Model], metrics: Output[Metrics],
                     confusion: Output[ClassificationMetrics]):
    """One Part B model (Table 13 row) on FSDD spectrogram images, with Grad-CAM maps."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "attention-speech")
    record = run_step("attention-speech", profile, images=images.path, result=result.path,
                      model=model, seed=seed)
    publish(record, metrics, confusion)


@component
def train_gan(profile: dict, skip: bool, train_set: str, dataset: Input[Dataset],
              reduced: Input[Dataset], gan: Output[Model]):
    """One conditional DCGAN (Table 4) on a real size per class or the full MNIST train set;
    resumes from its checkpoint when retried."""
    from digitstudy.steps import run_step, skip_marker

    if skip:
        return skip_marker(gan.path, "train-gan")
    run_step("train-gan", profile, dataset=dataset.path, reduced=reduced.path, gan=gan.path,
             train_set=train_set)


@component
def train_gan_proposed(profile: dict, skip: bool, reduced: Input[Dataset], pools: Input[Dataset],
                       gan: Output[Model]):
    """Section 3.4: the GAN trained on 300 real + 1000 augmented images per class."""
    from digitstudy.steps import run_step, skip_marker

    if skip:
        return skip_marker(gan.path, "train-gan-proposed")
    run_step("train-gan-proposed", profile, reduced=reduced.path, pools=pools.path, gan=gan.path)


@component
def gan_quality(profile: dict, skip: bool, reduced: Input[Dataset], gan: Input[Model],
                synthetic: Input[Dataset], result: Output[Model], metrics: Output[Metrics]):
    """GAN-test (label fidelity) and GAN-train (usefulness) of one GAN, and its sample grid."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p3-gan-quality")
    record = run_step("p3-gan-quality", profile, reduced=reduced.path, gan=gan.path,
                      synthetic=synthetic.path, result=result.path)
    publish(record, metrics)


@component
def synthetic_cell(profile: dict, skip: bool, real_size: int, synthetic_count: int, gan_kind: str,
                   seed: int, reduced: Input[Dataset], synthetic: Input[Dataset],
                   result: Output[Model], metrics: Output[Metrics],
                   confusion: Output[ClassificationMetrics]):
    """One Table 5 cell: the Table 2 CNN on real + synthetic (specific or full GAN) per class."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p3-synthetic-cell")
    record = run_step("p3-synthetic-cell", profile, reduced=reduced.path, synthetic=synthetic.path,
                      result=result.path, real_size=real_size, synthetic_count=synthetic_count,
                      gan_kind=gan_kind, seed=seed)
    publish(record, metrics, confusion)


@component
def proposed_cell(profile: dict, skip: bool, synthetic_count: int, seed: int,
                  reduced: Input[Dataset], pools: Input[Dataset], synthetic: Input[Dataset],
                  result: Output[Model], metrics: Output[Metrics],
                  confusion: Output[ClassificationMetrics]):
    """One Table 6 cell: real + augmented + synthetic from the proposed pipeline's GAN."""
    from digitstudy.steps import publish, run_step, skip_marker

    if skip:
        return skip_marker(result.path, "p3-proposed-cell")
    record = run_step("p3-proposed-cell", profile, reduced=reduced.path, pools=pools.path,
                      synthetic=synthetic.path, result=result.path,
                      synthetic_count=synthetic_count, seed=seed)
    publish(record, metrics, confusion)
