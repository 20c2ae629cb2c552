"""The dashboard: ``workbench.dashboard(dataset)`` opens the ipywidgets app (state in ``widgets.state``).

Examples
--------
>>> import workbench as wb
>>> app = wb.dashboard("diabetes")
>>> app.state.data.dataset.name, list(app.views)
('diabetes', ['Data'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from workbench.datasets import Dataset
    from workbench.widgets.views.dashboard import Dashboard

__all__ = ["dashboard"]


def dashboard(
    dataset: Dataset | pd.DataFrame | str | None = None,
    *,
    namespace: Mapping[str, Any] | None = None,
    seed: int = 0,
    executor: Any = None,
) -> Dashboard:
    """Open the privacy workbench dashboard: Data, Risk, Anonymise, Train, Audit and Trade-off tabs.

    Parameters
    ----------
    dataset : Dataset, DataFrame or str, optional
        What to open with (a bundled name, a path, a DataFrame); the Data tab can pick another one.
    namespace : mapping, optional
        Where the Data tab looks for DataFrames (default: the notebook's namespace).
    seed : int, default=0
        Seed for every computation started from the dashboard.
    executor : optional
        Where trade-off sweeps run (see :func:`workbench.tradeoff`): None (its default), ``"serial"``,
        ``"processes"`` or a Dask ``Client``.

    Returns
    -------
    Dashboard
        An ipywidgets ``VBox``; ``.state`` holds all logic and results (see ``workbench.widgets.state``).

    Raises
    ------
    WorkbenchError
        When ``dataset`` cannot be loaded (the message says why).

    Examples
    --------
    >>> import workbench as wb
    >>> app = wb.dashboard("diabetes", namespace={})  # in a notebook, the last line of a cell shows it
    >>> app.state.data.dataset.name
    'diabetes'
    """
    from workbench.datasets import Dataset
    from workbench.widgets.state.app import DashboardState
    from workbench.widgets.views.dashboard import Dashboard

    if namespace is None:
        namespace = _notebook_namespace()
    state = DashboardState(namespace=namespace, seed=seed)
    state.tradeoff.executor = executor
    if dataset is not None:
        import workbench as wb

        loaded = dataset if isinstance(dataset, Dataset) else wb.load_dataset(dataset)
        state.data.load(loaded)
        if isinstance(dataset, str):
            state.data.source = dataset
    return Dashboard(state)


def _notebook_namespace() -> Mapping[str, Any]:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of ipykernel
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}
