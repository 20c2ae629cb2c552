"""The sweep engine: plan the grid, run its points on an executor, stream them back as they finish."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from workbench._processes import defined_in_main
from workbench._validation import InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.datasets import Dataset, load_dataset
from workbench.errors import InvalidParameterError, WorkerError
from workbench.tradeoff._budget import record_point
from workbench.tradeoff._dataset_ref import DatasetRef, dataset_info
from workbench.tradeoff._executors import cpu_count, open_runner
from workbench.tradeoff._point import TradeoffPoint
from workbench.tradeoff._registry import Technique, get_technique
from workbench.tradeoff._result import TradeoffResult
from workbench.tradeoff._worker import PointTask, point_seed, reemit_warnings, run_point

__all__ = ["SweepPlan", "iter_tradeoff", "plan_sweep", "tradeoff"]

DEFAULT_EPSILONS: tuple[float | None, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, None)
DEFAULT_KS: tuple[int, ...] = (2, 5, 10, 25, 50)
_POLL_SECONDS = 0.1

_CONSTRAINTS = {
    "l": Optional(Interval(int, 2)),
    "t": Optional(Interval(float, 0, 1, closed="right")),
    "epochs": Interval(int, 1),
    "batch_size": Interval(int, 1),
    "delta": Optional(Interval(float, 0, 1, closed="neither")),
    "audit": InstanceOf((bool,), "True or False"),
    "seed": Interval(int, 0),
    "method": OneOf(("mondrian", "optimal")),
    "accountant": OneOf(("prv", "rdp", "gdp")),
    "max_grad_norm": Interval(float, 0, None, closed="neither"),
    "lr": Optional(Interval(float, 0, None, closed="neither")),
    "max_suppression": Interval(float, 0, 1),
    "progress": InstanceOf((bool,), "True or False"),
}


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep will compute: the technique, the dataset, one task per grid value and the options."""

    technique: Technique
    dataset: Dataset
    ref: DatasetRef
    grid: tuple[float, ...]
    options: Mapping[str, Any]
    seed: int
    info: Mapping[str, Any] = field(default_factory=dict)

    def tasks(self, parallelism: int = 1) -> list[PointTask]:
        """One task per grid value, except values the technique computes together: the first of them alone (it
        arrives first), the rest split into ``parallelism`` near-equal groups, the smaller ones first."""
        t = self.technique
        together = []
        if t.compute_group is not None and t.groupable is not None:
            together = [i for i, v in enumerate(self.grid) if t.groupable(v, self.options)]
        groups: list[list[int]] = [together[:1]] if together else []
        rest = together[1:]
        parts = max(1, min(parallelism, len(rest)))
        sizes = [len(rest) // parts + (r >= parts - len(rest) % parts) for r in range(parts)]
        for size in sizes:
            if size:
                groups.append(rest[sum(len(g) for g in groups[1:]) :][:size])
        groups += [[i] for i in range(len(self.grid)) if i not in together]
        return [
            PointTask(
                t.name,
                t.parameter,
                tuple(g),
                tuple(self.grid[i] for i in g),
                self.options,
                tuple(point_seed(self.seed, self.grid[i]) for i in g),
            )
            for g in groups
        ]


def _grid(technique: Technique, epsilons: Iterable | None, ks: Iterable | None) -> tuple[float, ...]:
    if technique.parameter == "epsilon":
        if ks is not None:
            raise InvalidParameterError(f"The {technique.name!r} technique sweeps epsilons; pass epsilons=, not ks=.")
        values = DEFAULT_EPSILONS if epsilons is None else epsilons
        check = Optional(Interval(float, 0, None, closed="neither"))
        name, want = "epsilons", "positive numbers (None or inf for the non-private baseline)"
    else:
        if epsilons is not None:
            raise InvalidParameterError(f"The {technique.name!r} technique sweeps k; pass ks=, not epsilons=.")
        values, check, name, want = (DEFAULT_KS if ks is None else ks), Interval(int, 1), "ks", "ints ≥ 1"
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidParameterError(f"The {name!r} parameter of tradeoff must be a list of {want}; got {values!r}.")
    values = list(values)
    if not values:
        raise InvalidParameterError(f"The {name!r} parameter of tradeoff is empty; give at least one value.")
    grid = []
    for v in values:
        if isinstance(v, float) and math.isinf(v) and v > 0 and technique.parameter == "epsilon":
            v = None
        if not check.is_satisfied_by(v):
            raise InvalidParameterError(f"The {name!r} parameter of tradeoff must hold {want}; got {v!r} in it.")
        grid.append(math.inf if v is None else float(v))
    if len(set(grid)) != len(grid):
        raise InvalidParameterError(f"The {name!r} parameter of tradeoff repeats a value: {values!r}.")
    return tuple(grid)


def plan_sweep(
    dataset: Dataset | str,
    technique: str | Technique,
    *,
    epsilons: Iterable[float | None] | None = None,
    ks: Iterable[int] | None = None,
    seed: int = 0,
    **options: Any,
) -> SweepPlan:
    """Check every argument and build the :class:`SweepPlan` (nothing runs yet)."""
    validate_params("tradeoff", _CONSTRAINTS, {**options, "seed": seed})
    model = options.get("model", "logreg")
    if isinstance(model, str):
        validate_params("tradeoff", {"model": OneOf(("logreg", "mlp"))}, {"model": model})
    elif not hasattr(model, "state_dict"):
        raise InvalidParameterError(
            f"The 'model' parameter of tradeoff must be 'logreg', 'mlp' or a torch.nn.Module; got {model!r}."
        )
    if options.get("hidden") is not None:
        options["hidden"] = tuple(int(h) for h in options["hidden"])
    technique = get_technique(technique)
    unused = [name for name in ("l", "t") if options.get(name) is not None]
    if technique.parameter == "epsilon" and unused:
        raise InvalidParameterError(
            f"{' and '.join(unused)} {'apply' if len(unused) > 1 else 'applies'} to k-anonymity sweeps; the "
            f"{technique.name!r} technique does not use {'them' if len(unused) > 1 else 'it'}."
        )
    grid = _grid(technique, epsilons, ks)
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    ref = DatasetRef.from_dataset(dataset)
    return SweepPlan(technique, dataset, ref, grid, dict(options), seed, dataset_info(dataset, ref.key))


def _stream(
    plan: SweepPlan,
    *,
    executor: Any,
    stop: threading.Event | None,
    progress: bool,
    ledger: Any,
    state: dict[str, Any],
) -> Iterator[TradeoffPoint]:
    """Run the plan's points and yield each as it finishes; record DP points in ``ledger`` (in this process)."""
    from tqdm.auto import tqdm

    stop = stop if stop is not None else threading.Event()
    technique = plan.technique
    needs_main = defined_in_main(technique.compute, technique.compute_group, plan.options)
    runner = open_runner(executor, len(plan.grid), stop, needs_main=needs_main)
    # grouping follows this machine's cores, not the executor: the same groups, hence bit-for-bit the same numbers,
    # on every executor (a model's numbers may differ in the last bits from one grouping to another)
    tasks = plan.tasks(cpu_count())
    # a pool that is still starting (seconds: its workers import torch) leaves this process idle: it computes the
    # first task (the smallest) itself meanwhile, so the first point arrives early
    local = tasks[:1] if runner.starting else []
    state["executor"] = runner.name
    pending: set = set()
    deliver = _Delivery(plan, ledger, state, stop)
    bar = tqdm(total=len(plan.grid), desc=f"{plan.technique.name} sweep", unit="point", disable=not progress)
    try:
        data = runner.put_dataset(plan.ref)
        index_of = {}
        for task in tasks[len(local) :]:
            future = runner.submit(run_point, plan.technique.compute, task, data, runner.threads, runner.stop_arg,
                                   _group(plan, task))  # fmt: skip
            index_of[future] = task.indices[0]
            pending.add(future)
        for task in local:  # torch threads: set for the training only, by workbench.dp, in this thread
            points = run_point(plan.technique.compute, task, data, None, stop, _group(plan, task))
            bar.update(len(points))
            yield from deliver(points)
        while pending and not stop.is_set():
            done, pending = runner.wait(pending, _POLL_SECONDS)
            for future in sorted(done, key=index_of.__getitem__):
                try:
                    points = future.result()  # a point's error ends the sweep with that error
                except BrokenProcessPool as exc:
                    raise WorkerError(_BROKEN_POOL) from exc
                bar.update(len(points))
                yield from deliver(points)
    finally:
        state["stopped"] = bool(pending) or (stop.is_set() and len(state["order"]) < len(plan.grid))
        if pending:
            runner.signal_stop()
        runner.close(pending)
        bar.close()


_BROKEN_POOL = (
    "A worker process of the sweep ended abruptly: out of memory, killed, or a script that defines its own model or "
    'technique without `if __name__ == "__main__":` around its code. executor="serial" runs the points in this process.'
)


class _Delivery:
    """Hands finished points to the sweep's caller: records DP points in the ledger, re-emits worker warnings."""

    def __init__(self, plan: SweepPlan, ledger: Any, state: dict[str, Any], stop: threading.Event) -> None:
        self.plan, self.ledger, self.state, self.stop = plan, ledger, state, stop
        self.seen_warnings: set[tuple[str, str]] = set()

    def __call__(self, points: list[TradeoffPoint | None]) -> Iterator[TradeoffPoint]:
        for point in points:
            if point is None or self.stop.is_set():
                continue
            if self.plan.technique.spends_budget:  # a non-private run is recorded too: the ledger counts it as ε = ∞
                record_point(self.ledger, point)
            self.state["order"].append(point.index)
            reemit_warnings(point, self.seen_warnings)
            yield point


def _group(plan: SweepPlan, task: PointTask) -> Callable | None:
    """The technique's function for several values at once, if this task uses it (else None: one by one)."""
    technique = plan.technique
    return technique.compute_group if len(task.values) > 1 or _grouped(technique, task, plan) else None


def _grouped(technique: Technique, task: PointTask, plan: SweepPlan) -> bool:
    """A single value the technique can group is computed the grouped way too, so numbers never depend on grouping."""
    return technique.groupable is not None and technique.groupable(task.values[0], plan.options)


def iter_tradeoff(
    dataset: Dataset | str,
    technique: str | Technique,
    *,
    epsilons: Iterable[float | None] | None = None,
    ks: Iterable[int] | None = None,
    l: int | None = None,  # noqa: E741
    t: float | None = None,
    model: Any = "logreg",
    epochs: int = 10,
    batch_size: int = 256,
    delta: float | None = None,
    audit: bool = True,
    executor: Any = None,
    seed: int = 0,
    stop: threading.Event | None = None,
    progress: bool = False,
    ledger: Any = None,
    **options: Any,
) -> Iterator[TradeoffPoint]:
    """Stream a sweep: yield each :class:`TradeoffPoint` as soon as it finishes (completion order).

    Takes the same arguments as :func:`tradeoff` and checks them at once. Leaving the loop early (``break``) or
    setting ``stop`` cancels the points not yet finished. DP points are recorded in the ledger as they arrive.

    Examples
    --------
    >>> from workbench.tradeoff import iter_tradeoff, register_technique
    >>> def mean_age(dataset, value, options, seed, stop):  # a toy technique: one number per k
    ...     return {"k": value, "utility": {"mean_age": float(dataset.train["age"].mean())}}
    >>> _ = register_technique("mean-age-demo", mean_age, parameter="k", replace=True)
    >>> [p.label() for p in iter_tradeoff("diabetes", "mean-age-demo", ks=[2, 5], executor="serial")]
    ['k = 2', 'k = 5']
    """
    plan = plan_sweep(
        dataset,
        technique,
        epsilons=epsilons,
        ks=ks,
        seed=seed,
        **_options(l, t, model, epochs, batch_size, delta, audit, options),
    )
    state: dict[str, Any] = {"order": []}
    return _stream(plan, executor=executor, stop=stop, progress=progress, ledger=ledger, state=state)


def _options(l, t, model, epochs, batch_size, delta, audit, extra) -> dict[str, Any]:  # noqa: E741
    extra = dict(extra)
    free = extra.pop("technique_options", None) or {}
    if not isinstance(free, Mapping):
        raise InvalidParameterError(f"The 'technique_options' parameter of tradeoff must be a dict; got {free!r}.")
    known = {
        "method",
        "accountant",
        "max_grad_norm",
        "lr",
        "hidden",
        "max_suppression",
        "audit_fraction",
        "attack",
        "public_schema",
        "synthesiser",
        "bounds",
    }
    unknown = sorted(set(extra) - known)
    if unknown:
        raise InvalidParameterError(
            f"tradeoff got unexpected keyword argument(s) {unknown}; the technique options are {sorted(known)}."
        )
    defaults = {"method": "mondrian", "accountant": "prv", "max_grad_norm": 1.0, "lr": None, "hidden": (64, 64)}
    defaults.update({"max_suppression": 0.05, "audit_fraction": 0.0, "attack": "threshold", "public_schema": False})
    defaults.update(extra)
    chosen = {"l": l, "t": t, "model": model, "epochs": epochs, "batch_size": batch_size, "delta": delta}
    return {**dict(free), **chosen, "audit": audit, **defaults}


def tradeoff(
    dataset: Dataset | str,
    technique: str | Technique,
    *,
    epsilons: Iterable[float | None] | None = None,
    ks: Iterable[int] | None = None,
    l: int | None = None,  # noqa: E741
    t: float | None = None,
    model: Any = "logreg",
    epochs: int = 10,
    batch_size: int = 256,
    delta: float | None = None,
    audit: bool = True,
    executor: Any = None,
    seed: int = 0,
    on_point: Callable[[TradeoffPoint], Any] | None = None,
    stop: threading.Event | None = None,
    progress: bool = False,
    ledger: Any = None,
    **options: Any,
) -> TradeoffResult:
    """Sweep a privacy technique over a grid and measure utility and leakage at every point.

    Points run in parallel (local processes by default) and arrive as they finish: ``on_point`` is called with
    each one, so a figure can update live. DP points are recorded in the privacy ledger, and the result says how
    much ε the whole sweep spent on the dataset.

    Parameters
    ----------
    dataset : Dataset or str
        The data (a name such as ``"adult"`` is loaded with :func:`workbench.load_dataset`).
    technique : str
        ``"dp"`` (DP-SGD training, grid ``epsilons``), ``"k-anonymity"`` (grid ``ks``, optional ``l``/``t``),
        ``"pseudonymise+dp"``, or a name added with :func:`register_technique`.
    epsilons : list of float or None, optional
        ε grid for DP techniques; ``None`` (or ``inf``) is the non-private baseline.
        Default ``[0.5, 1, 2, 4, 8, None]``.
    ks : list of int, optional
        k grid for anonymisation. Default ``[2, 5, 10, 25, 50]``.
    l, t : optional
        l-diversity / t-closeness required at every k.
    model, epochs, batch_size, delta : optional
        Training settings for DP techniques (see :func:`workbench.train`); ``delta`` defaults to 1/n² there.
    audit : bool, default=True
        Run a loss-threshold membership-inference attack on every trained model.
    executor : None, "processes", "serial", int, dask.distributed.Client or concurrent.futures.Executor
        Where points run: ``None``/``"processes"`` local processes over all cores (torch threads split so
        they do not fight; while the pool starts, this process computes the first point), ``"serial"`` this
        process, an int a pool of that many processes.
    seed : int, default=0
        Each point's seed is derived from it and the point's value (``result.results["seed"]``), so no two points
        share batches or noise: same seed, same numbers, whichever executor.
    on_point : callable, optional
        Called in this process with each :class:`TradeoffPoint` as it finishes.
    stop : threading.Event, optional
        Set it to cancel the remaining points; finished points are kept (``result.stopped`` is True).
    progress : bool, default=False
        Show a progress bar.
    ledger : PrivacyLedger or False, optional
        Where DP points are recorded (default: the session ledger, ``workbench.dp.default_ledger()``); False
        records nowhere.
    **options
        Technique options: ``method`` (``"mondrian"``/``"optimal"``), ``max_suppression``, ``accountant``,
        ``max_grad_norm``, ``lr``, ``hidden``, ``audit_fraction``, ``attack``; ``technique_options`` (a dict)
        passes anything else to a registered technique.

    Returns
    -------
    TradeoffResult
        ``.results`` (tidy DataFrame), ``.points``, ``.pareto()``, ``.total_epsilon``, ``.budget_note``.

    Examples
    --------
    A registered toy technique, run in this process (real sweeps: ``"dp"``, ``"k-anonymity"``, ...):

    >>> import workbench as wb
    >>> from workbench.tradeoff import register_technique
    >>> def share_over_50k(dataset, value, options, seed, stop):
    ...     share = float((dataset.train[dataset.target] == ">50K").mean())
    ...     return {"k": value, "utility": {"accuracy": 1 - share}, "leakage": {"prosecutor_risk": 1 / value}}
    >>> _ = register_technique("toy", share_over_50k, parameter="k", replace=True)
    >>> curve = wb.tradeoff("adult", "toy", ks=[2, 10], executor="serial")
    >>> curve.results[["k", "accuracy", "prosecutor_risk"]].round(3)
          k  accuracy  prosecutor_risk
    0   2.0     0.759              0.5
    1  10.0     0.759              0.1

    A DP sweep with attacks on every model (a minute on two cores):

    >>> curve = wb.tradeoff("adult", "dp", epsilons=[1, 8, None], epochs=2)  # doctest: +SKIP
    >>> curve.results[["epsilon", "accuracy", "mia_auc"]]  # doctest: +SKIP
    """
    start = time.perf_counter()
    plan = plan_sweep(
        dataset,
        technique,
        epsilons=epsilons,
        ks=ks,
        seed=seed,
        **_options(l, t, model, epochs, batch_size, delta, audit, options),
    )
    if on_point is not None and not callable(on_point):
        raise InvalidParameterError(f"The 'on_point' parameter of tradeoff must be callable; got {on_point!r}.")
    state: dict[str, Any] = {"order": []}
    points = []
    for point in _stream(plan, executor=executor, stop=stop, progress=progress, ledger=ledger, state=state):
        points.append(point)
        if on_point is not None:
            on_point(point)
    return TradeoffResult(
        points=tuple(sorted(points, key=lambda p: p.index)),
        technique=plan.technique.name,
        parameter=plan.technique.parameter,
        dataset=plan.info,
        options=_public_options(plan.options),
        grid=plan.grid,
        seed=seed,
        executor=state.get("executor", ""),
        stopped=bool(state.get("stopped")),
        spends_budget=plan.technique.spends_budget,
        seconds=time.perf_counter() - start,
        completion_order=tuple(state["order"]),
    )


def _public_options(options: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in options.items():
        out[key] = (
            value if isinstance(value, (str, int, float, bool, type(None), tuple, list)) else type(value).__name__
        )
    return out
