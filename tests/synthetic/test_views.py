"""Figures and the report section of a synthetic release: aggregates only, never a row."""

from __future__ import annotations


def test_figures_and_report_section(fit, small, tmp_path):
    import workbench as wb
    from workbench.viz import marginals_figure, synthetic_figures

    figs = synthetic_figures(fit)
    assert set(figs) == {"checks", *(f"marginal {c}" for c in fit.marginals)}
    bars = marginals_figure(fit, "education").data
    assert list(bars[0].x[:3]) == ["school", "college", "degree"] and abs(sum(bars[0].y) - 1) < 1e-9
    path = tmp_path / "report.html"
    wb.report(fit, path=path)
    text = path.read_text()
    assert "DP synthetic table (MST)" in text and "zero-concentrated DP" in text
    assert "person 1" not in text  # no identifier, no row
