"""The Encrypted tab headless: the Train tab's model flows in, a real CKKS run, progress, cost and size figures."""

from __future__ import annotations

import time

import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.viz import encrypted_figures

pytest.importorskip("tenseal")


def test_encrypted_tab_runs_ckks_on_the_trained_model(small):
    app = wb.dashboard(small, executor="serial")
    view = app.show("Encrypted")
    assert "Train a model first" in view.model_line.value
    run = wb.train(small, epochs=1, epsilon=None, public_schema=True, ledger=False, progress=False)
    app.state.train.result = run  # what the Train tab's job does when it finishes
    assert app.state.encrypted.run is run and "latest trained" in view.model_line.value
    view.rows.value = 300
    messages = []
    app.state.encrypted.job.observe(lambda c: messages.append(c["new"]), "message")
    view.run_button.click()
    assert app.state.encrypted.job.wait(120) == "done"
    deadline = time.monotonic() + 10
    while app.state.encrypted.result is None and time.monotonic() < deadline:
        time.sleep(0.02)
    result = app.state.encrypted.result
    assert result.metrics["rows"] == 300 and result.metrics["agreement"] == 1.0
    assert any("300 of 300 rows" in m for m in messages)
    assert "Agreement with plaintext: 100.00%" in view.summary.value
    view.cost.flush()
    bars = view.cost.figure.data[0]
    assert list(bars.x) == ["key generation", "encrypt", "compute", "decrypt", "communication"]
    assert bars.y[1] == pytest.approx(result.cost["phases"]["encrypt"]["ms_per_row"])
    figures = encrypted_figures(result)
    assert set(figures) == {"cost", "sizes", "precision"} and all(isinstance(f, go.Figure) for f in figures.values())


def test_scheme_toggle_enables_the_right_controls(small):
    app = wb.dashboard(small, executor="serial")
    view = app.show("Encrypted")
    view.scheme.value = "mpc"
    assert app.state.encrypted.scheme == "mpc" and view.packing.disabled and not view.parties.disabled
