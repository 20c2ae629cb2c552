"""The :func:`anonymise` entry point: validate, prepare, run an algorithm, build and check the release."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import EventLike, InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.anonymise._draft import Draft, SensitiveParts
from workbench.anonymise._registry import available_methods, get_method
from workbench.anonymise.hierarchy import (
    EncodedColumn,
    Hierarchy,
    HierarchyError,
    covers_values,
    encode,
    validate_hierarchy,
)
from workbench.anonymise.models import L_KINDS, PrivacyModel
from workbench.anonymise.optimal import METRICS
from workbench.anonymise.result import AnonymisationResult, AnonymisationStatement
from workbench.errors import InfeasibleError, InvalidParameterError, RoleError
from workbench.generalised import normalise
from workbench.risk import Columns, assess_risk, encode_column, is_ordered, resolve_columns
from workbench.utility import aecs, discernibility, entropy_loss

__all__ = ["Draft", "anonymise"]


def check_parameters(caller: str, values: Mapping[str, Any]) -> None:
    """Check anonymisation parameters (``k``, ``l``, ``t``, ``method``, ``max_suppression``, ...) with the very
    constraints :func:`anonymise` applies, so they mean the same wherever they are given (e.g. in a sweep).

    ``method`` may be any name :func:`available_methods` lists (built-in or added with ``register_method``).

    Examples
    --------
    >>> from workbench.anonymise import check_parameters
    >>> check_parameters("tradeoff", {"l": 1.5, "method": "mondrian"})
    >>> check_parameters("tradeoff", {"t": 2.0})
    Traceback (most recent call last):
    ...
    workbench.errors.InvalidParameterError: The 't' parameter of tradeoff must be a number ≥ 0 and ≤ 1 or None; got 2.0.
    """
    constraints = {**_CONSTRAINTS, "method": OneOf(available_methods())}
    unknown = sorted(set(values) - set(constraints))
    if unknown:
        raise InvalidParameterError(f"{caller} got unknown anonymisation parameter(s) {unknown}.")
    validate_params(caller, {k: constraints[k] for k in values}, dict(values))


_CONSTRAINTS = {
    "k": Optional(Interval(int, 1)),
    "l": Optional(Interval(float, 1)),
    "t": Optional(Interval(float, 0, 1)),
    "max_suppression": Interval(float, 0, 1),
    "seed": Interval(int, 0),
    "l_kind": OneOf(L_KINDS),
    "c": Interval(float, 0, closed="neither"),
    "hierarchies": Optional(InstanceOf((Mapping,), "a dict {column: Hierarchy}")),
    "stop": Optional(EventLike()),
    "metric": OneOf(METRICS),
    "progress": InstanceOf((bool,), "True or False"),
}


def anonymise(
    data: object,
    *,
    k: int | None = None,
    l: float | None = None,  # noqa: E741
    t: float | None = None,
    method: str = "optimal",
    quasi_identifiers: Iterable[str] | None = None,
    sensitive: Iterable[str] | None = None,
    hierarchies: Mapping[str, Any] | None = None,
    max_suppression: float = 0.05,
    seed: int = 0,
    l_kind: str = "distinct",
    c: float = 3.0,
    metric: str = "information_loss",
    stop: threading.Event | None = None,
    progress: bool = False,
) -> AnonymisationResult:
    """Anonymise a table to k-anonymity, l-diversity and/or t-closeness by generalising quasi-identifiers.

    Parameters
    ----------
    data : Dataset or pandas.DataFrame
        Never modified. A Dataset's roles give the quasi-identifiers, sensitive columns and identifiers
        (identifiers are dropped from the release); for a DataFrame they are guessed with ``infer_roles``.
    k : int, optional
        Every released record shares its quasi-identifier values with at least ``k - 1`` others.
    l : float, optional
        Every class holds ``l`` "well-represented" values of each sensitive column (see ``l_kind``).
    t : float, optional
        The sensitive distribution of every class is within earth mover's distance ``t`` of the whole release's
        (equal distance for categories, ordered distance for numbers and ordered categories).
    method : {"optimal", "mondrian"}, default="optimal"
        ``"optimal"``: full-domain generalisation with the least information loss over the hierarchy lattice,
        suppressing at most ``max_suppression`` of the records. ``"mondrian"``: multidimensional local recoding
        (numbers released as ranges, categories as hierarchy nodes or value sets); nothing is suppressed.
    quasi_identifiers, sensitive : list of str, optional
        Override the columns' roles.
    hierarchies : dict, optional
        ``{column: Hierarchy | nested dict | DataFrame}``. Columns without one get the bundled Adult hierarchy when
        it fits, else an automatic one (see ``auto_hierarchy``).
    max_suppression : float, default=0.05
        Largest share of records the optimal search may remove.
    seed : int, default=0
        Seeds the shuffle of released rows (row order must not re-identify anyone).
    l_kind : {"distinct", "entropy", "recursive"}, default="distinct"
        Which l-diversity.
    c : float, default=3.0
        The constant of recursive (c, l)-diversity (with ``l_kind="recursive"``): in every class the count of the
        most frequent sensitive value is below ``c`` times the summed counts of all but its ``l - 1`` most
        frequent values.
    metric : {"information_loss", "non_uniform_entropy"}, default="information_loss"
        What the optimal search minimises (suppressed records count fully): the normalised certainty penalty
        (leaves or covered range per value), or ARX's non-uniform entropy ``-log P(value | released value)``.
    stop : threading.Event, optional
        Set it to stop early: the best valid release found so far is returned (``statement.optimal`` is False).
    progress : bool, default=False
        Show a progress bar (lattice nodes passed, or Mondrian partitions).

    Returns
    -------
    AnonymisationResult
        ``.data`` (released rows, shuffled, suppressed ones removed), ``.statement``, ``.metrics``, ``.risk``.

    Raises
    ------
    InfeasibleError
        When no release can meet the request; the message names the best achievable parameters.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> anon = wb.anonymise(ds, k=10, quasi_identifiers=["age", "sex", "race", "native-country"])
    >>> anon.statement.k >= 10, anon.statement.transformation, anon.statement.suppressed
    (True, {'age': 1, 'sex': 0, 'race': 0, 'native-country': 1}, 750)
    >>> anon.data["age"].iloc[0]
    '[30, 35)'
    """
    values = {"k": k, "l": l, "t": t, "method": method, "max_suppression": max_suppression, "seed": seed}
    values.update({"l_kind": l_kind, "c": c, "hierarchies": hierarchies, "stop": stop, "metric": metric})
    values["progress"] = progress
    validate_params("anonymise", {**_CONSTRAINTS, "method": OneOf(available_methods())}, values)
    if k is None and l is None and t is None:
        raise InvalidParameterError("anonymise needs a privacy model: give k, l and/or t (e.g. k=5).")
    model = PrivacyModel(k=k or 1, l=l, l_kind=l_kind, c=float(c), t=t)
    cols = resolve_columns(data, quasi_identifiers, sensitive, "anonymise")
    _check_feasible_size(model, cols)
    encoded = _prepare_hierarchies(cols, hierarchies)
    checker_parts = _encode_sensitive(cols, model)
    limit = float(max_suppression) if get_method(method)[1] else 0.0
    runner, _ = get_method(method)
    with _progress_bar(progress, method) as tick:
        draft = runner(
            encoded, checker_parts, model, n=len(cols.frame), limit=limit, stop=stop, metric=metric, tick=tick
        )
    return _finish(cols, encoded, model, draft, method, limit, seed, metric)


@contextlib.contextmanager
def _progress_bar(show: bool, method: str):
    """A tick(done, total) callback driving a tqdm bar, or None."""
    if not show:
        yield None
        return
    from tqdm.auto import tqdm

    unit = "nodes" if method == "optimal" else "partitions"
    bar = tqdm(desc=f"anonymise ({method})", unit=unit)

    def tick(done: int, total: int) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(max(done - bar.n, 0))

    try:
        yield tick
    finally:
        bar.close()


def _check_feasible_size(model: PrivacyModel, cols: Columns) -> None:
    n = len(cols.frame)
    if model.k > n:
        raise InfeasibleError(
            f"k={model.k} is more than the {n:,} records in the table; the largest possible k is {n:,}."
        )
    if (model.l is not None or model.t is not None) and not cols.sensitive:
        raise RoleError("l-diversity and t-closeness need sensitive columns; pass sensitive=['...'].")


def _prepare_hierarchies(cols: Columns, given: Mapping[str, Any] | None) -> list[EncodedColumn]:
    """One validated hierarchy per quasi-identifier, encoded; all problems of all columns raised at once."""
    from workbench.anonymise._adult import adult_hierarchies
    from workbench.anonymise.builders import auto_hierarchy, tree_hierarchy

    given = dict(given or {})
    unknown = [c for c in given if c not in cols.quasi_identifiers]
    if unknown:
        raise InvalidParameterError(
            f"hierarchies are given for {unknown}, which are not quasi-identifiers ({cols.quasi_identifiers})."
        )
    bundled = adult_hierarchies()
    chosen: dict[str, Hierarchy] = {}
    problems: list[str] = []
    for col in cols.quasi_identifiers:
        series = cols.frame[col]
        spec = given.get(col)
        if spec is None:
            candidate = bundled.get(col)
            if candidate is not None and covers_values(candidate, series):  # bundled ones are validated in tests
                chosen[col] = candidate
                continue
            chosen[col] = auto_hierarchy(series)
            continue
        if isinstance(spec, Hierarchy):
            hierarchy = spec
        elif isinstance(spec, Mapping):
            hierarchy = tree_hierarchy(spec, name=col)
        elif isinstance(spec, pd.DataFrame):
            hierarchy = Hierarchy.from_frame(spec, name=col)
        else:
            raise InvalidParameterError(
                f"The hierarchy for {col!r} must be a Hierarchy, a nested dict or a DataFrame; "
                f"got {type(spec).__name__}."
            )
        if hierarchy.name is None:
            hierarchy = Hierarchy(hierarchy.table, name=col, kind=hierarchy.kind)
        try:
            validate_hierarchy(hierarchy, series)
        except HierarchyError as err:
            problems.append(str(err))
        chosen[col] = hierarchy
    if problems:
        raise HierarchyError(" | ".join(problems))
    return [encode(cols.frame[c], chosen[c]) for c in cols.quasi_identifiers]


def _encode_sensitive(cols: Columns, model: PrivacyModel) -> SensitiveParts:
    if model.l is None and model.t is None:
        return SensitiveParts([], [], [])
    codes, cards, ordered = [], [], []
    for col in cols.sensitive:
        c, uniques = encode_column(cols.frame[col])
        codes.append(c)
        cards.append(len(uniques))
        ordered.append(is_ordered(cols.frame[col]))
    return SensitiveParts(codes, cards, ordered)


def _finish(
    cols: Columns,
    encoded: list[EncodedColumn],
    model: PrivacyModel,
    draft: Draft,
    method: str,
    limit: float,
    seed: int,
    metric: str = "information_loss",
) -> AnonymisationResult:
    frame, qis = cols.frame, cols.quasi_identifiers
    n, d = len(frame), len(qis)
    order = np.random.default_rng(seed).permutation(len(draft.kept))
    rows = draft.kept[order]
    keep_cols = [c for c in frame.columns if c not in cols.identifiers]
    released = frame.iloc[rows][keep_cols].reset_index(drop=True)
    for col in qis:
        values = draft.values[col]
        if values is None:  # level 0: the original values and dtype stay
            continue
        released[col] = values[order] if isinstance(values, pd.Categorical) else np.asarray(values)[order]
    suppressed = n - len(rows)
    risk = assess_risk(released, quasi_identifiers=qis, sensitive=cols.sensitive)
    metrics = _metrics(encoded, draft, risk, suppressed, n, d, model.k)
    statement = AnonymisationStatement(
        method=method,
        model=model.describe(),
        k=risk.k,
        l=risk.l,
        l_entropy=risk.l_entropy,
        t=risk.t,
        requested={
            "k": model.k,
            "l": model.l,
            "l_kind": model.l_kind,
            "c": model.c,
            "t": model.t,
            "metric": metric if method == "optimal" else None,
        },
        suppressed=int(suppressed),
        suppression_limit=limit,
        n_records=n,
        n_released=len(rows),
        transformation=draft.transformation,
        quasi_identifiers=tuple(qis),
        sensitive=tuple(cols.sensitive),
        dropped_identifiers=tuple(cols.identifiers),
        optimal=draft.optimal,
        nodes_evaluated=draft.nodes_evaluated,
        seed=seed,
    )
    _verify(statement, model)
    return AnonymisationResult(
        data=released,
        statement=statement,
        metrics=metrics,
        risk=risk,
        quasi_identifiers=tuple(qis),
        sensitive=tuple(cols.sensitive),
        hierarchies={c.name: c.hierarchy for c in encoded},
        generalisations={c.name: _generalisations(c) for c in encoded},
        source_index=np.asarray(frame.index[rows]),
        source=frame,
    )


def _verify(statement: AnonymisationStatement, model: PrivacyModel) -> None:
    """The release is re-measured from its own values; a shortfall is a bug, never a silent weaker release."""
    short = statement.n_released > 0 and (
        statement.k < model.k
        or (model.l is not None and model.l_kind == "distinct" and (statement.l or 0) < model.l)
        or (model.l is not None and model.l_kind == "entropy" and (statement.l_entropy or 0) < model.l * (1 - 1e-9))
        or (model.t is not None and (statement.t or 0) > model.t + 1e-9)
    )
    if short:  # pragma: no cover - guards the algorithms
        raise RuntimeError(f"internal error: the release does not meet {model.describe()}: {statement.to_dict()}")


def _metrics(
    encoded: list[EncodedColumn], draft: Draft, risk, suppressed: int, n: int, d: int, k: int
) -> dict[str, float]:
    kept_loss = sum(float(np.sum(draft.loss[c.name])) for c in encoded)
    info_loss = (kept_loss + suppressed * d) / (n * d) if n and d else 0.0
    entropy = []
    for col in encoded:
        released = np.full(n, -1, dtype=np.int64)  # suppressed records share one released value
        released[draft.kept] = draft.codes[col.name]
        entropy.append(entropy_loss(col.codes, released))
    return {
        "information_loss": float(info_loss),
        "non_uniform_entropy": _non_uniform_entropy(encoded, draft, n),
        "discernibility": discernibility(risk.class_sizes.to_numpy(), suppressed, n),
        "aecs": aecs(risk.class_sizes.to_numpy(), k),
        "entropy_loss": float(np.mean(entropy)) if entropy else 0.0,
        "suppressed_share": suppressed / n if n else 0.0,
        "n_classes": float(risk.n_classes),
    }


def _non_uniform_entropy(encoded: list[EncodedColumn], draft: Draft, n: int) -> float:
    """ARX's non-uniform entropy, normalised: sum of -log P(value | released value) over records and columns,
    P from input frequencies, divided by its value when everything is suppressed (0 = nothing lost, 1 = all)."""
    total = scale = 0.0
    for col in encoded:
        count = np.bincount(col.codes, minlength=len(col.uniques)).astype(float)
        log_value = np.log(np.maximum(count, 1.0))[col.codes]
        cover = np.full(n, float(n))  # suppressed records: their value among all records
        cover[draft.kept] = draft.cover[col.name]
        total += float(np.sum(np.log(np.maximum(cover, 1.0)) - log_value))
        scale += float(np.sum(np.log(n) - log_value))
    return float(np.clip(total / scale, 0.0, 1.0)) if scale > 0 else 0.0


def _generalisations(col: EncodedColumn) -> dict[str, frozenset[str]]:
    """``{label: raw values under it}`` for every hierarchy label above level 0 (for linkage and utility)."""
    raw = np.array([normalise(v) for v in col.uniques], dtype=object)
    out: dict[str, frozenset[str]] = {}
    for j in range(1, col.n_levels):
        for code, label in enumerate(col.level_labels[j]):
            key = normalise(label)
            members = frozenset(raw[col.level_codes[j] == code])
            out[key] = out.get(key, frozenset()) | members
    return out
