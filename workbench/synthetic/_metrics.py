"""How good and how safe a synthetic table is: fidelity, ML utility, and privacy checks against real rows.

Fidelity: total-variation distance between the real and synthetic 1-way and 2-way marginals on the release's
discrete domain (0 = identical, 1 = disjoint). ML utility: :func:`workbench.utility.ml_utility` (train on the
synthetic rows, test on the real test split, against training on the real rows). Privacy checks (empirical, not a
guarantee): Gower distance to the closest record (DCR) of the synthetic rows in the real training rows vs in an
equally large real holdout (a share closer to the training rows well above 0.5 means memorisation), exact copies
of training rows (vs. how often holdout rows repeat a training row anyway), and a distance-based membership-inference
attack on the synthetic table (training rows vs holdout rows scored by their distance to the closest synthetic row).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.synthetic._domain import TableDomain
from workbench.synthetic._measure import marginal, pairs

__all__ = ["fidelity", "privacy_checks", "utility"]

_MAX_PAIRS = 120
_REFERENCE_ROWS = 4000
_QUERY_ROWS = 1000


def fidelity(
    real: pd.DataFrame, synthetic: pd.DataFrame, domain: TableDomain, rng: np.random.Generator
) -> dict[str, float]:
    """Mean total-variation distance of the 1-way and 2-way marginals (at most 120 pairs, chosen at random)."""
    sizes = domain.sizes
    a, b = domain.encode(real), domain.encode(synthetic)
    one = [_tv(marginal(a, sizes, (c,)), marginal(b, sizes, (c,))) for c in domain.names]
    two_way = pairs(domain.names)
    if len(two_way) > _MAX_PAIRS:
        two_way = [two_way[i] for i in np.sort(rng.choice(len(two_way), _MAX_PAIRS, replace=False))]
    two = [_tv(marginal(a, sizes, p), marginal(b, sizes, p)) for p in two_way]
    return {
        "tv_1way": float(np.mean(one)),
        "tv_2way": float(np.mean(two)) if two else math.nan,
        "tv_1way_max": float(np.max(one)),
    }


def marginal_table(frame: pd.DataFrame, domain: TableDomain, column: str) -> np.ndarray:
    """Shares of each code of ``column`` (for figures)."""
    counts = marginal({column: domain.column(column).encode(frame[column])}, domain.sizes, (column,))
    return counts / max(1.0, counts.sum())


def _tv(x: np.ndarray, y: np.ndarray) -> float:
    return 0.5 * float(np.abs(x / max(x.sum(), 1.0) - y / max(y.sum(), 1.0)).sum())


def utility(synthetic: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, target: str | None, seed: int):
    """ML utility (accuracy, AUC) of a classifier trained on the synthetic rows vs on the real training rows."""
    if target is None or target not in synthetic.columns:
        return {}
    from workbench.utility import ml_utility

    scores = ml_utility(synthetic, test, target=target, original=train, seed=seed)
    return {
        "accuracy": scores["accuracy_released"],
        "auc": scores["auc_released"],
        "accuracy_original": scores["accuracy_original"],
        "auc_original": scores["auc_original"],
        "majority_accuracy": float(test[target].value_counts(normalize=True).max()),
    }


def privacy_checks(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, domain: TableDomain,
    rng: np.random.Generator,
) -> dict[str, float]:  # fmt: skip
    """DCR share, exact copies, and a distance-based membership-inference attack (see the module docstring)."""
    n_ref = min(len(train), len(holdout), _REFERENCE_ROWS)
    members = train.iloc[np.sort(rng.choice(len(train), n_ref, replace=False))]
    outsiders = holdout.iloc[np.sort(rng.choice(len(holdout), n_ref, replace=False))]
    queries = synthetic.iloc[np.sort(rng.choice(len(synthetic), min(len(synthetic), _QUERY_ROWS), replace=False))]
    features = _Gower(domain)
    to_train = features.closest(queries, members)
    to_holdout = features.closest(queries, outsiders)
    share = float(np.mean(to_train < to_holdout) + 0.5 * np.mean(to_train == to_holdout))
    pool = synthetic.iloc[np.sort(rng.choice(len(synthetic), min(len(synthetic), _REFERENCE_ROWS), replace=False))]
    m = min(n_ref, _QUERY_ROWS)
    scores = -np.concatenate([features.closest(members.iloc[:m], pool), features.closest(outsiders.iloc[:m], pool)])
    labels = np.concatenate([np.ones(m), np.zeros(m)])
    mia = _roc(labels, scores)
    copies = _copies(synthetic, train)
    baseline = _copies(holdout, train)
    return {
        "dcr_synthetic_median": float(np.median(to_train)),
        "dcr_holdout_median": float(np.median(features.closest(outsiders.iloc[:m], members))),
        "dcr_share_closer_to_train": share,
        "exact_copies": float(copies * len(synthetic)),
        "exact_copy_share": float(copies),
        "exact_copy_share_holdout": float(baseline),
        "reidentification_rate": float(copies),
        "linkage_advantage": float(max(0.0, copies - baseline)),
        **mia,
    }


def _copies(rows: pd.DataFrame, train: pd.DataFrame) -> float:
    """Share of ``rows`` equal, on every column, to some training row."""
    if len(rows) == 0:
        return 0.0
    key = pd.util.hash_pandas_object(_as_text(train), index=False)
    mine = pd.util.hash_pandas_object(_as_text(rows[train.columns]), index=False)
    return float(np.isin(mine.to_numpy(), key.to_numpy()).mean())


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).where(frame.notna(), "<NA>").astype(str)


def _roc(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score, roc_curve

    fpr, tpr, _ = roc_curve(labels, scores)
    return {
        "mia_auc": float(roc_auc_score(labels, scores)),
        "mia_advantage": float(max(0.0, np.max(tpr - fpr))),
        "tpr_at_1pct_fpr": float(np.max(tpr[fpr <= 0.01], initial=0.0)),
    }


class _Gower:
    """Gower distance over the release's columns: categories 0/1 apart, numbers |a − b| / public range."""

    def __init__(self, domain: TableDomain) -> None:
        self.domain = domain

    def _matrix(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        cats, nums = [], []
        for col in self.domain.columns:
            if col.kind == "categorical":
                cats.append(col.encode(frame[col.name]))
            else:
                values = pd.to_numeric(frame[col.name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                span = col.edges[-1] - col.edges[0] or 1.0
                nums.append(np.nan_to_num((np.clip(values, col.edges[0], col.edges[-1]) - col.edges[0]) / span,
                                          nan=-1.0))  # fmt: skip
        width = len(frame)
        return (np.stack(cats, 1) if cats else np.zeros((width, 0), np.int64),
                np.stack(nums, 1).astype(np.float32) if nums else np.zeros((width, 0), np.float32))  # fmt: skip

    def closest(self, queries: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
        qc, qn = self._matrix(queries)
        rc, rn = self._matrix(reference)
        out = np.empty(len(queries))
        for start in range(0, len(queries), 256):
            stop = start + 256
            d = (qc[start:stop, None, :] != rc[None, :, :]).sum(axis=2).astype(np.float32)
            if qn.shape[1]:
                d += np.abs(qn[start:stop, None, :] - rn[None, :, :]).sum(axis=2)
            out[start:stop] = d.min(axis=1)
        return out


def as_floats(metrics: Mapping[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()}
