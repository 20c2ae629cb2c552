"""The dashboard: a budget bar over the tabs (Data, Risk, Anonymise, Synthetic, Train, Federated, Audit, Encrypted,
Trade-off), built lazily."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets

from workbench.widgets.state.app import DashboardState
from workbench.widgets.views.budget import BudgetBar
from workbench.widgets.views.data import DataView
from workbench.widgets.views.figures import figure_mode, warm_plotly
from workbench.widgets.views.shared_plotly import plotly_preload

__all__ = ["TABS", "Dashboard"]


def _risk(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.risk import RiskView

    return RiskView(state.risk)


def _anonymise(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.anonymise import AnonymiseView

    return AnonymiseView(state.anonymise)


def _federated(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.federated import FederatedView

    return FederatedView(state.federated)


def _train(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.train import TrainView

    return TrainView(state.train)


def _audit(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.audit import AuditView

    return AuditView(state.audit)


def _encrypted(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.encrypted import EncryptedView

    return EncryptedView(state.encrypted)


def _tradeoff(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.tradeoff import TradeoffView

    return TradeoffView(state.tradeoff)


# tab title -> builder of its view, in workflow order
def _synthetic(state: DashboardState) -> widgets.Widget:
    from workbench.widgets.views.synthetic import SyntheticView

    return SyntheticView(state.synthetic)


TABS: dict[str, Callable[[DashboardState], widgets.Widget]] = {
    "Data": lambda state: DataView(state.data),
    "Risk": _risk,
    "Anonymise": _anonymise,
    "Synthetic": _synthetic,
    "Train": _train,
    "Federated": _federated,
    "Audit": _audit,
    "Encrypted": _encrypted,
    "Trade-off": _tradeoff,
}


class Dashboard(widgets.VBox):
    """The workbench app. Each tab's view is built the first time the tab is shown, so the app opens quickly.

    Attributes
    ----------
    state : DashboardState
        All the logic and results, usable without a browser.
    views : dict of str to Widget
        The views built so far, by tab title.

    Examples
    --------
    >>> import workbench as wb
    >>> app = wb.dashboard("diabetes")
    >>> view = app.show("Trade-off")
    >>> list(app.views), app.tabs.selected_index
    (['Data', 'Trade-off'], 8)
    """

    def __init__(self, state: DashboardState) -> None:
        warm_plotly()  # the first FigureWidget costs seconds: pay them while the user looks at the Data tab
        self.state = state
        self.views: dict[str, widgets.Widget] = {}
        self._slots = [widgets.VBox([]) for _ in TABS]
        self.tabs = widgets.Tab(children=self._slots, titles=list(TABS))
        self.tabs.add_class("wb-tabs")
        self.tabs.observe(lambda change: self.show(list(TABS)[change["new"]]), "selected_index")
        header = widgets.HTML("<h3 style='margin:4px 0;white-space:nowrap'>Privacy workbench</h3>")
        self.budget = BudgetBar(state.budget)
        # the browser loads plotly's front end (seconds) while the user reads the Data tab; invisible, never blocking
        self.preload = plotly_preload() if figure_mode() == "widget" else None
        top = widgets.HBox([header, self.budget], layout={"justify_content": "space-between"})
        super().__init__([top, self.tabs, *([self.preload] if self.preload is not None else [])])
        self.add_class("wb-dashboard")
        self.show("Data")

    def show(self, title: str) -> widgets.Widget:
        """Build (once) and select the tab ``title``; return its view."""
        if title not in TABS:
            raise KeyError(f"no tab {title!r}; the tabs are {', '.join(TABS)}")
        index = list(TABS).index(title)
        if title not in self.views:
            view = TABS[title](self.state)
            self.views[title] = view
            self._slots[index].children = [view]
        if self.tabs.selected_index != index:
            self.tabs.selected_index = index
        self.state.refresh_budget()  # runs from cells (%wb train, wb.train) spend budget too
        activate = getattr(self.views[title], "activate", None)
        if activate is not None:
            activate()
        return self.views[title]
