"""Every %wb sub-command against the real core: risk, anonymise, pseudonymise, train, audit, tradeoff, dashboard,
report and budget (small data, one epoch)."""

from __future__ import annotations

import math

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from workbench.magics import WorkbenchMagics

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def _session(shell):
    return next(c for c in shell.configurables if isinstance(c, WorkbenchMagics)).session


def test_risk(shell):
    shell.run_line_magic("wb", "load small --target income")
    report = shell.run_line_magic("wb", "risk -o risk")
    assert report.k >= 1 and len(report.class_sizes) > 0
    assert shell.user_ns["risk"] is report
    narrower = shell.run_line_magic("wb", "risk --qi sex,race")
    assert narrower.k > report.k


def test_anonymise_stores_output_and_leaves_data_alone(shell, small_adult, digest):
    before = digest(small_adult)
    shell.run_line_magic("wb", "load small --target income")
    result = shell.run_line_magic("wb", "anonymise --k 5 --method mondrian -o anon5")
    assert shell.user_ns["anon5"] is result
    assert result.statement.k >= 5
    sizes = result.data.groupby(list(result.quasi_identifiers), observed=True, dropna=False).size()
    assert sizes.min() >= 5  # re-checked here, independently of the anonymiser
    assert digest(small_adult) == before
    assert _session(shell).results["anonymise"] is result


def test_anonymise_infeasible_request_is_a_usage_error(shell):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match="%wb anonymise"):
        shell.run_line_magic("wb", "anonymise --k 5000 --max-suppression 0")


def test_anonymise_unknown_method_suggests(shell):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match="mondrian"):
        shell.run_line_magic("wb", "anonymise --k 5 --method mondrain")


def test_pseudonymise_with_a_key_from_the_namespace(shell):
    shell.run_line_magic("wb", "load patients")
    shell.user_ns["SECRET"] = "correct horse battery staple"
    result = shell.run_line_magic("wb", "pseudonymise --key-var SECRET -o masked")
    original = _session(shell).dataset.frame
    assert shell.user_ns["masked"] is result
    assert not set(result.data["email"].astype(str)) & set(original["email"].astype(str))
    again = shell.run_line_magic("wb", "pseudonymise --key-var SECRET")
    assert again.data["email"].tolist() == result.data["email"].tolist()  # keyed: same key, same tokens


def test_pseudonymise_missing_key_variable(shell):
    shell.run_line_magic("wb", "load patients")
    with pytest.raises(UsageError, match="No variable 'NOPE'"):
        shell.run_line_magic("wb", "pseudonymise --key-var NOPE")


@pytest.fixture
def trained(shell):
    shell.run_line_magic("wb", "load small --target income")
    return shell.run_line_magic("wb", "train --epsilon 1 --epochs 1 --audit-fraction 0.3 -o run")


def test_train_is_private_and_spends_budget(shell, trained):
    statement = trained.statement
    assert shell.user_ns["run"] is trained
    assert 0 < statement.epsilon <= 1.0 + 1e-9
    assert statement.noise_multiplier > 0 and statement.steps > 0 and 0 < statement.sample_rate < 1
    summary = shell.run_line_magic("wb", "budget")
    assert summary.spent >= statement.epsilon - 1e-9
    assert summary.dataset_name == "small"


def test_train_without_dp(shell):
    shell.run_line_magic("wb", "load small --target income")
    run = shell.run_line_magic("wb", "train --epsilon none --epochs 1")
    assert math.isinf(run.statement.epsilon)


def test_audit_latest_run_and_named_run(shell, trained):
    mia = shell.run_line_magic("wb", "audit -o mia")
    assert shell.user_ns["mia"] is mia and 0 <= mia.auc <= 1
    assert mia.claimed_epsilon == pytest.approx(trained.statement.epsilon)
    named = shell.run_line_magic("wb", "audit --run run --attack threshold")
    assert named.auc == pytest.approx(mia.auc)


def test_audit_without_a_run(shell):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match="No train result"):
        shell.run_line_magic("wb", "audit")


def test_tradeoff_shows_a_live_figure_and_returns_the_result(shell):
    shell.run_line_magic("wb", "load small --target income")
    with capture_output() as captured:
        curve = shell.run_line_magic("wb", "tradeoff dp --epsilons 1,none --epochs 1 --no-audit -o curve")
    assert shell.user_ns["curve"] is curve
    assert len(curve.results) == 2
    widgets = [o for o in captured.outputs if WIDGET_MIME in o.data]
    assert len(widgets) == 1  # the live figure
    from ipywidgets import Widget

    figure = Widget.widgets[widgets[0].data[WIDGET_MIME]["model_id"]]
    assert figure.data and len(figure.data[0].x) == 1  # one finite ε, the no-DP point is a baseline line


def test_tradeoff_k_anonymity_without_live_figure(shell):
    shell.run_line_magic("wb", "load small --target income")
    with capture_output() as captured:
        curve = shell.run_line_magic("wb", "tradeoff k-anonymity --ks 2,5 --no-audit --no-live")
    assert not [o for o in captured.outputs if WIDGET_MIME in o.data]
    assert sorted(curve.results["value"]) == [2, 5]


def test_dashboard_opens_on_the_current_dataset(shell):
    shell.run_line_magic("wb", "load small --target income")
    app = shell.run_line_magic("wb", "dashboard -o dash")
    assert shell.user_ns["dash"] is app
    assert app.state.data.dataset is _session(shell).dataset
    other = shell.run_line_magic("wb", "dashboard diabetes")
    assert other.state.data.dataset.name == "diabetes"


def test_report_of_the_session(shell, tmp_path):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match="Nothing to report yet"):
        shell.run_line_magic("wb", "report")
    shell.run_line_magic("wb", "anonymise --k 5 --method mondrian -o anon5")
    path = shell.run_line_magic("wb", f"report --path {tmp_path / 'r.html'}")
    assert path.exists() and "<html" in path.read_text().lower()
    named = shell.run_line_magic("wb", f"report anon5 --path {tmp_path / 'named.html'}")
    assert named.exists()


def test_budget_set_and_clear(shell):
    shell.run_line_magic("wb", "load small --target income")
    try:
        summary = shell.run_line_magic("wb", "budget --set 3")
        assert summary.budget == 3.0 and "of 3" in summary.text()
        assert "<div" in summary._repr_html_()
    finally:
        cleared = shell.run_line_magic("wb", "budget --set none")
    assert cleared.budget is None
    with pytest.raises(UsageError, match="must be a number > 0"):
        shell.run_line_magic("wb", "budget --set -2")


def test_dask_executor_needs_a_running_client(shell):
    distributed = pytest.importorskip("distributed")
    try:
        distributed.default_client()
        pytest.skip("a Dask client is running in this process")
    except ValueError:
        pass
    shell.run_line_magic("wb", "load small --target income")
    shell.run_line_magic("config", "WorkbenchMagics.executor = 'dask'")
    with pytest.raises(UsageError, match="start one first"):
        shell.run_line_magic("wb", "tradeoff dp --epsilons 1 --epochs 1 --no-audit")


def test_runs_that_could_exceed_the_budget_are_refused_before_any_work(shell):
    from workbench.dp import default_ledger

    shell.user_ns["fresh"] = shell.user_ns["small"].head(700)  # data no other test trained on
    shell.run_line_magic("wb", "load fresh --target income --name budgeted-magic")
    fingerprint = _session(shell).dataset.fingerprint
    try:
        shell.run_line_magic("wb", "budget --set 1")
        shell.run_line_magic("wb", "train --epsilon 0.6 --epochs 1")
        spent = default_ledger().spent(fingerprint)
        with pytest.raises(UsageError, match=r"past its privacy budget \(ε 0\.4\d* left of 1\)"):
            shell.run_line_magic("wb", "train --epsilon 0.6 --epochs 1")
        with pytest.raises(UsageError, match="A run without DP"):
            shell.run_line_magic("wb", "tradeoff dp --epsilons 0.1,none --epochs 1 --no-audit")
        with pytest.raises(UsageError, match="in all"):
            shell.run_line_magic("wb", "tradeoff dp --epsilons 0.3,0.3 --epochs 1 --no-audit")
        assert default_ledger().spent(fingerprint) == spent
    finally:
        shell.run_line_magic("wb", "budget --set none")
        shell.user_ns.pop("fresh")


def test_refused_tradeoff_shows_no_figure(shell):
    shell.run_line_magic("wb", "load small --target income")
    with capture_output() as captured, pytest.raises(UsageError, match="Unknown technique 'bogus'"):
        shell.run_line_magic("wb", "tradeoff bogus --epsilons 1")
    assert not [o for o in captured.outputs if WIDGET_MIME in o.data]
