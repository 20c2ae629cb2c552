"""What an audit will cost before it runs: extra models to train and an estimate of the wall time."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from workbench._validation import InstanceOf, Interval, OneOf, validate_params

__all__ = ["AuditCost", "default_workers", "estimate_cost"]

ATTACKS = ("threshold", "rmia", "lira")
_SPAWN_SECONDS = 4.0  # starting worker processes (each imports torch) before the first reference model trains


@dataclass(frozen=True)
class AuditCost:
    """The cost of a membership-inference attack, shown before it runs.

    Attributes
    ----------
    attack : str
    n_models : int
        Extra models to train (reference models); 0 for the threshold attack.
    workers : int
        Processes that train them in parallel.
    seconds : float
        Estimated wall time (from the audited run's own training time; rough on a busy machine).
    reference_rows : int
        Rows each reference model trains on.
    """

    attack: str
    n_models: int
    workers: int
    seconds: float
    reference_rows: int = 0

    def describe(self) -> str:
        """One line for a progress bar or a log, e.g. ``"rmia: 2 reference models on 2 processes, ~9 s"``."""
        if math.isnan(self.seconds):
            return f"{self.attack}: {self.n_models} extra models, time unknown"
        if self.n_models == 0:
            return f"{self.attack}: no extra models, ~{max(self.seconds, 0.1):.1g} s"
        return (
            f"{self.attack}: {self.n_models} reference model{'s' if self.n_models > 1 else ''} on "
            f"{self.workers} process{'es' if self.workers > 1 else ''}, ~{self.seconds:.0f} s"
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def default_workers(n_reference: int) -> int:
    """Worker processes for ``n_reference`` reference models: one per model, at most one per local core."""
    return max(1, min(n_reference, os.cpu_count() or 1))


def _run_seconds(run: Any) -> float | None:
    """Training wall time of a train result: its recorded total, else its history's ``seconds`` per epoch."""
    timings = getattr(run, "timings", None) or {}
    if isinstance(timings.get("total_s"), (int, float)) and timings["total_s"] > 0:
        return float(timings["total_s"])
    history = getattr(run, "history", None)
    if history is None:
        return None
    try:
        if hasattr(history, "columns"):
            return float(history["seconds"].sum()) if "seconds" in history.columns else None
        return float(sum(float(h["seconds"]) for h in history))
    except (KeyError, TypeError, ValueError):
        return None


def reference_rows(run: Any, reference_frame: Any) -> int:
    """Rows per reference model: as many as the target trained on, at most half of the reference pool."""
    pool = 0 if reference_frame is None else len(reference_frame) // 2
    return int(min(len(run.members), pool))


def estimate_cost(run: Any, attack: str = "threshold", n_reference: int = 2, *, n_jobs: int | None = None) -> AuditCost:
    """Estimate what ``membership_inference(run, attack=..., n_reference=...)`` will cost, without running it.

    Parameters
    ----------
    run : TrainResult or torch.nn.Module
        The audited model (reference-model attacks need a workbench train result).
    attack : {"threshold", "rmia", "lira"}, default="threshold"
    n_reference : int, default=2
        Reference models for ``"rmia"`` / ``"lira"`` (1 to 16).
    n_jobs : int or None, default=None
        Worker processes; ``None``: one per reference model, at most one per core.

    Returns
    -------
    AuditCost

    Examples
    --------
    >>> import torch
    >>> estimate_cost(torch.nn.Linear(3, 2), "threshold").n_models
    0
    """
    validate_params(
        "estimate_cost",
        {
            "attack": OneOf(ATTACKS),
            "n_reference": Interval(int, 1, 16),
            "n_jobs": InstanceOf((int, type(None)), "an int ≥ 1 or None"),
        },
        {"attack": attack, "n_reference": n_reference, "n_jobs": n_jobs},
    )
    if n_jobs is not None and n_jobs < 1:
        validate_params("estimate_cost", {"n_jobs": Interval(int, 1)}, {"n_jobs": n_jobs})
    from workbench.audit._target import is_train_result, require_run

    if attack == "threshold":
        n = 0
        if is_train_result(run):
            n = len(run.members) + len(run.non_members if run.non_members is not None else [])
        return AuditCost(attack=attack, n_models=0, workers=1, seconds=0.05 + 2e-6 * n)
    require_run(run, attack)
    test = getattr(run, "test", None)
    n_test = 0 if test is None else len(test)
    has_audit_rows = run.non_members is not None and len(run.non_members) > 0
    # as in membership_inference: all test rows, or the half not used as non-members when the run kept none aside
    rows = int(min(len(run.members), (n_test if has_audit_rows else n_test - n_test // 2) // 2))
    workers = default_workers(n_reference) if n_jobs is None else min(n_jobs, n_reference)
    per_model = _run_seconds(run)
    if per_model is None or per_model <= 0:
        per_model = 1e-4 * rows * int(getattr(run.config, "epochs", 10) or 10)
    per_model *= rows / max(len(run.members), 1)
    rounds = math.ceil(n_reference / workers)
    seconds = rounds * per_model + (_SPAWN_SECONDS if workers > 1 else 0.0) + 0.5
    return AuditCost(attack=attack, n_models=n_reference, workers=workers, seconds=seconds, reference_rows=rows)
