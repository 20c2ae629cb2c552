"""Fixtures for the headless widget tests: small real data, an executor that stays in-process."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

import workbench as wb

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    return wb.load_dataset("adult").frame.sample(1500, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="session")
def small(small_frame):
    """1,500 Adult rows as a Dataset (roles from the column names)."""
    return wb.load_dataset(small_frame, target="income", name="adult-1500")
