"""``report``: one self-contained HTML privacy report (plotly.js inlined, works offline) from workbench results.

``workbench.report`` is both this module and the function: ``wb.report(curve, path="report.html")`` works.
The report shows provenance, roles, parameters, privacy statements, figures and audits; it never contains a data
row, a pseudonymisation key or a raw identifier: it is built from results' plain-data summaries only.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench._callable import make_module_callable
from workbench._version import __version__
from workbench.errors import InvalidParameterError

__all__ = ["render_report", "report"]

_esc = html.escape

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;
color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em;margin-bottom:0}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:2em}
table{border-collapse:collapse;margin:8px 0;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f2f6fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.note{background:#fff6e0;border-left:4px solid #E69F00;padding:8px 12px;margin:10px 0}
.meta{color:#555;font-size:.9em}details{margin:4px 0}summary{cursor:pointer}.figure{margin:12px 0}
"""


# -- small HTML helpers ------------------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return "∞" if math.isinf(value) else f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def _kv_table(data: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_esc(str(k))}</th><td>{_esc(_fmt(v))}</td></tr>" for k, v in data.items())
    return f"<table>{rows}</table>"


def _frame_table(frame: Any) -> str:
    head = "".join(f"<th>{_esc(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = "".join(
            f"<td class='num'>{_esc(_fmt(v))}</td>" if isinstance(v, (int, float)) else f"<td>{_esc(_fmt(v))}</td>"
            for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


class _Figures:
    """Collects figures; each is embedded as a div (plotly.js is inlined once for the whole file)."""

    def __init__(self) -> None:
        self.count = 0

    def html(self, fig: Any, name: str) -> str:
        self.count += 1
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"wb-fig-{self.count}", config={"displaylogo": False}
        )
        return f"<div class='figure' data-figure='{_esc(name)}'>{div}</div>"


# -- sections ----------------------------------------------------------------------------------------------------
def _dataset_section(info: Mapping[str, Any]) -> str:
    source = info.get("source", {}) or {}
    facts = {
        "name": info.get("name"),
        "description": info.get("description"),
        "rows": info.get("rows"),
        "train / test rows": f"{info.get('train_rows')} / {info.get('test_rows')}",
        "target": info.get("target"),
        "origin": source.get("origin"),
        "licence": source.get("licence"),
        "citation": source.get("citation"),
        "source sha256": source.get("sha256"),
        "content fingerprint (sha256)": info.get("fingerprint"),
    }
    roles = info.get("roles", {}) or {}
    by_role: dict[str, list[str]] = {}
    for col, role in roles.items():
        by_role.setdefault(str(role), []).append(str(col))
    role_rows = "".join(
        f"<tr><th>{_esc(role.replace('_', ' '))}</th><td>{_esc(', '.join(cols))}</td></tr>"
        for role, cols in sorted(by_role.items())
    )
    return (
        f"<h2>Dataset <code>{_esc(str(info.get('name')))}</code></h2>{_kv_table({k: v for k, v in facts.items() if v})}"
        f"<h3>Column roles</h3><p class='meta'>Column names only; the report holds no data rows.</p>"
        f"<table>{role_rows}</table>"
    )


def _statement_html(statement: Mapping[str, Any]) -> str:
    text = ""
    if "noise_multiplier" in statement:
        try:
            from workbench.tradeoff._budget import privacy_statement

            point = type("P", (), {"statement": statement})()
            text = f"<p>{_esc(privacy_statement(point).plain_language())}</p>"
        except Exception:  # a statement from an older version: show the numbers only
            text = ""
    return text + _kv_table(statement)


def _tradeoff_section(result: Any, figures: _Figures) -> str:
    from workbench import viz

    frame = result.results
    options = dict(result.options)
    table = frame.drop(columns=["statement"])
    table = table.loc[:, [c for c in table.columns if table[c].notna().any()]]
    parts = [
        f"<h2>Trade-off sweep: {_esc(result.technique)} on <code>{_esc(str(result.dataset.get('name')))}</code></h2>",
        f"<p class='meta'>{len(result.points)} of {len(result.grid)} points · executor {_esc(result.executor)} · "
        f"seed {result.seed} · {result.seconds:.1f} s{' · stopped early' if result.stopped else ''}</p>",
        f"<div class='note'><b>Privacy budget.</b> {_esc(result.budget_note)}</div>",
        "<h3>Parameters</h3>",
        _kv_table({"technique": result.technique, "swept": result.parameter, "grid": list(result.grid), **options}),
        "<h3>Results</h3>",
        _frame_table(table),
        "<h3>Figures</h3>",
    ]
    if result.parameter == "epsilon":
        if "accuracy" in frame:
            parts.append(figures.html(viz.tradeoff_figure(result), "utility-vs-epsilon"))
        if "epsilon_lower_bound" in frame and frame["epsilon_lower_bound"].notna().any():
            parts.append(figures.html(viz.leakage_figure(result), "leakage-vs-epsilon"))
        if "mia_advantage" in frame and frame["mia_advantage"].notna().any():
            parts.append(figures.html(viz.utility_vs_leakage_figure(result), "utility-vs-leakage"))
        if any("roc" in p.details for p in result.points):
            parts.append(figures.html(viz.roc_figure(result), "roc"))
        with_history = [p for p in result.points if p.details.get("history")]
        if with_history:
            parts.append(figures.html(viz.training_figure(with_history[0]), "training"))
    else:
        if {"accuracy", "reidentification_rate"} <= set(frame.columns):
            parts.append(figures.html(viz.k_figure(result), "utility-vs-k"))
        with_sizes = [p for p in result.points if p.details.get("class_sizes")]
        if with_sizes:
            fig = viz.class_size_figure(*with_sizes, names=[p.label() for p in with_sizes])
            parts.append(figures.html(fig, "class-sizes"))
        if "mia_advantage" in frame or "reidentification_rate" in frame:
            parts.append(figures.html(viz.utility_vs_leakage_figure(result), "utility-vs-leakage"))
    parts.append(_audit_table(frame))
    parts.append("<h3>Statements</h3>")
    for p in result.points:
        parts.append(f"<details><summary>{_esc(p.label())}</summary>{_statement_html(p.statement)}</details>")
    return "".join(parts)


def _audit_table(frame: Any) -> str:
    cols = [c for c in ("mia_auc", "mia_advantage", "tpr_at_1pct_fpr", "epsilon_lower_bound") if c in frame]
    if not cols or not frame[cols].notna().any().any():
        return ""
    rows = []
    for _, row in frame.iterrows():
        bound, claimed = row.get("epsilon_lower_bound"), row["epsilon"]
        if bound is None or (isinstance(bound, float) and math.isnan(bound)):
            verdict = "—"
        elif math.isinf(claimed):
            verdict = "no claim to check (trained without DP)"
        else:
            verdict = "consistent with the claim" if bound <= claimed else "VIOLATES the claim: check the training"
        cells = "".join(f"<td class='num'>{_esc(_fmt(row[c]))}</td>" for c in cols)
        rows.append(f"<tr><td>{_esc(_fmt(claimed))}</td>{cells}<td>{_esc(verdict)}</td></tr>")
    head = "".join(f"<th>{_esc(c)}</th>" for c in ("claimed ε", *cols, "audit verdict"))
    return (
        "<h3>Audits (membership inference)</h3><p class='meta'>An empirical ε lower bound above the claimed ε would "
        "prove the claim false; below it, the audit found nothing that contradicts it.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _train_section(run: Any, figures: _Figures) -> str:
    from workbench import viz

    info = {"dataset": getattr(run, "dataset_name", ""), "dataset fingerprint": getattr(run, "dataset_fingerprint", "")}
    config = getattr(run, "config", None)
    params = config.to_dict() if hasattr(config, "to_dict") else {}
    return (
        "<h2>DP training run</h2>"
        + _kv_table({**info, **{k: v for k, v in params.items() if not isinstance(v, Mapping)}})
        + "<h3>Statement</h3>"
        + _statement_html(run.statement.to_dict())
        + "<h3>Test metrics</h3>"
        + _kv_table(dict(run.metrics))
        + figures.html(viz.training_figure(run), "training")
    )


def _synthetic_section(result: Any, figures: _Figures) -> str:
    """A DP synthetic table: statement, metrics, checks and marginals (aggregates only, never rows)."""
    from workbench import viz

    metrics = {k: v for k, v in dict(result.metrics).items() if isinstance(v, (int, float))}
    charts = viz.synthetic_figures(result)
    return (
        f"<h2>DP synthetic table ({_esc(result.statement.mechanism)})</h2>"
        + _kv_table({"dataset": result.dataset_name, "rows": len(result.data), "columns": result.data.shape[1]})
        + "<h3>Statement</h3>"
        + f"<p>{_esc(result.statement.plain_language())}</p>"
        + "<h3>Utility and privacy checks</h3>"
        + _kv_table(metrics)
        + "".join(figures.html(fig, name) for name, fig in charts.items())
    )


def _audit_section(audit: Any, figures: _Figures) -> str:
    from workbench import viz

    summary = audit.summary() if hasattr(audit, "summary") else {"auc": audit.auc, "advantage": audit.advantage}
    summary = {k: v for k, v in summary.items() if not isinstance(v, (list, tuple, Mapping)) or k == "notes"}
    return "<h2>Membership-inference audit</h2>" + _kv_table(summary) + figures.html(viz.roc_figure(audit), "roc")


def _anonymisation_section(result: Any, figures: _Figures) -> str:
    from workbench import viz

    statement = result.statement.to_dict() if hasattr(result.statement, "to_dict") else dict(result.statement)
    metrics = {k: v for k, v in dict(result.metrics).items() if isinstance(v, (int, float))}
    return (
        "<h2>Anonymised release</h2><h3>Statement</h3>"
        + _kv_table(statement)
        + "<h3>Utility</h3>"
        + _kv_table(metrics)
        + _risk_body(result.risk, figures)
        + figures.html(viz.class_size_figure(result), "class-sizes")
    )


def _risk_body(risk: Any, figures: _Figures) -> str:
    from workbench import viz

    facts = {name: getattr(risk, name, None) for name in ("k", "l", "t", "sample_uniqueness")}
    facts.update(dict(getattr(risk, "prosecutor", {})))
    return "<h3>Re-identification risk</h3>" + _kv_table(facts) + figures.html(viz.risk_figure(risk), "risk")


def _risk_section(risk: Any, figures: _Figures) -> str:
    from workbench import viz

    return (
        "<h2>Risk assessment</h2>"
        + _risk_body(risk, figures)
        + figures.html(viz.class_size_figure(risk), "class-sizes")
    )


def _pseudonymisation_section(result: Any, figures: _Figures) -> str:
    # the key is a secret: only the method and the columns replaced are shown, never the key or the tokens
    facts = {"method": getattr(result, "method", "hmac"), "columns": list(getattr(result, "columns", []) or [])}
    return (
        "<h2>Pseudonymisation</h2>"
        + _kv_table(facts)
        + "<p class='meta'>The secret key is not part of this report. Keyed tokens are pseudonymous, not anonymous: "
        "whoever holds the key can link them back to people.</p>"
    )


def _section(item: Any, figures: _Figures, datasets: dict[str, Mapping[str, Any]]) -> str:
    from workbench.datasets import Dataset
    from workbench.tradeoff import TradeoffResult

    if isinstance(item, TradeoffResult):
        datasets.setdefault(item.dataset.get("fingerprint", item.dataset.get("name", "")), item.dataset)
        return _tradeoff_section(item, figures)
    if isinstance(item, Dataset):
        from workbench.tradeoff._dataset_ref import dataset_info

        info = dataset_info(item)
        datasets.setdefault(info["fingerprint"], info)
        return ""
    if hasattr(item, "key") and hasattr(item, "data") and not hasattr(item, "statement"):
        return _pseudonymisation_section(item, figures)
    if hasattr(item, "history") and hasattr(item, "statement") and hasattr(item, "model"):
        return _train_section(item, figures)
    if hasattr(item, "roc") and hasattr(item, "auc"):
        return _audit_section(item, figures)
    if hasattr(item, "statement") and hasattr(item, "risk") and hasattr(item, "metrics"):
        return _anonymisation_section(item, figures)
    if hasattr(item, "class_sizes") and hasattr(item, "prosecutor"):
        return _risk_section(item, figures)
    if getattr(item, "technique", None) == "dp-synthetic":  # until a section registry exists (issue 13)
        return _synthetic_section(item, figures)
    raise InvalidParameterError(
        f"report cannot show a {type(item).__name__}; pass Datasets, tradeoff results, train results, audit results, "
        "anonymisation, pseudonymisation or risk results."
    )


def render_report(*results: Any, title: str = "Privacy report") -> str:
    """The report as an HTML string (see :func:`report`)."""
    from plotly.offline import get_plotlyjs

    if not results:
        raise InvalidParameterError("report needs at least one result to show (a sweep, a train result, ...).")
    figures = _Figures()
    datasets: dict[str, Mapping[str, Any]] = {}
    sections = [_section(item, figures, datasets) for item in results]
    dataset_html = "".join(_dataset_section(info) for info in datasets.values())
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='generator' content='privacy-workbench {__version__}'><title>{_esc(title)}</title>"
        f"<style>{_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>{_esc(title)}</h1><p class='meta'>Made with privacy-workbench {__version__} on {now}. "
        "Self-contained: opens offline, no data rows, keys or identifiers inside.</p>"
        f"{dataset_html}{''.join(sections)}</body></html>\n"
    )


def report(*results: Any, path: str | os.PathLike = "report.html", title: str = "Privacy report") -> Path:
    """Write one self-contained HTML privacy report (plotly.js inlined; opens offline) and return its path.

    Parameters
    ----------
    *results
        Any mix of :class:`~workbench.tradeoff.TradeoffResult`, :class:`~workbench.Dataset` (provenance and roles),
        train results, audit results, anonymisation / pseudonymisation results and risk reports.
    path : str or path, default="report.html"
        Where to write the file (folders are created).
    title : str, default="Privacy report"

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import workbench as wb
    >>> from workbench.tradeoff import TradeoffPoint, TradeoffResult
    >>> point = TradeoffPoint(technique="dp", parameter="epsilon", value=1.0, epsilon=1.0, utility={"accuracy": 0.8})
    >>> curve = TradeoffResult(points=(point,), technique="dp", parameter="epsilon", grid=(1.0,), spends_budget=True)
    >>> out = wb.report(curve, path=pathlib.Path(tempfile.mkdtemp()) / "report.html")
    >>> out.read_text().startswith("<!DOCTYPE html>")
    True
    """
    text = render_report(*results, title=title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


make_module_callable(__name__, report)
