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
