"""The Encrypted tab: scheme and parameters, progress over encrypted batches, cost per phase, sizes, agreement."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.encrypted import PARAMETER_CHOICES, SCHEMES, EncryptedState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure

__all__ = ["EncryptedView"]


class EncryptedView(widgets.VBox):
    """View of an :class:`EncryptedState`."""

    def __init__(self, state: EncryptedState) -> None:
        self.state = state
        style = {"description_width": "110px"}
        self.scheme = widgets.ToggleButtons(options=SCHEMES, value=state.scheme, description="scheme", style=style)
        self.packing = widgets.Dropdown(options=("column", "row"), value=state.packing, description="packing",
                                        style=style)  # fmt: skip
        self.params = widgets.Dropdown(options=PARAMETER_CHOICES, value=state.params, description="CKKS params",
                                       style=style)  # fmt: skip
        self.parties = widgets.Dropdown(options=(2, 3), value=state.parties, description="MPC parties", style=style)
        self.rows = widgets.IntText(value=state.rows, description="rows (0: all)", style=style)
        for name in ("scheme", "packing", "params", "parties", "rows"):
            getattr(self, name).observe(lambda c, n=name: setattr(state, n, c["new"]), "value")
        self.scheme.observe(self._scheme_changed, "value")
        self.run_button = widgets.Button(description="Encrypt & predict", icon="lock", button_style="primary")
        self.run_button.on_click(lambda _: state.start())
        self.model_line = widgets.HTML("")
        self.cost = LiveFigure("Cost per phase")
        self.sizes = LiveFigure("Ciphertext and key sizes")
        self.summary = widgets.HTML("")
        state.observe(self._run_changed, "run")
        state.observe(self._result_changed, "result")
        self._run_changed(None)
        self._scheme_changed(None)
        super().__init__(
            [
                self.model_line,
                self.scheme,
                widgets.HBox([self.packing, self.params]),
                self.parties,
                self.rows,
                self.run_button,
                JobBar(state.job),
                self.summary,
                self.cost.widget,
                self.sizes.widget,
            ]
        )

    def _scheme_changed(self, change: Any) -> None:
        ckks = self.state.scheme == "ckks"
        self.packing.disabled = self.params.disabled = not ckks
        self.parties.disabled = ckks

    def _run_changed(self, change: Any) -> None:
        if self.state.run is None:
            self.model_line.value = "<i>Train a model first (Train tab); this tab predicts its test rows encrypted.</i>"
        else:
            kind = getattr(getattr(self.state.run, "config", None), "model_name", "model")
            self.model_line.value = f"Model: the latest trained {html.escape(str(kind))}."

    def _result_changed(self, change: Any) -> None:
        result = self.state.result
        if result is None:
            self.summary.value = ""
            return
        from workbench.viz import encrypted_cost_figure, encrypted_sizes_figure

        self.cost.request(lambda: encrypted_cost_figure(result))
        self.sizes.request(lambda: encrypted_sizes_figure(result))
        self.cost.flush()
        self.sizes.flush()
        m = result.metrics
        self.summary.value = (
            f"<b>Agreement with plaintext: {m['agreement']:.2%}</b> of {int(m['rows']):,} rows · accuracy "
            f"{m['accuracy']:.4f} (plaintext {m['plaintext_accuracy']:.4f}) · max score error "
            f"{m['max_score_error']:.2e} · {result.cost['end_to_end_ms_per_row']:.3f} ms/row"
            f"<br><span style='color:#555'>{html.escape(result.statement.guarantee)}</span>"
        )
