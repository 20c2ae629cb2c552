"""The Synthetic tab: a real fit in the background, figures, the DP-statistics panel and its budget."""

from __future__ import annotations

import pytest

from tests.synthetic.conftest import small_frame


@pytest.mark.slow
def test_synthetic_tab_fits_and_answers():
    import workbench as wb
    from workbench.widgets.state.app import DashboardState
    from workbench.widgets.views.dashboard import TABS, Dashboard

    assert "Synthetic" in TABS
    state = DashboardState()
    state.data.dataset = wb.load_dataset(small_frame(800).drop(columns=["name"]), target="income", name="tab")
    syn = state.synthetic
    syn.epsilon = 2.0
    app = Dashboard(state)
    view = app.show("Synthetic")
    assert syn.start()
    assert syn.job.wait(600) == "done", syn.job.error
    assert syn.result.statement.epsilon <= 2.0
    assert list(view.column.options) == list(syn.result.marginals)
    answer = syn.ask("mean age", epsilon=0.2, bounds=(17, 90))
    assert answer is not None and syn.remaining == pytest.approx(0.8)
    assert syn.ask("count", epsilon=5.0) is None and "left" in syn.message  # refused, in one line
    assert "mean age" in view.children[-1].table.value
