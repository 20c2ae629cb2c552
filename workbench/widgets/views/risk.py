"""The Risk tab: achieved k, uniqueness and prosecutor risk of the current dataset, with the class-size histogram."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.risk import RiskState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure
from workbench.widgets.views.plots import figure_of

__all__ = ["RiskView"]


class RiskView(widgets.VBox):
    """View of a :class:`RiskState`; :meth:`activate` (tab shown) computes the report if it is missing."""

    def __init__(self, state: RiskState) -> None:
        self.state = state
        self.run_button = widgets.Button(description="Assess risk", icon="user-secret", button_style="primary")
        self.run_button.on_click(lambda _: state.compute())
        self.summary = widgets.HTML("")
        self.summary.add_class("wb-risk-summary")
        self.figure = LiveFigure("Equivalence-class sizes")
        self.risk_figure = LiveFigure("Re-identification risk")
        state.observe(self._report_changed, "report")
        figures = widgets.HBox([self.figure.widget, self.risk_figure.widget])
        super().__init__([widgets.HBox([self.run_button]), JobBar(state.job), self.summary, figures])

    def activate(self) -> None:
        if self.state.report is None and self.state.dataset is not None and not self.state.job.running:
            self.state.compute()

    def _report_changed(self, change: Any) -> None:
        report = self.state.report
        if report is None:
            self.summary.value = ""
            return
        self.summary.value = report._repr_html_() if hasattr(report, "_repr_html_") else str(report)
        self.figure.request(lambda: figure_of(report, "class-sizes"))
        self.risk_figure.request(lambda: figure_of(report, "risk"))
        self.figure.flush()
        self.risk_figure.flush()
