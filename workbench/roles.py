"""Column roles, and :func:`infer_roles`, which guesses each column's role from its name, its values and its
uniqueness, with the reason for every guess."""

from __future__ import annotations

import enum
import re
from typing import NamedTuple

import pandas as pd

from workbench._validation import check_table
from workbench.errors import EmptyDataError, InvalidParameterError

__all__ = ["Role", "RoleGuess", "infer_roles"]


class Role(str, enum.Enum):
    """What a column is, from a privacy point of view.

    Examples
    --------
    >>> Role("quasi_identifier")
    <Role.QUASI_IDENTIFIER: 'quasi_identifier'>
    """

    IDENTIFIER = "identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE = "sensitive"
    TARGET = "target"
    INSENSITIVE = "insensitive"

    def __str__(self) -> str:
        return self.value


SAMPLE = 2000  # values examined per column for value patterns
PATTERN_SHARE = 0.8  # share of sampled values that must match a value pattern
NEAR_UNIQUE = 0.95  # distinct share above which a text or integer column identifies people

_IDENTIFIER_NAMES = [
    (r"(^|_)(full_?)?name$|first_?name|last_?name|surname|given_?name|forename", "a person's name"),
    (r"e_?mail", "an e-mail address"),
    (r"phone|mobile|(^|_)tel(ephone)?($|_)|(^|_)fax", "a phone number"),
    (r"ssn|social_?security|national_?id|(^|_)nin($|_)|passport|tax_?id|insurance_?number|id_?number", "an ID number"),
    (r"iban|account_?(number|no)|credit_?card|card_?number", "a bank or card number"),
    (r"(^|_)ip(_?address)?$", "an IP address"),
    (r"street|(^|_)address$", "a postal address"),
    (r"(^|_)(patient|person|customer|user|employee|record)_?id$|(^|_)mrn$", "a record identifier"),
]
_BIRTH_OR_ZIP = r"(^|_)dob($|_)|birth_?date|date_?of_?birth|birthday|(^|_)zip|post_?code|postal"
_QUASI_NAMES = (
    r"(^|_)age($|_)|(^|_)sex($|_)|gender|(^|_)race($|_)|ethnic|marital|education|occupation|(^|_)job|profession|"
    r"workclass|country|nationality|citizenship|(^|_)city|county|region|birth_?year|year_?of_?birth|religion"
)
_SENSITIVE_NAMES = (
    r"income|salary|wage|diagnos|disease|illness|health|medication|treatment|hiv|cancer|pregnan|sexual|"
    r"criminal|conviction|progression|outcome|(^|_)label($|_)|(^|_)target($|_)|(^|_)class($|_)"
)

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_SSN = re.compile(r"^\d{3}-\d{2}-\d{4}$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_CARD = re.compile(r"^\d{13,19}$")


class RoleGuess(NamedTuple):
    """A guessed role and the reason for it; unpacks as ``(role, reason)``."""

    role: Role
    reason: str


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def _iban_ok(value: str) -> bool:
    moved = value[4:] + value[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def _luhn_ok(value: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(value)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _is_iban(value: str) -> bool:
    compact = value.replace(" ", "")
    return bool(_IBAN.match(compact)) and _iban_ok(compact)


def _value_pattern(values: pd.Series) -> str | None:
    """Name the identifier pattern that most sampled values match, or None."""
    text = values.astype(str).str.strip()
    checks = [
        ("e-mail addresses", lambda s: bool(_EMAIL.match(s))),
        ("SSN-like numbers (ddd-dd-dddd)", lambda s: bool(_SSN.match(s))),
        ("IBANs with a valid mod-97 checksum", _is_iban),
        ("card numbers with a valid Luhn checksum", lambda s: bool(_CARD.match(s)) and _luhn_ok(s)),
        ("phone numbers", lambda s: bool(_PHONE.match(s)) and sum(ch.isdigit() for ch in s) >= 7 and not s.isdigit()),
    ]  # fmt: skip
    for label, check in checks:
        if text.map(check).mean() >= PATTERN_SHARE:
            return label
    return None


def _is_birth_dates(values: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    elif pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
        dates = pd.to_datetime(values.astype(str), errors="coerce", format="mixed")
        if dates.notna().mean() < PATTERN_SHARE:
            return False
    else:
        return False
    years = dates.dropna().dt.year
    return len(years) > 0 and years.between(1900, 2030).mean() >= PATTERN_SHARE


def _guess(name: str, series: pd.Series) -> RoleGuess:
    key = _normalise(name)
    values = series.dropna()
    n = len(values)
    distinct = values.nunique() / n if n else 0.0
    unique_text = f"{distinct:.0%} of values distinct"
    for pattern, what in _IDENTIFIER_NAMES:
        if re.search(pattern, key):
            return RoleGuess(Role.IDENTIFIER, f"column name suggests {what}")
    sample = values.sample(min(SAMPLE, n), random_state=0) if n else values
    is_text = pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)
    if re.search(_BIRTH_OR_ZIP, key) or (n and _is_birth_dates(sample)):
        what = "a date of birth" if not re.search(r"zip|post", key) else "a ZIP/post code"
        if distinct >= 0.5:
            return RoleGuess(Role.IDENTIFIER, f"{what}, near-unique here ({unique_text}): identifies people directly")
        return RoleGuess(Role.QUASI_IDENTIFIER, f"{what} ({unique_text}): links with other data")
    if n and is_text:
        label = _value_pattern(sample)
        if label:
            return RoleGuess(Role.IDENTIFIER, f"values look like {label}")
    integer_like = pd.api.types.is_integer_dtype(series) or is_text
    if n >= 20 and integer_like and distinct >= NEAR_UNIQUE:
        return RoleGuess(Role.IDENTIFIER, f"near-unique values ({unique_text}) single out people")
    if re.search(_SENSITIVE_NAMES, key):
        return RoleGuess(Role.SENSITIVE, "column name suggests a sensitive attribute or outcome")
    if re.search(_QUASI_NAMES, key):
        return RoleGuess(Role.QUASI_IDENTIFIER, "column name suggests a demographic attribute an attacker may know")
    return RoleGuess(Role.INSENSITIVE, "no identifying name, value pattern or uniqueness found")


def infer_roles(frame: pd.DataFrame) -> dict[str, RoleGuess]:
    """Guess each column's privacy role, with the reason for the guess.

    Looks, in order, at column names (name, e-mail, phone, SSN, ZIP, date of birth, ...), value patterns
    (e-mail, phone, SSN-like, IBAN and card numbers checked by checksum, dates of birth), uniqueness (near-unique
    text or integer columns identify people) and demographic names (age, sex, race, ... are quasi-identifiers).
    A guess is a starting point: review it, and pass roles to :func:`workbench.load_dataset` to override it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table; it is not modified.

    Returns
    -------
    dict of str to RoleGuess
        ``{column: (role, reason)}``: each guess unpacks as ``(role, reason)`` and has ``.role`` and ``.reason``.

    Examples
    --------
    >>> import pandas as pd, workbench as wb
    >>> frame = pd.DataFrame({"email": ["ann@example.org", "bob@example.com"], "age": [34, 51]})
    >>> role, reason = wb.infer_roles(frame)["email"]
    >>> role.value, reason
    ('identifier', 'column name suggests an e-mail address')
    >>> wb.infer_roles(frame)["age"].role.value
    'quasi_identifier'
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidParameterError(f"infer_roles needs a pandas DataFrame; got {type(frame).__name__}.")
    if frame.shape[1] == 0:
        raise EmptyDataError("infer_roles got a table with no columns.")
    check_table(frame, "infer_roles")
    return {str(col): _guess(str(col), frame[col]) for col in frame.columns}
