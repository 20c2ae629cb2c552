"""Tabular encoding for training: one-hot categoricals, scaled numerics, missing-value flags; fitted on train only."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from workbench._validation import check_finite
from workbench.errors import InvalidParameterError, PrivacyLeakWarning, RoleError, UnknownColumnError, warn_user

__all__ = ["TabularEncoder", "fit_encoder"]

#: a numeric target with more distinct values than this is taken for a regression target
MAX_CLASSES = 50


@dataclass(frozen=True)
class _Numeric:
    name: str
    centre: float
    scale: float
    low: float | None  # clip bounds (given by the user) or None
    high: float | None
    fill: float  # value used for missing entries (before scaling)
    has_missing: bool


@dataclass(frozen=True)
class _Categorical:
    name: str
    categories: tuple
    has_missing: bool


@dataclass(frozen=True)
class TabularEncoder:
    """Turns a table into a float32 feature matrix and an int64 label vector, always the same way.

    Fitted on the training rows only (see :func:`fit_encoder`) and then applied unchanged to test and audit rows.
    Categorical columns become one-hot blocks (a category never seen in training encodes as all zeros); numeric
    columns are centred and scaled, either by statistics of the training rows or by bounds the user gives (then
    also clipped to them); a column with missing values gets a 0/1 "missing" flag and the gap is filled.

    Attributes
    ----------
    target : str
        The label column.
    classes_ : tuple
        The label values, in the order of the model's outputs.
    feature_names_ : tuple of str
        One name per encoded feature.
    leaks : tuple of str
        What was computed from the private training rows (listed in the privacy statement's caveats).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.dp.encoding import fit_encoder
    >>> frame = pd.DataFrame({"age": [20, 30, 40, 50], "job": ["a", "b", "a", None], "y": [0, 1, 0, 1]})
    >>> enc = fit_encoder(frame, target="y", public_schema=True)
    >>> X, y = enc.transform(frame)
    >>> enc.feature_names_
    ('age', 'job=a', 'job=b', 'job=<missing>')
    >>> tuple(X.shape), y.tolist()
    ((4, 4), [0, 1, 0, 1])
    """

    target: str
    classes_: tuple
    numeric: tuple[_Numeric, ...]
    categorical: tuple[_Categorical, ...]
    leaks: tuple[str, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        """The feature columns, in encoding order (numerics first)."""
        return [c.name for c in self.numeric] + [c.name for c in self.categorical]

    @property
    def feature_names_(self) -> tuple[str, ...]:
        names: list[str] = []
        for col in self.numeric:
            names.append(col.name)
            if col.has_missing:
                names.append(f"{col.name}=<missing>")
        for col in self.categorical:
            names.extend(f"{col.name}={c}" for c in col.categories)
            if col.has_missing:
                names.append(f"{col.name}=<missing>")
        return tuple(names)

    @property
    def n_features(self) -> int:
        return len(self.feature_names_)

    @property
    def n_classes(self) -> int:
        return len(self.classes_)

    def transform(self, frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Encode ``frame``: ``(X, y)`` with X float32 of shape (rows, features), y int64 (None without target)."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise UnknownColumnError(f"The table lacks the column(s) {missing} the encoder was fitted with.")
        unbounded = [col.name for col in self.numeric if col.low is None]
        check_finite(frame, unbounded, "The model", FINITE_HINT)
        X = np.zeros((len(frame), self.n_features), dtype=np.float32)
        j = 0
        for col in self.numeric:
            values = pd.to_numeric(frame[col.name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            isna = np.isnan(values)
            values = np.where(isna, col.fill, values)
            if col.low is not None:
                values = np.clip(values, col.low, col.high)
            X[:, j] = (values - col.centre) / col.scale
            j += 1
            if col.has_missing:
                X[:, j] = isna
                j += 1
        for col in self.categorical:
            codes = _codes(frame[col.name], col.categories)
            rows = np.flatnonzero(codes >= 0)
            X[rows, j + codes[rows]] = 1.0
            j += len(col.categories)
            if col.has_missing:
                X[:, j] = frame[col.name].isna().to_numpy()
                j += 1
        y = self.encode_target(frame[self.target]) if self.target in frame.columns else None
        return torch.from_numpy(X), y

    def encode_target(self, values: pd.Series) -> torch.Tensor:
        """Map label values to class indices; a value not seen in training is an error."""
        codes = _codes(values, self.classes_)
        if (codes < 0).any():
            bad = pd.unique(values[codes < 0])[:5]
            raise InvalidParameterError(
                f"The target {self.target!r} has values {list(bad)} not seen in the training rows "
                f"(classes: {list(self.classes_)}); drop those rows or train on data that includes them."
            )
        return torch.from_numpy(codes.astype(np.int64))

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "classes": [str(c) for c in self.classes_],
            "features": list(self.feature_names_),
            "leaks": list(self.leaks),
        }

    def _repr_html_(self) -> str:
        leaks = "".join(f"<li>{html.escape(x)}</li>" for x in self.leaks) or "<li>none</li>"
        return (
            f"<div><b>TabularEncoder</b>: {self.n_features} features from {len(self.columns)} columns, "
            f"target <code>{html.escape(self.target)}</code> ({self.n_classes} classes)"
            f"<br>Taken from the private training rows: <ul>{leaks}</ul></div>"
        )


def _codes(values: pd.Series, categories: Sequence) -> np.ndarray:
    index = pd.Index(list(categories))
    as_obj = values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values
    return index.get_indexer(as_obj)


FINITE_HINT = (
    "drop or fix those rows, or pass public bounds={column: (low, high)} to train, which clips every value (±inf "
    "included) into them"
)


def _is_categorical(series: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)


def fit_encoder(
    train: pd.DataFrame,
    *,
    target: str,
    features: Sequence[str] | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    public_schema: bool = False,
    warn: bool = False,
) -> TabularEncoder:
    """Fit a :class:`TabularEncoder` on the training rows ``train``.

    Parameters
    ----------
    train : DataFrame
        The rows the model trains on (never the test rows).
    target : str
        The label column: categorical, boolean, or integer with at most 50 distinct values.
    features : list of str, optional
        Feature columns (default: every column except the target).
    bounds : mapping column -> (low, high), optional
        Public bounds of numeric columns: values are clipped to them and scaled to about [-1, 1], so no statistic
        of the private rows is needed for those columns. Clipping is also the explicit way to use columns holding
        ±inf or numbers beyond ±1e150: without bounds such values are refused
        (:class:`~workbench.errors.InvalidParameterError` naming the column and the count), here and whenever the
        encoder transforms rows (training, evaluation, ``predict_proba``).
    public_schema : bool, default=False
        Declare that the categories, means and spreads of the columns are public knowledge (a published schema or
        census), so computing them from the rows leaks nothing beyond it.
    warn : bool, default=False
        Emit a :class:`~workbench.errors.PrivacyLeakWarning` when statistics come from the private rows (the DP
        trainer sets it for private runs; DP-SGD protects the gradients, not these statistics).

    Raises
    ------
    RoleError
        If the target has one class, or is numeric with many values (a regression target).

    Examples
    --------
    >>> import pandas as pd
    >>> from workbench.dp import fit_encoder
    >>> frame = pd.DataFrame({"age": [25, 40, 61, 33], "job": ["a", "b", "a", "c"], "y": ["no", "yes", "no", "yes"]})
    >>> encoder = fit_encoder(frame, target="y", bounds={"age": (17, 90)}, public_schema=True)
    >>> features, labels = encoder.transform(frame)
    >>> tuple(features.shape), labels.tolist()
    ((4, 4), [0, 1, 0, 1])
    """
    if target not in train.columns:
        raise RoleError(f"The target column {target!r} is not in the table; name one of {list(train.columns)}.")
    features = [c for c in train.columns if c != target] if features is None else list(features)
    absent = [c for c in features if c not in train.columns]
    if absent:
        raise UnknownColumnError(f"Feature column(s) {absent} are not in the table; it has {list(train.columns)}.")
    bounds = dict(bounds or {})
    unknown = [c for c in bounds if c not in features]
    if unknown:
        raise UnknownColumnError(f"bounds name column(s) {unknown} that are not features; features: {features}.")
    classes = _target_classes(train[target], target)
    numeric, categorical, leaks = [], [], []
    for name in features:
        series = train[name]
        if _is_categorical(series):
            categorical.append(_fit_categorical(name, series, public_schema, leaks))
        else:
            numeric.append(_fit_numeric(name, series, bounds.get(name), public_schema, leaks))
    if warn and leaks:
        warn_user(
            "Statistics of the private training rows are used outside the DP guarantee ("
            + "; ".join(leaks[:3])
            + (f"; and {len(leaks) - 3} more" if len(leaks) > 3 else "")
            + "). Pass bounds={column: (low, high)} for numeric columns, or public_schema=True if these come "
            "from a public schema.",
            PrivacyLeakWarning,
        )
    return TabularEncoder(target, classes, tuple(numeric), tuple(categorical), tuple(leaks))


def _target_classes(values: pd.Series, target: str) -> tuple:
    present = values.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        classes = [c for c in values.dtype.categories if (present == c).any()]
    else:
        classes = sorted(pd.unique(present).tolist())
    if len(classes) < 2:
        raise RoleError(
            f"The target {target!r} has {len(classes)} class(es) in the training rows; a classifier needs at "
            "least two. Choose another target column."
        )
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and (len(classes) > MAX_CLASSES or not np.allclose(np.asarray(classes, float) % 1, 0)):
        raise RoleError(
            f"The target {target!r} is numeric with {len(classes)} distinct values: train predicts classes. "
            f"Bin it into a categorical target first, e.g. frame['{target}_class'] = pd.qcut(frame['{target}'], 2)."
        )
    return tuple(classes)


def _fit_categorical(name: str, series: pd.Series, public_schema: bool, leaks: list[str]) -> _Categorical:
    if isinstance(series.dtype, pd.CategoricalDtype) and public_schema:
        categories = tuple(series.dtype.categories)
    else:
        present = pd.unique(series.dropna().astype(object))
        categories = tuple(sorted(present, key=str))
        if not public_schema:
            leaks.append(f"categories of {name!r}")
    return _Categorical(name, categories, bool(series.isna().any()))


def _fit_numeric(
    name: str, series: pd.Series, bound: tuple[float, float] | None, public_schema: bool, leaks: list[str]
) -> _Numeric:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    has_missing = bool(np.isnan(values).any())
    if bound is not None:
        low, high = (float(b) for b in bound)
        if not low < high:
            raise InvalidParameterError(f"The bounds of {name!r} must satisfy low < high; got {bound!r}.")
        centre, scale = (low + high) / 2, (high - low) / 2
        return _Numeric(name, centre, scale, low, high, centre, has_missing)
    check_finite(series.to_frame(), [name], "Training", FINITE_HINT)
    finite = values[~np.isnan(values)]
    centre = float(finite.mean()) if finite.size else 0.0
    scale = float(finite.std()) if finite.size else 1.0
    if not public_schema:
        leaks.append(f"mean and spread of {name!r}")
    return _Numeric(name, centre, scale if scale > 0 else 1.0, None, None, centre, has_missing)
