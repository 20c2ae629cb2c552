"""Fixtures shared by every test area."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import pytest

os.environ.setdefault("WORKBENCH_SMOKE", "1")


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a frame's values, index, columns and dtypes: equal before and after means untouched."""
    digest = hashlib.sha256()
    digest.update(repr(list(frame.columns)).encode())
    digest.update(repr([str(t) for t in frame.dtypes]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).values.tobytes())
    return digest.hexdigest()


@pytest.fixture(scope="session")
def adult():
    import workbench as wb

    return wb.load_dataset("adult")


@pytest.fixture(scope="session")
def patients():
    import workbench as wb

    return wb.load_dataset("patients")


@pytest.fixture(scope="session")
def diabetes():
    import workbench as wb

    return wb.load_dataset("diabetes")


@pytest.fixture
def digest():
    """The frame_digest function, for tests that check an input was not mutated."""
    return frame_digest


def pytest_ignore_collect(collection_path, config):
    """Collect conftest files as plugins only, not as doctest modules (same basename in many test folders)."""
    if collection_path.name == "conftest.py":
        return True
    return None
