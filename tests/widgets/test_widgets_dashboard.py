"""The dashboard's views headless: set widget values, click buttons, wait for the threads, check state and figures."""

from __future__ import annotations

import html
import time

import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.widgets.views.dashboard import TABS, Dashboard


def _until(condition, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def app(small, small_frame):
    app = wb.dashboard(small, namespace={"people": small_frame}, executor="serial")
    app.state.anonymise.prefetch = 0
    return app


def test_dashboard_opens_on_the_data_tab_with_budget_bar(app):
    assert isinstance(app, Dashboard) and isinstance(app, widgets.VBox)
    assert app.tabs.titles == tuple(TABS) and app.tabs.selected_index == 0
    assert list(app.views) == ["Data"]  # the other tabs are built when first shown
    assert "Privacy budget" in app.budget.label.value
    data = app.views["Data"]
    assert "people" in data.source.options and "adult" in data.source.options
    assert len(data.roles.children) == app.state.data.dataset.frame.shape[1]
    assert "1,500 rows" in data.summary.value and "<table" in data.preview.value


def test_data_tab_load_and_role_editing(app):
    data = app.views["Data"]
    data.source.value = "diabetes"
    data.load_button.click()
    assert app.state.data.dataset.name == "diabetes"
    row = next(r for r in data.roles.children if r.children[0].value == "bmi")
    row.children[1].value = "quasi_identifier"
    assert app.state.data.roles["bmi"] == "quasi_identifier"
    assert "bmi" in app.state.anonymise.dataset.quasi_identifiers  # every tab sees the change


def test_selecting_a_tab_builds_it(app):
    app.tabs.selected_index = 4
    assert "Train" in app.views and app.tabs.selected_index == 4
    with pytest.raises(KeyError, match="the tabs are"):
        app.show("Settings")


def test_anonymise_tab_slider_refreshes_preview_and_metrics(app):
    view = app.show("Anonymise")
    state = app.state.anonymise
    assert state.wait(60)
    assert "wb-k-achieved'>5<" in view.metrics.value.replace('"', "'") or state.result.statement.k >= 5
    before = view.preview.value
    view.k.value = 12
    assert state.k == 12 and state.wait(60)
    assert f"class='wb-k-achieved'>{state.result.statement.k}</b>" in view.metrics.value
    assert state.result.statement.k >= 12 and view.preview.value != before
    assert "information loss" in view.metrics.value and "refreshed in" in view.status.value
    view.l.value = 2
    assert state.l == 2 and state.wait(60) and state.result.statement.l >= 2
    view.l.value = 1
    assert state.l is None


def test_anonymise_error_shows_in_the_panel(app):
    view = app.show("Anonymise")
    app.state.anonymise.wait(60)
    view.suppression.value = 0.0
    app.state.anonymise.k = 5000  # beyond the slider: more than the 1,500 rows
    app.state.anonymise.wait(60)
    error = next(c for c in view.children if "wb-error" in c._dom_classes)
    assert "⚠" in error.value and "5000" in error.value


def test_train_tab_live_curves_and_budget_bar(app):
    view = app.show("Train")
    view.epochs.value = 2
    view.epsilon.value = 2.0
    assert app.state.train.epsilon == pytest.approx(2.0)
    view.start_button.click()
    assert app.state.train.job.wait(120) == "done", app.state.train.job.error
    view.figure.flush()
    figure = view.figure.figure
    assert isinstance(figure, go.FigureWidget)
    assert [t.name for t in figure.data] == ["accuracy", "loss", "ε spent"]
    assert list(figure.data[0].x) == [1, 2]
    assert app.state.train.job.progress == 1.0
    assert "ε" in view.summary.value and "accuracy" in view.summary.value
    _until(lambda: app.state.budget.spent > 0, 10, "the budget bar to update")
    assert "ε spent on adult-1500" in app.budget.label.value

    audit = app.show("Audit")
    assert "claimed ε" in audit.model_line.value and "no extra model" in audit.cost.value
    audit.run_button.click()
    assert app.state.audit.job.wait(60) == "done", app.state.audit.job.error
    audit.figure.flush()
    assert len(audit.figure.figure.data) >= 2  # chance line and the attack's ROC
    assert "AUC" in audit.summary.value or "auc" in audit.summary.value.lower()


def test_train_without_dp_and_stop_button(app):
    view = app.show("Train")
    view.no_dp.value = True
    assert app.state.train.epsilon is None and view.epsilon.disabled
    view.epochs.value = 50
    app.state.train.epochs = 400
    view.start_button.click()
    bar = next(c for c in view.children if c.__class__.__name__ == "JobBar")
    _until(lambda: app.state.train.history, 60, "the first epoch")
    assert not bar.stop_button.disabled
    bar.stop_button.click()
    assert app.state.train.job.wait(60) == "stopped"
    assert bar.stop_button.disabled and bar.bar.bar_style == "warning"
    assert app.state.train.result.stopped


def test_tradeoff_tab_fills_in_and_exports(app, tmp_path):
    view = app.show("Trade-off")
    view.technique.value = "dp"
    assert view.grid.value == "0.05, 0.2, 1, none" and not view.model.disabled
    view.grid.value = "0.3, 2, none"
    updates = []
    app.state.tradeoff.observe(lambda c: updates.append(len(c["new"])), "points")
    view.run_button.click()
    assert app.state.tradeoff.job.wait(120) == "done", app.state.tradeoff.job.error
    assert updates[-1] == 3 and 1 in updates
    view.figure.flush()
    traces = {t.name: t for t in view.figure.figure.data}
    assert len(traces["dp"].x) == 2 and "Pareto frontier" in traces
    assert "<table" in view.table.value and not view.export_button.disabled
    view.path.value = str(tmp_path / "r.html")
    view.export_button.click()
    assert (tmp_path / "r.html").exists() and "r.html" in view.link.value


def test_tradeoff_bad_grid_error_in_panel(app):
    view = app.show("Trade-off")
    view.grid.value = "2, five"
    view.run_button.click()
    bar = next(c for c in view.children if c.__class__.__name__ == "JobBar")
    assert "comma-separated integers; got 'five'" in html.unescape(bar.error.value)


def test_risk_tab_computes_when_shown(app):
    view = app.show("Risk")
    assert app.state.risk.job.wait(60) == "done"
    view.figure.flush()
    assert "wb-risk-summary" in view._dom_classes or view.summary.value
    view.risk_figure.flush()
    assert len(view.figure.figure.data) == 1 and len(view.risk_figure.figure.data) == 1
    assert "prosecutor" in " ".join(view.risk_figure.figure.data[0].x)
