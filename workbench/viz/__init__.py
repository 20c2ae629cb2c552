"""Figures: pure functions from results to plotly ``go.Figure`` objects (no state, no display, no widgets).

Every figure uses the Okabe-Ito colour-blind-safe palette, has a title and axis titles with units, and its hover
text carries the privacy statement of each point.
"""

from workbench.viz._audit import roc_figure
from workbench.viz._risk import class_size_figure, risk_figure
from workbench.viz._style import PALETTE
from workbench.viz._synthetic import marginals_figure, statistics_figure, synthetic_checks_figure, synthetic_figures
from workbench.viz._tradeoff import k_figure, leakage_figure, tradeoff_figure, utility_vs_leakage_figure
from workbench.viz._training import training_figure

__all__ = [
    "PALETTE",
    "class_size_figure",
    "k_figure",
    "leakage_figure",
    "marginals_figure",
    "risk_figure",
    "roc_figure",
    "statistics_figure",
    "synthetic_checks_figure",
    "synthetic_figures",
    "tradeoff_figure",
    "training_figure",
    "utility_vs_leakage_figure",
]
