"""Small view pieces shared by the panels: the job bar (progress, status, Stop) and the error line."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
from traitlets import HasTraits

from workbench.widgets.state.jobs import Job

__all__ = ["ErrorLine", "JobBar", "frame_html"]


class JobBar(widgets.VBox):
    """Progress bar, status text and a Stop button for a :class:`Job`; its error shows as a readable line."""

    def __init__(self, job: Job, **kwargs: Any) -> None:
        self.job = job
        self.bar = widgets.FloatProgress(value=0.0, min=0.0, max=1.0, layout={"width": "240px"})
        self.status = widgets.HTML("")
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", button_style="warning", disabled=True, layout={"width": "90px"}
        )
        self.stop_button.add_class("wb-stop")
        self.error = ErrorLine(job, "error")
        self.stop_button.on_click(lambda _: job.stop())
        job.observe(self._update, ["progress", "message", "status"])
        self._update(None)
        super().__init__([widgets.HBox([self.bar, self.stop_button, self.status]), self.error], **kwargs)

    def _update(self, change: Any) -> None:
        job = self.job
        self.bar.value = job.progress
        self.bar.bar_style = {"done": "success", "error": "danger", "stopped": "warning"}.get(job.status, "info")
        self.stop_button.disabled = job.status != "running"
        self.status.value = f"<span class='wb-job-status'>{html.escape(job.message)}</span>"


class ErrorLine(widgets.HTML):
    """Shows the text trait ``name`` of ``owner`` as a red one-line message (hidden when empty)."""

    def __init__(self, owner: HasTraits, name: str) -> None:
        super().__init__("")
        self.add_class("wb-error")
        self._name = name
        owner.observe(self._update, name)
        self._update({"new": getattr(owner, name)})

    def _update(self, change: Any) -> None:
        text = change["new"]
        self.value = f"<div style='color:#b00020;font-weight:bold'>⚠ {html.escape(text)}</div>" if text else ""


def frame_html(frame: Any, rows: int = 10, css_class: str = "wb-table") -> str:
    """A DataFrame's first rows as compact HTML."""
    head = frame.head(rows)
    return (
        f"<div class='{css_class}' style='max-height:330px;overflow:auto;font-size:12px'>"
        + head.to_html(classes="wb-frame", border=0, max_cols=20, float_format=lambda v: f"{v:.4g}")
        + f"<div style='color:#666'>{len(frame):,} rows × {frame.shape[1]} columns</div></div>"
    )
