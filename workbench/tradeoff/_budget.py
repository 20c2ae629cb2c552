"""Budget honesty: every DP point of a sweep is recorded in the parent's privacy ledger.

Worker processes have ledgers of their own that nobody sees, so the sweep records each DP point here, in the
process that called ``tradeoff``, from the point's statement (noise multiplier, sample rate, steps, delta).
"""

from __future__ import annotations

from typing import Any

from workbench.tradeoff._point import TradeoffPoint

__all__ = ["record_point", "resolve_ledger"]


def resolve_ledger(ledger: Any) -> Any:
    """The ledger to record into: the one given, else the session ledger of :mod:`workbench.dp`."""
    if ledger is not None:
        return ledger
    from workbench.dp import default_ledger

    return default_ledger()


def record_point(ledger: Any, point: TradeoffPoint) -> None:
    """Record one DP point's spend (rebuilt from its statement) under the dataset's fingerprint."""
    from workbench.dp import PrivacyStatement

    statement = PrivacyStatement.from_dict(dict(point.statement))
    resolve_ledger(ledger).record(
        statement,
        dataset_fingerprint=point.dataset_fingerprint,
        dataset_name=point.dataset_name,
        label=f"tradeoff {point.technique} {point.label()}",
    )
