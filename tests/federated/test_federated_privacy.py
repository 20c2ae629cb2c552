"""Both DP units' statements recomputed by Opacus's accountants; the ledger; the audit of a federated model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from workbench.dp import defaults as wb_defaults


def _opacus_epsilon(kind: str, sigma: float, rate: float, steps: int, delta: float, eps_error=None) -> float:
    from opacus.accountants import PRVAccountant, RDPAccountant

    accountant = RDPAccountant() if kind == "rdp" else PRVAccountant()
    accountant.history = [(sigma, rate, steps)]
    if kind == "rdp":
        return accountant.get_epsilon(delta)
    return accountant.get_epsilon(delta, eps_error=eps_error)


@pytest.mark.parametrize("accountant", ["rdp", "prv"])
def test_record_level_statement_matches_opacus_for_every_client(federate_small, accountant):
    fl = federate_small(partition="dirichlet", alpha=1.0, dp="record", epsilon=1.0, accountant=accountant)
    s = fl.statement
    assert s.unit == "record" and s.private and s.epsilon <= 1.0 and s.accountant == accountant
    batch = fl.federated_config.batch_size  # unset: the size-aware rule for the median client's rows
    assert fl.federated_config.defaults_rule == "size-aware-v2"
    assert batch == wb_defaults.size_aware_defaults(int(np.median(fl.clients["rows"])))["batch_size"]
    per_round = [math.ceil(n / min(batch, n)) for n in fl.clients["rows"]]
    for cid, (sigma, rate, steps) in enumerate(zip(s.client_noise, s.client_rates, s.client_steps, strict=True)):
        assert rate == pytest.approx(1 / per_round[cid]) and steps == 2 * per_round[cid]
        independent = _opacus_epsilon("rdp", sigma, rate, steps, s.delta)
        if accountant == "rdp":
            assert s.client_epsilons[cid] == pytest.approx(independent, rel=1e-9)
        else:  # PRV is tighter than RDP and equals Opacus's PRV with the same error allowance
            assert s.client_epsilons[cid] <= independent
        assert s.client_epsilons[cid] <= 1.0
    assert s.epsilon == pytest.approx(max(s.client_epsilons)) and s.recompute() == pytest.approx(s.epsilon, rel=1e-6)
    if accountant == "prv":
        assert s.epsilon == pytest.approx(
            _opacus_epsilon("prv", s.noise_multiplier, s.sample_rate, s.steps, s.delta, s.eps_error), abs=1e-4
        )
    assert list(fl.clients["epsilon"]) == list(s.client_epsilons)
    assert "per RECORD" in s.plain_language() and "one record" in s.guarantee


def test_client_level_statement_matches_opacus_and_states_its_unit(federate_small):
    fl = federate_small(dp="client", epsilon=8.0, accountant="rdp", rounds=3)
    s = fl.statement
    assert s.unit == "client" and s.sample_rate == 1.0 and s.steps == 3 and s.epsilon <= 8.0
    # Flower's noise std z*C/m on the mean of m clipped updates; replacing one client moves the mean by 2C/m
    assert s.epsilon == pytest.approx(_opacus_epsilon("rdp", s.noise_multiplier / 2, 1.0, 3, s.delta), rel=1e-9)
    assert s.delta == 0.01  # 1/(10 * 3 clients) rounded down to a power of ten
    text = s.plain_language()
    assert "per CLIENT" in text and "no amplification" in text and "not against the server" in text
    assert "one client (all its rows)" in s.guarantee


def test_runs_are_recorded_in_the_ledger_with_their_unit_and_a_budget_refuses_before_work(federate_small, small_adult):
    import workbench as wb
    from workbench.errors import BudgetExceededError

    ledger = wb.PrivacyLedger(budget=3.0)
    fl = federate_small(dp="record", epsilon=1.0, ledger=ledger)
    entry = ledger.entries[-1]
    assert "dp unit record" in entry.label and entry.statement.epsilon == pytest.approx(fl.statement.epsilon)
    assert entry.statement.recompute() == pytest.approx(fl.statement.epsilon, rel=1e-6)
    federate_small(dp="client", epsilon=1.0, ledger=ledger)
    assert "dp unit client" in ledger.entries[-1].label
    rounds_seen = []
    with pytest.raises(BudgetExceededError, match="past the budget"):
        federate_small(dp="client", epsilon=2.5, ledger=ledger, on_round=rounds_seen.append)
    assert rounds_seen == [] and len(ledger.entries) == 2


def test_a_federated_model_is_audited_like_a_trained_one(federate_small):
    import workbench as wb

    fl = federate_small(dp="record", epsilon=2.0, audit_fraction=0.2)
    audit = wb.membership_inference(fl)
    assert audit.claimed_epsilon == pytest.approx(fl.statement.epsilon)
    assert 0.3 < audit.auc < 0.7 and len(fl.non_members) == 480
    plain = federate_small()
    assert math.isinf(wb.membership_inference(plain).claimed_epsilon)


def test_runs_that_differ_only_in_epsilon_never_share_noise():
    from workbench.federated import FederatedConfig
    from workbench.federated._job import client_seed, server_seed

    a = FederatedConfig(dp="record", epsilon=1.0)
    b = a.replace(epsilon=2.0)
    assert client_seed(a, 1, 0) == client_seed(a.replace(engine="deployment", secure_aggregation=True), 1, 0)
    assert len({client_seed(a, 1, 0), client_seed(b, 1, 0), client_seed(a, 2, 0), client_seed(a, 1, 1)}) == 4
    c = FederatedConfig(dp="client", epsilon=8.0)
    assert server_seed(c) != server_seed(c.replace(epsilon=4.0))


def test_client_side_clipping_under_secure_aggregation_clips_and_accounts_the_rounding(federate_small):
    from workbench.federated._accounting import SECAGG_CLIPPING_RANGE, SECAGG_QUANTIZATION_RANGE

    options = {"dp": "client", "noise_multiplier": 1e-3, "clipping_norm": 0.05, "accountant": "rdp", "rounds": 1}
    secure = federate_small(secure_aggregation=True, **options)
    s = secure.statement
    assert s.clipping == "client" and s.secure_aggregation  # chosen because SecAgg+ hides single updates
    values = sum(v.numel() for v in secure.model.state_dict().values())
    step = 2 * SECAGG_CLIPPING_RANGE / SECAGG_QUANTIZATION_RANGE
    assert s.sensitivity == pytest.approx(2 * (1 + math.sqrt(values) * step / 0.05))
    assert s.epsilon == pytest.approx(_opacus_epsilon("rdp", 1e-3 / s.sensitivity, 1.0, 1, s.delta), rel=1e-9)
    assert s.recompute() == pytest.approx(s.epsilon) and s.ledger_statement().noise_multiplier < 1e-3 / 2
    assert "clips its own update" in s.plain_language() and "sum of the clipped updates" in s.plain_language()
    # the same run with the clipping on the server (no SecAgg+): same streams, so the same model up to SecAgg+'s
    # rounding and Flower's noise (std z*C/m ≈ 2e-5)
    server = federate_small(clipping="server", **options)
    assert server.statement.clipping == "server" and server.statement.sensitivity == 2.0
    moved = [np.linalg.norm(_flat(r) - _flat(federate_small(rounds=1, lr=1e-12))) for r in (secure, server)]
    assert max(moved) <= 0.05 + 1e-3  # every update clipped to 0.05, so their mean moved at most that far
    assert np.abs(_flat(secure) - _flat(server)).max() < 2e-4
    again = federate_small(secure_aggregation=True, **options)
    np.testing.assert_array_equal(_flat(secure), _flat(again))  # seeded: SecAgg+'s rounding and Flower's noise


def _flat(result):
    return np.concatenate([v.detach().numpy().ravel() for v in result.model.state_dict().values()])
