"""Budget honesty: every DP point of a sweep is recorded in the parent's privacy ledger.

Worker processes have ledgers of their own that nobody sees, so the sweep records each DP point here, in the
process that called ``tradeoff``, from the point's statement (noise multiplier, sample rate, steps, delta).
"""

from __future__ import annotations

from typing import Any

from workbench.tradeoff._point import TradeoffPoint

__all__ = ["composed_epsilon", "record_point", "resolve_ledger"]


def resolve_ledger(ledger: Any) -> Any:
    """The ledger to record into: the one given, else the session ledger of :mod:`workbench.dp`."""
    if ledger is not None:
        return ledger
    from workbench.dp import default_ledger

    return default_ledger()


def composed_epsilon(points: list[TradeoffPoint]) -> float:
    """ε of several DP points on one dataset together: the ledger's composition (the smaller of the plain sum
    and the accountant replaying every run's noise, sample rate and steps)."""
    if not points:
        return 0.0
    from workbench.dp import PrivacyLedger
    from workbench.errors import InvalidParameterError

    ledger = PrivacyLedger()
    try:
        for p in points:
            ledger.record(p.privacy_statement(), dataset_fingerprint="sweep")
    except InvalidParameterError:  # a point without a full DP statement: plain sum (basic composition)
        return float(sum(p.epsilon for p in points))
    return float(ledger.spent("sweep"))


def record_point(ledger: Any, point: TradeoffPoint) -> None:
    """Record one DP point's spend (rebuilt from its statement) under the dataset's fingerprint.

    ``ledger=False`` records nowhere (as in :func:`workbench.train`); the result still states the sweep's total.
    """
    if ledger is False:
        return
    resolve_ledger(ledger).record(
        point.privacy_statement(),
        dataset_fingerprint=point.dataset_fingerprint,
        dataset_name=point.dataset_name,
        label=f"tradeoff {point.technique} {point.label()}",
    )
