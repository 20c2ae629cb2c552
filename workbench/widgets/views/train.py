"""The Train tab: ε, epochs and model; live loss, accuracy and ε-spent curves while DP-SGD runs."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.train import TrainState
from workbench.widgets.views.common import JobBar
from workbench.widgets.views.figures import LiveFigure
from workbench.widgets.views.plots import training_figure

__all__ = ["TrainView"]


class TrainView(widgets.VBox):
    """View of a :class:`TrainState`."""

    def __init__(self, state: TrainState) -> None:
        self.state = state
        style = {"description_width": "110px"}
        self.epsilon = widgets.FloatLogSlider(
            value=state.epsilon or 1.0,
            base=10,
            min=-2,
            max=2,
            step=0.1,
            description="ε",
            continuous_update=False,
            style=style,
        )
        self.no_dp = widgets.Checkbox(value=state.epsilon is None, description="no DP (baseline)")
        self.epochs = widgets.IntSlider(
            value=state.epochs, min=0, max=50, description="epochs (0: auto)", continuous_update=False, style=style
        )
        self.model = widgets.Dropdown(options=["logreg", "mlp"], value=state.model, description="model", style=style)
        self.start_button = widgets.Button(description="Train", icon="play", button_style="primary")
        self.tune_button = widgets.Button(
            description="Tune", icon="search", tooltip="private hyperparameter search: ε covers the whole search"
        )
        self.trials = widgets.Dropdown(
            options=[("auto", None), ("2 expected", 2.0), ("4 expected", 4.0)],
            value=state.expected_trials,
            description="search trials",
            tooltip="auto: no search where none pays (the rule's point gets the whole ε); a number: search",
            style=style,
        )
        self.trials.observe(lambda c: setattr(state, "expected_trials", c["new"]), "value")
        self.epsilon.observe(lambda c: self._sync_epsilon(), "value")
        self.no_dp.observe(lambda c: self._sync_epsilon(), "value")
        self.epochs.observe(lambda c: setattr(state, "epochs", c["new"]), "value")
        self.model.observe(lambda c: setattr(state, "model", c["new"]), "value")
        self.start_button.on_click(lambda _: state.start())
        self.tune_button.on_click(lambda _: state.start_tune())
        self.search = widgets.HTML("")
        state.observe(self._search_changed, ["trials", "search_epsilon"])
        self.figure = LiveFigure("Training")
        self.figure.widget.add_class("wb-train-figure")
        self.summary = widgets.HTML("")
        state.observe(self._history_changed, "history")
        state.observe(self._result_changed, "result")
        super().__init__(
            [
                widgets.HBox([self.epsilon, self.no_dp]),
                self.epochs,
                self.model,
                widgets.HBox([self.start_button, self.tune_button, self.trials]),
                JobBar(state.job),
                self.search,
                self.figure.widget,
                self.summary,
            ]
        )

    def _sync_epsilon(self) -> None:
        self.epsilon.disabled = self.no_dp.value
        self.state.epsilon = None if self.no_dp.value else float(self.epsilon.value)

    def _search_changed(self, change: Any) -> None:
        """Trials as they finish, the best so far and the ε of the search (the requested ε until it ends)."""
        trials, best, state = list(self.state.trials), self.state.best_trial, self.state
        if not trials or best is None:
            self.search.value = ""
            return
        eps = state.search_epsilon
        spent = f"= {eps:.3g}" if eps is not None else f"≤ {state.epsilon:g}"
        done = state.tune_result
        if done is not None and not done.searched:
            self.search.value = f"<p>{html.escape(done.statement.plain_language())}</p>"
            return
        columns = ("trial", "batch_size", "epochs", "lr", "noise_multiplier", "trial_epsilon", "accuracy")
        head = "".join(f"<th>{name}</th>" for name in ("trial", "batch", "epochs", "lr", "σ", "trial ε", "accuracy"))
        rows = "".join(
            ("<tr style='font-weight:bold'>" if t["trial"] == best["trial"] else "<tr>")
            + "".join(f"<td>{t[c]:.4g}</td>" for c in columns)
            + "</tr>"
            for t in trials
        )
        self.search.value = (
            f"<p><b>Private search</b> (ε of the whole search {spent}; {len(trials)} of {trials[-1]['of']} trials; "
            f"best accuracy {best['accuracy']:.4f}). Only the best run is released; this table is for you.</p>"
            f"<table class='wb-tune-trials'><tr>{head}</tr>{rows}</table>"
        )

    def _history_changed(self, change: Any) -> None:
        history = list(self.state.history)
        self.figure.request(lambda: training_figure(history))

    def _result_changed(self, change: Any) -> None:
        run = self.state.result
        if run is None:
            self.summary.value = ""
            return
        self.figure.flush()
        statement = run.statement
        text = statement.plain_language() if hasattr(statement, "plain_language") else str(statement)
        metrics = " · ".join(f"{k} = {v:.4g}" for k, v in run.metrics.items() if isinstance(v, float))
        self.summary.value = f"<p>{html.escape(text)}</p><p><b>Test:</b> {html.escape(metrics)}</p>"
