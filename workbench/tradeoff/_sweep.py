"""The sweep engine: plan the grid, run its points on an executor, stream them back as they finish."""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from workbench._processes import defined_in_main
from workbench._validation import Interval, Optional, validate_params
from workbench.datasets import Dataset, load_dataset
from workbench.errors import InvalidParameterError, WorkerError
from workbench.tradeoff._budget import record_point, resolve_ledger
from workbench.tradeoff._dataset_ref import DatasetRef
from workbench.tradeoff._executors import cpu_count, open_runner
from workbench.tradeoff._point import TradeoffPoint
from workbench.tradeoff._registry import Technique, get_technique
from workbench.tradeoff._result import TradeoffResult
from workbench.tradeoff._worker import PointTask, point_seed, reemit_warnings, run_point

__all__ = ["SweepPlan", "iter_tradeoff", "plan_sweep", "tradeoff"]

#: the ε grid of a DP sweep when ``epsilons=`` is not given (None: the non-private baseline)
DEFAULT_EPSILONS: tuple[float | None, ...] = (0.5, 1.0, 2.0, 4.0, 8.0, None)
#: the k grid of an anonymisation sweep when ``ks=`` is not given
DEFAULT_KS: tuple[int, ...] = (2, 5, 10, 25, 50)
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class SweepPlan:
    """What a sweep will compute: the technique, the dataset, one task per grid value and the options."""

    technique: Technique
    dataset: Dataset
    ref: DatasetRef
    grid: tuple[float, ...]
    options: Any  # the technique's config (or, for a technique without one, the options as given)
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
                os.getpid(),
            )
            for g in groups
        ]


def _grid(
    technique: Technique, epsilons: Iterable | None, ks: Iterable | None, grid: Iterable | None = None
) -> tuple[float, ...]:
    if grid is not None and technique.parameter in ("epsilon", "k"):
        raise InvalidParameterError(
            f"The {technique.name!r} technique sweeps {technique.parameter}; pass "
            f"{'epsilons' if technique.parameter == 'epsilon' else 'ks'}=, not grid=."
        )
    if technique.parameter not in ("epsilon", "k"):
        if epsilons is not None or ks is not None:
            raise InvalidParameterError(
                f"The {technique.name!r} technique sweeps {technique.parameter}; pass grid=, not epsilons= or ks=."
            )
        values = technique.default_grid if grid is None else grid
        check, name, want = Interval(float, 0, None, closed="neither"), "grid", f"positive {technique.parameter} values"
    elif technique.parameter == "epsilon":
        if ks is not None:
            raise InvalidParameterError(f"The {technique.name!r} technique sweeps epsilons; pass epsilons=, not ks=.")
        values = DEFAULT_EPSILONS if epsilons is None else epsilons
        check = Optional(Interval(float, 0, None, closed="neither"))
        name, want = "epsilons", "positive numbers (None or inf for the non-private baseline)"
    else:
        if epsilons is not None:
            raise InvalidParameterError(f"The {technique.name!r} technique sweeps k; pass ks=, not epsilons=.")
        if grid is not None:
            raise InvalidParameterError(f"The {technique.name!r} technique sweeps k; pass ks=, not grid=.")
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
    grid: Iterable[float] | None = None,
    seed: int = 0,
    **options: Any,
) -> SweepPlan:
    """Check every argument and build the ``SweepPlan`` (nothing runs yet).

    The options are validated once, into the technique's own config (e.g. :class:`DPSweepConfig`), with the
    constraints and defaults of the single-run entry point.

    Parameters
    ----------
    dataset : Dataset or str
        The data (a bundled name is loaded).
    technique : str or Technique
        The technique to sweep.
    epsilons, ks : list, optional
        The grid, as for :func:`tradeoff`.
    grid : list of float, optional
        The grid of a technique sweeping another parameter, e.g. ``"encrypted"`` (CKKS scale bits).
    seed : int, default=0
        The sweep's seed.
    **options
        Technique and training options, as for :func:`tradeoff`.

    Returns
    -------
    SweepPlan
        The technique, the dataset, the grid and the checked options; ``plan.tasks()`` lists one task per grid value.

    Raises
    ------
    InvalidParameterError, UnknownNameError
        For a bad argument (the message says which and what to do).

    Examples
    --------
    >>> from workbench.tradeoff import plan_sweep
    >>> plan = plan_sweep("diabetes", "k-anonymity", ks=[2, 5])
    >>> plan.technique.name, plan.grid
    ('k-anonymity', (2.0, 5.0))
    """
    validate_params("tradeoff", {"seed": Interval(int, 0)}, {"seed": seed})
    technique = get_technique(technique)
    grid = _grid(technique, epsilons, ks, grid)
    config = technique.options(options)
    if not isinstance(dataset, Dataset):
        dataset = load_dataset(dataset)
    ref = DatasetRef.from_dataset(dataset)
    return SweepPlan(technique, dataset, ref, grid, config, seed, dataset.info(ref.key))


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
                                   _group(plan, task), deliver.seen_warnings)  # fmt: skip
            index_of[future] = task.indices[0]
            pending.add(future)
        for task in local:  # torch threads: set for the training only, by workbench.dp, in this thread
            points = run_point(plan.technique.compute, task, data, None, stop, _group(plan, task),
                               deliver.seen_warnings)  # fmt: skip
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
    grid: Iterable[float] | None = None,
    l: int | None = None,  # noqa: E741
    t: float | None = None,
    model: Any = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    delta: float | None = None,
    audit: bool | None = None,
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

    Parameters
    ----------
    dataset : Dataset or str
        The data, as for :func:`tradeoff`.
    technique : str or Technique
        ``"dp"``, ``"k-anonymity"``, ``"pseudonymise+dp"`` or a registered name.
    epsilons, ks : list, optional
        The grid (ε for DP techniques, with ``None`` for the non-private baseline; k for anonymisation).
    grid : list of float, optional
        The grid of a technique sweeping another parameter, e.g. ``"encrypted"`` (CKKS scale bits).
    l, t : optional
        l-diversity / t-closeness required at every k.
    model, epochs, batch_size, delta : optional
        Training settings of DP techniques (see :func:`workbench.train`).
    audit : bool, default=True
        Attack every release (membership inference, or linkage and risk).
    executor : optional
        Where points run: None / ``"processes"`` (local processes), ``"serial"``, an int, a Dask ``Client`` or any
        ``concurrent.futures.Executor``.
    seed : int, default=0
        The sweep's seed; each point's seed is derived from it and the point's value.
    stop : threading.Event, optional
        Set it to cancel the points not yet finished.
    progress : bool, default=False
        Show a progress bar.
    ledger : PrivacyLedger or False, optional
        Where DP points are recorded (default: the session ledger).
    **options
        Technique options, as for :func:`tradeoff`.

    Yields
    ------
    TradeoffPoint
        Each point as it finishes.

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
        grid=grid,
        seed=seed,
        **_options(technique, _named(l, t, model, epochs, batch_size, delta, audit), options),
    )
    _check_budget(plan, ledger)
    state: dict[str, Any] = {"order": []}
    return _stream(plan, executor=executor, stop=stop, progress=progress, ledger=ledger, state=state)


def _check_budget(plan: SweepPlan, ledger: Any) -> None:
    """Refuse, before any work, a sweep whose points could take the dataset past the ledger's budget."""
    if plan.technique.spends_budget and ledger is not False:
        resolve_ledger(ledger).check_budget(
            list(plan.grid), dataset_fingerprint=plan.ref.key, dataset_name=plan.dataset.name
        )


def _named(l, t, model, epochs, batch_size, delta, audit) -> dict[str, Any]:  # noqa: E741
    return {"l": l, "t": t, "model": model, "epochs": epochs, "batch_size": batch_size, "delta": delta, "audit": audit}


def _options(technique: str | Technique, named: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """The sweep's options as given (None: not given, the technique's default applies)."""
    extra = {k: v for k, v in extra.items() if v is not None}
    free = extra.pop("technique_options", None) or {}
    if not isinstance(free, Mapping):
        raise InvalidParameterError(f"The 'technique_options' parameter of tradeoff must be a dict; got {free!r}.")
    given = {k: v for k, v in named.items() if v is not None}
    if get_technique(technique).config is None and extra:  # a technique without a config takes technique_options
        raise InvalidParameterError(
            f"tradeoff got unexpected keyword argument(s) {sorted(extra)}; pass a registered technique's own "
            "options as technique_options={...}."
        )
    return {**dict(free), **given, **extra}


def tradeoff(
    dataset: Dataset | str,
    technique: str | Technique,
    *,
    epsilons: Iterable[float | None] | None = None,
    ks: Iterable[int] | None = None,
    grid: Iterable[float] | None = None,
    l: int | None = None,  # noqa: E741
    t: float | None = None,
    model: Any = None,
    epochs: int | None = None,
    batch_size: int | None = None,
    delta: float | None = None,
    audit: bool | None = None,
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
    grid : list of float, optional
        The grid of a technique sweeping another parameter, e.g. ``"encrypted"`` (CKKS scale bits).
    l, t : optional
        l-diversity / t-closeness required at every k.
    model, epochs, batch_size, delta : optional
        Training settings for DP techniques, with :func:`workbench.train`'s meaning and defaults (``"logreg"``,
        δ below 1/n); ``model`` may be your own ``torch.nn.Module``. ``epochs`` and ``batch_size`` (and ``lr``,
        ``max_grad_norm``) left unset follow the size-aware rule of ``workbench.dp.defaults``, the same for
        every point.
    audit : bool, optional
        DP techniques: run a membership-inference attack on every trained model (default True).
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
        records nowhere. When it has a budget, a sweep whose ε grid could exceed what is left is refused before
        any work (:class:`~workbench.errors.BudgetExceededError`, see ``PrivacyLedger.check_budget``).
    **options
        Technique options, validated once into the technique's config (:class:`DPSweepConfig`,
        :class:`KAnonymitySweepConfig`): ``method`` (any of ``workbench.anonymise.available_methods()``),
        ``max_suppression``, ``accountant``, ``max_grad_norm``, ``lr``, ``hidden``, ``audit_fraction``,
        ``attack``, ...; ``technique_options`` (a dict) passes options to a registered technique.

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
        grid=grid,
        seed=seed,
        **_options(technique, _named(l, t, model, epochs, batch_size, delta, audit), options),
    )
    if on_point is not None and not callable(on_point):
        raise InvalidParameterError(f"The 'on_point' parameter of tradeoff must be callable; got {on_point!r}.")
    _check_budget(plan, ledger)
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


def _public_options(options: Any) -> dict[str, Any]:
    if callable(getattr(options, "to_dict", None)):
        return options.to_dict()
    out = {}
    for key, value in options.items():
        out[key] = (
            value if isinstance(value, (str, int, float, bool, type(None), tuple, list)) else type(value).__name__
        )
    return out
