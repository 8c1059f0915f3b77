"""Problem 1 records on a 90-item test set, as the tiny profile makes them."""

import numpy as np

from digitstudy.reporting.records import Predictions, ResultRecord

N_TEST = 90


def p1_record(experiment: str, correct: int, seed: int = 42, epochs: int = 3,
              **cell) -> ResultRecord:
    y_true = np.arange(N_TEST) % 10
    y_pred = y_true.copy()
    y_pred[correct:] = (y_pred[correct:] + 1) % 10
    dim = float(cell.get("bottleneck", 32 if experiment == "p1-utterance-embedding" else 13))
    hist = {k: list(np.linspace(a, b, epochs)) for k, a, b in
            (("loss", 2.0, 0.5), ("val_loss", 2.1, 0.7), ("accuracy", 0.2, 0.9),
             ("val_accuracy", 0.1, 0.8))}
    return ResultRecord(experiment=experiment, part="p1", cell=cell, seed=seed, profile="tiny",
                        metrics={"test_accuracy": correct / N_TEST, "test_loss": 0.4,
                                 "feature_dim": dim,
                                 "train_images": 420.0, "val_images": 90.0,
                                 "test_images": float(N_TEST)},
                        train_seconds=1.0, history=hist,
                        predictions=Predictions(y_true=y_true.tolist(), y_pred=y_pred.tolist()))


def p1_records() -> list[ResultRecord]:
    return ([p1_record("p1-baseline", 80), p1_record("p1-utterance-embedding", 25)]
            + [p1_record("p1-autoencoder", 58 + i, bottleneck=b) for i, b in enumerate((50, 300))])
