"""Pseudonymisation of direct identifiers: keyed HMAC-SHA256 tokens, masking, or dropping the columns."""

from __future__ import annotations

import hashlib
import hmac
import html
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from workbench._validation import InstanceOf, Interval, OneOf, Optional, validate_params
from workbench.datasets._roles import check_columns
from workbench.errors import InvalidParameterError, RoleError
from workbench.risk._matching import normalise

__all__ = ["PREFIX", "PseudonymisationResult", "pseudonymise"]

PREFIX = "pse_"
GDPR_NOTE = (
    "Pseudonymised data is still personal data under the GDPR (Recital 26): whoever holds the key, or can link "
    "the remaining columns to other data, can re-identify people."
)
METHODS = ("hmac", "mask", "drop")


@dataclass(frozen=True, eq=False)
class PseudonymisationResult:
    """The table with identifier columns replaced by tokens (or masked, or dropped).

    ``key`` is the HMAC key: keep it secret and apart from the data. It is never shown in the repr, in
    ``to_dict()`` or in the data.
    """

    data: pd.DataFrame
    columns: tuple[str, ...]
    method: str
    key: bytes | None = field(repr=False)
    generated_key: bool = False
    token_length: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Plain data, without the key."""
        return {
            "method": self.method,
            "columns": list(self.columns),
            "generated_key": self.generated_key,
            "rows": len(self.data),
            "token_prefix": PREFIX if self.method == "hmac" else None,
            "note": GDPR_NOTE,
        }

    def __repr__(self) -> str:
        return (
            f"PseudonymisationResult(method={self.method!r}, columns={list(self.columns)}, rows={len(self.data)}). "
            + GDPR_NOTE
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        key_note = (
            "A random key was generated: read it once from <code>.key</code> and store it apart from the data."
            if self.generated_key
            else ""
        )
        return (
            f"<div class='wb-pseudonymised'><h4 style='margin:4px 0'>Pseudonymised ({esc(self.method)})</h4>"
            f"<p style='margin:2px 0'>Columns: {esc(', '.join(self.columns))}. {key_note}</p>"
            f"<p style='margin:2px 0'><b>{esc(GDPR_NOTE)}</b></p>{self.data.head(5).to_html(max_cols=10)}</div>"
        )


def pseudonymise(
    data: object,
    *,
    columns: str | Iterable[str] | None = None,
    key: bytes | str | None = None,
    method: str = "hmac",
    token_length: int = 20,
    keep: int = 2,
) -> PseudonymisationResult:
    """Replace direct identifiers by keyed pseudonyms, masks, or remove them.

    Parameters
    ----------
    data : Dataset or pandas.DataFrame
        Never modified.
    columns : list of str, optional
        Columns to pseudonymise; by default those with role identifier (guessed for a DataFrame).
    key : bytes or str, optional
        The HMAC key. Same value and key give the same token; another key gives unlinkable tokens. Without one a
        random 256-bit key is generated and handed back once, as ``.key``.
    method : {"hmac", "mask", "drop"}, default="hmac"
        ``"hmac"``: ``"pse_"`` + the first ``token_length`` hex digits of HMAC-SHA256(key, value);
        ``"mask"``: all but the last ``keep`` characters become ``*``; ``"drop"``: the columns are removed.
    token_length : int, default=20
        Hex digits of the HMAC kept in each token, 8 to 64 (20 hex digits = 80 bits).
    keep : int, default=2
        Characters ``"mask"`` leaves visible at the end of each value.

    Returns
    -------
    PseudonymisationResult

    Examples
    --------
    >>> import pandas as pd
    >>> import workbench as wb
    >>> frame = pd.DataFrame({"email": ["ann@x.org", "bob@y.org", "ann@x.org"], "age": [31, 45, 31]})
    >>> out = wb.pseudonymise(frame, columns=["email"], key=b"secret")
    >>> out.data["email"].tolist()[0] == out.data["email"].tolist()[2], out.data["email"][0][:4]
    (True, 'pse_')
    >>> wb.pseudonymise(frame, columns=["email"], method="mask").data["email"][0]
    '*******rg'
    """
    validate_params(
        "pseudonymise",
        {
            "method": OneOf(METHODS),
            "key": Optional(InstanceOf((bytes, str), "bytes or a str")),
            "token_length": Interval(int, 8, 64),
            "keep": Interval(int, 0),
        },
        {"method": method, "key": key, "token_length": token_length, "keep": keep},
    )
    frame, targets = _columns(data, columns)
    generated = key is None and method == "hmac"
    secret = secrets.token_bytes(32) if generated else (key.encode() if isinstance(key, str) else key)
    if method == "hmac" and not secret:
        raise InvalidParameterError("The key of pseudonymise must not be empty; pass a long random secret.")
    out = frame.copy()
    if method == "drop":
        out = out.drop(columns=targets)
    else:
        for col in targets:
            out[col] = _transform(frame[col], method, secret, token_length, keep)
    return PseudonymisationResult(
        data=out,
        columns=tuple(targets),
        method=method,
        key=secret if method == "hmac" else None,
        generated_key=generated,
        token_length=token_length if method == "hmac" else 0,
    )


def _columns(data: object, columns: str | Iterable[str] | None) -> tuple[pd.DataFrame, list[str]]:
    from workbench.datasets import Dataset

    if isinstance(data, Dataset):
        frame, identifiers = data.frame, data.identifiers
    elif isinstance(data, pd.DataFrame):
        frame = data
        identifiers = None
    else:
        raise InvalidParameterError(
            f"pseudonymise takes a workbench Dataset or a pandas DataFrame; got {type(data).__name__}."
        )
    if columns is not None:
        return frame, check_columns(frame, columns, "The columns of pseudonymise")
    if identifiers is None:
        from workbench.roles import Role, infer_roles

        identifiers = [c for c, g in infer_roles(frame).items() if g.role is Role.IDENTIFIER]
    if not identifiers:
        raise RoleError("pseudonymise found no identifier columns; name them, e.g. columns=['name', 'email'].")
    return frame, list(identifiers)


def _transform(series: pd.Series, method: str, key: bytes, length: int, keep: int) -> pd.Series:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    if method == "hmac":
        tokens = [
            PREFIX + hmac.new(key, normalise(v).encode("utf-8"), hashlib.sha256).hexdigest()[:length] for v in uniques
        ]
    else:
        tokens = [_mask(normalise(v), keep) for v in uniques]
    mapped = np.asarray(tokens, dtype=object)[np.maximum(codes, 0)] if len(tokens) else np.full(len(codes), None)
    mapped = np.where(codes < 0, None, mapped)
    return pd.Series(mapped, index=series.index, name=series.name, dtype="string")


def _mask(text: str, keep: int) -> str:
    if len(text) <= 2 * keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[len(text) - keep :]
