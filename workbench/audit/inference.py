"""``membership_inference``: attack a trained model and measure what its training data leaks."""

from __future__ import annotations

import threading
import time
from typing import Any

from workbench._validation import InstanceOf, Interval, Optional, validate_params
from workbench.audit._target import as_target
from workbench.audit.attacks import get_attack, require_run
from workbench.audit.cost import AuditCost, default_workers, estimate_cost
from workbench.audit.result import AuditResult
from workbench.errors import InvalidParameterError

__all__ = ["membership_inference"]

_CONSTRAINTS = {
    "n_reference": Interval(int, 1, 16),
    "seed": Interval(int, 0),
    "progress": InstanceOf((bool,), "a bool"),
    "n_jobs": Optional(Interval(int, 1)),
    "claimed_epsilon": Optional(Interval(float, 0, None, closed="neither")),
    "delta": Optional(Interval(float, 0, 1, closed="left")),
}


def _check_stop(stop: object) -> None:
    if stop is not None and not callable(getattr(stop, "is_set", None)):
        raise InvalidParameterError(
            "The 'stop' parameter of membership_inference must be a threading.Event or None; "
            f"got {type(stop).__name__}."
        )


def membership_inference(
    run: Any,
    *,
    attack: str = "threshold",
    n_reference: int = 2,
    seed: int = 0,
    progress: bool = False,
    stop: threading.Event | None = None,
    members: Any = None,
    non_members: Any = None,
    n_jobs: int | None = None,
    claimed_epsilon: float | None = None,
    delta: float | None = None,
) -> AuditResult:
    """Attack a trained model to measure how well an attacker tells its training records from unseen ones.

    Parameters
    ----------
    run : TrainResult or torch.nn.Module
        A result of :func:`workbench.train` (private or not), or your own fitted torch model returning class logits.
    attack : {"threshold", "rmia", "lira"}, default="threshold"
        ``"threshold"``: the loss-threshold attack, no extra models (milliseconds). ``"rmia"``: RMIA offline,
        ``"lira"``: LiRA offline; both train ``n_reference`` reference models with the run's own settings on rows
        disjoint from every audited record (the run's test rows), in parallel processes.
    n_reference : int, default=2
        Reference models for RMIA / LiRA (1 to 16; the papers' offline attacks work from 1–4).
    seed : int, default=0
        Seeds everything random in the audit: same seed, same numbers.
    progress : bool, default=False
        Show a progress bar (its title gives the cost estimate: models to train, expected seconds).
    stop : threading.Event, optional
        Set it to stop early; reference models that finished are used (see ``.stopped`` and ``.notes``).
    members, non_members : optional
        For your own model: pairs ``(X, y)`` of features (float array or tensor, encoded as the model expects) and
        integer labels. For a train result: DataFrames that replace its members / held-out rows.
    n_jobs : int, optional
        Processes training reference models; default one per model, at most one per core. 1 trains in-process.
    claimed_epsilon, delta : float, optional
        For your own model, the (ε, δ) it claims; a train result's come from its privacy statement.

    Returns
    -------
    AuditResult
        ``.roc``, ``.auc``, ``.advantage``, ``.tpr_at(fpr)``, ``.scores``, ``.epsilon_lower_bound()`` beside
        ``.claimed_epsilon``.

    Raises
    ------
    InvalidParameterError
        Bad parameters, or a reference attack on a model that is not a workbench train result.
    EmptyDataError
        No members or no non-members (train with ``audit_fraction > 0`` or pass ``non_members``).

    Notes
    -----
    Protocol for a train result: members are the rows it trained on; non-members are the train-split rows that
    ``train(..., audit_fraction=...)`` kept aside, or, if it kept none, a seeded half of its test rows. Reference
    models train on (the other) test rows: half of them is a pool each model samples its training set from, the
    other half is the RMIA population. Records are never shared between these roles.

    Examples
    --------
    >>> import torch
    >>> import workbench as wb
    >>> g = torch.Generator().manual_seed(0)
    >>> X, y = torch.randn(200, 4, generator=g), torch.randint(0, 2, (200,), generator=g)
    >>> model = torch.nn.Linear(4, 2)
    >>> res = wb.membership_inference(model, members=(X[:100], y[:100]), non_members=(X[100:], y[100:]))
    >>> 0.0 <= res.auc <= 1.0
    True
    """
    validate_params(
        membership_inference,
        _CONSTRAINTS,
        {
            "n_reference": n_reference,
            "seed": seed,
            "progress": progress,
            "n_jobs": n_jobs,
            "claimed_epsilon": claimed_epsilon,
            "delta": delta,
        },
    )
    _check_stop(stop)
    function, needs_reference = get_attack(attack)
    if needs_reference:
        require_run(run, attack)
    start = time.perf_counter()
    target = as_target(
        run, members=members, non_members=non_members, claimed_epsilon=claimed_epsilon, delta=delta, seed=seed
    )
    jobs = (default_workers(n_reference) if n_jobs is None else min(n_jobs, n_reference)) if needs_reference else 1
    cost = _cost(run, attack, n_reference, jobs, needs_reference)
    output = _run_attack(
        function, target, cost, n_reference=n_reference, seed=seed, jobs=jobs, stop=stop, progress=progress
    )
    return AuditResult.from_scores(
        output.member_scores,
        output.non_member_scores,
        attack=attack if output.n_reference or not needs_reference else "threshold",
        claimed_epsilon=target.claimed_epsilon,
        delta=target.delta,
        member_ids=target.member_ids,
        non_member_ids=target.non_member_ids,
        n_reference=output.n_reference,
        seed=seed,
        seconds=time.perf_counter() - start,
        stopped=output.stopped,
        protocol=target.protocol,
        notes=output.notes,
        cost=cost,
    )


def _cost(run: Any, attack: str, n_reference: int, jobs: int, needs_reference: bool) -> AuditCost:
    if attack in ("threshold", "rmia", "lira"):
        return estimate_cost(run, attack, n_reference, n_jobs=jobs)
    return AuditCost(attack=attack, n_models=n_reference if needs_reference else 0, workers=jobs, seconds=float("nan"))


def _run_attack(
    function: Any, target: Any, cost: AuditCost, *, n_reference: int, seed: int, jobs: int, stop: Any, progress: bool
) -> Any:
    from tqdm.auto import tqdm

    with tqdm(total=max(cost.n_models, 1), desc=cost.describe(), disable=not progress, leave=False) as bar:
        output = function(target, n_reference=n_reference, seed=seed, n_jobs=jobs, stop=stop, bar=bar)
        if cost.n_models == 0:
            bar.update(1)
    return output
