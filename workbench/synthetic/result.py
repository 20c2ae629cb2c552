"""``SyntheticResult``: a DP synthetic table, its statement, its measured quality and privacy checks."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from workbench.errors import InvalidParameterError
from workbench.synthetic._domain import TableDomain
from workbench.synthetic.statement import SyntheticStatement

__all__ = ["SyntheticResult"]


@dataclass(frozen=True, eq=False)
class SyntheticResult:
    """A differentially private synthetic table (see :func:`workbench.synthesise`).

    Attributes
    ----------
    data : pandas.DataFrame
        The synthetic rows: the dataset's columns (identifiers left out) with the same dtypes.
    statement : SyntheticStatement
        The (ε, δ) guarantee with its zCDP log.
    metrics : Mapping[str, float]
        Fidelity (``tv_1way``, ``tv_2way``), ML utility (``accuracy``, ``auc`` vs ``accuracy_original``), privacy
        checks (``dcr_share_closer_to_train``, ``exact_copy_share``, ``mia_auc``, ``mia_advantage``, ...), and
        ``seconds`` (fit and sample), ``iterations``.
    marginals : Mapping[str, dict]
        Per column, the shares of each category / bin in the real training rows and in the synthetic rows (for
        figures; aggregate counts only).
    stopped : bool
        True when the fit was stopped early (the model of the last completed block of iterations was used).
    """

    data: pd.DataFrame
    statement: SyntheticStatement
    metrics: Mapping[str, float]
    domain: TableDomain
    marginals: Mapping[str, dict] = field(default_factory=dict)
    dataset_name: str = ""
    dataset_fingerprint: str = ""
    seed: int = 0
    stopped: bool = False
    _draw: Any = field(default=None, repr=False)
    technique: str = field(default="dp-synthetic", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metrics", MappingProxyType(dict(self.metrics)))
        object.__setattr__(self, "marginals", MappingProxyType(dict(self.marginals)))

    def sample(self, n: int, *, seed: int | None = None) -> pd.DataFrame:
        """``n`` more synthetic rows from the same model, in milliseconds, at no privacy cost (post-processing).

        Examples
        --------
        >>> import workbench as wb
        >>> syn = wb.synthesise(wb.load_dataset("adult"), epsilon=1.0, seed=0)  # doctest: +SKIP
        >>> syn.sample(100_000).shape  # doctest: +SKIP
        (100000, 15)
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise InvalidParameterError(f"The 'n' parameter of sample must be an int ≥ 1; got {n!r}.")
        rng = np.random.default_rng([self.seed, 1] if seed is None else [seed, 2])
        return self._draw(int(n), rng)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (no rows): technique, statement, metrics, marginals."""
        return {
            "technique": self.technique,
            "dataset_name": self.dataset_name,
            "statement": self.statement.to_dict(),
            "metrics": dict(self.metrics),
            "marginals": {k: dict(v) for k, v in self.marginals.items()},
            "columns": list(self.data.columns),
            "rows": len(self.data),
            "stopped": self.stopped,
        }

    def summary(self) -> dict[str, Any]:
        m = self.metrics
        return {
            "technique": self.technique,
            "mechanism": self.statement.mechanism,
            "epsilon": self.statement.epsilon,
            "delta": self.statement.delta,
            "rows": len(self.data),
            **{k: m[k] for k in ("accuracy", "accuracy_original", "tv_1way", "tv_2way", "mia_auc",
                                 "dcr_share_closer_to_train", "exact_copy_share", "seconds") if k in m},
        }  # fmt: skip

    def __repr__(self) -> str:
        s = self.statement
        return (
            f"SyntheticResult({s.mechanism}, ε={s.epsilon:.3g}, δ={s.delta:.1e}, rows={len(self.data)}, "
            f"columns={self.data.shape[1]}{', stopped' if self.stopped else ''})"
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{v:.4g}</td></tr>" if isinstance(v, float) and math.isfinite(v)
            else f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in self.summary().items()
        )  # fmt: skip
        return (
            f"<div class='wb-synthetic'><h4 style='margin:4px 0'>DP synthetic table of "
            f"<code>{html.escape(self.dataset_name)}</code></h4><table>{rows}</table>"
            f"<p>{html.escape(self.statement.plain_language())}</p>{self.data.head(5).to_html()}</div>"
        )
