"""The budget bar at the top of the dashboard: ε spent on the current dataset against the budget."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.budget import BudgetState

__all__ = ["BudgetBar"]


class BudgetBar(widgets.HBox):
    """View of a :class:`BudgetState`: a text and a bar that turns orange, then red, as the budget runs out."""

    def __init__(self, state: BudgetState) -> None:
        self.state = state
        self.label = widgets.HTML("")
        self.label.add_class("wb-budget")
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout={"width": "200px"})
        state.observe(self._update, ["text", "fraction", "budget"])
        self._update(None)
        super().__init__([self.label, self.bar], layout={"align_items": "center"})

    def _update(self, change: Any) -> None:
        self.label.value = f"<b>Privacy budget</b>: {html.escape(self.state.text)}&nbsp;"
        self.bar.value = self.state.fraction
        self.bar.layout.visibility = "visible" if self.state.budget else "hidden"
        self.bar.bar_style = (
            "success" if self.state.fraction < 0.75 else ("warning" if self.state.fraction < 1 else "danger")
        )
