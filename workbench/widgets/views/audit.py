"""The Audit tab: choose an attack (its cost shown), run it on the trained model, see the ROC curve."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.audit import ATTACKS, AuditState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure
from workbench.widgets.views.plots import figure_of

__all__ = ["AuditView"]


class AuditView(widgets.VBox):
    """View of an :class:`AuditState`."""

    def __init__(self, state: AuditState) -> None:
        self.state = state
        self.attack = widgets.Dropdown(options=ATTACKS, value=state.attack, description="attack")
        self.n_reference = widgets.IntSlider(
            value=state.n_reference,
            min=1,
            max=16,
            description="reference models",
            continuous_update=False,
            style={"description_width": "120px"},
        )
        self.attack.observe(lambda c: setattr(state, "attack", c["new"]), "value")
        self.n_reference.observe(lambda c: setattr(state, "n_reference", c["new"]), "value")
        self.cost = widgets.HTML("")
        self.run_button = widgets.Button(description="Attack", icon="crosshairs", button_style="danger")
        self.run_button.on_click(lambda _: state.start())
        self.model_line = widgets.HTML("")
        self.figure = LiveFigure("Membership inference ROC")
        self.summary = widgets.HTML("")
        state.observe(self._cost_changed, "cost")
        state.observe(self._run_changed, "run")
        state.observe(self._result_changed, "result")
        self._run_changed(None)
        self._cost_changed(None)
        super().__init__(
            [
                self.model_line,
                self.attack,
                self.n_reference,
                self.cost,
                self.run_button,
                JobBar(state.job),
                self.figure.widget,
                self.summary,
            ]
        )

    def _cost_changed(self, change: Any) -> None:
        self.cost.value = (
            f"<span style='color:#555'>cost: {html.escape(self.state.cost)}</span>" if self.state.cost else ""
        )

    def _run_changed(self, change: Any) -> None:
        run = self.state.run
        if run is None:
            self.model_line.value = "<i>Train a model first (Train tab); the audit attacks the latest one.</i>"
        else:
            eps = getattr(run.statement, "epsilon", float("inf"))
            self.model_line.value = f"Target: the latest trained model (claimed ε = {eps:.3g})."

    def _result_changed(self, change: Any) -> None:
        result = self.state.result
        if result is None:
            self.summary.value = ""
            return
        self.figure.request(lambda: figure_of(result, "roc"))
        self.figure.flush()
        self.summary.value = result._repr_html_() if hasattr(result, "_repr_html_") else html.escape(str(result))
