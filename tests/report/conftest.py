"""A real small DP sweep on the synthetic-PII patients data, for report tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def patients_small(patients):
    import dataclasses

    import workbench as wb

    frame = patients.frame.sample(n=1200, random_state=1)
    small = wb.load_dataset(
        frame,
        target="income",
        identifiers=patients.identifiers,
        quasi_identifiers=["age", "sex", "race", "education", "marital-status"],
        name="patients-small",
    )
    return dataclasses.replace(small, source=patients.source)  # a subset of the bundled data: same provenance


@pytest.fixture(scope="session")
def dp_sweep(patients_small):
    import workbench as wb
    from workbench.dp import PrivacyLedger

    return wb.tradeoff(
        patients_small, "dp", epsilons=[1.0, None], epochs=1, executor="serial", ledger=PrivacyLedger(),
        public_schema=True,
    )  # fmt: skip
