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

from workbench._validation import InstanceOf, Interval, OneOf, Optional, Secret, check_table, validate_params
from workbench.columns import check_columns
from workbench.errors import InvalidParameterError, RoleError
from workbench.generalised import normalise
from workbench.release import PlainStatement

__all__ = ["MIN_KEY_BYTES", "PREFIX", "PseudonymisationResult", "pseudonymise"]

PREFIX = "pse_"
#: the shortest key pseudonymise accepts, in bytes; use ``secrets.token_bytes(32)``
MIN_KEY_BYTES = 16
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

    @property
    def technique(self) -> str:
        """``"pseudonymisation"``: the :class:`~workbench.Release` protocol."""
        return "pseudonymisation"

    @property
    def statement(self) -> PlainStatement:
        """No formal guarantee: pseudonymised data is still personal data (the key links tokens back)."""
        return PlainStatement(
            "pseudonymisation",
            {"method": self.method, "columns": list(self.columns)},
            guarantee="no formal guarantee: pseudonymous, not anonymous (whoever holds the key can re-identify)",
            text=f"Columns {', '.join(self.columns) or '(none)'} replaced by method {self.method!r}. {GDPR_NOTE}",
        )

    @property
    def metrics(self) -> dict[str, float]:
        """Rows released and columns replaced."""
        return {"rows": float(len(self.data)), "columns_replaced": float(len(self.columns))}

    def summary(self) -> dict[str, Any]:
        """The method and the columns replaced: never the key or the tokens."""
        return {"method": self.method, "columns": list(self.columns)}

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
        random 256-bit key is generated and handed back once, as ``.key``. A key must be at least
        ``MIN_KEY_BYTES`` (16) bytes long (a str counts its UTF-8 bytes) with at least 6 different bytes: a short
        or repetitive key can be guessed, and then every token reversed by trying the likely values. Use
        ``secrets.token_bytes(32)`` and keep it apart from the data. The key never appears in a message, repr,
        report or saved file (errors name its type only).
    method : {"hmac", "mask", "drop"}, default="hmac"
        ``"hmac"``: ``"pse_"`` + the first ``token_length`` hex digits of HMAC-SHA256(key, value);
        ``"mask"``: all but the last ``keep`` characters become ``*``; ``"drop"``: the columns are removed.
    token_length : int, default=20
        Hex digits kept from each HMAC (8 to 64; 20 digits = 80 bits). Two different values of a column never share
        a token in a released table: if truncation makes two tokens equal, pseudonymise refuses with
        :class:`~workbench.errors.InvalidParameterError` asking for a longer ``token_length``.
    keep : int, default=2
        Characters left visible at the end of each value by ``"mask"``.

    Returns
    -------
    PseudonymisationResult

    Examples
    --------
    >>> import pandas as pd
    >>> import workbench as wb
    >>> frame = pd.DataFrame({"email": ["ann@x.org", "bob@y.org", "ann@x.org"], "age": [31, 45, 31]})
    >>> out = wb.pseudonymise(frame, columns=["email"], key=b"0123456789abcdef-not-a-real-secret")
    >>> out.data["email"].tolist()[0] == out.data["email"].tolist()[2], out.data["email"][0][:4]
    (True, 'pse_')
    >>> wb.pseudonymise(frame, columns=["email"], method="mask").data["email"][0]
    '*******rg'
    """
    validate_params(
        "pseudonymise",
        {
            "method": OneOf(METHODS),
            "key": Optional(Secret(InstanceOf((bytes, str), "bytes or a str"))),
            "token_length": Interval(int, 8, 64),
            "keep": Interval(int, 0),
        },
        {"method": method, "key": key, "token_length": token_length, "keep": keep},
    )
    frame, targets = _columns(data, columns)
    generated = key is None and method == "hmac"
    secret = secrets.token_bytes(32) if generated else _key_bytes(key) if method == "hmac" else None
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
        check_table(data, "pseudonymise")
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


def _key_bytes(key: bytes | str | None) -> bytes:
    """The key as bytes, refused when too short or repetitive to be secret (its value is never shown)."""
    if isinstance(key, str):
        try:
            key = key.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidParameterError(
                "The key of pseudonymise has characters that UTF-8 cannot encode (lone surrogates); pass bytes "
                "instead, e.g. key=secrets.token_bytes(32)."
            ) from None
    if key is None or len(key) < MIN_KEY_BYTES or len(set(key)) < 6:
        size = 0 if key is None else len(key)
        raise InvalidParameterError(
            f"The key of pseudonymise is too short or too repetitive to be secret ({size} bytes; at least "
            f"{MIN_KEY_BYTES} bytes with 6 different ones are needed): use key=secrets.token_bytes(32), or no key "
            "for a fresh random one."
        )
    return key


def _transform(series: pd.Series, method: str, key: bytes | None, length: int, keep: int) -> pd.Series:
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable cells (dicts, lists)
        raise InvalidParameterError(
            f"Column {series.name!r} holds values pseudonymise cannot compare (such as lists or dicts); turn them "
            "into text first, e.g. frame[col].astype(str)."
        ) from None
    if method == "hmac":
        texts = pd.unique(np.asarray([normalise(v) for v in uniques], dtype=object))
        digests = {
            text: hmac.new(key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:length]
            for text in texts
        }
        if len(set(digests.values())) < len(digests):
            raise InvalidParameterError(
                f"With token_length={length}, two different values of column {series.name!r} got the same token "
                f"({len(texts)} distinct values, {len(set(digests.values()))} tokens); a release must never merge two "
                "people. Pass a larger token_length (e.g. 20 or more)."
            )
        tokens = [PREFIX + digests[normalise(v)] for v in uniques]
    else:
        tokens = [_mask(normalise(v), keep) for v in uniques]
    mapped = np.asarray(tokens, dtype=object)[np.maximum(codes, 0)] if len(tokens) else np.full(len(codes), None)
    mapped = np.where(codes < 0, None, mapped)
    return pd.Series(mapped, index=series.index, name=series.name, dtype="string")


def _mask(text: str, keep: int) -> str:
    if len(text) <= 2 * keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[len(text) - keep :]
