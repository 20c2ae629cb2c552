"""The :class:`Dataset`: a table with column roles, a target, a train/test split and its provenance."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from workbench.roles import Role

__all__ = ["Dataset", "Provenance"]


@dataclass(frozen=True)
class Provenance:
    """Where a dataset came from and under which terms it may be used."""

    origin: str
    licence: str = "unknown"
    citation: str = ""
    sha256: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"origin": self.origin, "licence": self.licence, "citation": self.citation, "sha256": self.sha256}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A table with column roles, an optional target, a train/test split and its provenance.

    Build one with :func:`workbench.load_dataset`; every technique takes a ``Dataset`` and never changes it.

    Attributes
    ----------
    frame : pandas.DataFrame
        All rows (train then test), with a fresh ``RangeIndex``.
    train, test : pandas.DataFrame
        The split: the source's own when it has one, else a seeded (stratified when possible) 80/20 split.
        Their indexes are positions in ``frame``.
    roles : Mapping[str, Role]
        One role per column. The target column has role ``Role.TARGET`` and counts as sensitive.
    target : str or None
        The column a model predicts.

    Examples
    --------
    >>> import workbench as wb
    >>> ds = wb.load_dataset("adult")
    >>> ds.target, len(ds.train), len(ds.test)
    ('income', 32561, 16281)
    >>> ds.quasi_identifiers[:3]
    ['age', 'workclass', 'education']
    """

    frame: pd.DataFrame
    train: pd.DataFrame
    test: pd.DataFrame
    roles: Mapping[str, Role]
    target: str | None
    name: str
    description: str = ""
    source: Provenance = field(default_factory=lambda: Provenance(origin="DataFrame"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))

    # -- columns by role ---------------------------------------------------------------------------------------
    def columns_with(self, role: Role | str) -> list[str]:
        """Columns that have ``role``, in table order."""
        role = Role(role)
        return [c for c in self.frame.columns if self.roles.get(c) is role]

    @property
    def identifiers(self) -> list[str]:
        """Direct identifiers (names, e-mails, ID numbers)."""
        return self.columns_with(Role.IDENTIFIER)

    @property
    def quasi_identifiers(self) -> list[str]:
        """Columns an attacker may know and link on (age, sex, ZIP code, ...)."""
        return self.columns_with(Role.QUASI_IDENTIFIER)

    @property
    def sensitive(self) -> list[str]:
        """Sensitive columns, the target included."""
        return [c for c in self.frame.columns if self.roles.get(c) in (Role.SENSITIVE, Role.TARGET)]

    @property
    def fingerprint(self) -> str:
        """A SHA-256 of the table's content: the identity under which privacy budget is spent."""
        digest = hashlib.sha256()
        digest.update(",".join(map(str, self.frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(self.frame, index=False).values.tobytes())
        return digest.hexdigest()

    def info(self, fingerprint: str | None = None) -> dict[str, Any]:
        """Plain-data description for results and reports: name, provenance, roles, sizes; no rows, no values.

        Examples
        --------
        >>> import workbench as wb
        >>> info = wb.load_dataset("diabetes").info()
        >>> info["name"], sorted(info)[:3]
        ('diabetes', ['description', 'fingerprint', 'name'])
        """
        return {
            "name": self.name,
            "description": self.description,
            "fingerprint": fingerprint or self.fingerprint,
            "source": self.source.to_dict(),
            "roles": {str(c): Role(r).value for c, r in self.roles.items()},
            "target": self.target,
            "rows": len(self.frame),
            "train_rows": len(self.train),
            "test_rows": len(self.test),
        }

    def with_roles(self, **roles: Role | str) -> Dataset:
        """Return a copy with some roles changed, e.g. ``ds.with_roles(zip="quasi_identifier")``."""
        from workbench.datasets._roles import check_roles

        merged = dict(self.roles)
        merged.update({col: Role(r) for col, r in roles.items()})
        check_roles(self.frame, merged, self.target)
        return Dataset(self.frame, self.train, self.test, merged, self.target, self.name, self.description, self.source)

    # -- display -----------------------------------------------------------------------------------------------
    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, rows={len(self.frame)}, columns={self.frame.shape[1]}, "
            f"train={len(self.train)}, test={len(self.test)}, target={self.target!r})"
        )

    def summary(self) -> pd.DataFrame:
        """One row per column: role, dtype, distinct values and missing values."""
        frame = self.frame
        return pd.DataFrame(
            {
                "role": [self.roles.get(c, Role.INSENSITIVE).value for c in frame.columns],
                "dtype": [str(frame[c].dtype) for c in frame.columns],
                "distinct": [int(frame[c].nunique(dropna=True)) for c in frame.columns],
                "missing": [int(frame[c].isna().sum()) for c in frame.columns],
            },
            index=pd.Index(frame.columns, name="column"),
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = "".join(
            f"<tr><td><b>{esc(str(col))}</b></td><td>{esc(role)}</td><td>{esc(dtype)}</td>"
            f"<td style='text-align:right'>{distinct:,}</td><td style='text-align:right'>{missing:,}</td></tr>"
            for col, role, dtype, distinct, missing in self.summary().itertuples()
        )
        return (
            f"<div class='wb-dataset'><h4 style='margin:4px 0'>Dataset <code>{esc(self.name)}</code></h4>"
            f"<p style='margin:2px 0'>{esc(self.description)}</p>"
            f"<p style='margin:2px 0'>{len(self.frame):,} rows × {self.frame.shape[1]} columns · "
            f"train {len(self.train):,} / test {len(self.test):,} · target <code>{esc(str(self.target))}</code></p>"
            f"<p style='margin:2px 0;font-size:smaller'>Source: {esc(self.source.origin)} · "
            f"licence: {esc(self.source.licence)}</p>"
            "<table><thead><tr><th>column</th><th>role</th><th>dtype</th><th>distinct</th><th>missing</th></tr>"
            f"</thead><tbody>{rows}</tbody></table></div>"
        )
