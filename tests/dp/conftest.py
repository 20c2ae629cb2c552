"""Fixtures for the DP-training tests: small Adult subsamples keep the runs to seconds."""

from __future__ import annotations

import pytest
import torch


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
