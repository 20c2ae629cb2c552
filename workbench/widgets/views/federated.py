"""The Federated tab: clients, partition and DP unit; the partition bar chart, and the per-round curve with the ε
spent filling in live while Flower runs; Stop ends after the current round."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.federated import FederatedState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure

__all__ = ["FederatedView"]


class FederatedView(widgets.VBox):
    """View of a :class:`FederatedState`."""

    def __init__(self, state: FederatedState) -> None:
        self.state = state
        style = {"description_width": "110px"}
        self.clients = widgets.IntSlider(value=state.clients, min=2, max=100, description="clients", style=style,
                                         continuous_update=False)  # fmt: skip
        self.partition = widgets.Dropdown(options=["iid", "dirichlet"], value=state.partition, description="partition",
                                          style=style)  # fmt: skip
        self.rounds = widgets.IntSlider(value=state.rounds, min=1, max=50, description="rounds", style=style,
                                        continuous_update=False)  # fmt: skip
        self.dp = widgets.ToggleButtons(options=["none", "record", "client"], value=state.dp, description="DP unit",
                                        style=style)  # fmt: skip
        self.epsilon = widgets.FloatLogSlider(value=state.epsilon, base=10, min=-1, max=2, step=0.1, description="ε",
                                              continuous_update=False, style=style)  # fmt: skip
        self.secure = widgets.Checkbox(value=state.secure_aggregation, description="secure aggregation (SecAgg+)")
        self.start_button = widgets.Button(description="Federate", icon="play", button_style="primary")
        for name in ("clients", "partition", "rounds", "dp", "epsilon"):
            getattr(self, name).observe(lambda c, n=name: setattr(state, n, c["new"]), "value")
        self.secure.observe(lambda c: setattr(state, "secure_aggregation", c["new"]), "value")
        self.start_button.on_click(lambda _: state.start())
        self.partition_figure = LiveFigure("Partition")
        self.rounds_figure = LiveFigure("Rounds")
        self.rounds_figure.widget.add_class("wb-federated-figure")
        self.summary = widgets.HTML("")
        state.observe(self._history_changed, "history")
        state.observe(self._result_changed, "result")
        super().__init__([
            widgets.HBox([self.clients, self.partition]), widgets.HBox([self.rounds, self.secure]),
            widgets.HBox([self.dp, self.epsilon]), self.start_button, JobBar(state.job),
            self.rounds_figure.widget, self.partition_figure.widget, self.summary,
        ])  # fmt: skip

    def _history_changed(self, change: Any) -> None:
        from workbench.viz import rounds_figure

        history, rounds = list(self.state.history), self.state.rounds
        self.rounds_figure.request(lambda: rounds_figure(history, rounds=rounds))

    def _result_changed(self, change: Any) -> None:
        from workbench.viz import partition_figure, rounds_figure

        fl = self.state.result
        if fl is None:
            self.summary.value = ""
            return
        self.rounds_figure.request(lambda: rounds_figure(fl))
        self.rounds_figure.flush()
        self.partition_figure.request(lambda: partition_figure(fl))
        self.partition_figure.flush()
        m = fl.metrics
        cost = f"{m['rounds']} rounds in {m['seconds']:.1f} s · {m['bytes'] / 1e6:.2f} MB exchanged"
        self.summary.value = (
            f"<p>{html.escape(fl.statement.plain_language())}</p><p><b>Test:</b> accuracy {m['accuracy']:.4f} · "
            f"AUC {m['auc']:.4f} · {html.escape(cost)}</p>"
        )
