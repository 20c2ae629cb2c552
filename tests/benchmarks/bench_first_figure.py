"""Benchmark plotly's first-figure cost in the dashboard, and what warming it in the background hides (issue 14).

Run: ``python tests/benchmarks/bench_first_figure.py``. In fresh processes, it times the first ``go.FigureWidget()``
cold (the baseline: plotly's renderers import nbformat, jsonschema and an RFC 3987 grammar, and the default template
is validated) and the first dashboard figure (``figure_widget()``, what every tab uses) after the dashboard opened and
the user looked at it for ``pause`` seconds (``warm_plotly`` runs in the background meanwhile). Timings on a shared
machine are noisy: each number is a median of fresh processes, and the ratio is taken within the same run. The
browser's share (plotly.js loaded once per page by the preload widget) is timed by the browser test
(``python -m pytest tests/browser -s``).
"""

from __future__ import annotations

import statistics
import subprocess
import sys

COLD = (
    "import time, plotly.graph_objects as go; t = time.perf_counter(); go.FigureWidget(); "
    "print(time.perf_counter() - t)"
)
WARMED = (
    "import time, workbench as wb; app = wb.dashboard('diabetes'); time.sleep({pause}); "
    "from workbench.widgets.views.shared_plotly import figure_widget; t = time.perf_counter(); figure_widget(); "
    "print(time.perf_counter() - t)"
)


def _median(code: str, repeats: int) -> float:
    runs = [subprocess.check_output([sys.executable, "-c", code], text=True) for _ in range(repeats)]
    return statistics.median(float(out.split()[-1]) for out in runs)


def main(repeats: int = 3, pause: float = 8.0) -> None:
    cold = _median(COLD, repeats)
    warmed = _median(WARMED.format(pause=pause), repeats)
    print(f"first FigureWidget, cold (baseline):             {cold:.2f} s (median of {repeats} processes)")
    print(f"first dashboard figure, {pause:.0f} s after it opened: {warmed:.2f} s ({cold / warmed:.0f}x faster)")


if __name__ == "__main__":
    main()
