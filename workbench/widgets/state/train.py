"""State of the Train tab: DP-SGD parameters, the per-epoch history as it arrives, and the training result."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from traitlets import Any as AnyTrait
from traitlets import Float, HasTraits, Instance, Int, List, Unicode, observe

from workbench.datasets import Dataset
from workbench.widgets.state.budget import budget_refusal
from workbench.widgets.state.jobs import Job

__all__ = ["TrainState", "as_record"]

_FIELDS = ("epoch", "step", "loss", "accuracy", "epsilon", "seconds")


def as_record(event: Any) -> dict[str, Any]:
    """One training event (a dict, dataclass or object with epoch/loss/accuracy/epsilon) as a plain dict."""
    if isinstance(event, Mapping):
        data = dict(event)
    elif dataclasses.is_dataclass(event) and not isinstance(event, type):
        data = dataclasses.asdict(event)
    else:
        data = {name: getattr(event, name) for name in _FIELDS if hasattr(event, name)}
    return {k: data[k] for k in _FIELDS if k in data and data[k] is not None}


class TrainState(HasTraits):
    """Parameters of :func:`workbench.train`; :meth:`start` trains in the background and streams the history;
    :meth:`start_tune` runs a private search (:func:`workbench.tune`) and streams its trials.

    Examples
    --------
    >>> state = TrainState(epsilon=1.0, epochs=1)
    >>> state.options()["epsilon"], state.options()["epochs"]
    (1.0, 1)
    """

    dataset = Instance(Dataset, allow_none=True)
    epsilon = Float(1.0, allow_none=True, help="DP budget; None trains without differential privacy")
    delta = Float(None, allow_none=True, help="DP delta; None picks one below 1/rows")
    epochs = Int(0, help="passes over the training rows; 0 lets the size-aware rule choose (workbench.dp.defaults)")
    model = Unicode("logreg", help="logreg or mlp")
    batch_size = Int(0, help="expected batch size; 0 lets the size-aware rule choose")
    audit_fraction = Float(0.2, help="share of training rows kept out as non-members for the Audit tab")
    seed = Int(0)
    history = List(help="one dict per epoch as it arrives: epoch, loss, accuracy, epsilon")
    result = AnyTrait(None, help="the TrainResult of the last run (of a search: its best run)")
    expected_trials = Float(None, allow_none=True, help="expected trials of a private search (Tune); None: 'auto'")
    trials = List(help="the private search's trials as they finish: grid point, noise, its own ε, accuracy")
    best_trial = AnyTrait(None, help="the best trial so far (a dict)")
    search_epsilon = Float(None, allow_none=True, help="ε of the whole search, selection included, once it ends")
    tune_result = AnyTrait(None, help="the TuneResult of the last search")
    job = Instance(Job, args=())

    @observe("dataset")
    def _dataset_changed(self, change: Any) -> None:
        self.result = None
        self.history = []
        self.trials, self.best_trial, self.search_epsilon, self.tune_result = [], None, None, None

    def start_tune(self) -> bool:
        """Start a private search (:func:`workbench.tune`, grid ``"auto"``) at ε = :attr:`epsilon` for the whole
        search; trials stream into :attr:`trials`. ``False`` (with ``job.error``) without a dataset or ε, or when
        the budget would be exceeded."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False
        if self.epsilon is None:
            self.job.error = "A private search needs an ε for the whole search: untick 'no DP'."
            return False
        if self.job.running:
            return False
        refusal = budget_refusal(dataset, [self.epsilon])
        if refusal:
            self.job.error = refusal
            return False
        self.trials, self.best_trial, self.search_epsilon, self.tune_result = [], None, None, None
        epsilon, model, seed, expected = self.epsilon, self.model, self.seed, self.expected_trials

        def on_trial(row: dict[str, Any], best: dict[str, Any]) -> None:
            self.trials = [*self.trials, row]
            self.best_trial = best
            self.job.report(min(row["trial"] / row["of"], 0.99),
                            f"trial {row['trial']} of {row['of']} · best accuracy {best['accuracy']:.3f}")  # fmt: skip

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.0, "calibrating the noise of every grid point…")
            return wb.tune(dataset, epsilon=epsilon, grid="auto", trials=expected or "auto", model=model, seed=seed,
                           stop=stop, on_trial=on_trial)  # fmt: skip

        return self.job.start(task, on_done=self._tuned)

    def _tuned(self, result: Any) -> None:
        self.tune_result = result
        self.search_epsilon = float(result.statement.epsilon)
        self.result = result.best

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`workbench.train` (without dataset, callbacks and stop)."""
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "epochs": self.epochs or None,
            "model": self.model,
            "batch_size": self.batch_size or None,
            "audit_fraction": self.audit_fraction,
            "seed": self.seed,
        }

    def start(self) -> bool:
        """Start training; ``False`` when no dataset is loaded or a run is in progress."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False
        options = self.options()
        if self.job.running:
            return False
        refusal = budget_refusal(dataset, [options["epsilon"]])
        if refusal:
            self.job.error = refusal
            return False
        self.history = []
        from workbench.dp.defaults import size_aware_defaults

        rows = max(round(len(dataset.train) * (1 - options["audit_fraction"])), 1)
        chosen = size_aware_defaults(rows, model=options["model"], batch_size=options["batch_size"])
        epochs = options["epochs"] or chosen["epochs"]
        total_steps = max(epochs * math.ceil(rows / chosen["batch_size"]), 1)

        def on_step(info: Any) -> None:  # progress inside an epoch; the curves move once per epoch
            step = as_record(info).get("step")
            if step is not None:
                self.job.report(min(step / total_steps, 0.99))

        def on_epoch(event: Any) -> None:
            record = as_record(event)
            if "epoch" in record:
                self.history = [*self.history, record]
                self.job.report(record["epoch"] / epochs, _describe(record))

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.0, "calibrating noise…" if options["epsilon"] is not None else "training…")
            return wb.train(dataset, callbacks=[_Callbacks(on_step, on_epoch)], stop=stop, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result


class _Callbacks:
    """The ``on_step`` / ``on_epoch`` pair :func:`workbench.train` calls."""

    def __init__(self, on_step: Any, on_epoch: Any) -> None:
        self.on_step = on_step
        self.on_epoch = on_epoch


def _describe(record: Mapping[str, Any]) -> str:
    parts = [f"epoch {record['epoch']}"]
    if "loss" in record:
        parts.append(f"loss {record['loss']:.3f}")
    if "accuracy" in record:
        parts.append(f"accuracy {record['accuracy']:.3f}")
    if "epsilon" in record:
        parts.append(f"ε spent {record['epsilon']:.3g}")
    return " · ".join(parts)
