"""The Anonymise tab: k / l / t sliders and method; the released table and its metrics refresh as they move."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.anonymise import AnonymiseState
from workbench.widgets.views.common import ErrorLine, frame_html

__all__ = ["AnonymiseView"]

_METRICS = ("information_loss", "discernibility", "aecs", "entropy_loss")


class AnonymiseView(widgets.VBox):
    """View of an :class:`AnonymiseState`. The l slider at 1 and the t slider at 1 mean "off"."""

    def __init__(self, state: AnonymiseState) -> None:
        self.state = state
        style = {"description_width": "110px"}
        self.k = widgets.IntSlider(value=state.k, min=2, max=100, description="k", continuous_update=False, style=style)
        self.k.add_class("wb-anon-k")
        self.l = widgets.IntSlider(
            value=state.l or 1, min=1, max=6, description="l (1 = off)", continuous_update=False, style=style
        )
        self.t = widgets.FloatSlider(
            value=state.t or 1.0,
            min=0.05,
            max=1.0,
            step=0.05,
            description="t (1 = off)",
            continuous_update=False,
            style=style,
        )
        self.method = widgets.Dropdown(
            options=["mondrian", "optimal"], value=state.method, description="method", style=style
        )
        self.suppression = widgets.FloatSlider(
            value=state.max_suppression,
            min=0.0,
            max=0.2,
            step=0.01,
            description="max suppression",
            continuous_update=False,
            style=style,
        )
        self.k.observe(lambda c: setattr(state, "k", c["new"]), "value")
        self.l.observe(lambda c: setattr(state, "l", None if c["new"] <= 1 else c["new"]), "value")
        self.t.observe(lambda c: setattr(state, "t", None if c["new"] >= 1.0 else c["new"]), "value")
        self.method.observe(lambda c: setattr(state, "method", c["new"]), "value")
        self.suppression.observe(lambda c: setattr(state, "max_suppression", c["new"]), "value")
        self.status = widgets.HTML("")
        self.metrics = widgets.HTML("")
        self.metrics.add_class("wb-anon-metrics")
        self.preview = widgets.HTML("<i>Load a dataset (Data tab) to see the released table.</i>")
        self.preview.add_class("wb-anon-preview")
        state.observe(self._result_changed, "result")
        state.observe(self._busy_changed, "busy")
        controls = widgets.VBox([self.k, self.l, self.t, self.method, self.suppression])
        super().__init__(
            [
                controls,
                self.status,
                ErrorLine(state, "error"),
                self.metrics,
                widgets.HTML("<b>Released table</b>"),
                self.preview,
            ]
        )
        if state.result is not None:
            self._result_changed(None)

    def activate(self) -> None:
        """The tab is shown: from now on the preview follows every change."""
        self.state.auto = True
        if self.state.result is None and self.state.dataset is not None and not self.state.busy:
            self.state.refresh()

    def _busy_changed(self, change: Any) -> None:
        if self.state.busy:
            self.status.value = "<span style='color:#666'>computing…</span>"
        else:
            self.status.value = f"<span style='color:#666'>refreshed in {self.state.seconds * 1000:.0f} ms</span>"

    def _result_changed(self, change: Any) -> None:
        result = self.state.result
        if result is None:
            self.preview.value = ""
            self.metrics.value = ""
            return
        self.metrics.value = _metrics_html(result)
        self.preview.value = frame_html(result.data, rows=12, css_class="wb-anon-table")


def _metrics_html(result: Any) -> str:
    statement = result.statement
    parts = [f"k achieved = <b class='wb-k-achieved'>{getattr(statement, 'k', '?')}</b>"]
    for name in ("l", "t"):
        value = getattr(statement, name, None)
        if value is not None:
            parts.append(f"{name} = <b>{value:.3g}</b>" if isinstance(value, float) else f"{name} = <b>{value}</b>")
    suppressed = getattr(statement, "suppressed", None)
    if suppressed is not None:
        parts.append(f"suppressed rows = <b>{suppressed:,}</b>")
    metrics = getattr(result, "metrics", {}) or {}
    parts += [f"{html.escape(m.replace('_', ' '))} = <b>{metrics[m]:.4g}</b>" for m in _METRICS if m in metrics]
    return "<div>" + " · ".join(parts) + "</div>"
