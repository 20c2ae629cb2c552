"""Run the optimal search and turn its node into a :class:`Draft` release (or explain why none exists)."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from workbench.anonymise._draft import Draft, SensitiveParts, make_checker
from workbench.anonymise.hierarchy import EncodedColumn
from workbench.anonymise.models import PrivacyModel
from workbench.anonymise.optimal import Compressed, Lattice, compress, optimal_search
from workbench.errors import InfeasibleError
from workbench.risk import distribution_matrix, l_distinct, l_entropy, t_closeness

__all__ = ["run_optimal"]


def run_optimal(
    encoded: list[EncodedColumn],
    parts: SensitiveParts,
    model: PrivacyModel,
    n: int,
    limit: float,
    stop: threading.Event | None,
    metric: str = "information_loss",
    tick=None,
) -> Draft:
    data = compress(encoded, parts.codes, parts.cards)
    checker = make_checker(model, parts, data.weights, data.sensitive)
    max_suppressed = np.floor(limit * n + 1e-9)
    monotone = None
    if not model.monotone:  # tag infeasible regions with the monotone part of the model (k, distinct l)
        part = PrivacyModel(k=model.k, l=model.l if model.l_kind == "distinct" else None)
        monotone = make_checker(part, parts, data.weights, data.sensitive)
    outcome = optimal_search(
        encoded,
        data,
        checker,
        n=n,
        max_suppressed=max_suppressed,
        monotone=monotone,
        stop=stop,
        metric=metric,
        tick=tick,
    )
    if outcome.levels is None:
        raise InfeasibleError(_best_achievable(encoded, data, checker, model, limit, max_suppressed, outcome.complete))
    kept_rows = ~outcome.suppressed_rows
    kept = np.flatnonzero(kept_rows[data.row_of])
    values, loss, codes, cover = {}, {}, {}, {}
    for col, level in zip(encoded, outcome.levels, strict=True):
        base = col.codes[kept]
        label_codes = col.level_codes[level][base]
        codes[col.name] = label_codes
        per_label = np.bincount(col.level_codes[level][col.codes], minlength=col.cardinality(level))
        cover[col.name] = per_label[label_codes].astype(float)
        loss[col.name] = col.level_loss[level][base]
        if level == 0:
            values[col.name] = None  # keep the original values and dtype
        else:
            values[col.name] = pd.Categorical.from_codes(label_codes, categories=pd.Index(col.level_labels[level]))
    return Draft(
        kept=kept,
        values=values,
        loss=loss,
        codes=codes,
        cover=cover,
        transformation={c.name: int(j) for c, j in zip(encoded, outcome.levels, strict=True)},
        optimal=outcome.complete,
        nodes_evaluated=outcome.nodes_evaluated,
    )


def _best_achievable(
    encoded: list[EncodedColumn],
    data: Compressed,
    checker,
    model: PrivacyModel,
    limit: float,
    max_suppressed: float,
    complete: bool,
) -> str:
    if not complete:
        return "The search was stopped before it found any release that meets the request."
    lattice = Lattice(encoded, data, checker, int(data.weights.sum()))
    top = tuple(h - 1 for h in lattice.heights)
    ids, n_ids = lattice.class_ids(top, dense=True)
    sizes = np.bincount(ids, weights=data.weights, minlength=n_ids)
    ordered = np.sort(sizes)
    below = np.cumsum(ordered)  # records in the smallest classes
    fits = np.flatnonzero(np.concatenate([[0.0], below[:-1]]) <= max_suppressed)
    best_k = int(ordered[fits.max()]) if len(fits) else 0
    found = [f"k={best_k}"]
    for codes, card, ordered_col in zip(data.sensitive, checker.cards, checker.ordered, strict=True):
        dist = distribution_matrix(ids, n_ids, codes, card, data.weights)
        found.append(f"distinct l={int(l_distinct(dist).min())}, entropy l={l_entropy(dist).min():.2f}")
        found.append(f"t={t_closeness(dist, ordered_col).max():.3f}")
    return (
        f"No generalisation meets {model.describe()} with at most {limit:.1%} of the records suppressed. "
        f"The most generalised table reaches {', '.join(found)} (k allowing {limit:.1%} suppression). "
        "Relax the model, raise max_suppression, add hierarchy levels, or use fewer quasi-identifiers."
    )
