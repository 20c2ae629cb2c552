"""``TradeoffPoint``: one measured point of a sweep, as plain data that crosses process boundaries."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["LEAKAGE_COLUMNS", "UTILITY_COLUMNS", "TradeoffPoint"]

# Known measurement names, in display order; a technique may add others (they follow these).
UTILITY_COLUMNS: tuple[str, ...] = (
    "accuracy",
    "auc",
    "accuracy_original",
    "information_loss",
    "discernibility",
    "aecs",
)
LEAKAGE_COLUMNS: tuple[str, ...] = (
    "mia_auc",
    "mia_advantage",
    "tpr_at_1pct_fpr",
    "epsilon_lower_bound",
    "reidentification_rate",
    "expected_reidentification",
    "linkage_advantage",
    "prosecutor_risk",
    "records_at_risk",
)


def _plain(value: Any) -> Any:
    """Turn numpy scalars/arrays and tuples into JSON-able Python values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):  # numpy scalar or array, torch tensor
        return _plain(value.tolist())
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


_NUMBERS = ("value", "epsilon", "delta", "k", "l", "t", "seconds")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_point(fields: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the first field of a point read from a file that has the wrong shape."""
    for name in ("technique", "parameter", "value"):
        if name not in fields:
            raise ValueError(f"a point lacks {name!r}")
    for name in ("technique", "parameter", "dataset_name", "dataset_fingerprint"):
        if name in fields and not isinstance(fields[name], str):
            raise ValueError(f"a point's {name!r} is not text")
    for name in _NUMBERS:
        value = fields.get(name)
        if value is not None and not _is_number(value):
            raise ValueError(f"a point's {name!r} is not a number")
    for name in ("seed", "index"):
        if name in fields and not isinstance(fields[name], int):
            raise ValueError(f"a point's {name!r} is not an int")
    for name in ("utility", "leakage"):
        values = fields.get(name, {})
        if not isinstance(values, Mapping) or not all(v is None or _is_number(v) for v in values.values()):
            raise ValueError(f"a point's {name!r} is not a mapping of numbers")
    for name in ("statement", "details"):
        if not isinstance(fields.get(name, {}), Mapping):
            raise ValueError(f"a point's {name!r} is not a mapping")


@dataclass(frozen=True)
class TradeoffPoint:
    """One point of a privacy-utility sweep: the privacy parameter, what is left (utility) and what leaks.

    Plain data only (numbers, strings, dicts, lists), so a point pickles to another process or a Dask worker
    and serialises to JSON.

    Attributes
    ----------
    technique : str
        The technique's registry name (``"dp"``, ``"k-anonymity"``, ...).
    parameter : str
        The swept parameter (``"epsilon"`` or ``"k"``); ``value`` is its value at this point.
    epsilon, delta : float
        The DP guarantee of the point; ``epsilon`` is ``inf`` when the point gives no DP guarantee.
    k, l, t : float or None
        Syntactic guarantees achieved (k-anonymity, l-diversity, t-closeness), when the technique has them.
    utility, leakage : dict of str to float
        Measurements, e.g. ``{"accuracy": 0.84, "auc": 0.89}`` and ``{"mia_auc": 0.51}``.
    statement : dict
        The release's privacy statement (``PrivacyStatement.to_dict()`` or ``AnonymisationStatement.to_dict()``).
    details : dict
        Plain data for figures (ROC curve, training history, class sizes).

    Examples
    --------
    >>> p = TradeoffPoint(technique="dp", parameter="epsilon", value=1.0, epsilon=1.0, utility={"accuracy": 0.8})
    >>> p.to_row()["accuracy"], p.private
    (0.8, True)
    """

    technique: str
    parameter: str
    value: float
    epsilon: float = math.inf
    delta: float | None = None
    k: float | None = None
    l: float | None = None  # noqa: E741 - the privacy model is called l-diversity
    t: float | None = None
    utility: Mapping[str, float] = field(default_factory=dict)
    leakage: Mapping[str, float] = field(default_factory=dict)
    statement: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    seed: int = 0
    index: int = 0
    dataset_name: str = ""
    dataset_fingerprint: str = ""

    @property
    def private(self) -> bool:
        """Whether the point carries a finite differential-privacy guarantee."""
        return self.epsilon is not None and math.isfinite(self.epsilon)

    def privacy_statement(self) -> Any:
        """The point's :class:`~workbench.dp.PrivacyStatement`, rebuilt from ``statement`` (DP points only).

        Extra keys such as ``pseudonymised`` are left out; a point without a full DP statement raises
        :class:`~workbench.errors.InvalidParameterError`.
        """
        import dataclasses

        from workbench.dp import PrivacyStatement
        from workbench.dp.ledger import STATEMENT_TYPES, statement_from_dict

        if self.statement.get("technique") in STATEMENT_TYPES:  # another technique's statement (DP synthetic data)
            return statement_from_dict(self.statement)
        names = {f.name for f in dataclasses.fields(PrivacyStatement)}
        return PrivacyStatement.from_dict({k: v for k, v in self.statement.items() if k in names})

    def to_row(self) -> dict[str, Any]:
        """One flat row: parameters, utility and leakage columns, time, seed and the statement (a dict)."""
        row: dict[str, Any] = {
            "technique": self.technique,
            "parameter": self.parameter,
            "value": self.value,
            "epsilon": math.inf if self.epsilon is None else self.epsilon,
            "delta": self.delta,
            "k": self.k,
            "l": self.l,
            "t": self.t,
        }
        row.update(self.utility)
        row.update(self.leakage)
        row.update({"seconds": self.seconds, "seed": self.seed, "statement": dict(self.statement)})
        return row

    def to_dict(self) -> dict[str, Any]:
        """All fields as JSON-able plain data."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TradeoffPoint:
        """Rebuild a point from :meth:`to_dict` output (or its JSON); a malformed one raises ``ValueError``."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a point must be a mapping; got {type(data).__name__}")
        known = set(cls.__dataclass_fields__)
        fields = {k: v for k, v in data.items() if k in known}
        _check_point(fields)
        return cls(**fields)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), allow_nan=True)

    def label(self) -> str:
        """A short label such as ``"ε = 1"`` or ``"k = 5"`` (``"no DP"`` for the non-private baseline)."""
        if self.parameter == "epsilon":
            return f"ε = {self.value:g}" if math.isfinite(self.value) else "no DP"
        return f"{self.parameter} = {self.value:g}"

    def _repr_html_(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{v:.4g}</td></tr>"
            for k, v in {**self.utility, **self.leakage}.items()
            if isinstance(v, (int, float))
        )
        return (
            f"<div><b>{html.escape(self.technique)}</b> · {html.escape(self.label())} · {self.seconds:.1f} s"
            f"<table>{cells}</table></div>"
        )
