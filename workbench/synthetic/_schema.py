"""Public knowledge about the bundled datasets: the value ranges their documentation publishes.

UCI's Adult documentation gives every column's range and categories; the bin edges below are round numbers chosen
from those published ranges (not from the rows), so discretising with them spends no privacy budget. The
``patients`` table has Adult's columns (plus synthetic identifiers, which are never released).
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["BUNDLED_EDGES", "is_bundled"]

_AGE = tuple(float(x) for x in [17, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 91])
_HOURS = tuple(float(x) for x in [1, 10, 20, 25, 30, 35, 40, 41, 45, 50, 55, 60, 70, 80, 100])
_GAIN = tuple(float(x) for x in [0, 1, 1000, 2000, 3000, 4000, 5000, 7000, 10000, 15000, 25000, 50000, 100000])
_LOSS = tuple(float(x) for x in [0, 1, 1000, 1500, 1800, 2000, 2200, 2500, 3000, 4400])
_FNLWGT = tuple(float(x) for x in [0, 50e3, 100e3, 150e3, 200e3, 250e3, 300e3, 400e3, 500e3, 750e3, 1.5e6])
_EDUCATION_NUM = tuple(float(x) for x in range(1, 18))

_ADULT = MappingProxyType(
    {
        "age": _AGE,
        "fnlwgt": _FNLWGT,
        "education-num": _EDUCATION_NUM,
        "capital-gain": _GAIN,
        "capital-loss": _LOSS,
        "hours-per-week": _HOURS,
    }
)
# bin edges (left-closed, the last bin closed) per bundled dataset and numeric column
BUNDLED_EDGES: MappingProxyType = MappingProxyType({"adult": _ADULT, "patients": _ADULT})


def is_bundled(dataset: object) -> bool:
    """Whether ``dataset`` is a bundled dataset as loaded (its provenance is the bundled one)."""
    from workbench.datasets import bundled_provenance

    name = getattr(dataset, "name", None)
    provenance = bundled_provenance(name) if isinstance(name, str) else None
    return provenance is not None and getattr(dataset, "source", None) == provenance
