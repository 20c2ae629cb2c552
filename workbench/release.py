"""The one shape of every result that leaves a technique: the :class:`Release` and its :class:`Statement`.

Bottom layer: this module imports nothing else from the package. Every technique family (anonymisation,
pseudonymisation, DP training, audits, risk, trade-off sweeps, and new families such as federated learning,
encrypted computation or DP synthetic data) returns a frozen dataclass that implements :class:`Release`, whose
``statement`` implements :class:`Statement`. Consumers (the report, the figures, the dashboard) rely on these
protocols and on registries keyed by the result's type, never on guessing attributes.

A new result type plugs in by implementing both protocols, then registering its figures
(:func:`workbench.viz.register_figures`) and its report section (:func:`workbench.report.register_section`).

Examples
--------
>>> import math
>>> from dataclasses import dataclass, field
>>> from workbench.release import PlainStatement, Release, Statement
>>> @dataclass(frozen=True)
... class CountRelease:
...     count: int
...     technique: str = "count"
...     statement: PlainStatement = field(default_factory=lambda: PlainStatement("count", guarantee="none"))
...     @property
...     def metrics(self):
...         return {"count": float(self.count)}
...     def to_dict(self):
...         return {"technique": self.technique, "count": self.count, "statement": self.statement.to_dict()}
...     def summary(self):
...         return {"count": self.count}
>>> isinstance(CountRelease(3), Release), isinstance(CountRelease(3).statement, Statement)
(True, True)
>>> math.isinf(CountRelease(3).statement.epsilon)
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

__all__ = ["NO_GUARANTEE", "PlainStatement", "Release", "Statement", "plain_number"]

#: The ε of a statement that gives no formal differential-privacy guarantee.
NO_GUARANTEE: float = math.inf


@runtime_checkable
class Statement(Protocol):
    """What a release guarantees, re-derivable from its own numbers.

    Attributes
    ----------
    technique : str
        Short name of the technique that made the release (``"dp-sgd"``, ``"anonymisation"``, ...).
    parameters : Mapping
        The parameters the guarantee depends on (plain data).
    epsilon : float
        The differential-privacy ε; ``math.inf`` when the release has no formal DP guarantee.
    delta : float
        The δ of the guarantee (0 without one).
    guarantee : str
        The guarantee in one line.

    Examples
    --------
    >>> from workbench.release import PlainStatement, Statement
    >>> isinstance(PlainStatement("demo", guarantee="none"), Statement)
    True
    """

    @property
    def technique(self) -> str: ...

    @property
    def parameters(self) -> Mapping[str, Any]: ...

    @property
    def epsilon(self) -> float: ...

    @property
    def delta(self) -> float: ...

    @property
    def guarantee(self) -> str: ...

    def plain_language(self) -> str:
        """One paragraph a data protection officer can read."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-able data."""
        ...


@runtime_checkable
class Release(Protocol):
    """A result that leaves a technique: what was made, its statement, headline metrics, plain-data views.

    Attributes
    ----------
    technique : str
        Short name of the technique.
    statement : Statement
        What the release guarantees.
    metrics : Mapping[str, float]
        Headline measurements (utility, leakage, risk).

    Examples
    --------
    >>> from workbench.release import Release
    >>> isinstance(object(), Release)
    False
    """

    @property
    def technique(self) -> str: ...

    @property
    def statement(self) -> Statement: ...

    @property
    def metrics(self) -> Mapping[str, float]: ...

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain, JSON-able data."""
        ...

    def summary(self) -> dict[str, Any]:
        """The headline facts as plain data (never rows, keys or identifiers): what a report shows."""
        ...


@dataclass(frozen=True)
class PlainStatement:
    """A :class:`Statement` for releases without a DP guarantee of their own (measurements, tokens, sweeps).

    Parameters
    ----------
    technique : str
        Short name of the technique.
    parameters : Mapping, optional
        Plain data the statement depends on.
    guarantee : str
        One line: what is (or is not) guaranteed.
    text : str, optional
        The plain-language paragraph; defaults to ``guarantee``.
    epsilon : float, default=inf
        ``math.inf`` unless the release carries a DP guarantee.
    delta : float, default=0.0

    Examples
    --------
    >>> s = PlainStatement("risk-assessment", {"k": 5}, guarantee="measured k = 5; no formal guarantee")
    >>> s.to_dict()["epsilon"], s.plain_language()
    ('inf', 'measured k = 5; no formal guarantee')
    """

    technique: str
    parameters: Mapping[str, Any] = field(default_factory=dict)
    guarantee: str = "no formal privacy guarantee"
    text: str = ""
    epsilon: float = NO_GUARANTEE
    delta: float = 0.0

    def plain_language(self) -> str:
        """The paragraph (``text``, else the one-line ``guarantee``)."""
        return self.text or self.guarantee

    def to_dict(self) -> dict[str, Any]:
        """Plain data; an infinite ε as the string ``"inf"`` (valid JSON)."""
        return {
            "technique": self.technique,
            "parameters": plain_number(dict(self.parameters)),
            "guarantee": self.guarantee,
            "text": self.plain_language(),
            "epsilon": plain_number(self.epsilon),
            "delta": self.delta,
        }


def plain_number(value: Any) -> Any:
    """A value as JSON accepts it: infinite floats become ``"inf"`` / ``"-inf"``, in mappings and lists too.

    Examples
    --------
    >>> plain_number(float("inf")), plain_number({"eps": [0.5, float("-inf")]})
    ('inf', {'eps': [0.5, '-inf']})
    """
    if isinstance(value, Mapping):
        return {k: plain_number(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_number(v) for v in value]
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value
