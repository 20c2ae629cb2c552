"""The Synthetic tab: ε slider and Fit / Stop; real vs synthetic marginals side by side; utility and privacy checks;
a DP-statistics panel with the budget left."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.synthetic import SyntheticState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure

__all__ = ["SyntheticView"]


class SyntheticView(widgets.VBox):
    """View of a :class:`SyntheticState`."""

    def __init__(self, state: SyntheticState) -> None:
        self.state = state
        style = {"description_width": "110px"}
        self.epsilon = widgets.FloatLogSlider(value=state.epsilon, base=10, min=-2, max=2, step=0.1, description="ε",
                                              continuous_update=False, style=style)  # fmt: skip
        self.method = widgets.Dropdown(options=["mst", "aim"], value=state.method, description="mechanism",
                                       style=style)  # fmt: skip
        self.start_button = widgets.Button(description="Synthesise", icon="play", button_style="primary")
        self.epsilon.observe(lambda c: setattr(state, "epsilon", float(c["new"])), "value")
        self.method.observe(lambda c: setattr(state, "method", c["new"]), "value")
        self.start_button.on_click(lambda _: state.start())
        self.column = widgets.Dropdown(options=[], description="column", style=style)
        self.column.observe(lambda c: self._draw_marginal(), "value")
        self.marginal = LiveFigure("Real vs synthetic")
        self.checks = LiveFigure("Checks")
        self.summary = widgets.HTML("")
        state.observe(self._result_changed, "result")
        super().__init__(
            [
                widgets.HBox([self.epsilon, self.method, self.start_button]),
                JobBar(state.job),
                self.summary,
                self.column,
                widgets.HBox([self.marginal.widget, self.checks.widget]),
                _StatisticsPanel(state),
            ]
        )

    def _result_changed(self, change: Any) -> None:
        result = self.state.result
        if result is None:
            self.summary.value, self.column.options = "", []
            return
        from workbench.viz import synthetic_checks_figure

        self.summary.value = f"<p>{html.escape(result.statement.plain_language())}</p>"
        self.column.options = list(result.marginals)
        self.checks.request(lambda: synthetic_checks_figure(result))
        self._draw_marginal()

    def _draw_marginal(self) -> None:
        result, column = self.state.result, self.column.value
        if result is None or column is None:
            return
        from workbench.viz import marginals_figure

        self.marginal.request(lambda: marginals_figure(result, column))


class _StatisticsPanel(widgets.VBox):
    """Ask DP questions; every answer shows its 95 % accuracy, and the session's ε left is always visible."""

    def __init__(self, state: SyntheticState) -> None:
        self.state = state
        self.query = widgets.Text(value="mean age", description="query", placeholder="count | mean COL | histogram COL")
        self.bounds = widgets.Text(value="17,90", description="bounds", placeholder="LOW,HIGH (mean, sum)")
        self.epsilon = widgets.BoundedFloatText(value=0.1, min=0.001, max=100, step=0.05, description="ε")
        self.ask_button = widgets.Button(description="Ask", icon="question")
        self.ask_button.on_click(lambda _: self._ask())
        self.status = widgets.HTML("")
        self.table = widgets.HTML("")
        state.observe(lambda c: self._refresh(), ["answers", "remaining", "message"])
        super().__init__([widgets.HTML("<b>DP statistics</b> (OpenDP, budgeted session)"),
                          widgets.HBox([self.query, self.bounds, self.epsilon, self.ask_button]),
                          self.status, self.table])  # fmt: skip
        self._refresh()

    def _ask(self) -> None:
        bounds = None
        parts = [p for p in self.bounds.value.replace(" ", "").split(",") if p]
        if len(parts) == 2:
            try:
                bounds = (float(parts[0]), float(parts[1]))
            except ValueError:
                bounds = None
        self.state.ask(self.query.value, epsilon=float(self.epsilon.value), bounds=bounds)

    def _refresh(self) -> None:
        s = self.state
        self.status.value = (
            f"<p>session ε {s.session_epsilon:g} · left <b>{s.remaining:.3g}</b></p><p>{html.escape(s.message)}</p>"
        )
        rows = "".join(
            f"<tr><td>{html.escape(a['query'])}</td><td>{_short(a['value'])}</td><td>± {a['accuracy_95']:.3g}</td>"
            f"<td>{a['epsilon']:g}</td></tr>"
            for a in s.answers
        )
        self.table.value = (
            "<table><tr><th>query</th><th>answer</th><th>95 %</th><th>ε</th></tr>" + rows + "</table>" if rows else ""
        )


def _short(value: Any) -> str:
    if isinstance(value, dict):
        top = sorted(value.items(), key=lambda kv: -kv[1])[:3]
        return html.escape(", ".join(f"{k}: {v:.0f}" for k, v in top) + " …")
    return f"{value:.6g}"
