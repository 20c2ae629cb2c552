"""Figures: pure functions from results to plotly ``go.Figure`` objects (no state, no display, no widgets).

Every figure uses the Okabe-Ito colour-blind-safe palette, has a title and axis titles with units, and its hover
text carries the privacy statement of each point.
"""

from workbench.viz._audit import roc_figure
from workbench.viz._federated import federated_figures, partition_figure, rounds_figure
from workbench.viz._risk import class_size_figure, risk_figure
from workbench.viz._style import PALETTE
from workbench.viz._tradeoff import k_figure, leakage_figure, tradeoff_figure, utility_vs_leakage_figure
from workbench.viz._training import training_figure

__all__ = [
    "PALETTE",
    "class_size_figure",
    "federated_figures",
    "k_figure",
    "leakage_figure",
    "partition_figure",
    "risk_figure",
    "roc_figure",
    "rounds_figure",
    "tradeoff_figure",
    "training_figure",
    "utility_vs_leakage_figure",
]
