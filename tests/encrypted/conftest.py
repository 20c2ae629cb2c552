"""Trained models for the encrypted-inference tests (small and fast; one of each kind)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tenseal")


def _train(dataset, **kwargs):
    import workbench as wb

    return wb.train(dataset, epsilon=None, epochs=1, public_schema=True, ledger=False, progress=False, **kwargs)


@pytest.fixture(scope="session")
def logreg_run(adult):
    return _train(adult, model="logreg")


@pytest.fixture(scope="session")
def mlp_run(adult):
    return _train(adult, model="mlp", hidden=(8,))


@pytest.fixture(scope="session")
def three_class_run():
    import workbench as wb

    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 3))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2], "y": np.argmax(x, 1).astype(str)})
    return _train(wb.load_dataset(frame, target="y"), model="logreg")


@pytest.fixture(scope="session")
def rows(adult):
    return adult.test.iloc[:300]
