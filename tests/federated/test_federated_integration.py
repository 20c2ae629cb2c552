"""Integration: ``%wb federate`` (its result is what "%wb audit" attacks next), the report section, the figures."""

from __future__ import annotations

import pytest


@pytest.fixture
def shell(small_adult):
    """A fresh ``%wb`` session in the singleton InteractiveShell, on the small Adult sample."""
    from IPython.core.interactiveshell import InteractiveShell

    from workbench.magics import unload_ipython_extension

    sh = InteractiveShell.instance()
    sh.config.pop("WorkbenchMagics", None)
    sh.run_line_magic("load_ext", "workbench")
    sh.run_line_magic("config", "WorkbenchMagics.progress = False")
    sh.user_ns["small"] = small_adult.frame
    sh.run_line_magic("wb", "load small --target income")
    yield sh
    unload_ipython_extension(sh)
    sh.config.pop("WorkbenchMagics", None)
    sh.extension_manager.loaded.discard("workbench")
    for name in ("small", "fl"):
        sh.user_ns.pop(name, None)


def test_wb_federate_with_record_level_dp_then_audit(shell):
    fl = shell.run_line_magic(
        "wb", "federate --clients 3 --partition dirichlet --dp record --epsilon 1 --rounds 2 --engine threads -o fl"
    )
    assert fl.statement.unit == "record" and fl.statement.epsilon <= 1.0 and len(fl.clients) == 3
    assert fl.statement.parameters["engine"] == "threads"
    assert shell.user_ns["fl"] is fl
    audit = shell.run_line_magic("wb", "audit")
    assert audit.claimed_epsilon == pytest.approx(fl.statement.epsilon)


def test_wb_federate_client_level_dp_under_secure_aggregation_clips_on_the_clients(shell):
    fl = shell.run_line_magic("wb", "federate --clients 3 --dp client --epsilon 20 --rounds 1 --secure-aggregation")
    assert fl.statement.unit == "client" and fl.statement.clipping == "client" and fl.statement.secure_aggregation
    assert fl.statement.epsilon <= 20.0 and fl.statement.sensitivity > 2.0


def test_wb_federate_bad_flag_is_a_usage_error(shell):
    from IPython.core.error import UsageError

    with pytest.raises(UsageError, match="'fedavg', 'fedprox'"):
        shell.run_line_magic("wb", "federate --strategy fedsgd --rounds 1")


def test_a_federated_run_has_a_report_section_and_figures(federate_small, tmp_path):
    import workbench as wb
    from workbench import viz

    fl = federate_small(dp="client", epsilon=20.0)
    figures = viz.federated_figures(fl)
    assert set(figures) == {"partition", "rounds"} and len(figures["rounds"].data) == 3
    path = wb.report(fl, path=tmp_path / "federated.html")
    text = path.read_text()
    assert "Federated learning run" in text and "per CLIENT" in text and "data-figure='rounds'" in text
    assert "Married-civ-spouse" not in text  # no data rows


def test_the_federated_tab_fills_its_curve_live_and_stops(small_adult):
    import time

    import workbench as wb

    app = wb.dashboard(small_adult, executor="serial")
    view = app.show("Federated")
    view.clients.value, view.rounds.value, view.dp.value = 3, 30, "client"
    view.epsilon.value = 50.0
    view.start_button.click()
    deadline = time.monotonic() + 60
    while len(app.state.federated.history) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    bar = next(c for c in view.children if c.__class__.__name__ == "JobBar")
    bar.stop_button.click()
    assert app.state.federated.job.wait(60) == "stopped", app.state.federated.job.error
    fl = app.state.federated.result
    assert fl.stopped and fl.statement.unit == "client" and 1 <= fl.metrics["rounds"] < 30
    view.rounds_figure.flush()
    assert [t.name for t in view.rounds_figure.figure.data] == ["accuracy", "loss", "ε spent"]
    assert "per CLIENT" in view.summary.value and app.state.audit.run is fl


def test_federated_sweeps_put_points_on_the_shared_axes(small_adult):
    import workbench as wb

    ledger = wb.PrivacyLedger()
    options = {"clients": 3, "rounds": 2, "public_schema": True, "audit_fraction": 0.2}
    result = wb.tradeoff(small_adult, "federated", epsilons=[8.0, None], technique_options={**options, "dp": "client"},
                         executor="serial", progress=False, ledger=ledger)  # fmt: skip
    rows = result.results.set_index("value")
    assert rows.loc[8.0, "epsilon"] <= 8.0 and rows.loc[float("inf"), "epsilon"] == float("inf")
    assert {"accuracy", "megabytes", "mia_auc"} <= set(result.results.columns)
    assert (result.results["megabytes"] > 0).all() and result.results["mia_auc"].between(0, 1).all()
    assert result.points[0].details["unit"] == "client"
    assert [e.statement.epsilon <= 8.0 for e in ledger.entries] == [True, False]  # every point recorded, ∞ included
    per_point = {"rounds": 2, "public_schema": True, "epsilon": 2.0}
    clients = wb.tradeoff(small_adult, "federated-clients", ks=[2, 4], technique_options=per_point,
                          executor="serial", progress=False, ledger=False, audit=False)  # fmt: skip
    assert list(clients.results["k"]) == [2.0, 4.0] and (clients.results["epsilon"] <= 2.0).all()
    assert [len(p.details["clients"]) for p in clients.points] == [2, 4]


@pytest.mark.parametrize(
    ("technique", "options", "text"),
    [
        ("federated", {"epochs": 5}, "epochs applies to DP training sweeps"),
        ("federated", {"rounds": 0}, "'rounds' parameter"),
        ("federated", {"dp": "local"}, "'dp' parameter of tradeoff"),
        ("federated", {"hospital": 1}, "unexpected keyword argument"),
        ("federated-clients", {"clients": 3}, "grid is the number of clients"),
    ],
)
def test_federated_sweep_options_are_checked_once(small_adult, technique, options, text):
    import workbench as wb
    from workbench.errors import InvalidParameterError, UnknownNameError

    with pytest.raises((InvalidParameterError, UnknownNameError), match=text) as caught:
        grid = {"epsilons": [1.0]} if technique == "federated" else {"ks": [2]}
        wb.tradeoff(small_adult, technique, **grid, technique_options=options, progress=False)
    assert "\n" not in str(caught.value)


def test_cli_sweeps_federated_learning(tmp_path, capsys):
    from workbench import cli

    out = tmp_path / "fed.parquet"
    code = cli.main(["tradeoff", "--dataset", "adult", "--technique", "federated", "--epsilons", "4,none",
                     "--no-audit", "--executor", "serial", "--quiet", "--out", str(out)])  # fmt: skip
    from workbench.tradeoff import read_results

    assert code == 0 and [p.technique for p in read_results(out).points] == ["federated", "federated"]
