"""The dashboard's state objects, without any view: load, roles, anonymise, train, audit, trade-off, budget."""

from __future__ import annotations

import time

import numpy as np
import pytest

from workbench.widgets.state import (
    AnonymiseState,
    AuditState,
    BudgetState,
    DashboardState,
    DataState,
    RiskState,
    TradeoffState,
    TrainState,
)


def test_data_state_lists_and_loads_namespace_frames_without_mutating(small_frame, digest):
    before = digest(small_frame)
    state = DataState(namespace={"people": small_frame, "_hidden": small_frame, "n": 3})
    assert state.sources() == ["adult", "diabetes", "patients", "people"]
    assert state.load("people", target="income")
    assert state.dataset.name == "people" and len(state.dataset.frame) == 1500
    assert state.roles["age"] == "quasi_identifier" and "demographic" in state.reasons["age"]
    assert digest(small_frame) == before


def test_data_state_errors_are_messages(small):
    state = DataState()
    assert not state.load("adlt")
    assert "adult" in state.error
    assert not state.set_role("age", "quasi_identifier")
    assert state.error == "Load a dataset first."
    state.load(small)
    assert not state.set_role("agee", "quasi_identifier")
    assert "agee" in state.error
    assert state.roles["age"] == "quasi_identifier"
    assert state.set_role("fnlwgt", "sensitive") and state.error == ""
    assert state.dataset.roles["fnlwgt"].value == "sensitive"


def test_risk_state(small):
    state = RiskState()
    assert not state.compute()
    state.dataset = small
    assert state.compute()
    assert state.job.wait(60) == "done"
    assert state.report.k >= 1 and state.report is state.job.result


def test_anonymise_latest_values_win_and_cache(small):
    state = AnonymiseState(prefetch=0)
    state.dataset = small
    assert state.wait(60) and state.result.statement.k >= 5
    first = state.result
    for k in range(6, 16):  # faster than it can compute: only the last values are shown
        state.k = k
    assert state.wait(60)
    assert state.k == 15 and state.result.statement.k >= 15 and not state.cached
    assert (
        state.result.data.groupby(list(state.result.quasi_identifiers), observed=True, dropna=False).size().min() >= 15
    )
    state.k = 5
    assert state.wait(5) and state.cached and state.result is first


def test_anonymise_prefetches_neighbours(small):
    state = AnonymiseState(prefetch=2)
    state.dataset = small
    assert state.wait(60, prefetch=True)
    state.k = 6
    assert state.cached and state.result.statement.k >= 6  # shown at once, from the prefetch


def test_anonymise_infeasible_values_show_an_error(small):
    state = AnonymiseState(prefetch=0)
    state.dataset = small
    state.wait(60)
    kept = state.result
    state.max_suppression = 0.0
    state.k = 5000
    assert state.wait(60)
    assert state.error and "5000" in state.error
    assert state.result is kept  # the last good table stays on screen


@pytest.fixture(scope="module")
def trained(small):
    state = TrainState(epsilon=1.0, epochs=2, audit_fraction=0.3)
    state.dataset = small
    state.progress_seen = []
    state.job.observe(lambda c: state.progress_seen.append(c["new"]), "progress")
    assert state.start()
    assert state.job.wait(120) == "done", state.job.error
    return state


def test_train_streams_history_and_states_privacy(trained):
    assert [r["epoch"] for r in trained.history] == [1, 2]
    assert all({"loss", "accuracy", "epsilon"} <= set(r) for r in trained.history)
    assert trained.history[0]["epsilon"] < trained.history[1]["epsilon"] <= 1.0 + 1e-9
    statement = trained.result.statement
    assert statement.epsilon <= 1.0 + 1e-9 and statement.noise_multiplier > 0
    assert trained.job.progress == 1.0
    assert any(0 < p < 0.5 for p in trained.progress_seen)  # moves within the first epoch, step by step


def test_train_stop_button_event_stops_early(small):
    state = TrainState(epsilon=None, epochs=400, audit_fraction=0.0)
    state.dataset = small
    state.start()
    deadline = time.monotonic() + 60
    while not state.history and time.monotonic() < deadline:
        time.sleep(0.01)
    state.job.stop()
    assert state.job.wait(60) == "stopped"
    assert state.result.stopped and len(state.history) < 400


def test_audit_state_cost_and_result(trained):
    state = AuditState()
    state.run = trained.result
    assert "threshold trains no extra model" in state.cost
    state.attack = "rmia"
    assert "rmia trains 2 reference models" in state.cost
    state.attack = "threshold"
    assert state.start()
    assert state.job.wait(60) == "done", state.job.error
    assert 0 <= state.result.auc <= 1
    assert state.result.claimed_epsilon == pytest.approx(trained.result.statement.epsilon)


def test_tradeoff_state_streams_points_and_exports(small, tmp_path):
    state = TradeoffState(technique="dp", grid="0.5, none", epochs=1, executor="serial")
    state.dataset = small
    seen = []
    state.observe(lambda c: seen.append(len(c["new"])), "points")
    assert state.start()
    assert state.job.wait(120) == "done", state.job.error
    assert seen[-1] == 2 and 1 in seen  # points arrived one at a time
    assert np.isinf(state.frame()["epsilon"].astype(float)).sum() == 1
    path = state.export_report(tmp_path / "sweep.html")
    assert path.exists() and state.report_path == str(path)


def test_tradeoff_tab_sweeps_federated_learning_on_the_same_axes(small):
    pytest.importorskip("flwr")
    state = TradeoffState(technique="federated", executor="serial", audit=False)
    assert state.grid == "1, 8, none" and state.options()["model"] == "logreg" and "epochs" not in state.options()
    state.grid = "8, none"
    state.dataset = small
    assert state.start()
    assert state.job.wait(180) == "done", state.job.error
    frame = state.frame()
    assert list(frame["technique"]) == ["federated", "federated"] and frame["accuracy"].between(0.6, 1).all()


def test_tradeoff_bad_grid_is_a_message(small):
    state = TradeoffState(technique="k-anonymity", grid="2, five")
    state.dataset = small
    assert not state.start()
    assert state.job.error == "The grid must be comma-separated integers; got 'five' in '2, five'."
    assert TradeoffState(technique="dp").grid == "0.05, 0.2, 1, none"
    assert state.export_report() is None and "Run a sweep first" in state.job.error


def test_budget_state_reads_the_session_ledger(trained, small):
    state = BudgetState()
    state.refresh(small)
    assert state.spent >= trained.result.statement.epsilon - 1e-9
    assert state.dataset_name == "adult-1500" and "ε spent on adult-1500" in state.text


def test_dashboard_state_wires_tabs(small_frame):
    state = DashboardState(namespace={"people": small_frame}, seed=3)
    assert state.data.load("people", target="income")
    for child in (state.risk, state.anonymise, state.train, state.tradeoff):
        assert child.dataset is state.data.dataset
    assert state.train.seed == state.tradeoff.seed == 3
    state.train.result = "a run"
    assert state.audit.run == "a run"


def test_ui_stays_responsive_while_training(small):
    """A long training job runs in its thread while the anonymisation preview keeps answering."""
    train = TrainState(epsilon=None, epochs=400, audit_fraction=0.0)
    train.dataset = small
    anonymise = AnonymiseState(prefetch=0)
    anonymise.dataset = small
    assert anonymise.wait(60)
    train.start()
    try:
        deadline = time.monotonic() + 60
        while not train.history and time.monotonic() < deadline:
            time.sleep(0.01)
        anonymise.k = 9
        assert anonymise.wait(60) and anonymise.result.statement.k >= 9
        assert train.job.running  # still training meanwhile
    finally:
        train.job.stop()
        train.job.wait(60)


def test_train_refuses_a_run_that_could_exceed_the_budget(small_frame):
    import workbench as wb
    from workbench.dp import default_ledger

    dataset = wb.load_dataset(small_frame.head(800), target="income", name="budgeted")
    ledger = default_ledger()
    state = TrainState(epsilon=0.5, epochs=1, audit_fraction=0.0)
    state.dataset = dataset
    try:
        ledger.budget = 0.8
        assert state.start() and state.job.wait(60) == "done", state.job.error
        spent = ledger.spent(dataset.fingerprint)
        assert 0 < spent <= 0.5 + 1e-9
        assert not state.start()  # 0.5 more could exceed 0.8
        assert "past its privacy budget" in state.job.error and "budgeted" in state.job.error
        assert ledger.spent(dataset.fingerprint) == spent  # nothing was trained or recorded
        state.epsilon = None
        assert not state.start() and state.job.error.startswith("A run without DP")
    finally:
        ledger.budget = None
    state.epsilon = 0.5
    assert state.start() and state.job.wait(60) == "done"


def test_tradeoff_refuses_a_sweep_over_the_budget(small_frame):
    import workbench as wb
    from workbench.dp import default_ledger

    state = TradeoffState(technique="dp", grid="0.5, 1", epochs=1, executor="serial")
    state.dataset = wb.load_dataset(small_frame.head(600), target="income", name="budgeted-sweep")
    try:
        default_ledger().budget = 1.0
        assert not state.start()
        assert "ε = 0.5, 1 (ε 1.5 in all)" in state.job.error
    finally:
        default_ledger().budget = None
