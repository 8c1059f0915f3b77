"""Problem 4 Part B: spoken digits as spectrogram images (study section 6, Tables 11-13).

One step runs one model with one seed on the spectrogram-images artifact (pixels / 255):
Adam(lr, clipnorm), early stopping on the validation split with the best weights
restored, Gaussian noise on the training images of the listed models; the record holds
test accuracy, the fit's wall time and the paired test predictions; the figures are the
accuracy/loss curves (Figure 15), Grad-CAM over test spectrograms (Figure 16) and the
model's attention weights.
"""

from __future__ import annotations

import logging
from pathlib import Path

from digitstudy.config.p4 import SPEECH_MODEL_NAMES
from digitstudy.config.sections import SettingsView
from digitstudy.experiments import attention_common as common
from digitstudy.features.spectrogram import SpectrogramImages
from digitstudy.models.attention_cnn import last_conv_layer
from digitstudy.models.gradcam import grad_cam
from digitstudy.reporting.plots_attention import plot_map_overlays
from digitstudy.reporting.records import ResultRecord

log = logging.getLogger(__name__)

def attention_speech_step(settings: SettingsView, *, images: Path, result: Path, model: str,
                          seed: int) -> ResultRecord:
    """Train and test one Part B model (``profile.p4b``) on spectrogram images."""
    if model not in SPEECH_MODEL_NAMES:
        raise ValueError(f"{settings.step}: unknown model {model!r}; known: {SPEECH_MODEL_NAMES}")
    cfg = settings.p4b
    data = SpectrogramImages.load(images)
    train, val, test = (common.Split(*data.arrays(s)) for s in ("train", "val", "test"))
    if len(test.y) == 0 or len(train.y) == 0:
        raise ValueError(f"{images}: the spectrogram images have {len(train.y)} train and "
                         f"{len(test.y)} test images; both are needed")
    noise = cfg.noise_std if model in cfg.noise_models else 0.0
    notes = [f"test set: all {len(test.y)} test-split images (the study's accuracies are "
             "multiples of 1/256)"]
    if noise:
        notes.append(f"Gaussian noise std {noise} on training images only")
    run = common.Run(settings.step, settings.part, model, seed, cfg.train, clipnorm=cfg.clipnorm,
                     input_noise=noise, cbam_pooling=tuple(cfg.cbam_channel_pooling))
    net, record = common.train_and_evaluate(run, settings.name, train, val if len(val.y) else None,
                                     test, result, notes)
    pick = common.example_indices(test.y, count=cfg.map_examples)
    titles = common.example_titles(record, pick)
    layer = last_conv_layer(net)
    cams = grad_cam(net, test.x[pick], layer)
    record.files["gradcam"] = plot_map_overlays(
        test.x[pick], cams, titles, result / "gradcam.png", map_label="Grad-CAM",
        title=f"{model}: Grad-CAM of the predicted class at {layer}").name
    record.files.update(common.draw_attention(net, test.x[pick], titles, result))
    return common.finish(record, result)
