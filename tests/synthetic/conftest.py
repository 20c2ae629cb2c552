"""Small tables and fits shared by the synthetic-data tests (each fit compiles one JAX program: keep them few)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("mbi")
pytest.importorskip("opendp")

BOUNDS = {"age": (17, 90), "hours": (1, 99)}
CATEGORIES = {"sex": ["F", "M"], "education": ["school", "college", "degree"], "income": ["<=50K", ">50K"]}


def small_frame(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """A table with real structure: income depends on education and hours, hours on sex."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n)
    education = rng.choice(["school", "college", "degree"], n, p=[0.5, 0.3, 0.2])
    age = rng.integers(17, 91, n)
    hours = np.clip(np.round(rng.normal(np.where(sex == "M", 44, 36), 8)), 1, 99).astype(np.int64)
    score = 0.9 * (education == "degree") + 0.5 * (education == "college") + (hours - 40) / 20
    income = np.where(score + rng.normal(0, 0.5, n) > 0.8, ">50K", "<=50K")
    return pd.DataFrame(
        {
            "name": [f"person {i}" for i in range(n)],
            "age": age,
            "sex": pd.Categorical(sex, categories=CATEGORIES["sex"]),
            "education": pd.Categorical(education, categories=CATEGORIES["education"]),
            "hours": hours,
            "income": pd.Categorical(income, categories=CATEGORIES["income"]),
        }
    )


@pytest.fixture(scope="session")
def small():
    import workbench as wb

    return wb.load_dataset(small_frame(), target="income", identifiers=["name"], name="small")


@pytest.fixture(scope="session")
def fit(small):
    """One fit at ε = 1 (with metrics)."""
    from workbench.synthetic import synthesise

    return synthesise(small, epsilon=1.0, bounds=BOUNDS, public_schema=True, seed=0, ledger=False)
