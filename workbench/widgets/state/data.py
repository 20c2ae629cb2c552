"""State of the Data tab: which dataset is loaded, its preview, and its column roles with the inferred reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from traitlets import Dict, HasTraits, Instance, Unicode

from workbench.datasets import Dataset
from workbench.widgets.state.jobs import describe_error

__all__ = ["ROLE_NAMES", "DataState"]

ROLE_NAMES: tuple[str, ...] = ("identifier", "quasi_identifier", "sensitive", "target", "insensitive")


class DataState(HasTraits):
    """The current dataset, picked from the bundled ones or a DataFrame in the user's namespace.

    Examples
    --------
    >>> state = DataState()
    >>> state.load("diabetes")
    True
    >>> state.dataset.name, state.roles["age"], state.reasons["age"][:11]
    ('diabetes', 'quasi_identifier', 'column name')
    >>> state.set_role("bmi", "quasi_identifier")
    True
    >>> state.roles["bmi"]
    'quasi_identifier'
    """

    dataset = Instance(Dataset, allow_none=True, help="the dataset every other tab works on")
    source = Unicode("", help="what was loaded: a bundled name or a variable name")
    roles = Dict(help="column -> role name of the current dataset")
    reasons = Dict(help="column -> why infer_roles guesses the role it guesses")
    guesses = Dict(help="column -> the role infer_roles guesses")
    error = Unicode("", help="a readable message about the last failed action")

    def __init__(self, namespace: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.namespace = namespace if namespace is not None else {}

    def sources(self) -> list[str]:
        """Bundled dataset names, then the names of DataFrames and Datasets in the namespace."""
        import workbench as wb

        mine = [
            name
            for name, value in self.namespace.items()
            if not name.startswith("_") and isinstance(value, (pd.DataFrame, Dataset))
        ]
        return [*wb.available_datasets().index, *sorted(mine)]

    def load(self, source: str | pd.DataFrame | Dataset, *, target: str | None = None) -> bool:
        """Load ``source`` (bundled name, variable name, DataFrame or Dataset); ``False`` and :attr:`error` if not."""
        import workbench as wb

        try:
            value: Any = source
            name = None
            if isinstance(source, str) and source in self.namespace:
                value, name = self.namespace[source], source
            dataset = value if isinstance(value, Dataset) else wb.load_dataset(value, target=target, name=name)
        except Exception as exc:  # shown in the panel, never a traceback in the UI
            self.error = describe_error(exc)
            return False
        self.error = ""
        self.source = source if isinstance(source, str) else dataset.name
        self._set(dataset, infer=True)
        return True

    def set_role(self, column: str, role: str) -> bool:
        """Give ``column`` the role ``role``; ``False`` and :attr:`error` when the roles would contradict."""
        if self.dataset is None:
            self.error = "Load a dataset first."
            return False
        try:
            dataset = self.dataset.with_roles(**{column: role})
        except Exception as exc:  # shown in the panel
            self.error = describe_error(exc)
            return False
        self.error = ""
        self._set(dataset, infer=False)
        return True

    def preview(self, rows: int = 10) -> pd.DataFrame:
        """The first ``rows`` rows of the dataset (an empty frame when none is loaded)."""
        return pd.DataFrame() if self.dataset is None else self.dataset.frame.head(rows)

    def _set(self, dataset: Dataset, *, infer: bool) -> None:
        if infer:
            import workbench as wb

            guesses = wb.infer_roles(dataset.frame)
            self.reasons = {c: g.reason for c, g in guesses.items()}
            self.guesses = {c: g.role.value for c, g in guesses.items()}
        self.roles = {str(c): str(dataset.roles.get(c, "insensitive")) for c in dataset.frame.columns}
        self.dataset = dataset
