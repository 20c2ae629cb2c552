"""Fixtures for the DP-training tests: small Adult subsamples keep the runs to seconds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _few_threads(one_torch_thread):
    """Every test here trains with one torch thread (see tests/conftest.py)."""
