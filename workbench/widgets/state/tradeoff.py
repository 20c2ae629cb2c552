"""State of the Trade-off tab: the technique and its grid, the points as they arrive, the result and its report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from traitlets import Any as AnyTrait
from traitlets import Bool, HasTraits, Instance, Int, List, Unicode, observe

from workbench.datasets import Dataset
from workbench.widgets.state.budget import budget_refusal
from workbench.widgets.state.jobs import Job, describe_error

__all__ = ["TECHNIQUES", "TradeoffState", "parse_grid"]

# technique -> (its grid parameter of wb.tradeoff, default grid text)
TECHNIQUES: dict[str, tuple[str, str]] = {
    "k-anonymity": ("ks", "2, 5, 10, 25, 50"),
    "dp": ("epsilons", "0.05, 0.2, 1, none"),
    "federated": ("epsilons", "1, 8, none"),
    "dp-synthetic": ("epsilons", "0.5, 2, none"),
}


def parse_grid(text: str, technique: str) -> list:
    """Parse a grid such as ``"0.5, 1, none"`` for ``technique`` (``none`` = no DP) with the one grid parser,
    :func:`workbench.tradeoff.parse_grid`; raise ValueError if bad.

    Examples
    --------
    >>> parse_grid("0.5, 1, none", "dp")
    [0.5, 1.0, None]
    >>> parse_grid("2 5 10", "k-anonymity")
    [2, 5, 10]
    """
    from workbench.tradeoff.grid import parse_grid as parse

    return parse(text, integer=TECHNIQUES[technique][0] == "ks", name="The grid")


class TradeoffState(HasTraits):
    """Parameters of :func:`workbench.tradeoff`; :meth:`start` sweeps in the background, streaming points.

    Examples
    --------
    >>> state = TradeoffState(technique="dp", grid="0.5, 1")
    >>> state.options()["epsilons"]
    [0.5, 1.0]
    """

    dataset = Instance(Dataset, allow_none=True)
    technique = Unicode("k-anonymity", help="k-anonymity, dp, federated or dp-synthetic")
    grid = Unicode(TECHNIQUES["k-anonymity"][1], help="the grid of privacy parameters, comma separated")
    model = Unicode("logreg")
    epochs = Int(0, help="passes over the training rows; 0 lets the size-aware rule choose (workbench.dp.defaults)")
    audit = Bool(False, help="run a membership-inference audit at every point")
    seed = Int(0)
    executor = AnyTrait(None, help="executor for the sweep: None (in this process), 'processes' or a Dask Client")
    points = List(help="the points measured so far, in the order they finished")
    result = AnyTrait(None, help="the TradeoffResult once the sweep ends")
    report_path = Unicode("", help="where the last report was written")
    job = Instance(Job, args=())

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if "grid" not in kwargs:
            self.grid = TECHNIQUES[self.technique][1]

    @observe("technique")
    def _technique_changed(self, change: Any) -> None:
        old = TECHNIQUES.get(change["old"], ("", ""))[1]
        if self.grid.strip() in ("", old):  # the user's own grid is kept
            self.grid = TECHNIQUES[change["new"]][1]

    @observe("dataset")
    def _dataset_changed(self, change: Any) -> None:
        self.points = []
        self.result = None

    def options(self) -> dict[str, Any]:
        """Keyword arguments for :func:`workbench.tradeoff` (without dataset, on_point and stop)."""
        grid_name = TECHNIQUES[self.technique][0]
        options: dict[str, Any] = {
            grid_name: parse_grid(self.grid, self.technique),
            "audit": self.audit,
            "seed": self.seed,
        }
        if self.technique == "dp":
            options.update(model=self.model, epochs=self.epochs or None)
        if self.technique == "federated":  # rounds and clients: the Federated tab's defaults (5 clients, 10 rounds)
            options["model"] = self.model
        if self.executor is not None:
            options["executor"] = self.executor
        return options

    def frame(self) -> pd.DataFrame:
        """The points so far as a tidy table (one row per point)."""
        return pd.DataFrame([p.to_row() for p in self.points])

    def start(self) -> bool:
        """Start the sweep; ``False`` (with :attr:`job` ``.error``) for a bad grid, no dataset or a running sweep."""
        dataset = self.dataset
        if dataset is None:
            self.job.error = "Load a dataset first (Data tab)."
            return False
        try:
            options = self.options()
        except ValueError as exc:
            self.job.error = describe_error(exc)
            return False
        if self.job.running:
            return False
        refusal = budget_refusal(dataset, options.get("epsilons", []))
        if refusal:
            self.job.error = refusal
            return False
        self.points = []
        self.result = None
        technique = self.technique
        size = len(options.get("ks", options.get("epsilons", [])))

        def on_point(point: Any) -> None:
            self.points = [*self.points, point]
            self.job.report(len(self.points) / size, f"{len(self.points)} of {size} points: {point.label()}")

        def task(stop: Any, report: Any) -> Any:
            import workbench as wb

            report(0.0, f"sweeping {size} values…")
            return wb.tradeoff(dataset, technique, on_point=on_point, stop=stop, **options)

        return self.job.start(task, on_done=self._done)

    def _done(self, result: Any) -> None:
        self.result = result

    def export_report(self, path: str | Path | None = None) -> Path | None:
        """Write the HTML report of the finished sweep; ``None`` (with ``job.error``) when there is none.

        Without a path the report goes to ``report.html``, or ``report-1.html``, ... when that name is taken (an
        existing file is never replaced by a default name); a path given is replaced atomically.
        """
        if self.result is None:
            self.job.error = "Run a sweep first; the report needs its results."
            return None
        try:
            import workbench as wb

            written = wb.report(self.result, path=path)
        except Exception as exc:  # shown in the panel
            self.job.error = describe_error(exc)
            return None
        self.report_path = str(written)
        return Path(written)
