"""Privacy models (k-anonymity, l-diversity, t-closeness) as one frozen spec, and their check on equivalence classes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.risk import distribution_matrix, l_distinct, l_entropy, l_recursive, t_closeness

__all__ = ["L_KINDS", "ClassChecker", "PrivacyModel"]

L_KINDS = ("distinct", "entropy", "recursive")


@dataclass(frozen=True)
class PrivacyModel:
    """What a release must satisfy: every class has ≥ k records, ≥ l diverse sensitive values and distance ≤ t.

    Examples
    --------
    >>> from workbench.anonymise import PrivacyModel
    >>> PrivacyModel(k=5, l=2).describe()
    '5-anonymity, distinct 2-diversity'
    """

    k: int = 1
    l: float | None = None  # noqa: E741
    l_kind: str = "distinct"
    c: float = 3.0
    t: float | None = None

    @property
    def monotone(self) -> bool:
        """True when a generalisation of a satisfying transformation satisfies too, suppression included."""
        return self.t is None and (self.l is None or self.l_kind == "distinct")

    def describe(self) -> str:
        parts = [f"{self.k}-anonymity"] if self.k > 1 or (self.l is None and self.t is None) else []
        if self.l is not None:
            kind = f"recursive ({self.c:g}, {self.l:g})" if self.l_kind == "recursive" else f"{self.l_kind} {self.l:g}"
            parts.append(f"{kind}-diversity")
        if self.t is not None:
            parts.append(f"{self.t:g}-closeness")
        return ", ".join(parts)


@dataclass
class ClassChecker:
    """Checks the privacy model on classes of a (compressed) table: ``weights`` records per row."""

    model: PrivacyModel
    weights: np.ndarray
    sensitive: list[np.ndarray]  # per sensitive column: code per row
    cards: list[int]
    ordered: list[bool]

    def class_ok(
        self,
        ids: np.ndarray,
        n_classes: int,
        reference: list[np.ndarray] | None = None,
        *,
        weights: np.ndarray | None = None,
        sensitive: list[np.ndarray] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(class sizes, mask of classes that satisfy the model) given class ids per row.

        ``reference``: fixed sensitive distributions for t-closeness; by default the kept classes' own.
        """
        weights = self.weights if weights is None else weights
        sensitive = self.sensitive if sensitive is None else sensitive
        sizes = np.bincount(ids, weights=weights, minlength=n_classes)
        ok = sizes >= self.model.k
        ok &= sizes > 0
        if self.model.l is None and self.model.t is None:
            return sizes, ok
        dists = [distribution_matrix(ids, n_classes, s, m, weights) for s, m in zip(sensitive, self.cards, strict=True)]
        for dist in dists:
            ok &= self._diverse(dist)
        if self.model.t is not None and reference is not None:
            for dist, ordered, ref in zip(dists, self.ordered, reference, strict=True):
                ok &= t_closeness(dist, ordered, ref) <= self.model.t + 1e-12
        elif self.model.t is not None:
            # t is measured against the released table's own distribution, which depends on what is suppressed
            for _ in range(4):
                before = ok.copy()
                for dist, ordered in zip(dists, self.ordered, strict=True):
                    if not ok.any():
                        break
                    reference = dist[ok].sum(axis=0)
                    ok &= t_closeness(dist, ordered, reference) <= self.model.t + 1e-12
                if (ok == before).all():
                    break
            else:
                ok[:] = False
        return sizes, ok

    def _diverse(self, dist: np.ndarray) -> np.ndarray:
        model = self.model
        if model.l is None:
            return np.ones(len(dist), dtype=bool)
        if model.l_kind == "distinct":
            return l_distinct(dist) >= model.l
        if model.l_kind == "entropy":
            return l_entropy(dist) >= model.l * (1 - 1e-9)
        return l_recursive(dist, model.c) >= model.l
