"""Figures: pure functions from results to plotly ``go.Figure`` objects (no state, no display, no widgets).

Every figure uses the Okabe-Ito colour-blind-safe palette, has a title and axis titles with units, and its hover
text carries the privacy statement of each point. :func:`figures_for` is the one dispatch from a result to its
figures; a new result type plugs in with :func:`register_figures`.

``viz`` sits low in the layer order (above ``datasets``, beside ``risk`` and ``utility``): it reads results
through their attributes and registers the built-in results by qualified name, so it imports no technique.
"""

from workbench.viz._audit import audit_figures, roc_figure
from workbench.viz._encrypted import (
    encrypted_cost_figure,
    encrypted_figures,
    encrypted_precision_figure,
    encrypted_sizes_figure,
    encrypted_tradeoff_figure,
)
from workbench.viz._federated import federated_figures, partition_figure, rounds_figure
from workbench.viz._registry import FigureBuilder, figures_for, register_figures
from workbench.viz._risk import anonymisation_figures, class_size_figure, risk_figure, risk_figures
from workbench.viz._style import PALETTE
from workbench.viz._synthetic import marginals_figure, statistics_figure, synthetic_checks_figure, synthetic_figures
from workbench.viz._tradeoff import (
    k_figure,
    leakage_figure,
    sweep_axes,
    sweep_figures,
    tradeoff_figure,
    utility_vs_leakage_figure,
)
from workbench.viz._training import train_figures, training_figure

__all__ = [
    "PALETTE",
    "FigureBuilder",
    "class_size_figure",
    "encrypted_cost_figure",
    "encrypted_figures",
    "encrypted_precision_figure",
    "encrypted_sizes_figure",
    "encrypted_tradeoff_figure",
    "federated_figures",
    "figures_for",
    "k_figure",
    "leakage_figure",
    "marginals_figure",
    "partition_figure",
    "register_figures",
    "risk_figure",
    "roc_figure",
    "rounds_figure",
    "statistics_figure",
    "sweep_axes",
    "synthetic_checks_figure",
    "synthetic_figures",
    "tradeoff_figure",
    "training_figure",
    "utility_vs_leakage_figure",
]

# the built-in results, by qualified name (importing them here would import torch and every technique)
register_figures("workbench.tradeoff._result.TradeoffResult", sweep_figures)
register_figures("workbench.dp.result.TrainResult", train_figures)
register_figures("workbench.audit.result.AuditResult", audit_figures)
register_figures("workbench.risk._report.RiskReport", risk_figures)
register_figures("workbench.anonymise.result.AnonymisationResult", anonymisation_figures)
register_figures("workbench.encrypted.result.EncryptedResult", encrypted_figures)
register_figures("workbench.federated.result.FederatedResult", federated_figures)
register_figures("workbench.synthetic.result.SyntheticResult", synthetic_figures)
