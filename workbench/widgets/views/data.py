"""The Data tab: pick a dataset (bundled or from the notebook), preview it, and edit column roles."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.data import ROLE_NAMES, DataState
from workbench.widgets.views.common import ErrorLine, frame_html

__all__ = ["DataView"]


class DataView(widgets.VBox):
    """View of a :class:`DataState`."""

    def __init__(self, state: DataState) -> None:
        self.state = state
        self.source = widgets.Dropdown(options=state.sources(), value=None, description="Dataset")
        self.source.add_class("wb-source")
        self.load_button = widgets.Button(description="Load", icon="table", button_style="primary")
        self.refresh_button = widgets.Button(
            description="", icon="refresh", tooltip="list the notebook's DataFrames", layout={"width": "40px"}
        )
        self.summary = widgets.HTML("<i>Pick a bundled dataset or a DataFrame of this notebook.</i>")
        self.preview = widgets.HTML("")
        self.roles = widgets.VBox([])
        self.roles.add_class("wb-roles")
        self.load_button.on_click(lambda _: state.load(self.source.value) if self.source.value else None)
        self.refresh_button.on_click(lambda _: self._refresh_sources())
        state.observe(self._dataset_changed, "dataset")
        state.observe(self._roles_changed, "roles")
        super().__init__(
            [
                widgets.HBox([self.source, self.load_button, self.refresh_button]),
                ErrorLine(state, "error"),
                self.summary,
                widgets.HTML("<b>Preview</b>"),
                self.preview,
                widgets.HTML("<b>Column roles</b> (what an attacker could use; the guess and its reason on the right)"),
                self.roles,
            ]
        )
        if state.dataset is not None:
            self._dataset_changed(None)

    def _refresh_sources(self) -> None:
        current = self.source.value
        self.source.options = self.state.sources()
        self.source.value = current if current in self.source.options else None

    def _dataset_changed(self, change: Any) -> None:
        ds = self.state.dataset
        if ds is None:
            return
        if self.state.source in self.source.options:
            self.source.value = self.state.source
        self.summary.value = (
            f"<b>{html.escape(ds.name)}</b>: {len(ds.frame):,} rows × {ds.frame.shape[1]} columns · train "
            f"{len(ds.train):,} / test {len(ds.test):,} · target <code>{html.escape(str(ds.target))}</code>"
        )
        self.preview.value = frame_html(self.state.preview(8), rows=8, css_class="wb-data-preview")
        self.roles.children = [self._role_row(str(c)) for c in ds.frame.columns]

    def _role_row(self, column: str) -> widgets.HBox:
        role = widgets.Dropdown(
            options=ROLE_NAMES, value=self.state.roles.get(column, "insensitive"), layout={"width": "160px"}
        )
        role.observe(lambda change: self._role_picked(column, change), "value")
        guess = self.state.guesses.get(column, "")
        reason = self.state.reasons.get(column, "")
        return widgets.HBox(
            [
                widgets.Label(column, layout={"width": "140px"}),
                role,
                widgets.HTML(
                    f"<span style='color:#555'>guess: <b>{html.escape(guess)}</b>: {html.escape(reason)}</span>"
                ),
            ]
        )

    def _role_picked(self, column: str, change: Any) -> None:
        if change["new"] != self.state.roles.get(column) and not self.state.set_role(column, change["new"]):
            self._roles_changed(None)  # refused: show the roles that are in force again

    def _roles_changed(self, change: Any) -> None:
        ds = self.state.dataset
        if ds is None or len(self.roles.children) != ds.frame.shape[1]:
            return
        for row, column in zip(self.roles.children, ds.frame.columns, strict=True):
            row.children[1].value = self.state.roles.get(str(column), "insensitive")
