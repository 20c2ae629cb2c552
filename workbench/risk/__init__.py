"""Re-identification risk: equivalence classes, achieved k, l, t, prosecutor / journalist / marketer risk, linkage.

The measures over equivalence classes live here once; the anonymisation algorithms use them as constraints.
This package never imports :mod:`workbench.anonymise`.
"""

from workbench.risk._classes import (
    class_sizes,
    combine_codes,
    distribution_matrix,
    encode_column,
    equivalence_classes,
    l_distinct,
    l_entropy,
    l_recursive,
    t_closeness,
)
from workbench.risk._inputs import Columns, resolve_columns
from workbench.risk._linkage import LinkageResult, linkage_attack
from workbench.risk._report import RiskReport, assess_risk, is_ordered, sensitive_measures

__all__ = [
    "Columns",
    "LinkageResult",
    "RiskReport",
    "assess_risk",
    "class_sizes",
    "combine_codes",
    "distribution_matrix",
    "encode_column",
    "equivalence_classes",
    "is_ordered",
    "l_distinct",
    "l_entropy",
    "l_recursive",
    "linkage_attack",
    "resolve_columns",
    "sensitive_measures",
    "t_closeness",
]
