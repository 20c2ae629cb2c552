"""DP releases of tables: synthetic data (MST / AIM on private-pgm) and budgeted DP statistics (OpenDP).

Heavy libraries (JAX, private-pgm, OpenDP) are imported on first use; without them a call raises a one-line
:class:`~workbench.errors.MissingDependencyError` naming ``pip install "privacy-workbench[synthetic]"``.
"""

from workbench.synthetic.result import SyntheticResult
from workbench.synthetic.statement import SyntheticStatement
from workbench.synthetic.statistics import Answer, StatisticsSession, StatisticsStatement, dp_statistics
from workbench.synthetic.synthesise import synthesise

__all__ = [
    "Answer",
    "StatisticsSession",
    "StatisticsStatement",
    "SyntheticResult",
    "SyntheticStatement",
    "dp_statistics",
    "synthesise",
]
