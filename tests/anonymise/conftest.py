"""Fixtures for the anonymisation tests: small Adult samples and the independent pyCANON check."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def adult_small(adult):
    """2,000 Adult rows (seeded), with their original index labels."""
    return adult.frame.sample(2000, random_state=7)


@pytest.fixture(scope="session")
def adult_tiny(adult):
    """400 Adult rows: small enough for pyCANON's slow l / t checks."""
    return adult.frame.sample(400, random_state=3)
