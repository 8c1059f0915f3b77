"""A step's result record as Kubeflow UI metrics (duck-typed kfp ``Metrics`` and
``ClassificationMetrics``: the library imports no kfp)."""

from __future__ import annotations


def log_record(record, metrics=None, confusion=None) -> None:
    """Scalars: every record metric plus train_seconds; the confusion matrix comes from the
    record's paired test predictions."""
    if metrics is not None:
        for name, value in record.metrics.items():
            metrics.log_metric(name, float(value))
        metrics.log_metric("train_seconds", float(record.train_seconds))
    if confusion is not None and record.predictions is not None:
        from sklearn.metrics import confusion_matrix

        labels = sorted(set(record.predictions.y_true) | set(record.predictions.y_pred))
        matrix = confusion_matrix(record.predictions.y_true, record.predictions.y_pred,
                                  labels=labels)
        confusion.log_confusion_matrix([str(c) for c in labels], matrix.tolist())
