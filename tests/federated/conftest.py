"""Fixtures for the federated-learning tests: real Flower runs on small Adult samples (seconds each)."""

from __future__ import annotations

import pytest

pytest.importorskip("flwr", reason='the federated tests need Flower: pip install "privacy-workbench[federated]"')


@pytest.fixture(scope="session", autouse=True)
def _few_threads(one_torch_thread):
    """Every test here trains with one torch thread (see tests/conftest.py)."""


@pytest.fixture
def federate_small(small_adult):
    """``wb.federate`` on the small sample with quick defaults (3 clients, 2 rounds, no ledger)."""
    import workbench as wb

    def run(**kwargs):
        options = {"clients": 3, "rounds": 2, "public_schema": True, "ledger": False, **kwargs}
        return wb.federate(small_adult, **options)

    return run
