"""train / train_on_frames: honest statements, determinism, accuracy, stop and callbacks, errors, no mutation."""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from opacus.accountants import PRVAccountant, RDPAccountant
from torch import nn

import workbench as wb
from workbench.dp import PrivacyLedger, PrivacyStatement, TrainConfig, TrainResult, default_ledger, train_on_frames
from workbench.errors import (
    BudgetExceededError,
    BudgetWarning,
    InvalidParameterError,
    PrivacyLeakWarning,
    RecalibrationWarning,
    RoleError,
    UnknownNameError,
    UnsupportedModelError,
)

FAST = {"public_schema": True, "ledger": False}


def _independent_epsilon(statement):
    """Opacus's accountant, driven step by step from the statement's own parameters (PRV: up to rounding)."""
    acc = {"rdp": RDPAccountant, "prv": PRVAccountant}[statement.accountant]()
    for _ in range(statement.steps):
        acc.step(noise_multiplier=statement.noise_multiplier, sample_rate=statement.sample_rate)
    if statement.accountant == "prv":
        return acc.get_epsilon(delta=statement.delta, eps_error=statement.eps_error)
    return acc.get_epsilon(delta=statement.delta)


@pytest.fixture(scope="module")
def dp_run(small_adult):
    return wb.train(small_adult, model="mlp", epsilon=2.0, epochs=2, batch_size=64, audit_fraction=0.25, **FAST)


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_statement_is_rederived_by_an_independent_accountant(small_adult, accountant):
    run = wb.train(small_adult, epsilon=1.5, epochs=2, batch_size=128, accountant=accountant, **FAST)
    s = run.statement
    n = len(run.members)
    assert s.private and s.accountant == accountant and s.sampling == "poisson"
    assert s.dataset_size == n
    assert s.sample_rate == pytest.approx(1 / math.ceil(n / 128))
    assert s.steps == 2 * math.ceil(n / 128)
    assert s.delta < 1 / n
    assert s.epsilon <= 1.5
    assert s.epsilon == pytest.approx(_independent_epsilon(s), rel=1e-6)
    assert run.history["epsilon"].iloc[-1] == s.epsilon
    assert run.history["epsilon"].is_monotonic_increasing


def test_result_shape(dp_run, small_adult):
    run = dp_run
    assert isinstance(run, TrainResult) and type(run.model) is nn.Sequential and not run.model.training
    assert run.engine == "ghost-sequential"
    proba = run.predict_proba(small_adult.test)
    assert proba.dtype == np.float64 and proba.shape == (len(small_adult.test), 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert set(run.metrics) == {"accuracy", "auc", "loss"}
    assert list(run.history["epoch"]) == [1, 2]
    assert {"epoch", "loss", "accuracy", "epsilon", "seconds"} <= set(run.history.columns)
    assert run.losses(small_adult.test).dtype == np.float64
    assert run.to_dict()["statement"]["epsilon"] == run.statement.epsilon
    assert "Privacy statement" in run._repr_html_()


def test_audit_split_is_seeded_disjoint_and_complete(dp_run, small_adult):
    members, non_members = dp_run.members, dp_run.non_members
    assert len(non_members) == round(0.25 * len(small_adult.train))
    assert not set(members.index) & set(non_members.index)
    assert set(members.index) | set(non_members.index) == set(small_adult.train.index)
    again = wb.train(small_adult, epochs=1, audit_fraction=0.25, **FAST)
    assert again.non_members.index.equals(non_members.index)
    other = wb.train(small_adult, epochs=1, audit_fraction=0.25, seed=1, **FAST)
    assert not other.non_members.index.equals(non_members.index)
    assert wb.train(small_adult, epochs=1, **FAST).non_members.empty


def test_same_seed_same_numbers(small_adult):
    a = wb.train(small_adult, model="mlp", epsilon=3.0, epochs=2, batch_size=64, seed=7, **FAST)
    b = wb.train(small_adult, model="mlp", epsilon=3.0, epochs=2, batch_size=64, seed=7, **FAST)
    c = wb.train(small_adult, model="mlp", epsilon=3.0, epochs=2, batch_size=64, seed=8, **FAST)
    assert a.metrics == b.metrics and a.statement == b.statement
    cols = ["loss", "accuracy", "epsilon"]
    pd.testing.assert_frame_equal(a.history[cols], b.history[cols])
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters(), strict=True))
    assert a.metrics != c.metrics


def test_accuracy_non_private_logreg_on_adult(adult):
    run = wb.train(adult, model="logreg", epochs=3, **FAST)
    assert run.metrics["accuracy"] >= 0.84
    assert not run.statement.private and run.statement.epsilon == math.inf


def test_accuracy_dp_at_epsilon_1_on_adult(adult):
    run = wb.train(adult, model="logreg", epsilon=1.0, epochs=3, **FAST)
    assert run.statement.epsilon <= 1.0
    assert run.metrics["accuracy"] >= 0.82


def test_stop_returns_a_partial_result_covering_exactly_the_steps_taken(small_adult):
    stop = threading.Event()

    class StopAfter:
        def __init__(self):
            self.steps = []

        def on_step(self, info):
            self.steps.append(info["step"])
            if info["step"] == 7:
                stop.set()

    cb = StopAfter()
    run = wb.train(small_adult, epsilon=2.0, epochs=3, batch_size=64, stop=stop, callbacks=[cb], **FAST)
    assert run.stopped and run.statement.steps == 7 and cb.steps == list(range(1, 8))
    s = run.statement
    assert s.epsilon == pytest.approx(_independent_epsilon(s), rel=1e-6)
    assert s.epsilon < 2.0 * 0.5
    assert len(run.history) == 1 and bool(run.history["partial"].iloc[0])
    assert run.history["epsilon"].iloc[-1] == s.epsilon


def test_stop_before_the_first_step_spends_nothing(small_adult):
    stop = threading.Event()
    stop.set()
    run = wb.train(small_adult, epsilon=2.0, epochs=2, stop=stop, **FAST)
    assert run.stopped and run.statement.steps == 0 and run.statement.epsilon == 0.0 and run.history.empty


def test_epoch_callbacks_and_progress(small_adult, capsys):
    rows = []
    run = wb.train(small_adult, epochs=3, batch_size=128, callbacks=[rows.append], progress=True, **FAST)
    assert [r["epoch"] for r in rows] == [1, 2, 3]
    assert rows[-1]["accuracy"] == run.history["accuracy"].iloc[-1]


def test_infinite_epsilon_means_no_dp(small_adult):
    run = wb.train(small_adult, epsilon=math.inf, epochs=1, **FAST)
    assert not run.statement.private and run.config.epsilon is None


def test_explicit_noise_multiplier_reports_its_epsilon(small_adult):
    run = wb.train(small_adult, noise_multiplier=1.3, epochs=1, batch_size=128, accountant="rdp", **FAST)
    assert run.statement.noise_multiplier == 1.3 and run.statement.target_epsilon is None
    assert run.statement.epsilon == pytest.approx(_independent_epsilon(run.statement), rel=1e-6)


def test_gdp_accountant_warns_that_it_is_an_approximation(small_adult):
    with pytest.warns(PrivacyLeakWarning, match="GDP"):
        run = wb.train(small_adult, epsilon=8.0, epochs=1, accountant="gdp", **FAST)
    assert run.statement.epsilon <= 8.0


def test_statistics_from_private_rows_warn_unless_declared_public(small_adult):
    with pytest.warns(PrivacyLeakWarning, match="outside the DP guarantee"):
        wb.train(small_adult, epsilon=4.0, epochs=1, ledger=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrivacyLeakWarning)
        wb.train(small_adult, epsilon=4.0, epochs=1, **FAST)
        wb.train(small_adult, epochs=1, ledger=False)  # no DP guarantee to leak outside of


def test_empty_poisson_batches_are_handled(small_adult):
    tiny = small_adult.train.iloc[:40]
    config = TrainConfig(epsilon=5.0, batch_size=1, epochs=2, accountant="rdp", public_schema=True)
    run = train_on_frames(tiny, small_adult.test, target="income", config=config)
    assert run.statement.steps == 80 and math.isfinite(run.metrics["loss"])


def test_user_module_with_layernorm_trains_privately_via_vmap(small_adult):
    enc_features = wb.train(small_adult, epochs=1, **FAST).encoder.n_features
    model = nn.Sequential(nn.Linear(enc_features, 16), nn.LayerNorm(16), nn.ReLU(), nn.Linear(16, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    run = wb.train(small_adult, model=model, epsilon=4.0, epochs=1, batch_size=128, **FAST)
    assert run.engine == "vmap" and run.model is not model and run.metrics["accuracy"] > 0.7
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"epsilon": 0}, InvalidParameterError, "'epsilon' parameter of train must be a number > 0"),
        ({"epsilon": -1.0}, InvalidParameterError, "'epsilon'"),
        ({"epsilon": 1.0, "delta": 1.0}, InvalidParameterError, "'delta' parameter of train"),
        ({"epsilon": 1.0, "delta": 0.0}, InvalidParameterError, "'delta'"),
        ({"batch_size": 10**6}, InvalidParameterError, "larger than the"),
        ({"epochs": 0}, InvalidParameterError, "'epochs'"),
        ({"accountant": "rdpp"}, UnknownNameError, "Did you mean 'rdp'"),
        ({"model": "cnn"}, UnknownNameError, "logreg"),
        ({"model": nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))}, UnsupportedModelError, "BatchNorm"),
        ({"epsilon": 1.0, "noise_multiplier": 1.0}, InvalidParameterError, "not both"),
        ({"audit_fraction": 1.0}, InvalidParameterError, "audit_fraction"),
        ({"stop": True}, InvalidParameterError, "threading.Event"),
        ({"callbacks": [42]}, InvalidParameterError, "callable"),
    ],
)
def test_bad_input_gives_one_line_errors(small_adult, kwargs, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        wb.train(small_adult, **{"epochs": 1, **FAST, **kwargs})
    assert "\n" not in str(info.value)


def test_target_problems_are_role_errors(adult, diabetes):
    frame = adult.frame.head(200)
    with pytest.raises(RoleError, match="no target"):
        wb.train(wb.load_dataset(frame.drop(columns="income")), ledger=False)
    one_class = frame.assign(income=">50K")
    with pytest.raises(RoleError, match="class"):
        wb.train(wb.load_dataset(one_class, target="income"), batch_size=16, ledger=False)
    with pytest.raises(RoleError, match="categorical target"):
        wb.train(diabetes, batch_size=16, ledger=False)


def test_rows_without_a_target_are_left_out_and_the_statement_counts_the_rest(small_adult):
    frame = small_adult.frame.assign(income=small_adult.frame["income"].where(small_adult.frame.index % 5 != 0))
    gaps = wb.load_dataset(frame, target="income", name="adult-3000-gaps")
    labelled = int(gaps.train["income"].notna().sum())
    assert labelled < len(gaps.train)
    run = wb.train(gaps, epsilon=2, epochs=1, ledger=False, public_schema=True)
    assert run.statement.dataset_size == labelled
    assert 0.5 < run.metrics["accuracy"] <= 1


def test_inputs_are_never_mutated(small_adult, digest):
    before = [digest(f) for f in (small_adult.frame, small_adult.train, small_adult.test)]
    wb.train(small_adult, epsilon=2.0, epochs=1, audit_fraction=0.1, **FAST)
    assert [digest(f) for f in (small_adult.frame, small_adult.train, small_adult.test)] == before


def test_dataframe_input_is_not_mutated(adult, digest):
    frame = adult.frame.head(600).copy()
    before = digest(frame)
    with pytest.raises(RoleError, match="target="):
        wb.train(frame, epochs=1, batch_size=32, ledger=False)
    run = wb.train(wb.load_dataset(frame, target="income"), epochs=1, batch_size=32, public_schema=True, ledger=False)
    assert digest(frame) == before and run.dataset_name == "dataframe"


def test_runs_are_recorded_in_the_ledger(small_adult):
    ledger = PrivacyLedger()
    run = wb.train(small_adult, epsilon=1.0, epochs=1, public_schema=True, ledger=ledger)
    wb.train(small_adult, epsilon=1.0, epochs=1, public_schema=True, ledger=ledger)
    assert len(ledger) == 2 and ledger.datasets() == [small_adult.fingerprint]
    assert run.statement.epsilon < ledger.spent(small_adult.fingerprint) <= 2 * run.statement.epsilon
    before = len(default_ledger())
    wb.train(small_adult, epochs=1, public_schema=True)
    assert len(default_ledger()) == before + 1
    assert default_ledger().spent(small_adult.fingerprint) == math.inf
    wb.train(small_adult, epochs=1, **FAST)
    train_on_frames(small_adult.train, small_adult.test, target="income", config=TrainConfig(epochs=1))
    assert len(default_ledger()) == before + 1


def test_budgeted_ledger_refuses_before_any_work_and_warns_before_recalibrating(small_adult):
    ledger = PrivacyLedger(budget=1.2)  # two runs at epsilon 1 of 10 steps each compose to about 1.4
    wb.train(small_adult, epsilon=1.0, epochs=1, batch_size=256, public_schema=True, ledger=ledger)
    spent = ledger.spent(small_adult.fingerprint)
    with pytest.raises(BudgetExceededError, match=r"^A run with ε = 1 could take .* \(ε 0\.2\d* left of 1\.2\)"):
        wb.train(small_adult, epsilon=1.0, epochs=1, batch_size=256, public_schema=True, ledger=ledger)
    with pytest.raises(BudgetExceededError, match="A run without DP"):
        wb.train(small_adult, epochs=1, batch_size=256, public_schema=True, ledger=ledger)
    with pytest.raises(BudgetExceededError, match="left of"):  # the ε a given noise gives is known before training
        wb.train(small_adult, noise_multiplier=0.3, epochs=1, batch_size=256, public_schema=True, ledger=ledger)
    assert len(ledger) == 1 and ledger.spent(small_adult.fingerprint) == spent
    ledger.budget = 3.0
    with pytest.warns(RecalibrationWarning, match="already spent"):
        wb.train(small_adult, epsilon=1.0, epochs=1, batch_size=256, public_schema=True, ledger=ledger)
    with pytest.warns(BudgetWarning, match="exceeded"):  # recording past the budget (outside train) still warns
        ledger.record(PrivacyStatement.non_private(dataset_size=10), dataset_fingerprint=small_adult.fingerprint)


def test_train_on_frames_matches_train_with_the_same_config(small_adult):
    run = wb.train(small_adult, model="mlp", epsilon=3.0, epochs=1, batch_size=128, **FAST)
    again = train_on_frames(run.members, run.test, target="income", config=run.config)
    assert again.statement == run.statement and again.metrics == run.metrics
    expected = [c for c in small_adult.train.columns if c != "income" and c not in small_adult.identifiers]
    assert run.config.features == tuple(expected) and set(expected) == set(run.encoder.columns)


def test_train_on_frames_errors_are_one_line(small_adult):
    config = TrainConfig(epochs=1, features=("age", "not-a-column"))
    with pytest.raises(LookupError, match="not-a-column"):
        train_on_frames(small_adult.train, small_adult.test, target="income", config=config)
    with pytest.raises(RoleError, match="test rows lack"):
        train_on_frames(small_adult.train, small_adult.test.drop(columns="income"), target="income",
                        config=TrainConfig(epochs=1))  # fmt: skip
    with pytest.raises(InvalidParameterError, match="TrainConfig"):
        train_on_frames(small_adult.train, small_adult.test, target="income", config={"epochs": 1})


def test_identifiers_are_never_features(patients):
    small = patients.with_roles()  # bundled roles: name, email, ... are identifiers
    run = wb.train(small, epochs=1, **FAST)
    assert not set(run.encoder.columns) & set(patients.identifiers)
    assert set(run.config.features) == set(run.encoder.columns)


def test_multi_class_target(adult):
    frame = adult.frame.sample(1500, random_state=1).reset_index(drop=True)
    ds = wb.load_dataset(frame, target="relationship", name="relationship")
    run = wb.train(ds, model="mlp", hidden=[16], epsilon=4.0, epochs=2, batch_size=64, **FAST)
    assert run.encoder.n_classes == frame["relationship"].nunique()
    assert run.predict_proba(ds.test).shape == (len(ds.test), run.encoder.n_classes)
    assert 0.5 < run.metrics["auc"] <= 1.0 and set(run.predict(ds.test)) <= set(run.encoder.classes_)


def test_dropout_models_are_deterministic_and_leave_the_global_generator_alone(small_adult):
    n_features = wb.train(small_adult, epochs=1, **FAST).encoder.n_features
    model = nn.Sequential(nn.Linear(n_features, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 2))
    torch.manual_seed(5)
    expected = torch.rand(1)
    torch.manual_seed(5)
    a = wb.train(small_adult, model=model, epsilon=4.0, epochs=1, batch_size=128, **FAST)
    assert torch.equal(torch.rand(1), expected)
    b = wb.train(small_adult, model=model, epsilon=4.0, epochs=1, batch_size=128, **FAST)
    assert a.engine == "ghost" and a.metrics == b.metrics


def test_auc_ranks_equal_scipy_rankdata_with_ties():
    from scipy.stats import rankdata

    from workbench.dp._loop import _average_ranks

    rng = np.random.default_rng(0)
    for _ in range(100):
        values = rng.integers(0, 20, rng.integers(1, 300)).astype(float) / 7  # many ties
        assert np.array_equal(_average_ranks(values), rankdata(values))
