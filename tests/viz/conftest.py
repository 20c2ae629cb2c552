"""A plain-data DP sweep and k-anonymity sweep (no training): figures are pure functions of results."""

from __future__ import annotations

import math

import pytest

from workbench.tradeoff import TradeoffPoint, TradeoffResult


def _dp_point(i: int, eps: float) -> TradeoffPoint:
    private = math.isfinite(eps)
    statement = {"epsilon": eps if private else "inf", "delta": 1e-5, "accountant": "prv", "noise_multiplier": 1.3}
    return TradeoffPoint(
        technique="dp",
        parameter="epsilon",
        value=eps,
        epsilon=eps,
        delta=1e-5 if private else None,
        utility={"accuracy": 0.80 + 0.01 * i, "auc": 0.85 + 0.01 * i},
        leakage={"mia_auc": 0.5 + 0.01 * i, "mia_advantage": 0.01 * i, "epsilon_lower_bound": 0.05 * i},
        statement=statement,
        details={
            "roc": {"fpr": [0.0, 0.001, 0.01, 0.1, 1.0], "tpr": [0.0, 0.002, 0.02, 0.15, 1.0]},
            "history": [{"epoch": 1, "loss": 0.5, "accuracy": 0.8, "epsilon": eps / 2}],
        },
        index=i,
    )


@pytest.fixture
def dp_result() -> TradeoffResult:
    grid = (0.5, 1.0, 4.0, math.inf)
    return TradeoffResult(
        points=tuple(_dp_point(i, e) for i, e in enumerate(grid)),
        technique="dp",
        parameter="epsilon",
        dataset={"name": "adult"},
        grid=grid,
        spends_budget=True,
    )


@pytest.fixture
def kanon_result() -> TradeoffResult:
    points = tuple(
        TradeoffPoint(
            technique="k-anonymity",
            parameter="k",
            value=float(k),
            k=float(k),
            utility={"accuracy": 0.84 - 0.01 * i, "accuracy_original": 0.85, "information_loss": 0.1 * (i + 1)},
            leakage={"reidentification_rate": 0.3 / (i + 1), "prosecutor_risk": 1 / k},
            statement={"k": k, "method": "mondrian", "suppressed": 3},
            details={"class_sizes": {"size": [k, k + 1, 3 * k], "count": [10, 4, 1]}},
            index=i,
        )
        for i, k in enumerate((2, 5, 10))
    )
    return TradeoffResult(points=points, technique="k-anonymity", parameter="k", grid=(2.0, 5.0, 10.0))
