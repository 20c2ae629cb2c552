"""Datasets: bundled ones (Adult, diabetes, a synthetic PII demo) and the user's own files or DataFrames."""

from workbench.datasets._dataset import Dataset, Provenance
from workbench.datasets._load import available_datasets, bundled_provenance, load_dataset

__all__ = ["Dataset", "Provenance", "available_datasets", "bundled_provenance", "load_dataset"]
