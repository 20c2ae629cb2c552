"""Generalisation hierarchies: a table with one row per original value and one column per level, and its validator."""

from __future__ import annotations

import difflib
import html
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.errors import InvalidParameterError
from workbench.generalised import MISSING, SUPPRESSED, normalise
from workbench.risk import encode_column

__all__ = ["EncodedColumn", "Hierarchy", "HierarchyError", "validate_hierarchy"]


class HierarchyError(InvalidParameterError):
    """A generalisation hierarchy misses values, gives a value two parents, or is inconsistent across levels."""


@dataclass(frozen=True, eq=False)
class Hierarchy:
    """A generalisation hierarchy: level 0 holds the original values, each further level a coarser label.

    Build one with :func:`interval_hierarchy`, :func:`date_hierarchy`, :func:`masking_hierarchy`,
    :func:`tree_hierarchy` or :func:`auto_hierarchy`, or from a table (``Hierarchy.from_frame``, ``from_csv`` reads
    ARX's format: one row per value, ``;``-separated levels).

    Examples
    --------
    >>> from workbench.anonymise import Hierarchy
    >>> h = Hierarchy.from_frame(pd.DataFrame([["Male", "*"], ["Female", "*"]]), name="sex")
    >>> h.n_levels, h.labels(1)
    (2, ['*'])
    """

    table: pd.DataFrame = field(repr=False)
    name: str | None = None
    kind: str = "custom"

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, *, name: str | None = None, kind: str = "custom") -> Hierarchy:
        """A hierarchy from a table: first column the original values, then one column per level."""
        table = frame.copy()
        table.columns = range(table.shape[1])
        for j in range(1, table.shape[1]):
            table[j] = table[j].astype(object)
        return cls(table.reset_index(drop=True), name=name, kind=kind)

    @classmethod
    def from_csv(cls, path: str | Path, *, sep: str = ";", name: str | None = None) -> Hierarchy:
        """Read an ARX hierarchy file (no header, one row per value, levels separated by ``sep``)."""
        frame = pd.read_csv(path, sep=sep, header=None, dtype=str, keep_default_na=False)
        return cls.from_frame(frame, name=name)

    @property
    def n_levels(self) -> int:
        """Number of levels, the original values (level 0) included."""
        return int(self.table.shape[1])

    def labels(self, level: int) -> list:
        """Distinct labels at ``level``, in table order."""
        return list(pd.unique(self.table[level]))

    def mapping(self, level: int) -> dict:
        """``{original value: label at level}``."""
        return dict(zip(self.table[0], self.table[level], strict=True))

    def to_frame(self) -> pd.DataFrame:
        """The table, columns ``level0, level1, ...``."""
        out = self.table.copy()
        out.columns = [f"level{j}" for j in range(self.n_levels)]
        return out

    def to_anjana(self) -> dict[int, pd.Series]:
        """The ``{level: values}`` dict anjana expects (a fresh one on every call: anjana mutates it)."""
        return {j: pd.Series(self.table[j].to_numpy(copy=True), dtype=object) for j in range(self.n_levels)}

    def validate(self, values: Iterable | None = None) -> Hierarchy:
        """Raise :class:`HierarchyError` naming every problem; return ``self`` when there is none."""
        validate_hierarchy(self, values)
        return self

    def __repr__(self) -> str:
        tops = self.labels(self.n_levels - 1)
        return (
            f"Hierarchy({self.name!r}, kind={self.kind!r}, values={len(self.table)}, levels={self.n_levels}, "
            f"top={tops[:3]})"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>Hierarchy</b> {html.escape(str(self.name))}</p>" + self.to_frame().head(20).to_html()


def covers_values(hierarchy: Hierarchy, values: pd.Series) -> bool:
    """Whether every (non-missing) value of ``values`` is in the hierarchy's level 0 (a quick check)."""
    keys = {normalise(v) for v in hierarchy.table[0]}
    present = {normalise(v) for v in values.unique()}
    present.discard(MISSING)
    return present <= keys


def validate_hierarchy(hierarchy: Hierarchy, values: Iterable | None = None) -> None:
    """Collect every problem of a hierarchy (for the given data values) and raise one :class:`HierarchyError`.

    Problems: data values missing from level 0, a value listed twice with different parents, a label with two
    parents on the next level, empty labels, and labels on one level that look like typos of each other
    ("Europa" beside "Europe").

    Parameters
    ----------
    hierarchy : Hierarchy
        The hierarchy to check.
    values : iterable, optional
        The column's values, which must all be on level 0.

    Raises
    ------
    HierarchyError
        Listing every problem found.

    Examples
    --------
    >>> from workbench.anonymise import tree_hierarchy, validate_hierarchy
    >>> h = tree_hierarchy({"*": {"Europe": ["France", "Spain"], "Europa": ["Italy"]}}, name="country")
    >>> validate_hierarchy(h, ["France", "Italy", "Peru"])
    Traceback (most recent call last):
    ...
    workbench.anonymise.hierarchy.HierarchyError: The hierarchy for 'country' has 2 problem(s): values missing from \
level 0: 'Peru'; labels at level 1 that look like typos of each other: 'Europa'/'Europe'. Fix them and pass it again.
    """
    keys, structural = _structure(hierarchy)
    problems: list[str] = []
    if values is not None:
        series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
        present = {normalise(v) for v in series.unique()}
        present.discard(MISSING)  # missing values get their own branch automatically
        missing = sorted(present - keys)
        if missing:
            problems.append(f"values missing from level 0: {_names(missing)}")
    problems.extend(structural)
    if problems:
        raise HierarchyError(
            f"The hierarchy for {hierarchy.name!r} has {len(problems)} problem(s): {'; '.join(problems)}. "
            "Fix them and pass it again."
        )


_STRUCTURE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _structure(hierarchy: Hierarchy) -> tuple[frozenset[str], list[str]]:
    """The level-0 keys and the problems that do not depend on data (cached per hierarchy object)."""
    cached = _STRUCTURE.get(hierarchy)
    if cached is not None:
        return cached
    table, problems = hierarchy.table, []
    keys = table[0].map(normalise)
    if table.shape[1] > 1:
        dup = table.assign(_key=keys).drop(columns=[0]).drop_duplicates()
        twice = dup["_key"][dup["_key"].duplicated()].unique().tolist()
        if twice:
            problems.append(f"values with two parents: {_names(twice)}")
    for j in range(1, table.shape[1]):
        labels = table[j]
        if labels.isna().any() or (labels.astype(str).str.strip() == "").any():
            bad = keys[labels.isna() | (labels.astype(str).str.strip() == "")].tolist()
            problems.append(f"empty labels at level {j} for {_names(bad)}")
        if j + 1 < table.shape[1]:
            parents = table.groupby(j, sort=True, dropna=False)[j + 1].nunique()
            several = parents[parents > 1].index.tolist()
            if several:
                problems.append(f"labels at level {j} with several parents at level {j + 1}: {_names(several)}")
        typos = _look_alike([str(x) for x in pd.unique(labels.dropna())])
        if typos:
            problems.append(f"labels at level {j} that look like typos of each other: {', '.join(typos)}")
    result = (frozenset(keys), problems)
    _STRUCTURE[hierarchy] = result
    return result


def _names(items: list, limit: int = 6) -> str:
    shown = ", ".join(repr(str(x)) for x in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _look_alike(labels: list[str]) -> list[str]:
    words = sorted(x for x in labels if not any(ch.isdigit() for ch in x) and len(x) >= 4 and x not in (SUPPRESSED,))
    if len(words) > 300:
        return []
    pairs = []
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if a.lower() == b.lower() or (
                abs(len(a) - len(b)) <= 1 and difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= 0.8
            ):
                pairs.append(f"{a!r}/{b!r}")
    return pairs


@dataclass(frozen=True, eq=False)
class EncodedColumn:
    """One quasi-identifier as integer codes, with a lookup array per hierarchy level (the fast path of search)."""

    name: str
    codes: np.ndarray  # (n,) code of each record's original value
    uniques: np.ndarray  # (V,) original values (missing included)
    level_codes: list[np.ndarray]  # per level: (V,) code of the label
    level_labels: list[np.ndarray]  # per level: labels by label code
    level_loss: list[np.ndarray]  # per level: (V,) information loss of each original value in [0, 1]
    numeric: bool
    rank: np.ndarray  # (V,) position of each value in leaf order (numeric order, or the hierarchy's tree order)
    nodes: dict = field(repr=False)  # (first rank, last rank) -> label of the lowest node covering exactly those
    hierarchy: Hierarchy | None = field(default=None, repr=False)

    @property
    def n_levels(self) -> int:
        return len(self.level_codes)

    def cardinality(self, level: int) -> int:
        return len(self.level_labels[level])


def encode(series: pd.Series, hierarchy: Hierarchy) -> EncodedColumn:
    """Encode a column with its (already validated) hierarchy; missing values get a '?' branch up to '*'."""
    codes, uniques = encode_column(series)
    table = hierarchy.table
    lookup = {normalise(v): i for i, v in enumerate(table[0])}
    table_rows = table.to_numpy(dtype=object)
    n_levels = table.shape[1]
    top = table[n_levels - 1]
    top_label = top.iloc[0] if n_levels > 1 and top.nunique() == 1 else MISSING
    rows = []
    for value in uniques:
        key = normalise(value)
        if key in lookup:
            rows.append(list(table_rows[lookup[key]]))
        else:  # a missing value (validation guarantees all others are present)
            rows.append([value] + [MISSING] * (n_levels - 2) + ([top_label] if n_levels > 1 else []))
    level_codes, level_labels = [np.arange(len(uniques), dtype=np.int64)], [np.asarray(uniques, dtype=object)]
    for j in range(1, n_levels):
        lc, ll = pd.factorize(pd.Series([r[j] for r in rows], dtype=object))
        level_codes.append(lc.astype(np.int64))
        level_labels.append(np.asarray(ll, dtype=object))
    numeric = pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    losses = _losses(uniques, level_codes, numeric)
    order = np.lexsort([level_codes[0]] + [level_codes[j] for j in range(1, n_levels)])  # tree order
    if numeric:
        order = np.arange(len(uniques))  # encode_column sorted numeric values, missing last
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    nodes: dict = {}
    for j in range(n_levels - 1, 0, -1):  # lower levels overwrite: the lowest exact node wins
        for code in range(len(level_labels[j])):
            members = rank[level_codes[j] == code]
            if len(members) == members.max() - members.min() + 1:
                nodes[(int(members.min()), int(members.max()))] = level_labels[j][code]
    return EncodedColumn(
        name=str(series.name),
        codes=codes,
        uniques=np.asarray(uniques, dtype=object),
        level_codes=level_codes,
        level_labels=level_labels,
        level_loss=losses,
        numeric=numeric,
        rank=rank,
        nodes=nodes,
        hierarchy=hierarchy,
    )


def _losses(uniques: np.ndarray, level_codes: list[np.ndarray], numeric: bool) -> list[np.ndarray]:
    """Loss of each original value at each level: covered range / domain range (numeric) or leaves - 1 / V - 1."""
    v = len(uniques)
    values = pd.to_numeric(pd.Series(uniques), errors="coerce").to_numpy(dtype=float) if numeric else None
    out = []
    for codes in level_codes:
        m = int(codes.max(initial=0)) + 1
        counts = np.bincount(codes, minlength=m)[codes]
        if values is not None and np.isfinite(values).sum() > 1:
            finite = np.isfinite(values)
            span = float(values[finite].max() - values[finite].min())
            low, high = np.full(m, np.inf), np.full(m, -np.inf)
            np.minimum.at(low, codes[finite], values[finite])
            np.maximum.at(high, codes[finite], values[finite])
            width = np.where(np.isfinite(low), high - low, 0.0)[codes] / span
            has_missing = np.bincount(codes[~finite], minlength=m)[codes] > 0
            # a label over missing and real values at once counts as fully generalised
            loss = np.where(has_missing & (counts > 1), 1.0, np.where(finite, width, 0.0))
        else:
            loss = (counts - 1) / max(v - 1, 1)
        out.append(np.clip(loss.astype(float), 0.0, 1.0))
    return out
