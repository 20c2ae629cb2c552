"""The dp-synthetic sweep shares the table-release axes with k-anonymity: one call each, one figure."""

from __future__ import annotations

import math

import pytest

from tests.synthetic.conftest import BOUNDS


def test_dp_synthetic_and_k_anonymity_on_one_figure(small):
    import workbench as wb
    from workbench.dp import PrivacyLedger
    from workbench.viz import utility_vs_leakage_figure

    ledger = PrivacyLedger()
    syn = wb.tradeoff(small, "dp-synthetic", epsilons=[2.0, None], executor="serial", ledger=ledger,
                      technique_options={"bounds": BOUNDS, "public_schema": True})  # fmt: skip
    kanon = wb.tradeoff(small, "k-anonymity", ks=[5], executor="serial")
    shared = {"accuracy", "reidentification_rate", "linkage_advantage"}
    assert shared <= set(syn.results.columns) and shared <= set(kanon.results.columns)
    private, real = syn.results.iloc[0], syn.results.iloc[1]
    assert private["epsilon"] <= 2.0 and math.isinf(real["epsilon"])
    assert real["reidentification_rate"] == 1.0 and private["mia_advantage"] < real["mia_advantage"]
    assert ledger.spent(small.fingerprint) == math.inf  # the real-table baseline is a release without DP
    assert ledger.entries[0].statement.technique == "dp-synthetic"
    assert ledger.entries[0].statement.epsilon == pytest.approx(private["epsilon"])
    assert len(utility_vs_leakage_figure(kanon, syn).data) == 2
