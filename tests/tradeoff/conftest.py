"""Fixtures of the trade-off tests: a small Adult subset, a real Dask LocalCluster, the timed test technique."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def small_adult(adult):
    """1,500 Adult rows (seeded): enough for DP-SGD and attacks, small enough for seconds per point."""
    import workbench as wb

    frame = adult.frame.sample(n=1500, random_state=0).drop(columns=[])
    return wb.load_dataset(
        frame,
        target="income",
        quasi_identifiers=["age", "workclass", "education", "marital-status", "occupation", "race", "sex"],
        name="adult-small",
    )


@pytest.fixture(scope="session")
def timed_technique():
    from tradeoff_timed import failing_point, timed_point

    from workbench.tradeoff import register_technique

    register_technique("timed", timed_point, parameter="epsilon", replace=True)
    register_technique("failing", failing_point, parameter="k", replace=True)
    return "timed"


@pytest.fixture(scope="session")
def dask_client():
    """A real Dask cluster of two worker processes with one thread each."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=50
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
