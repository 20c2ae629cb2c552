"""What every anonymisation algorithm hands back (:class:`Draft`) and what it checks classes with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.anonymise.models import ClassChecker, PrivacyModel

__all__ = ["Draft", "SensitiveParts", "make_checker"]


@dataclass
class Draft:
    """What an algorithm hands back: which records stay, their released QI values, per-record loss and codes."""

    kept: np.ndarray  # positions of kept records in the input
    values: dict[str, Any]  # per QI: released values of the kept records (array-like)
    loss: dict[str, np.ndarray]  # per QI: information loss of each kept record
    codes: dict[str, np.ndarray]  # per QI: a code per kept record identifying its released value
    cover: dict[str, np.ndarray]  # per QI: input records whose value the kept record's released value covers
    transformation: dict[str, Any]
    optimal: bool | None
    nodes_evaluated: int | None


@dataclass(frozen=True)
class SensitiveParts:
    codes: list[np.ndarray]
    cards: list[int]
    ordered: list[bool]


def make_checker(model: PrivacyModel, parts: SensitiveParts, weights: np.ndarray, sensitive: list[np.ndarray]):
    return ClassChecker(model, weights, sensitive, parts.cards, parts.ordered)
