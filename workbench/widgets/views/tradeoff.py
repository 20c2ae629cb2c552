"""The Trade-off tab: grid editor, a curve that fills in as points finish, the Pareto frontier, report export."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.tradeoff import TECHNIQUES, TradeoffState
from workbench.widgets.views.common import JobBar, frame_html
from workbench.widgets.views.figures import LiveFigure
from workbench.widgets.views.plots import tradeoff_figure_for

__all__ = ["TradeoffView"]

_SHOWN = ["value", "epsilon", "k", "accuracy", "auc", "information_loss", "mia_auc", "prosecutor_risk", "seconds"]


class TradeoffView(widgets.VBox):
    """View of a :class:`TradeoffState`."""

    def __init__(self, state: TradeoffState) -> None:
        self.state = state
        self.technique = widgets.ToggleButtons(options=list(TECHNIQUES), value=state.technique)
        self.grid = widgets.Text(value=state.grid, description="grid", layout={"width": "360px"})
        self.grid.add_class("wb-grid")
        self.model = widgets.Dropdown(options=["logreg", "mlp"], value=state.model, description="model")
        self.epochs = widgets.BoundedIntText(
            value=state.epochs, min=0, max=100, description="epochs (0: auto)", layout={"width": "180px"}
        )
        self.audit = widgets.Checkbox(value=state.audit, description="audit each point")
        self.run_button = widgets.Button(description="Run sweep", icon="play", button_style="primary")
        self.run_button.add_class("wb-run-sweep")
        self.technique.observe(lambda c: setattr(state, "technique", c["new"]), "value")
        self.grid.observe(lambda c: setattr(state, "grid", c["new"]), "value")
        self.model.observe(lambda c: setattr(state, "model", c["new"]), "value")
        self.epochs.observe(lambda c: setattr(state, "epochs", c["new"]), "value")
        self.audit.observe(lambda c: setattr(state, "audit", c["new"]), "value")
        state.observe(lambda c: setattr(self.grid, "value", c["new"]), "grid")
        state.observe(self._technique_changed, "technique")
        self.run_button.on_click(lambda _: state.start())
        self.figure = LiveFigure("Trade-off")
        self.figure.widget.add_class("wb-tradeoff-figure")
        self.table = widgets.HTML("")
        self.path = widgets.Text(
            value="", placeholder="report.html (never replaced)", description="report", layout={"width": "300px"}
        )
        self.export_button = widgets.Button(description="Export report", icon="file", disabled=True)
        self.export_button.on_click(lambda _: state.export_report(self.path.value.strip() or None))
        self.link = widgets.HTML("")
        state.observe(self._points_changed, "points")
        state.observe(self._result_changed, "result")
        state.observe(self._report_written, "report_path")
        self._technique_changed(None)
        super().__init__(
            [
                self.technique,
                self.grid,
                widgets.HBox([self.model, self.epochs, self.audit]),
                self.run_button,
                JobBar(state.job),
                self.figure.widget,
                self.table,
                widgets.HBox([self.path, self.export_button]),
                self.link,
            ]
        )

    def _technique_changed(self, change: Any) -> None:
        technique = self.state.technique
        self.model.disabled = technique not in ("dp", "federated")
        self.epochs.disabled = technique != "dp"
        self.technique.value = self.state.technique

    def _points_changed(self, change: Any) -> None:
        points, technique = list(self.state.points), self.state.technique
        self.figure.request(lambda: tradeoff_figure_for(points, technique))

    def _result_changed(self, change: Any) -> None:
        self.export_button.disabled = self.state.result is None
        if self.state.result is None:
            return
        self.figure.flush()
        frame = self.state.frame()
        shown = [c for c in _SHOWN if c in frame.columns and frame[c].notna().any()]
        self.table.value = frame_html(frame[shown], rows=20)

    def _report_written(self, change: Any) -> None:
        path = html.escape(self.state.report_path)
        self.link.value = f"Report written to <a href='{path}' target='_blank'><code>{path}</code></a>"
