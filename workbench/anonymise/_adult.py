"""Hand-written generalisation hierarchies for the Adult quasi-identifiers, after ARX's published ones."""

from __future__ import annotations

import functools
from collections.abc import Iterable

import pandas as pd

from workbench.anonymise.builders import flat_hierarchy, interval_hierarchy, tree_hierarchy
from workbench.anonymise.hierarchy import Hierarchy

__all__ = ["adult_hierarchies"]

_EDUCATION = {
    "*": {
        "Primary and secondary": {
            "Primary school": ["Preschool", "1st-4th", "5th-6th", "7th-8th"],
            "High school": ["9th", "10th", "11th", "12th", "HS-grad"],
        },
        "Higher education": {
            "Undergraduate": ["Some-college", "Assoc-acdm", "Assoc-voc", "Bachelors"],
            "Graduate": ["Masters", "Doctorate", "Prof-school"],
        },
    }
}
_MARITAL = {
    "*": {
        "Spouse present": ["Married-civ-spouse", "Married-AF-spouse"],
        "Spouse not present": ["Married-spouse-absent", "Never-married", "Divorced", "Separated", "Widowed"],
    }
}
_COUNTRY = {
    "*": {
        "North America": ["United-States", "Canada", "Outlying-US(Guam-USVI-etc)"],
        "Latin America": [
            "Mexico", "Cuba", "Dominican-Republic", "El-Salvador", "Guatemala", "Haiti", "Honduras", "Jamaica",
            "Nicaragua", "Puerto-Rico", "Trinadad&Tobago", "Columbia", "Ecuador", "Peru",
        ],
        "Europe": [
            "England", "France", "Germany", "Greece", "Holand-Netherlands", "Hungary", "Ireland", "Italy", "Poland",
            "Portugal", "Scotland", "Yugoslavia",
        ],
        "Asia": [
            "Cambodia", "China", "Hong", "India", "Iran", "Japan", "Laos", "Philippines", "South", "Taiwan",
            "Thailand", "Vietnam",
        ],
    }
}  # fmt: skip
_WORKCLASS = {
    "*": {
        "Non-government": ["Private", "Self-emp-not-inc", "Self-emp-inc"],
        "Government": ["Federal-gov", "Local-gov", "State-gov"],
        "Not working": ["Without-pay", "Never-worked"],
    }
}
_OCCUPATION = {
    "*": {
        "White-collar": ["Adm-clerical", "Exec-managerial", "Prof-specialty", "Sales", "Tech-support"],
        "Blue-collar": [
            "Craft-repair",
            "Farming-fishing",
            "Handlers-cleaners",
            "Machine-op-inspct",
            "Transport-moving",
        ],
        "Service": ["Other-service", "Priv-house-serv", "Protective-serv", "Armed-Forces"],
    }
}
_RACE = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]


def adult_hierarchies(ages: Iterable[int] | None = None) -> dict[str, Hierarchy]:
    """The Adult hierarchies: age (5 levels), education (4), marital-status, native-country, workclass, occupation
    (3 each), sex and race (2 each). Missing values get their own '?' branch when a table is encoded.

    Parameters
    ----------
    ages : iterable of int, optional
        The ages the age hierarchy must cover (default: 0 to 100), in 5-, 10- and 20-year bands from 0.

    Returns
    -------
    dict of str to Hierarchy
        One hierarchy per Adult quasi-identifier, by column name.

    Examples
    --------
    >>> from workbench.anonymise import adult_hierarchies
    >>> {name: h.n_levels for name, h in adult_hierarchies().items()}["age"]
    5
    """
    return dict(_cached(None if ages is None else tuple(ages)))


@functools.lru_cache(maxsize=4)
def _cached(ages: tuple[int, ...] | None) -> dict[str, Hierarchy]:
    ages = range(0, 101) if ages is None else ages
    hierarchies = {
        "age": interval_hierarchy(pd.Series(list(ages)), widths=(5, 10, 20), start=0, name="age"),
        "education": tree_hierarchy(_EDUCATION, name="education"),
        "marital-status": tree_hierarchy(_MARITAL, name="marital-status"),
        "native-country": tree_hierarchy(_COUNTRY, name="native-country"),
        "workclass": tree_hierarchy(_WORKCLASS, name="workclass"),
        "occupation": tree_hierarchy(_OCCUPATION, name="occupation"),
        "sex": flat_hierarchy(["Female", "Male"], name="sex"),
        "race": flat_hierarchy(_RACE, name="race"),
    }
    return hierarchies
