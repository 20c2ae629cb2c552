"""Fixtures for the federated-learning tests: real Flower runs on small Adult samples (seconds each)."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("flwr", reason='the federated tests need Flower: pip install "privacy-workbench[federated]"')


@pytest.fixture(scope="session", autouse=True)
def _few_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def small_adult(adult):
    """3,000 Adult rows (2,400 train / 600 test, seeded stratified split)."""
    import workbench as wb

    frame = adult.frame.sample(3000, random_state=0).reset_index(drop=True)
    return wb.load_dataset(frame, target="income", name="adult-3000")


@pytest.fixture
def federate_small(small_adult):
    """``wb.federate`` on the small sample with quick defaults (3 clients, 2 rounds, no ledger)."""
    import workbench as wb

    def run(**kwargs):
        options = {"clients": 3, "rounds": 2, "public_schema": True, "ledger": False, **kwargs}
        return wb.federate(small_adult, **options)

    return run
