"""Trade-off technique ``dp-synthetic``: a DP synthetic table at each ε, on the table-release axes.

Its points share k-anonymity's axes: utility ``accuracy`` / ``auc`` (a classifier trained on the release, scored on
the real test split) plus fidelity (``tv_1way``, ``tv_2way``); leakage ``reidentification_rate`` and
``linkage_advantage`` (exact copies of training rows, over the holdout's chance rate) and ``mia_advantage`` /
``mia_auc`` (a distance-based membership-inference attack on the released table). So
``wb.tradeoff(ds, "k-anonymity", ...)`` and ``wb.tradeoff(ds, "dp-synthetic", ...)`` go on one figure. At ε = ∞ the
"release" is the real training table itself (the baseline without protection).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from workbench.tradeoff._registry import register_technique

__all__ = ["dp_synthetic_point"]

_UTILITY = ("accuracy", "auc", "accuracy_original", "tv_1way", "tv_2way")
_LEAKAGE = ("reidentification_rate", "linkage_advantage", "mia_auc", "mia_advantage", "tpr_at_1pct_fpr",
            "dcr_share_closer_to_train", "exact_copy_share")  # fmt: skip


def dp_synthetic_point(dataset: Any, epsilon: float, options: Mapping[str, Any], seed: int, stop: Any):
    """One synthetic table (MST unless ``technique_options={"synthesiser": "aim"}``) and its measurements."""
    if epsilon is None or math.isinf(epsilon):
        return _real_table(dataset, seed)
    from workbench.synthetic import synthesise

    result = synthesise(
        dataset,
        epsilon=float(epsilon),
        delta=options.get("delta"),
        method=options.get("synthesiser", "mst"),
        bounds=options.get("bounds"),
        public_schema=bool(options.get("public_schema", False)),
        seed=seed,
        stop=stop,
        ledger=False,  # the sweep records the point in the calling process's ledger
    )
    if result.stopped:
        return {"stopped": True}
    return _point(result.metrics, result.statement.to_dict(), result.statement.delta, result.statement.epsilon,
                  {"marginals": {k: dict(v) for k, v in result.marginals.items()}})  # fmt: skip


def _point(metrics: Mapping[str, float], statement: dict, delta: float, epsilon: float, details: dict):
    return {
        "epsilon": epsilon,
        "delta": delta,
        "utility": {k: float(metrics[k]) for k in _UTILITY if k in metrics},
        "leakage": {k: float(metrics[k]) for k in _LEAKAGE if k in metrics},
        "statement": statement,
        "details": details,
    }


def _real_table(dataset: Any, seed: int) -> dict[str, Any]:
    """The baseline: releasing the real training rows (identifiers dropped) measured the same way."""
    from workbench.dp import PrivacyStatement
    from workbench.synthetic.synthesise import evaluate_release

    columns = [c for c in dataset.frame.columns if c not in dataset.identifiers]
    released = dataset.train[columns].reset_index(drop=True)
    metrics = evaluate_release(released, dataset, columns, seed)
    statement = PrivacyStatement.non_private(dataset_size=len(released)).to_dict()
    return _point(metrics, statement, 0.0, math.inf, {})


register_technique(
    "dp-synthetic",
    dp_synthetic_point,
    parameter="epsilon",
    spends_budget=True,
    description="DP synthetic table (MST on private-pgm) at each ε; utility = ML accuracy, fidelity; leakage = "
    "copies, linkage, membership inference",
)
