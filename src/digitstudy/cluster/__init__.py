"""Cluster-side helpers without KFP: ``make doctor``, dataset upload, cross-run results."""
