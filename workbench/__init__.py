"""privacy-workbench: privacy-preserving machine learning you can do and see in JupyterLab.

Everything public is importable from here; heavy parts (pandas, torch, Opacus, plotly) load on first use, so
``import workbench`` stays fast.

Examples
--------
>>> import workbench as wb
>>> ds = wb.load_dataset("adult")
>>> ds.name
'adult'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from workbench._version import __version__

# public name -> module that defines it (imported lazily on first attribute access)
_EXPORTS: dict[str, str] = {
    "Dataset": "workbench.datasets",
    "Provenance": "workbench.datasets",
    "load_dataset": "workbench.datasets",
    "available_datasets": "workbench.datasets",
    "Role": "workbench.roles",
    "infer_roles": "workbench.roles",
    "anonymise": "workbench.anonymise",
    "pseudonymise": "workbench.anonymise",
    "assess_risk": "workbench.risk",
    "train": "workbench.dp",
    "tune": "workbench.dp.tuning",
    "PrivacyStatement": "workbench.dp",
    "PrivacyLedger": "workbench.dp",
    "Release": "workbench.release",
    "Statement": "workbench.release",
    "federate": "workbench.federated",
    "FederatedResult": "workbench.federated",
    "membership_inference": "workbench.audit",
    "encrypted_inference": "workbench.encrypted",
    "synthesise": "workbench.synthetic",
    "dp_statistics": "workbench.synthetic",
    "tradeoff": "workbench.tradeoff",
    "report": "workbench.report",
    "dashboard": "workbench.widgets",
    "load_ipython_extension": "workbench.magics",
    "unload_ipython_extension": "workbench.magics",
}

__all__ = ["__version__", *_EXPORTS]

if TYPE_CHECKING:  # pragma: no cover
    from workbench.anonymise import anonymise, pseudonymise
    from workbench.audit import membership_inference
    from workbench.datasets import Dataset, Provenance, available_datasets, load_dataset
    from workbench.dp import PrivacyLedger, PrivacyStatement, train
    from workbench.dp.tuning import tune
    from workbench.encrypted import encrypted_inference
    from workbench.federated import FederatedResult, federate
    from workbench.magics import load_ipython_extension, unload_ipython_extension
    from workbench.release import Release, Statement
    from workbench.report import report
    from workbench.risk import assess_risk
    from workbench.roles import Role, infer_roles
    from workbench.synthetic import dp_statistics, synthesise
    from workbench.tradeoff import tradeoff
    from workbench.widgets import dashboard


def __getattr__(name: str) -> Any:
    try:
        module_name = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    # `anonymise`, `tradeoff` and `report` are both sub-packages and functions: the sub-package itself is
    # callable (see workbench/_callable.py), so either object works here.
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    if value is not module:
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
