"""Utility of a release: information loss, discernibility, AECS, entropy loss, and ML utility on real test data."""

from workbench.utility._measures import aecs, discernibility, entropy_loss
from workbench.utility._ml import ml_utility

__all__ = ["aecs", "discernibility", "entropy_loss", "ml_utility"]
