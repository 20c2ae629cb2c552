"""Anonymisation: generalisation hierarchies, privacy models, optimal and Mondrian algorithms, pseudonymisation.

``workbench.anonymise`` is both this package and a function: ``wb.anonymise(ds, k=5)`` works either way.
"""

from workbench._callable import make_module_callable
from workbench.anonymise._adult import adult_hierarchies
from workbench.anonymise._anonymise import anonymise, check_parameters
from workbench.anonymise._registry import available_methods, register_method
from workbench.anonymise.builders import (
    auto_hierarchy,
    date_hierarchy,
    flat_hierarchy,
    interval_hierarchy,
    masking_hierarchy,
    tree_hierarchy,
)
from workbench.anonymise.hierarchy import Hierarchy, HierarchyError, validate_hierarchy
from workbench.anonymise.models import PrivacyModel
from workbench.anonymise.pseudonymise import PseudonymisationResult, pseudonymise
from workbench.anonymise.result import AnonymisationResult, AnonymisationStatement

__all__ = [
    "AnonymisationResult",
    "AnonymisationStatement",
    "Hierarchy",
    "HierarchyError",
    "PrivacyModel",
    "PseudonymisationResult",
    "adult_hierarchies",
    "anonymise",
    "auto_hierarchy",
    "available_methods",
    "check_parameters",
    "date_hierarchy",
    "flat_hierarchy",
    "interval_hierarchy",
    "masking_hierarchy",
    "pseudonymise",
    "register_method",
    "tree_hierarchy",
    "validate_hierarchy",
]

make_module_callable(__name__, anonymise)
