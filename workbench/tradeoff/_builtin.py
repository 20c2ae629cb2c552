"""Built-in techniques: ``dp``, ``k-anonymity`` and ``pseudonymise+dp``; each computes ONE point.

These functions run in worker processes: they take plain arguments and their technique's typed config
(:class:`DPSweepConfig`, :class:`KAnonymitySweepConfig`), return plain data, and never record into a ledger (the
sweep records DP points in the calling process). DP runs go through ``workbench.dp`` (``train_config``,
``train_many``): the one DP-SGD engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from workbench.tradeoff._configs import DPSweepConfig, KAnonymitySweepConfig
from workbench.tradeoff._encrypted import DEFAULT_SCALE_BITS, EncryptedSweepConfig, encrypted_point
from workbench.tradeoff._registry import register_technique

__all__ = ["dp_point", "dp_points", "kanonymity_point", "pseudonymise_dp_point", "pseudonymise_dp_points"]

_ROC_POINTS = 200


def _thin_curve(fpr: Any, tpr: Any, n: int = _ROC_POINTS) -> dict[str, list[float]]:
    """At most ``n`` points of a ROC curve, spread evenly in log(FPR) so the low-FPR corner survives."""
    fpr, tpr = np.asarray(fpr, dtype=float), np.asarray(tpr, dtype=float)
    if len(fpr) > n:
        grid = np.unique(np.concatenate([[0.0], np.logspace(-5, 0, n - 1)]))
        idx = np.unique(np.clip(np.searchsorted(fpr, grid, side="right") - 1, 0, len(fpr) - 1))
        fpr, tpr = fpr[idx], tpr[idx]
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist()}


def _history(run: Any) -> list[dict[str, Any]]:
    history = run.history
    if hasattr(history, "to_dict"):
        return history.to_dict(orient="records")
    return [dict(h) for h in history]


def _audit(run: Any, options: DPSweepConfig, seed: int, stop: Any) -> tuple[dict[str, float], dict[str, Any]]:
    from workbench.audit import membership_inference

    # non-members: the rows train() held out (audit_fraction), else a seeded half of the test rows
    mia = membership_inference(run, attack=options.attack, seed=seed, stop=stop, n_jobs=1)
    leakage = {
        "mia_auc": float(mia.auc),
        "mia_advantage": float(mia.advantage),
        "tpr_at_1pct_fpr": float(mia.tpr_at(0.01)),
        "epsilon_lower_bound": float(mia.epsilon_lower_bound(confidence=0.95)),
    }
    fpr, tpr = mia.roc
    return leakage, {"roc": _thin_curve(fpr, tpr), "attack": options.attack}


def _dp_outcome(run: Any, options: DPSweepConfig, seed: int, stop: Any) -> dict[str, Any]:
    if run.stopped:
        return {"stopped": True}
    statement = run.statement
    out: dict[str, Any] = {
        "epsilon": statement.epsilon,
        "delta": statement.delta if statement.private else None,
        "utility": {"accuracy": float(run.metrics["accuracy"]), "auc": float(run.metrics["auc"])},
        "statement": statement.to_dict(),
        "details": {"history": _history(run)},
    }
    if options.audit:
        leakage, details = _audit(run, options, seed, stop)
        out["leakage"] = leakage
        out["details"].update(details)
    return out


def _runs(dataset: Any, epsilons: list[float], options: DPSweepConfig, seeds: list[int], stop: Any) -> list[Any]:
    """The points' training runs, by ``workbench.dp.train_many`` (together in one loop when they can be); none is
    recorded in a ledger here: the sweep records each point in the calling process."""
    from workbench.dp import train_many

    configs = [options.run_config(e, s) for e, s in zip(epsilons, seeds, strict=True)]
    return train_many(dataset, configs, stop=stop, ledger=False)


def dp_point(dataset: Any, epsilon: float, options: DPSweepConfig, seed: int, stop: Any) -> dict[str, Any]:
    """Train with DP-SGD at ``epsilon`` (``inf``: without DP); test accuracy/AUC, and a MIA when ``audit``."""
    from workbench.dp import train_config

    run = train_config(dataset, options.run_config(epsilon, seed), stop=stop, ledger=False)
    return _dp_outcome(run, options, seed, stop)


def stackable(epsilon: float, options: DPSweepConfig) -> bool:
    """DP points of a built-in model are trained together (same numbers as one by one, less overhead)."""
    from workbench.dp import can_train_together

    return math.isfinite(epsilon) and can_train_together([options.run_config(epsilon, 0)])


def dp_points(dataset: Any, epsilons: list[float], options: DPSweepConfig, seeds: list[int], stop: Any) -> list[dict]:
    """Several ε at once: the models are trained together in one vectorised DP-SGD loop, then each is audited."""
    runs = _runs(dataset, epsilons, options, seeds, stop)
    return [_dp_outcome(run, options, s, stop) for run, s in zip(runs, seeds, strict=True)]


def _pseudonymised(dataset: Any) -> tuple[Any, list[str]]:
    """The dataset with identifiers replaced by keyed HMAC tokens under a fresh key that is never returned."""
    import secrets

    from workbench.anonymise import pseudonymise
    from workbench.datasets import Dataset

    pseudo = pseudonymise(dataset, key=secrets.token_bytes(32), method="hmac")
    frame = pseudo.data if not isinstance(pseudo.data, Dataset) else pseudo.data.frame
    released = Dataset(
        frame=frame,
        train=frame.loc[dataset.train.index],
        test=frame.loc[dataset.test.index],
        roles=dataset.roles,
        target=dataset.target,
        name=dataset.name,
        description=dataset.description,
        source=dataset.source,
    )
    return released, list(getattr(pseudo, "columns", None) or dataset.identifiers)


def _with_pseudonyms(out: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    if not out.get("stopped"):
        out["statement"] = {**out["statement"], "pseudonymised": {"method": "hmac", "columns": columns}}
    return out


def pseudonymise_dp_points(
    dataset: Any, epsilons: list[float], options: DPSweepConfig, seeds: list[int], stop: Any
) -> list[dict]:
    """Pseudonymise once, then train the models of several ε together."""
    released, columns = _pseudonymised(dataset)
    return [_with_pseudonyms(out, columns) for out in dp_points(released, epsilons, options, seeds, stop)]


def pseudonymise_dp_point(dataset: Any, epsilon: float, options: DPSweepConfig, seed: int, stop: Any) -> dict[str, Any]:
    """Pseudonymise the identifiers with a fresh secret key (never returned), then train with DP-SGD."""
    released, columns = _pseudonymised(dataset)
    return _with_pseudonyms(dp_point(released, epsilon, options, seed, stop), columns)


def kanonymity_point(dataset: Any, k: float, options: KAnonymitySweepConfig, seed: int, stop: Any) -> dict[str, Any]:
    """Anonymise the training split to ``k`` (and ``l``/``t``); ML utility, information loss, linkage and risk.

    The attacker of the linkage attack knows the raw quasi-identifiers of every person in the training split.
    """
    from workbench.anonymise import anonymise
    from workbench.risk import linkage_attack
    from workbench.utility import ml_utility

    train = dataset.train.drop(columns=dataset.identifiers)  # direct identifiers never go into a release
    qis = dataset.quasi_identifiers
    result = anonymise(
        train,
        k=int(k),
        l=options.l,
        t=options.t,
        method=options.method,
        quasi_identifiers=qis,
        sensitive=[c for c in dataset.sensitive] or None,
        max_suppression=options.max_suppression,
        seed=seed,
        stop=stop,
    )
    ml = ml_utility(result, dataset.test, target=dataset.target, quasi_identifiers=qis, seed=seed)
    link = linkage_attack(result, train[qis], quasi_identifiers=qis)
    metrics, prosecutor, statement = result.metrics, result.risk.prosecutor, result.statement
    histogram = result.risk.class_sizes.value_counts().sort_index()
    return {
        "k": float(statement.k),
        "l": None if statement.l is None else float(statement.l),
        "t": None if statement.t is None else float(statement.t),
        "utility": {
            "accuracy": float(ml["accuracy_released"]),
            "auc": float(ml["auc_released"]),
            "accuracy_original": float(ml["accuracy_original"]),
            "information_loss": float(metrics["information_loss"]),
            **{m: float(metrics[m]) for m in ("discernibility", "aecs") if m in metrics},
        },
        "leakage": {
            "reidentification_rate": float(link.reidentification_rate),
            "expected_reidentification": float(link.expected_success),
            "linkage_advantage": float(link.advantage),
            "prosecutor_risk": float(prosecutor["highest"]),
            "records_at_risk": float(prosecutor.get("records_at_risk", math.nan)),
        },
        "statement": statement.to_dict(),
        "details": {"class_sizes": {"size": histogram.index.tolist(), "count": histogram.tolist()}},
    }


register_technique(
    "dp",
    dp_point,
    parameter="epsilon",
    spends_budget=True,
    description="DP-SGD training (Opacus) at each ε; utility = test accuracy/AUC; leakage = membership inference",
    compute_group=dp_points,
    groupable=stackable,
    config=DPSweepConfig,
)
register_technique(
    "k-anonymity",
    kanonymity_point,
    parameter="k",
    description="k-anonymise the training rows at each k (optional l, t); ML utility, information loss, linkage",
    config=KAnonymitySweepConfig,
)
register_technique(
    "pseudonymise+dp",
    pseudonymise_dp_point,
    parameter="epsilon",
    spends_budget=True,
    description="keyed-HMAC pseudonyms for identifiers, then DP-SGD training at each ε",
    compute_group=pseudonymise_dp_points,
    groupable=stackable,
    config=DPSweepConfig,
)
register_technique(
    "encrypted",
    encrypted_point,
    parameter="scale_bits",
    default_grid=DEFAULT_SCALE_BITS,
    config=EncryptedSweepConfig,
    description="CKKS encrypted inference at each scale (bits); utility = accuracy, agreement, max error; cost = "
    "ms/row and bytes/row; leakage to the server = none",
)
