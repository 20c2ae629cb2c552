"""Mondrian multidimensional local recoding (LeFevre, DeWitt & Ramakrishnan 2006), strict, vectorised.

All partitions are split together, one round at a time: per partition the widest quasi-identifier (normalised) is
cut at its median; a cut is allowed only if both halves satisfy the privacy model (k, and l / t checked on the
halves). Every round works on numpy arrays over all records, never per record in Python. Categories are ordered
by their hierarchy (siblings adjacent), so a cut keeps related values together; numbers are released as ranges
``[min, max]``, categories as the hierarchy node that covers exactly their values or a value set ``{a, b}``.
"""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from workbench.anonymise._draft import Draft, SensitiveParts, make_checker
from workbench.anonymise.hierarchy import EncodedColumn
from workbench.anonymise.models import PrivacyModel
from workbench.anonymise.optimal import compress
from workbench.errors import InfeasibleError
from workbench.generalised import SUPPRESSED, normalise
from workbench.risk import distribution_matrix, l_distinct, l_entropy

__all__ = ["run_mondrian"]

_MAX_SET = 4  # value sets up to this size are released as sets, larger ones as the covering hierarchy node


def run_mondrian(
    encoded: list[EncodedColumn],
    parts: SensitiveParts,
    model: PrivacyModel,
    stop: threading.Event | None,
    tick=None,
) -> Draft:
    # records with equal quasi-identifiers (and sensitive values) can never be cut apart: work on the distinct
    # rows with a weight each, which is the same partitioning, much faster on large or repetitive tables
    data = compress(encoded, parts.codes, parts.cards)
    weights = data.weights
    ranks = np.stack([c.rank[b] for c, b in zip(encoded, data.base, strict=True)])  # (d, distinct rows)
    widths_scale = [_scale(c) for c in encoded]
    checker = make_checker(model, parts, weights, data.sensitive)
    reference = [np.bincount(s, weights=weights, minlength=m) for s, m in zip(data.sensitive, parts.cards, strict=True)]
    _check_whole_table(checker, len(weights), reference, model, parts)
    part = np.zeros(len(weights), dtype=np.int64)
    active = np.array([True])
    complete = True
    while active.any():
        if stop is not None and stop.is_set():
            complete = False
            break
        part, active = _round(part, active, ranks, widths_scale, checker, reference, model.k, weights)
        if tick is not None:
            tick(len(active), 0)
    return _release(encoded, part, ranks, data.row_of, complete)


def _scale(col: EncodedColumn) -> tuple[np.ndarray, float]:
    """Per rank, the position used to measure a partition's width, and the column's full width."""
    if col.numeric:
        by_rank = np.empty(len(col.uniques), dtype=float)
        values = pd.to_numeric(pd.Series(col.uniques), errors="coerce").to_numpy(dtype=float)
        by_rank[col.rank] = values
        finite = np.isfinite(by_rank)
        if finite.sum() > 1:
            span = float(by_rank[finite].max() - by_rank[finite].min())
            # a missing value sits one span above the largest, so mixing it in counts as wide
            by_rank = np.where(finite, by_rank, by_rank[finite].max() + span)
            return by_rank, 2 * span if (~finite).any() else span
    return np.arange(len(col.uniques), dtype=float), float(max(len(col.uniques) - 1, 1))


def _check_whole_table(checker, rows: int, reference: list[np.ndarray], model: PrivacyModel, parts) -> None:
    _, ok = checker.class_ok(np.zeros(rows, dtype=np.int64), 1, reference)
    if ok[0]:
        return
    n = int(checker.weights.sum())
    found = [f"k={n}"]
    for codes, card in zip(parts.codes, parts.cards, strict=True):
        dist = distribution_matrix(np.zeros(len(codes), dtype=np.int64), 1, codes, card)
        found.append(f"distinct l={int(l_distinct(dist)[0])}, entropy l={l_entropy(dist)[0]:.2f}")
    raise InfeasibleError(
        f"Even the whole table as one group does not meet {model.describe()}; it reaches {', '.join(found)} "
        "(t=0). Lower l or k."
    )


def _round(part, active, ranks, scales, checker, reference, k, weights):
    """Try to split every active partition once; return new partition ids and which partitions stay active."""
    d = ranks.shape[0]
    rows = np.flatnonzero(active[part])
    order = np.argsort(part[rows], kind="stable")
    rows = rows[order]
    local_part = part[rows]
    groups, starts = np.unique(local_part, return_index=True)
    local = np.repeat(np.arange(len(groups)), np.diff(np.append(starts, len(rows))))
    sizes = np.add.reduceat(weights[rows], starts)
    widths = np.empty((len(groups), d))
    for i in range(d):
        pos, span = scales[i]
        x = pos[ranks[i, rows]]
        widths[:, i] = (np.maximum.reduceat(x, starts) - np.minimum.reduceat(x, starts)) / span
    widths[sizes < 2 * k] = 0.0
    dim_order = np.argsort(-widths, axis=1, kind="stable")
    pending = np.ones(len(groups), dtype=bool)
    threshold = np.full(len(groups), -1, dtype=np.int64)
    chosen = np.full(len(groups), -1, dtype=np.int64)
    for attempt in range(d):
        dims = dim_order[:, attempt]
        trying = pending & (widths[np.arange(len(groups)), dims] > 0)
        if not trying.any():
            break
        cut, success = _try_cut(trying, dims, local, rows, ranks, sizes, checker, reference, k, weights)
        threshold[success] = cut[success]
        chosen[success] = dims[success]
        pending &= ~success
    split = chosen >= 0
    new_part = part.copy()
    row_dim = chosen[local]
    moving = split[local]
    rank_in_dim = ranks[np.maximum(row_dim, 0), rows]
    right = moving & (rank_in_dim > threshold[local])
    new_ids = np.full(len(groups), -1, dtype=np.int64)
    new_ids[split] = len(active) + np.arange(split.sum())
    new_part[rows[right]] = new_ids[local[right]]
    new_active = np.zeros(len(active) + int(split.sum()), dtype=bool)
    new_active[groups[split]] = True
    new_active[new_ids[split]] = True
    return new_part, new_active


def _try_cut(trying, dims, local, rows, ranks, sizes, checker, reference, k, weights):
    """Median cut of each trying partition on its dimension; (cut rank, whether the cut is allowed)."""
    n_groups = len(sizes)
    sel = np.flatnonzero(trying[local])
    p = local[sel]
    r = ranks[dims[p], rows[sel]]
    card = int(ranks.max()) + 2
    uk, inverse = np.unique(p * card + r, return_inverse=True)
    cnt = np.bincount(inverse, weights=weights[rows[sel]], minlength=len(uk))
    up, ur = uk // card, uk % card
    cum = np.cumsum(cnt)
    first = np.flatnonzero(np.r_[True, up[1:] != up[:-1]])
    before = np.repeat(np.r_[0, cum[first[1:] - 1]], np.diff(np.append(first, len(up))))
    within = cum - before
    half = np.ceil(sizes[up] / 2)
    is_median = (within >= half) & (within - cnt < half)
    cut_a = np.full(n_groups, -1, dtype=np.int64)
    left_a = np.zeros(n_groups)
    left_b = np.zeros(n_groups)
    cut_a[up[is_median]] = ur[is_median]
    left_a[up[is_median]] = within[is_median]
    left_b[up[is_median]] = (within - cnt)[is_median]
    # option A: left = ranks <= median; option B: left = ranks < median (the previous distinct rank)
    prev_rank = np.full(n_groups, -1, dtype=np.int64)
    has_prev = is_median & (within - cnt > 0)
    prev_rank[up[has_prev]] = ur[np.flatnonzero(has_prev) - 1]
    success = np.zeros(n_groups, dtype=bool)
    cut = np.full(n_groups, -1, dtype=np.int64)
    for option_cut, left in ((cut_a, left_a), (prev_rank, left_b)):
        candidate = trying & ~success & (option_cut >= 0) & (left >= k) & (sizes - left >= k)
        if not candidate.any():
            continue
        ok = _halves_ok(candidate, option_cut, sel, p, r, rows, checker, reference)
        good = candidate & ok
        cut[good] = option_cut[good]
        success |= good
    return cut, success


def _halves_ok(candidate, cut, sel, p, r, rows, checker, reference):
    """Both halves of each candidate cut satisfy the model (k is already known to hold)."""
    model = checker.model
    if model.l is None and model.t is None:
        return candidate.copy()
    mask = candidate[p]
    child = 2 * p[mask] + (r[mask] > cut[p[mask]])
    subset = rows[sel[mask]]
    sub_checker = type(checker)(
        model, checker.weights[subset], [s[subset] for s in checker.sensitive], checker.cards, checker.ordered
    )
    _, ok = sub_checker.class_ok(child, 2 * len(candidate), reference)
    return ok[0::2] & ok[1::2]


def _release(
    encoded: list[EncodedColumn], part: np.ndarray, ranks: np.ndarray, row_of: np.ndarray, complete: bool
) -> Draft:
    ids, uniques = pd.factorize(part)
    n_parts = len(uniques)
    order = np.argsort(ids, kind="stable")
    starts = np.flatnonzero(np.r_[True, ids[order][1:] != ids[order][:-1]])
    values, loss, codes, cover = {}, {}, {}, {}
    for i, col in enumerate(encoded):
        r = ranks[i][order]
        lo, hi = np.minimum.reduceat(r, starts), np.maximum.reduceat(r, starts)
        width = len(col.uniques) + 1
        pair_codes, pairs = pd.factorize(lo * width + hi)  # label only the distinct ranges
        labels, losses = _labels(col, pairs // width, pairs % width)
        by_rank = np.zeros(len(col.uniques) + 1)
        by_rank[1:] = np.cumsum(np.bincount(col.rank[col.codes], minlength=len(col.uniques)))
        covered = by_rank[pairs % width + 1] - by_rank[pairs // width]  # records with a value in the rank range
        covered = np.where(np.array([lbl == SUPPRESSED for lbl in labels]), float(len(col.codes)), covered)
        record_part = ids[row_of]  # distinct rows -> records
        cover[col.name] = covered[pair_codes][record_part]
        label_codes, label_index = pd.factorize(pd.Series(labels, dtype=object))
        per_part = label_codes[pair_codes]
        values[col.name] = pd.Categorical.from_codes(per_part[record_part], categories=pd.Index(label_index))
        loss[col.name] = losses[pair_codes][record_part]
        codes[col.name] = per_part[record_part]
    return Draft(
        kept=np.arange(len(row_of)),
        values=values,
        loss=loss,
        codes=codes,
        cover=cover,
        transformation={"partitions": int(n_parts)},
        optimal=None if complete else False,
        nodes_evaluated=None,
    )


def _labels(col: EncodedColumn, lo: np.ndarray, hi: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Released label and information loss of each partition from its rank range in this column."""
    by_rank = np.empty(len(col.uniques), dtype=object)
    by_rank[col.rank] = col.uniques
    names = [normalise(x) for x in by_rank]
    v = len(col.uniques)
    labels, losses = [], np.zeros(len(lo))
    if col.numeric:
        numbers = pd.to_numeric(pd.Series(by_rank), errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(numbers)
        span = float(numbers[finite].max() - numbers[finite].min()) if finite.sum() > 1 else 1.0
        for j, (a, b) in enumerate(zip(lo, hi, strict=True)):
            if not finite[a : b + 1].all():
                only_missing = not finite[a : b + 1].any()
                labels.append(normalise(np.nan) if only_missing else SUPPRESSED)
                losses[j] = 0.0 if only_missing else 1.0
            elif a == b:
                labels.append(normalise(numbers[a]))
            else:
                labels.append(f"[{normalise(numbers[a])}, {normalise(numbers[b])}]")
                losses[j] = (numbers[b] - numbers[a]) / span
        return labels, losses
    for j, (a, b) in enumerate(zip(lo, hi, strict=True)):
        count = b - a + 1
        if count == 1:
            labels.append(names[a])
        elif (int(a), int(b)) in col.nodes:
            labels.append(normalise(col.nodes[(int(a), int(b))]))
        elif count <= _MAX_SET:
            labels.append("{" + ", ".join(names[a : b + 1]) + "}")
        else:
            label, count = _covering_node(col, a, b)
            labels.append(label)
        losses[j] = (count - 1) / max(v - 1, 1)
    return labels, losses


def _covering_node(col: EncodedColumn, a: int, b: int) -> tuple[str, int]:
    """The lowest hierarchy label above every value of ranks a..b, and how many values it covers."""
    in_range = (col.rank >= a) & (col.rank <= b)
    for j in range(1, col.n_levels):
        labels = np.unique(col.level_codes[j][in_range])
        if len(labels) == 1:
            members = int((col.level_codes[j] == labels[0]).sum())
            return normalise(col.level_labels[j][labels[0]]), members
    return SUPPRESSED, len(col.uniques)
