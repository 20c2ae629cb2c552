"""The discrete domain of a DP table release: each column as codes 0..size-1, built from public knowledge.

Categorical columns keep their categories (plus one code for "missing" when the column may be empty); numeric
columns are cut into bins whose edges come from public bounds. Where neither the user nor a bundled schema supplies
them, the categories or the range are read from the private rows and the release warns
(:class:`~workbench.errors.PrivacyLeakWarning`), as :func:`workbench.train` does for its encoder.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._validation import check_finite
from workbench.errors import InvalidParameterError, PrivacyLeakWarning, UnknownColumnError, warn_user

__all__ = ["ColumnDomain", "TableDomain", "build_domain"]

PUBLIC = ("given", "schema")  # sources that cost no privacy


@dataclass(frozen=True)
class ColumnDomain:
    """One column's codes.

    Attributes
    ----------
    name : str
    kind : {"categorical", "numeric"}
    categories : tuple
        Categorical: the values, in code order. Numeric: empty.
    edges : tuple of float
        Numeric: the bin edges (left-closed bins, the last one closed); values outside are clipped. Empty otherwise.
    missing : bool
        Whether the last code stands for a missing value.
    integer : bool
        Numeric column of integers (synthetic values drawn as integers).
    dtype : str
        The column's pandas dtype, restored in the synthetic table.
    source : {"given", "schema", "data"}
        Where the categories / edges came from: the user, a bundled dataset's public schema, or the private rows.
    """

    name: str
    kind: str
    categories: tuple
    edges: tuple[float, ...]
    missing: bool
    integer: bool
    dtype: str
    source: str

    @property
    def size(self) -> int:
        body = len(self.categories) if self.kind == "categorical" else len(self.edges) - 1
        return body + int(self.missing)

    @property
    def public(self) -> bool:
        return self.source in PUBLIC

    def describe(self) -> str:
        """One phrase for the statement, e.g. ``age: 14 bins on [17, 91]``."""
        if self.kind == "categorical":
            text = f"{self.name}: {len(self.categories)} categories"
        else:
            text = f"{self.name}: {len(self.edges) - 1} bins on [{self.edges[0]:g}, {self.edges[-1]:g}]"
        return text + (" + missing" if self.missing else "")

    def encode(self, series: pd.Series) -> np.ndarray:
        isna = series.isna().to_numpy()
        if self.kind == "categorical":
            index = pd.Index(list(self.categories))
            codes = index.get_indexer(series.astype(object).where(~isna, None))
            codes = np.asarray(codes)
            unknown = (codes < 0) & ~isna
            if unknown.any():
                raise InvalidParameterError(
                    f"Column {self.name!r} has value(s) outside its declared categories, e.g. "
                    f"{series[unknown].iloc[0]!r}; add them to categories= or leave the column's categories unset."
                )
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            inner = np.asarray(self.edges[1:-1], dtype=float)
            codes = np.searchsorted(inner, np.nan_to_num(values, nan=self.edges[0]), side="right")
        if self.missing:
            codes = np.where(isna, self.size - 1, codes)
        elif isna.any():  # pragma: no cover - build_domain sets missing whenever the column has NaN
            raise InvalidParameterError(f"Column {self.name!r} has missing values but no code for them.")
        return codes.astype(np.int64)

    def decode(self, codes: np.ndarray, rng: np.random.Generator) -> pd.Series:
        codes = np.asarray(codes, dtype=np.int64)
        isna = (codes == self.size - 1) if self.missing else np.zeros(len(codes), dtype=bool)
        if self.kind == "categorical":
            labels = np.array([*list(self.categories), None], dtype=object)
            values = pd.Series(labels[np.where(isna, len(self.categories), codes)], name=self.name)
            if self.dtype == "category":
                return values.astype(pd.CategoricalDtype(list(self.categories)))
            return values if self.dtype == "object" else values.astype(self.dtype)
        safe = np.where(isna, 0, codes)
        low, high = np.asarray(self.edges[:-1])[safe], np.asarray(self.edges[1:])[safe]
        if self.integer:  # integers in [ceil(low), ceil(high) - 1], the last bin closed at its top edge
            lo = np.ceil(low)
            top = np.where(safe == len(self.edges) - 2, np.floor(high), np.ceil(high) - 1)
            values = lo + np.floor(rng.random(len(codes)) * (np.maximum(top, lo) - lo + 1))
        else:
            values = low + rng.random(len(codes)) * (high - low)
        values = np.where(isna, np.nan, values)
        series = pd.Series(values, name=self.name)
        try:
            return series.astype(self.dtype)
        except (TypeError, ValueError):  # NaN in an integer column: keep floats
            return series


@dataclass(frozen=True)
class TableDomain:
    """The columns of a release, in table order."""

    columns: tuple[ColumnDomain, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def sizes(self) -> dict[str, int]:
        return {c.name: c.size for c in self.columns}

    def column(self, name: str) -> ColumnDomain:
        return next(c for c in self.columns if c.name == name)

    def encode(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        return {c.name: c.encode(frame[c.name]) for c in self.columns}

    def decode(self, codes: Mapping[str, np.ndarray], rng: np.random.Generator) -> pd.DataFrame:
        return pd.DataFrame({c.name: c.decode(codes[c.name], rng) for c in self.columns})

    def public_parts(self) -> tuple[str, ...]:
        return tuple(c.describe() + f" ({c.source})" for c in self.columns)

    def leaks(self) -> tuple[str, ...]:
        return tuple(
            f"{'categories' if c.kind == 'categorical' else 'range'} of {c.name!r} read from the private rows"
            for c in self.columns
            if not c.public
        )


def build_domain(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    bounds: Mapping[str, tuple[float, float]],
    categories: Mapping[str, Sequence],
    schema_edges: Mapping[str, Sequence[float]],
    public_schema: bool,
    schema_categorical: bool,
    bins: int,
    warn: bool = True,
) -> TableDomain:
    """Each column's codes; warns once, naming every column whose domain came from the private rows."""
    for what, mapping in (("bounds", bounds), ("categories", categories)):
        unknown = [c for c in mapping if c not in columns]
        if unknown:
            raise UnknownColumnError(f"{what}= names column(s) {unknown} that are not released; columns: {columns}.")
    out = []
    for name in columns:
        series = frame[name]
        if _is_categorical(series) or name in categories:
            out.append(_categorical(name, series, categories.get(name), public_schema or schema_categorical))
        else:
            out.append(_numeric(name, series, bounds.get(name), schema_edges.get(name), bins))
    domain = TableDomain(tuple(out))
    if warn and domain.leaks():
        leaks = domain.leaks()
        warn_user(
            "The synthetic table's domain is taken from the private rows, outside the DP guarantee ("
            + "; ".join(leaks[:3])
            + (f"; and {len(leaks) - 3} more" if len(leaks) > 3 else "")
            + "). Pass bounds={column: (low, high)} for numeric columns and categories={column: [...]}, or "
            "public_schema=True if the categories come from a public schema.",
            PrivacyLeakWarning,
        )
    return domain


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype)


def _categorical(name: str, series: pd.Series, given: Sequence | None, schema: bool) -> ColumnDomain:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise InvalidParameterError(
            f"Column {name!r} holds dates, which the synthesiser does not model; drop it, mark it an identifier, "
            "or convert it to a number (e.g. a year) first."
        )
    dtype = "category" if isinstance(series.dtype, pd.CategoricalDtype) else str(series.dtype)
    if given is not None:
        cats, source = tuple(dict.fromkeys(given)), "given"
    elif isinstance(series.dtype, pd.CategoricalDtype) and schema:
        cats, source = tuple(series.dtype.categories), "schema"
    elif pd.api.types.is_bool_dtype(series.dtype):
        cats, source = (False, True), "schema"
    else:
        cats = tuple(sorted(pd.unique(series.dropna().astype(object)), key=str))
        source = "schema" if schema else "data"
    if not cats:
        raise InvalidParameterError(f"Column {name!r} has no values; drop it before synthesising.")
    # public domains always have a "missing" code when the dtype can hold one; a domain read from the rows has
    # one only if values are missing (that domain already leaks, and says so)
    can_miss = not (pd.api.types.is_bool_dtype(series.dtype) and isinstance(series.dtype, np.dtype))
    missing = bool(series.isna().any()) if source == "data" else can_miss
    return ColumnDomain(name, "categorical", cats, (), missing, False, dtype, source)


def _numeric(
    name: str, series: pd.Series, bound: tuple[float, float] | None, edges: Sequence[float] | None, bins: int
) -> ColumnDomain:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    integer = pd.api.types.is_integer_dtype(series.dtype)
    if bound is not None:
        low, high = _check_bound(name, bound)
        cuts, source = _even_edges(low, high, bins, integer), "given"
    elif edges is not None:
        cuts, source = tuple(float(e) for e in edges), "schema"
    else:
        check_finite(series.to_frame(), [name], "synthesise",
                     f"drop or fix those rows, or pass bounds={{{name!r}: (low, high)}} to clip them")  # fmt: skip
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            raise InvalidParameterError(f"Column {name!r} has no numeric values; drop it before synthesising.")
        cuts, source = _even_edges(float(finite.min()), float(finite.max()), bins, integer), "data"
    # a code for "missing" whenever the dtype can hold one (a public fact), so its presence reveals nothing
    missing = not isinstance(series.dtype, np.dtype) or not integer
    return ColumnDomain(name, "numeric", (), cuts, missing, integer, str(series.dtype), source)


def _check_bound(name: str, bound: object) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bound)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InvalidParameterError(f"The bounds of {name!r} must be a pair (low, high); got {bound!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise InvalidParameterError(f"The bounds of {name!r} must be finite with low < high; got {bound!r}.")
    return low, high


def _even_edges(low: float, high: float, bins: int, integer: bool) -> tuple[float, ...]:
    if integer and high - low + 1 <= bins:  # one bin per integer
        return tuple(float(x) for x in np.arange(math.ceil(low), math.floor(high) + 2))
    if low == high:
        high = low + 1.0
    return tuple(float(x) for x in np.linspace(low, high, bins + 1))
