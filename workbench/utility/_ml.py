"""ML utility of a release: train a classifier on it and on the original, score both on the real test split."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from workbench._validation import Interval, validate_params
from workbench.columns import check_columns
from workbench.errors import InvalidParameterError
from workbench.generalised import covers, midpoint, normalise

__all__ = ["ml_utility"]

_MAX_CATEGORIES = 250


def ml_utility(
    released: object,
    test: pd.DataFrame,
    *,
    target: str,
    quasi_identifiers: Iterable[str] | None = None,
    seed: int = 0,
    original: pd.DataFrame | None = None,
    max_iter: int = 100,
) -> dict[str, float]:
    """Accuracy and AUC of a gradient-boosting classifier trained on the release vs. on the original data.

    Generalised values are encoded sensibly: ranges become their midpoints, ``'*'`` and ``'?'`` become missing,
    hierarchy nodes and value sets stay categories, and each real test value is mapped to the released value that
    covers it (so the model sees test rows the way the release describes people).

    Parameters
    ----------
    released : AnonymisationResult or pandas.DataFrame
        The release. For a result, the original rows come with it; rows that belong to ``test`` (same index
        labels) are left out of both training sets.
    test : pandas.DataFrame
        Real, untouched test rows.
    target : str
        The column to predict (categorical).
    quasi_identifiers : list of str, optional
        Only used to report which features were generalised.
    seed : int, default=0
        Seeds both classifiers.
    original : pandas.DataFrame, optional
        The original training rows, for a DataFrame release.
    max_iter : int, default=100
        Boosting iterations.

    Returns
    -------
    dict
        ``accuracy_released``, ``accuracy_original``, ``auc_released``, ``auc_original`` (NaN without an
        original), row counts and the features used.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.utility import ml_utility
    >>> ds = wb.load_dataset("adult")
    >>> train = ds.train.sample(2000, random_state=0)
    >>> anon = wb.anonymise(train, k=10, quasi_identifiers=["age", "education", "sex"], sensitive=[])
    >>> scores = ml_utility(anon, ds.test.sample(2000, random_state=0), target="income", max_iter=20)
    >>> 0.7 < scores["accuracy_released"] <= 1, 0.7 < scores["accuracy_original"] <= 1
    (True, True)
    """
    validate_params(
        "ml_utility", {"seed": Interval(int, 0), "max_iter": Interval(int, 1)}, {"seed": seed, "max_iter": max_iter}
    )
    frame, source, generalisations = _unpack(released, original, test)
    if not isinstance(test, pd.DataFrame) or len(test) == 0:
        raise InvalidParameterError("ml_utility needs a non-empty test DataFrame of real records.")
    check_columns(frame, [target], "The target of ml_utility")
    check_columns(test, [target], "The target of ml_utility (test table)")
    y_all = frame[target]
    if pd.api.types.is_numeric_dtype(y_all.dtype) and y_all.nunique() > 20:
        raise InvalidParameterError(
            f"ml_utility trains a classifier, but target {target!r} is numeric with {y_all.nunique()} values; "
            "bin it into classes first."
        )
    features = [c for c in frame.columns if c != target and c in test.columns]
    result = {"n_test": float(len(test)), "features": features}
    released_scores = _fit_score(frame, test, target, features, generalisations, seed, max_iter)
    result.update({f"{k}_released": v for k, v in released_scores.items()})
    if source is not None:
        original_scores = _fit_score(source, test, target, features, {}, seed, max_iter)
    else:
        original_scores = {"accuracy": float("nan"), "auc": float("nan"), "n_train": 0.0}
    result.update({f"{k}_original": v for k, v in original_scores.items()})
    result["quasi_identifiers"] = list(quasi_identifiers) if quasi_identifiers is not None else []
    return result


def _unpack(released: object, original: pd.DataFrame | None, test: pd.DataFrame):
    if isinstance(released, pd.DataFrame):
        return released, original, {}
    if hasattr(released, "data") and hasattr(released, "source_index") and hasattr(released, "source"):
        in_test = pd.Index(released.source_index).isin(test.index) if isinstance(test, pd.DataFrame) else False
        frame = released.data[~np.asarray(in_test, dtype=bool)] if np.any(in_test) else released.data
        source = released.source if original is None else original
        source = source[~source.index.isin(test.index)] if isinstance(test, pd.DataFrame) else source
        return frame, source, dict(released.generalisations)
    raise InvalidParameterError(
        f"ml_utility takes an anonymisation result or a DataFrame; got {type(released).__name__}."
    )


def _fit_score(
    frame: pd.DataFrame,
    test: pd.DataFrame,
    target: str,
    features: list[str],
    generalisations: Mapping[str, Mapping[str, frozenset[str]]],
    seed: int,
    max_iter: int,
) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import accuracy_score, roc_auc_score

    frame = frame[frame[target].notna()]
    test = test[test[target].notna()]
    x_train, x_test = _encode(frame, test, features, generalisations)
    y_train = frame[target].astype(str).to_numpy()
    y_test = test[target].astype(str).to_numpy()
    if len(np.unique(y_train)) < 2:
        raise InvalidParameterError(f"The released table has one class of {target!r}; a classifier needs two.")
    model = HistGradientBoostingClassifier(max_iter=max_iter, random_state=seed, categorical_features="from_dtype")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # OpenMP threads fighting over shared cores make HGB 10x slower
        model.fit(x_train, y_train)
        proba = model.predict_proba(x_test)
    predicted = model.classes_[proba.argmax(axis=1)]
    classes = list(model.classes_)
    known = np.isin(y_test, classes)
    if len(classes) == 2:
        auc = roc_auc_score(y_test[known] == classes[1], proba[known, 1]) if known.any() else float("nan")
    else:
        auc = roc_auc_score(y_test[known], proba[known], multi_class="ovr", labels=classes)
    return {"accuracy": float(accuracy_score(y_test, predicted)), "auc": float(auc), "n_train": float(len(frame))}


def _encode(
    frame: pd.DataFrame, test: pd.DataFrame, features: list[str], generalisations: Mapping
) -> tuple[pd.DataFrame, pd.DataFrame]:
    train_cols, test_cols = {}, {}
    for col in features:
        train, real = frame[col], test[col]
        real_numeric = pd.api.types.is_numeric_dtype(real.dtype) and not pd.api.types.is_bool_dtype(real.dtype)
        if pd.api.types.is_numeric_dtype(train.dtype) and not pd.api.types.is_bool_dtype(train.dtype):
            train_cols[col] = train.to_numpy(dtype=float)
            test_cols[col] = pd.to_numeric(real, errors="coerce").to_numpy(dtype=float)
            continue
        labels = pd.Series(pd.unique(train.dropna()), dtype=object)
        if real_numeric:  # a generalised number: ranges become midpoints, '*' missing
            mids = {normalise(lbl): midpoint(lbl) for lbl in labels}
            train_cols[col] = np.array([mids.get(normalise(v), np.nan) for v in train], dtype=float)
            test_cols[col] = pd.to_numeric(real, errors="coerce").to_numpy(dtype=float)
            if np.isnan(train_cols[col]).all():  # suppressed to '*' everywhere: nothing left to learn from
                train_cols[col] = np.zeros(len(train))
                test_cols[col] = np.zeros(len(real))
            continue
        train_cols[col], test_cols[col] = _categorical(train, real, labels, generalisations.get(col))
    return pd.DataFrame(train_cols), pd.DataFrame(test_cols)


def _categorical(train: pd.Series, real: pd.Series, labels: pd.Series, generalisation) -> tuple:
    """Released labels as categories; each real test value mapped to the most common released label covering it."""
    keys = [normalise(x) for x in labels]
    frequency = train.map(normalise).value_counts()
    order = np.argsort([-frequency.get(k, 0) for k in keys], kind="stable")
    keys = [keys[i] for i in order]
    uniques = pd.unique(real)
    matrix = covers(np.array(keys, dtype=object), np.asarray(uniques, dtype=object), generalisation)
    # '*' covers everything: prefer any more specific covering label
    star = np.array([k == "*" for k in keys])
    specific = matrix & ~star
    choice = np.where(
        specific.any(axis=1), specific.argmax(axis=1), np.where(matrix.any(axis=1), matrix.argmax(axis=1), -1)
    )
    mapped = {normalise(u): (keys[c] if c >= 0 else None) for u, c in zip(uniques, choice, strict=True)}
    categories = [k for k in keys if k not in ("*", "?")]
    train, real = train.astype(object), real.astype(object)  # arrow-backed strings refuse None in where()
    train_values = train.map(normalise).where(train.notna(), None)
    train_values = train_values.where(~train_values.isin(["*", "?"]), None)  # fully generalised: missing
    test_values = real.map(lambda v: mapped.get(normalise(v)))
    test_values = test_values.where(test_values.isin(categories), None)
    if len(categories) > _MAX_CATEGORIES:  # too many for native categorical splits: ordinal codes
        index = {k: i for i, k in enumerate(categories)}
        return (
            train_values.map(index).to_numpy(dtype=float),
            test_values.map(index).to_numpy(dtype=float),
        )
    dtype = pd.CategoricalDtype(categories)
    return (
        pd.Categorical(train_values.to_numpy(dtype=object), dtype=dtype),
        pd.Categorical(test_values.to_numpy(dtype=object), dtype=dtype),
    )
