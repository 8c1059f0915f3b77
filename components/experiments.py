"""Training components: one task per grid cell (and seed); each writes a result record
(an ``Artifact``) and logs its metrics and confusion matrix for the Kubeflow UI.

Each is one call of its registry step (``digitstudy.steps``), named in its decorator."""

from kfp.dsl import Artifact, ClassificationMetrics, Dataset, Input, Metrics, Model, Output

from components import component
from digitstudy import steps


@component(steps.P1_BASELINE)
def p1_baseline(settings: dict, seed: int, split_index: int, features: Input[Dataset],
                result: Output[Artifact], metrics: Output[Metrics],
                confusion: Output[ClassificationMetrics]):
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P1_BASELINE, settings, features=features.path, result=result.path,
                        seed=seed, split_index=split_index), metrics, confusion)


@component(steps.P1_AUTOENCODER)
def p1_autoencoder(settings: dict, bottleneck: int, l2_scope: str, seed: int, split_index: int,
                   features: Input[Dataset], result: Output[Artifact], metrics: Output[Metrics],
                   confusion: Output[ClassificationMetrics]):
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P1_AUTOENCODER, settings, features=features.path, result=result.path,
                        bottleneck=bottleneck, l2_scope=l2_scope, seed=seed,
                        split_index=split_index), metrics, confusion)


@component(steps.P1_UTTERANCE_EMBEDDING)
def p1_utterance_embedding(settings: dict, seed: int, features: Input[Dataset],
                           result: Output[Artifact], metrics: Output[Metrics],
                           confusion: Output[ClassificationMetrics]):
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P1_UTTERANCE_EMBEDDING, settings, features=features.path,
                        result=result.path, seed=seed), metrics, confusion)


@component(steps.P2_CLASSIFIER_CELL)
def p2_classifier_cell(settings: dict, real_size: int, generated: int, seed: int,
                       reduced: Input[Dataset], pools: Input[Dataset], result: Output[Artifact],
                       metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    """One Table 3 cell: the Table 2 CNN on real + augmented images per class."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P2_CLASSIFIER_CELL, settings, reduced=reduced.path, pools=pools.path,
                        result=result.path, real_size=real_size, generated=generated, seed=seed),
               metrics, confusion)


@component(steps.P3_TRAIN_GAN)
def p3_train_gan(settings: dict, real_size: int, reduced: Input[Dataset], gan: Output[Model]):
    """The size-specific conditional DCGAN (Table 4) of one Table 5 row."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_TRAIN_GAN, settings, reduced=reduced.path, gan=gan.path, real_size=real_size)


@component(steps.P3_TRAIN_GAN_FULL)
def p3_train_gan_full(settings: dict, dataset: Input[Dataset], reduced: Input[Dataset],
                      gan: Output[Model]):
    """The conditional DCGAN on the full MNIST train split (Table 5's "full" GAN)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_TRAIN_GAN_FULL, settings, dataset=dataset.path, reduced=reduced.path,
             gan=gan.path)


@component(steps.P3_TRAIN_GAN_PROPOSED)
def p3_train_gan_proposed(settings: dict, reduced: Input[Dataset], pools: Input[Dataset],
                          gan: Output[Model]):
    """Section 3.4: the GAN trained on 300 real + 1000 augmented images per class."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_TRAIN_GAN_PROPOSED, settings, reduced=reduced.path, pools=pools.path,
             gan=gan.path)


@component(steps.P3_GAN_QUALITY)
def p3_gan_quality(settings: dict, reduced: Input[Dataset], gan: Input[Model],
                   synthetic: Input[Dataset], result: Output[Artifact], metrics: Output[Metrics]):
    """GAN-test (label fidelity) and GAN-train (usefulness) of one GAN, and its sample grid."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P3_GAN_QUALITY, settings, reduced=reduced.path, gan=gan.path,
                        synthetic=synthetic.path, result=result.path), metrics)


@component(steps.P3_TRAIN_GAN_VARIANT)
def p3_train_gan_variant(settings: dict, real_size: int, variant: str, reduced: Input[Dataset],
                         gan: Output[Model]):
    """The GAN of one labelled variant row (p3.variants; "filtered": the default GAN)."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_TRAIN_GAN_VARIANT, settings, reduced=reduced.path, gan=gan.path,
             real_size=real_size, variant=variant)


@component(steps.P3_SYNTHESIZE_VARIANT)
def p3_synthesize_variant(settings: dict, real_size: int, variant: str, reduced: Input[Dataset],
                          gan: Input[Model], synthetic: Output[Dataset]):
    """The labelled pool of one variant row (filtered synthesis for "filtered")."""
    from digitstudy import steps
    from digitstudy.runner import run_step

    run_step(steps.P3_SYNTHESIZE_VARIANT, settings, reduced=reduced.path, gan=gan.path,
             synthetic=synthetic.path, real_size=real_size, variant=variant)


@component(steps.P3_SYNTHETIC_CELL)
def p3_synthetic_cell(settings: dict, real_size: int, synthetic_count: int, gan_kind: str,
                      seed: int, reduced: Input[Dataset], synthetic: Input[Dataset],
                      result: Output[Artifact], metrics: Output[Metrics],
                      confusion: Output[ClassificationMetrics]):
    """One Table 5 cell: the Table 2 CNN on real + synthetic (specific or full GAN) per class."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P3_SYNTHETIC_CELL, settings, reduced=reduced.path,
                        synthetic=synthetic.path, result=result.path, real_size=real_size,
                        synthetic_count=synthetic_count, gan_kind=gan_kind, seed=seed),
               metrics, confusion)


@component(steps.P3_PROPOSED_CELL)
def p3_proposed_cell(settings: dict, synthetic_count: int, seed: int, reduced: Input[Dataset],
                        pools: Input[Dataset], synthetic: Input[Dataset], result: Output[Artifact],
                        metrics: Output[Metrics], confusion: Output[ClassificationMetrics]):
    """One Table 6 cell: real + augmented + synthetic from the proposed pipeline's GAN."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P3_PROPOSED_CELL, settings, reduced=reduced.path, pools=pools.path,
                        synthetic=synthetic.path, result=result.path,
                        synthetic_count=synthetic_count, seed=seed), metrics, confusion)


@component(steps.P4A_ATTENTION_MNIST)
def p4a_attention_mnist(settings: dict, model: str, seed: int, reduced: Input[Dataset],
                        result: Output[Artifact], metrics: Output[Metrics],
                        confusion: Output[ClassificationMetrics]):
    """One Part A model (Table 10 row) on ReducedMNIST, with its attention maps."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P4A_ATTENTION_MNIST, settings, reduced=reduced.path,
                        result=result.path, model=model, seed=seed), metrics, confusion)


@component(steps.P4B_ATTENTION_SPEECH)
def p4b_attention_speech(settings: dict, model: str, seed: int, images: Input[Dataset],
                         result: Output[Artifact], metrics: Output[Metrics],
                         confusion: Output[ClassificationMetrics]):
    """One Part B model (Table 13 row) on FSDD spectrogram images, with Grad-CAM maps."""
    from digitstudy import steps
    from digitstudy.runner import run_step
    from digitstudy.ui_metrics import log_record

    log_record(run_step(steps.P4B_ATTENTION_SPEECH, settings, images=images.path,
                        result=result.path, model=model, seed=seed), metrics, confusion)
