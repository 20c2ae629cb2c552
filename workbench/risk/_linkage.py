"""A linkage attack: an adversary who knows people's quasi-identifiers looks them up in a release."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.columns import check_columns
from workbench.errors import InvalidParameterError
from workbench.generalised import covers
from workbench.release import PlainStatement
from workbench.risk._classes import combine_codes, encode_column, equivalence_classes

__all__ = ["LinkageResult", "linkage_attack"]


@dataclass(frozen=True)
class LinkageResult:
    """Outcome of a linkage attack (from :func:`linkage_attack` or :func:`workbench.audit.linkage_audit`).

    Its ``advantage`` is on the same leakage scale as the membership-inference advantage (TPR − FPR), so
    releases of both families share one "leakage" axis. ``workbench.audit.LinkageAudit`` is this class.

    Attributes
    ----------
    reidentification_rate : float
        Share of the auxiliary people matched to exactly one released record, which is theirs.
    expected_success : float
        Average chance of naming the right record when guessing uniformly among each person's matches.
    baseline : float
        The same chance for an attacker who ignores the quasi-identifiers (a random released record).
    advantage : float
        ``expected_success - baseline``: what the quasi-identifiers give the attacker.
    unique_match_rate : float
        Share of auxiliary people with exactly one matching record (right or wrong).
    k : float
        The k-anonymity the release claims (``nan`` if unknown); compare with ``1 / k`` (prosecutor risk bound).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.release import Release
    >>> people = pd.DataFrame({"age": [31, 35, 52], "zip": ["1", "1", "2"]})
    >>> result = linkage_attack(people, people, quasi_identifiers=["age", "zip"])
    >>> isinstance(result, Release), result.leakage == result.advantage
    (True, True)
    """

    reidentification_rate: float
    expected_success: float
    baseline: float
    advantage: float
    unique_match_rate: float
    mean_candidates: float
    n_auxiliary: int
    n_released: int
    quasi_identifiers: tuple[str, ...]
    k: float = math.nan

    @property
    def leakage(self) -> float:
        """The number on the common leakage axis: the attacker advantage."""
        return self.advantage

    @property
    def details(self) -> dict[str, Any]:
        """The attack's numbers as plain data."""
        return {
            "reidentification_rate": self.reidentification_rate,
            "expected_success": self.expected_success,
            "baseline": self.baseline,
            "advantage": self.advantage,
            "unique_match_rate": self.unique_match_rate,
            "mean_candidates": self.mean_candidates,
            "n_auxiliary": self.n_auxiliary,
            "n_released": self.n_released,
            "quasi_identifiers": list(self.quasi_identifiers),
        }

    # -- the Release protocol (workbench.release) --------------------------------------------------------------
    @property
    def technique(self) -> str:
        """``"linkage-attack"``."""
        return "linkage-attack"

    @property
    def statement(self) -> PlainStatement:
        """A measurement of the release, not a guarantee."""
        claim = "" if math.isnan(self.k) else f" (the release claims k = {self.k:g})"
        return PlainStatement(
            "linkage-attack",
            {"quasi_identifiers": list(self.quasi_identifiers), "n_auxiliary": self.n_auxiliary},
            guarantee=f"measured re-identification rate {self.reidentification_rate:.4g}{claim}; no formal guarantee",
        )

    @property
    def metrics(self) -> dict[str, float]:
        """Re-identification rate, expected success, baseline and advantage."""
        names = ("reidentification_rate", "expected_success", "baseline", "advantage", "unique_match_rate")
        return {name: float(getattr(self, name)) for name in names}

    def summary(self) -> dict[str, Any]:
        """The headline numbers (plain data)."""
        return {**self.metrics, "k": self.k, "n_auxiliary": self.n_auxiliary, "n_released": self.n_released}

    def to_dict(self) -> dict[str, Any]:
        return {"attack": "linkage", **self.details, "leakage": self.leakage, "k": self.k, "details": self.details}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v:.4g}</td></tr>"
            for k, v in self.summary().items()
            if isinstance(v, float) and not math.isnan(v)
        )
        return (
            f"<div class='wb-linkage'><h4 style='margin:4px 0'>Linkage audit: {self.n_released:,} released records, "
            f"{self.n_auxiliary:,} known people</h4><table>{rows}</table></div>"
        )


def linkage_attack(
    released: object,
    auxiliary: pd.DataFrame,
    *,
    quasi_identifiers: Iterable[str] | None = None,
    truth: Sequence | None = None,
    generalisations: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
) -> LinkageResult:
    """Re-identify people of ``auxiliary`` (raw quasi-identifiers) in ``released`` (raw or generalised).

    A released value covers a raw one when it equals it, is ``'*'``, a range holding it (``"[20, 30)"``), a value
    set holding it (``"{A, B}"``) or a hierarchy node above it (``generalisations``, taken from an anonymisation
    result). A person is re-identified when exactly one released record matches and it is theirs.

    Parameters
    ----------
    released : AnonymisationResult or pandas.DataFrame
        The release. For a result, the true owner of each row and the hierarchies come with it.
    auxiliary : pandas.DataFrame
        The attacker's knowledge: one row per person, its index labels identify the person.
    quasi_identifiers : list of str, optional
        Columns the attacker links on; by default the result's quasi-identifiers.
    truth : sequence, optional
        For a DataFrame release: the auxiliary label of the person behind each released row (default: its index).
    generalisations : mapping, optional
        ``{column: {label: frozenset of raw values (normalised strings)}}`` for hierarchy labels.

    Returns
    -------
    LinkageResult

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.risk import linkage_attack
    >>> people = pd.DataFrame({"age": [31, 35, 52, 58], "zip": ["123", "123", "456", "999"]})
    >>> ages = ["[30, 40)", "[30, 40)", "[50, 60)", "[50, 60)"]
    >>> release = pd.DataFrame({"age": ages, "zip": ["123", "123", "*", "*"]})
    >>> linkage_attack(release, people, quasi_identifiers=["age", "zip"]).reidentification_rate
    0.0
    >>> linkage_attack(people, people, quasi_identifiers=["age", "zip"]).reidentification_rate
    1.0
    """
    frame, truth_labels, qis, gens = _unpack(released, quasi_identifiers, truth, generalisations)
    if not isinstance(auxiliary, pd.DataFrame):
        raise InvalidParameterError(f"auxiliary must be a DataFrame of known people; got {type(auxiliary).__name__}.")
    check_columns(auxiliary, qis, "The auxiliary table")
    n_aux, n_rel = len(auxiliary), len(frame)
    if n_aux == 0 or n_rel == 0:
        raise InvalidParameterError("linkage_attack needs at least one released and one auxiliary record.")

    class_ids, n_classes = equivalence_classes(frame, qis)
    class_sizes = np.bincount(class_ids, minlength=n_classes)
    first_row = np.full(n_classes, -1)
    first_row[class_ids[::-1]] = np.arange(n_rel)[::-1]
    aux_ids, n_combos = equivalence_classes(auxiliary, qis)
    combo_row = np.full(n_combos, -1)
    combo_row[aux_ids[::-1]] = np.arange(n_aux)[::-1]

    compat, class_codes, combo_codes = [], [], []
    for col in qis:
        rel_codes, rel_uniques = encode_column(frame[col])
        aux_codes, aux_uniques = encode_column(auxiliary[col])
        compat.append(covers(rel_uniques, aux_uniques, gens.get(col)))
        class_codes.append(rel_codes[first_row])
        combo_codes.append(aux_codes[combo_row])

    # the class (if any) holding each auxiliary person's own released record
    position = pd.Series(np.arange(n_rel), index=pd.Index(truth_labels))
    position = position[~position.index.duplicated()]
    own_row = position.reindex(auxiliary.index).to_numpy(dtype=float)
    present = ~np.isnan(own_row)
    own_class = np.where(present, class_ids[np.nan_to_num(own_row).astype(np.int64)], -1)

    candidates, own_match = _match(compat, class_codes, combo_codes, class_sizes, aux_ids, own_class)
    with np.errstate(divide="ignore", invalid="ignore"):
        success = np.where(own_match & (candidates > 0), 1.0 / candidates, 0.0)
    reid = float(np.mean((candidates == 1) & own_match))
    expected = float(success.mean())
    baseline = float(present.mean() / n_rel)
    return LinkageResult(
        reidentification_rate=reid,
        expected_success=expected,
        baseline=baseline,
        advantage=expected - baseline,
        unique_match_rate=float(np.mean(candidates == 1)),
        mean_candidates=float(candidates.mean()),
        n_auxiliary=n_aux,
        n_released=n_rel,
        quasi_identifiers=tuple(qis),
    )


def _unpack(released, quasi_identifiers, truth, generalisations):
    gens = dict(generalisations or {})
    if isinstance(released, pd.DataFrame):
        frame, labels = released, (released.index if truth is None else pd.Index(truth))
        qis = list(quasi_identifiers) if quasi_identifiers is not None else None
    elif hasattr(released, "data") and hasattr(released, "source_index"):
        frame, labels = released.data, pd.Index(released.source_index)
        qis = list(quasi_identifiers) if quasi_identifiers is not None else list(released.quasi_identifiers)
        gens = {**dict(getattr(released, "generalisations", {}) or {}), **gens}
    else:
        raise InvalidParameterError(
            f"linkage_attack takes an anonymisation result or a DataFrame; got {type(released).__name__}."
        )
    if not qis:
        raise InvalidParameterError("linkage_attack needs quasi_identifiers=[...] (the columns the attacker knows).")
    check_columns(frame, qis, "The quasi_identifiers of linkage_attack")
    if len(labels) != len(frame):
        raise InvalidParameterError(f"truth has {len(labels)} labels for {len(frame)} released rows; give one per row.")
    return frame, labels, qis, gens


def _match(compat, class_codes, combo_codes, class_sizes, aux_ids, own_class):
    """Per auxiliary person: number of matching released records, and whether their own record matches."""
    n_combos, n_classes = len(combo_codes[0]), len(class_sizes)
    if all(c.sum(axis=1).max(initial=0) <= 1 for c in compat):
        # every raw value is covered by at most one released value: an exact join on the covering labels
        mapped = []
        for c, codes in zip(compat, combo_codes, strict=True):
            label = np.where(c.any(axis=1), c.argmax(axis=1), -1)[codes]
            mapped.append(label)
        cards = [c.shape[1] + 1 for c in compat]
        both = [np.concatenate([rel + 1, m + 1]) for rel, m in zip(class_codes, mapped, strict=True)]
        keys, _ = combine_codes(both, cards)  # one key space for released classes and auxiliary people
        keys_rel, keys_aux = keys[:n_classes], keys[n_classes:]
        lookup = pd.Series(np.arange(n_classes), index=keys_rel)
        combo_class = lookup.reindex(keys_aux).to_numpy(dtype=float)
        valid = ~np.isnan(combo_class) & np.all([m >= 0 for m in mapped], axis=0)
        combo_class = np.where(valid, np.nan_to_num(combo_class), -1).astype(np.int64)
        person_class = combo_class[aux_ids]
        candidates = np.where(person_class >= 0, class_sizes[np.maximum(person_class, 0)], 0)
        return candidates, (own_class >= 0) & (person_class == own_class)
    # overlapping released values (local recoding): candidate pairs from the most selective column, then filtered
    density = []
    for c, rel, aux in zip(compat, class_codes, combo_codes, strict=True):
        p_aux = np.bincount(aux, minlength=c.shape[0]) / max(len(aux), 1)
        p_rel = np.bincount(rel, minlength=c.shape[1]) / max(len(rel), 1)
        density.append(float(p_aux @ c.astype(float) @ p_rel))
    order = np.argsort(density)
    first, rest = order[0], order[1:]
    counts = np.zeros(n_combos)
    matches_own = np.zeros(len(aux_ids), dtype=bool)
    person_order = np.argsort(aux_ids, kind="stable")
    sorted_combo = aux_ids[person_order]
    chunk = max(1, 8_000_000 // max(n_classes, 1))
    for start in range(0, n_combos, chunk):
        stop = min(start + chunk, n_combos)
        block = compat[first][combo_codes[first][start:stop]][:, class_codes[first]]
        ci, cj = np.nonzero(block)
        for q in rest:
            keep = compat[q][combo_codes[q][start + ci], class_codes[q][cj]]
            ci, cj = ci[keep], cj[keep]
        counts[start:stop] = np.bincount(ci, weights=class_sizes[cj], minlength=stop - start)
        lo, hi = np.searchsorted(sorted_combo, [start, stop])
        people = person_order[lo:hi]
        people = people[own_class[people] >= 0]
        pair_keys = ci.astype(np.int64) * n_classes + cj
        person_keys = (aux_ids[people] - start).astype(np.int64) * n_classes + own_class[people]
        matches_own[people] = np.isin(person_keys, pair_keys)
    return counts[aux_ids], matches_own
