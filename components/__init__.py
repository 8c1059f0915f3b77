"""Kubeflow Pipelines components: one thin wrapper per library step (see ../DESIGN)."""
