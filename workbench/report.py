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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from workbench._callable import make_module_callable
from workbench._typemap import TypeMap
from workbench._version import __version__
from workbench.errors import InvalidParameterError
from workbench.release import Release

__all__ = ["ReportPage", "SectionRenderer", "register_section", "render_report", "report"]

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


class ReportPage:
    """What a section renderer gets: helpers that turn plain data and figures into HTML for one report.

    A renderer (see :func:`register_section`) is ``renderer(result, page) -> str``; it reads the result's plain-data
    views (``summary()``, ``statement``, ``metrics``), never its rows, keys or identifiers.

    Examples
    --------
    >>> page = ReportPage()
    >>> page.table({"k": 5})
    '<table><tr><th>k</th><td>5</td></tr></table>'
    """

    def __init__(self) -> None:
        self.count = 0
        self.datasets: dict[str, Mapping[str, Any]] = {}

    def figure(self, fig: Any, name: str) -> str:
        """One figure as a div (plotly.js is inlined once for the whole file)."""
        self.count += 1
        div = fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"wb-fig-{self.count}", config={"displaylogo": False}
        )
        return f"<div class='figure' data-figure='{_esc(name)}'>{div}</div>"

    def figures(self, result: Any) -> str:
        """Every figure :func:`workbench.viz.figures_for` gives for ``result``, in its order."""
        from workbench import viz

        return "".join(self.figure(fig, name) for name, fig in viz.figures_for(result).items())

    def table(self, data: Mapping[str, Any]) -> str:
        """A two-column table of names and values."""
        return _kv_table(data)

    def frame_table(self, frame: Any) -> str:
        """A DataFrame of plain numbers and words as a table."""
        return _frame_table(frame)

    def statement(self, statement: Any) -> str:
        """A statement (protocol object or its ``to_dict()``) as its plain-language paragraph and its numbers."""
        if isinstance(statement, Mapping):
            return _kv_table(statement)
        return f"<p>{_esc(statement.plain_language())}</p>" + _kv_table(statement.to_dict())

    def add_dataset(self, info: Mapping[str, Any]) -> None:
        """Show a dataset's provenance and roles (plain data, see ``Dataset.info()``) once at the top."""
        if info:
            self.datasets.setdefault(str(info.get("fingerprint", info.get("name", ""))), info)


#: ``renderer(result, page) -> str``: HTML of one section from the result's plain-data views.
SectionRenderer = Callable[[Any, ReportPage], str]

_SECTIONS: TypeMap[SectionRenderer] = TypeMap(
    "register_section", "section renderer", "A report section for {type} is already registered"
)


def register_section(result_type: type | str, renderer: SectionRenderer, *, replace: bool = False) -> None:
    """Register how the report shows a result type: ``renderer(result, page) -> str`` (HTML).

    ``result_type`` is a class or its qualified name ``"package.module.Class"`` (registers without importing it);
    subclasses inherit it. A :class:`~workbench.release.Release` without a registered section gets a generic one
    (statement, summary, figures).

    Parameters
    ----------
    result_type : type or str
        The result class, or its qualified name ``"package.module.ClassName"``.
    renderer : SectionRenderer
        ``renderer(result, page) -> str``: the section's HTML, built from plain-data summaries only (never rows,
        keys or identifiers); ``page`` is the :class:`ReportPage` with its table helpers.
    replace : bool, default=False
        Allow replacing an existing registration.

    Raises
    ------
    InvalidParameterError
        When ``result_type`` is neither a class nor a qualified name, ``renderer`` is not callable, or the type
        is already registered and ``replace`` is False.

    Examples
    --------
    >>> from workbench.report import register_section, render_report
    >>> class Count:
    ...     value = 3
    >>> register_section(Count, lambda r, page: "<h2>Count</h2>" + page.table({"value": r.value}), replace=True)
    >>> "<h2>Count</h2>" in render_report(Count())
    True
    """
    _SECTIONS.register(result_type, renderer, replace=replace)


def _renderer(item: Any) -> SectionRenderer | None:
    renderer = _SECTIONS.lookup(item)
    if renderer is None and isinstance(item, Release):
        return _release_section
    return renderer


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


def _dataset(dataset: Any, page: ReportPage) -> str:
    page.add_dataset(dataset.info())
    return ""


def _point_statement(point: Any) -> str:
    text = ""
    if "noise_multiplier" in point.statement:
        try:
            text = f"<p>{_esc(point.privacy_statement().plain_language())}</p>"
        except InvalidParameterError:  # a statement from an older version: show the numbers only
            text = ""
    return text + _kv_table(point.statement)


def _tradeoff_section(result: Any, page: ReportPage) -> str:
    page.add_dataset(result.dataset)
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
        page.figures(result),
        _audit_table(frame),
        "<h3>Statements</h3>",
    ]
    for p in result.points:
        parts.append(f"<details><summary>{_esc(p.label())}</summary>{_point_statement(p)}</details>")
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


def _train_section(run: Any, page: ReportPage) -> str:
    info = {"dataset": run.dataset_name, "dataset fingerprint": run.dataset_fingerprint}
    params = run.config.to_dict()
    return (
        "<h2>DP training run</h2>"
        + _kv_table({**info, **{k: v for k, v in params.items() if not isinstance(v, Mapping)}})
        + "<h3>Statement</h3>"
        + page.statement(run.statement)
        + "<h3>Test metrics</h3>"
        + _kv_table(dict(run.metrics))
        + page.figures(run)
    )


def _tune_section(result: Any, page: ReportPage) -> str:
    """A private search: the trials, the released configuration, total and per-trial ε, the method and its citation.

    Only the search's summary (counts, ε, the winner's configuration and test metrics): the per-trial table is for
    the person who ran the search and is not covered by the search's guarantee, so it stays out of the report.
    """
    summary = result.summary()
    search = {
        "trials drawn": summary["trials_drawn"], "expected trials": summary["expected_trials"],
        "grid points": summary["grid_points"], "ε of the whole search": summary["epsilon"], "δ": summary["delta"],
        "largest ε of one trial": summary["trial_epsilon"],
        "distribution": f"truncated negative binomial, η = {summary['eta']:g}, γ = {summary['gamma']:.4g}"
        if summary["searched"] else "none: one run of the rule's point (no search)",
        "selection score": f"{summary['selection']} (σ = {summary['score_noise']:.3g} rows)"
        if summary["searched"] else "none",
        "stopped early": summary["stopped"], "narrowed (score too coarse to rank candidates)": summary["narrowed"],
        "method": summary["method"],
    }  # fmt: skip
    return (
        "<h2>Private hyperparameter search</h2>"
        + _kv_table(search)
        + "<h3>Released configuration</h3>"
        + _kv_table(summary["best"])
        + "<h3>Statement</h3>"
        + page.statement(result.statement)
        + "<h3>Test metrics of the released run</h3>"
        + _kv_table(summary["metrics"])
        + "<p class='meta'>The table of every trial is left out: its release is not covered by the search's ε.</p>"
    )


def _audit_section(audit: Any, page: ReportPage) -> str:
    summary = {k: v for k, v in audit.summary().items() if not isinstance(v, (list, tuple, Mapping)) or k == "notes"}
    return "<h2>Membership-inference audit</h2>" + _kv_table(summary) + page.figures(audit)


def _federated_section(result: Any, page: ReportPage) -> str:
    """A federated run: settings, the statement (unit, what the server sees), metrics and cost, clients, rounds."""
    summary = {k: v for k, v in result.summary().items() if not isinstance(v, (list, tuple, Mapping))}
    clients = result.clients.drop(columns=["client"]) if "client" in result.clients else result.clients
    return (
        "<h2>Federated learning run</h2>"
        + _kv_table(summary)
        + "<h3>Statement</h3>"
        + page.statement(result.statement)
        + "<h3>Clients</h3>"
        + _frame_table(clients.reset_index(names="client #"))
        + "<h3>Rounds</h3>"
        + _frame_table(result.history)
        + page.figures(result)
    )


def _anonymisation_section(result: Any, page: ReportPage) -> str:
    metrics = {k: v for k, v in dict(result.metrics).items() if isinstance(v, (int, float))}
    return (
        "<h2>Anonymised release</h2><h3>Statement</h3>"
        + _kv_table(result.statement.to_dict())
        + "<h3>Utility</h3>"
        + _kv_table(metrics)
        + "<h3>Re-identification risk</h3>"
        + _kv_table(result.risk.summary())
        + page.figures(result)
    )


def _risk_section(risk: Any, page: ReportPage) -> str:
    return "<h2>Risk assessment</h2><h3>Re-identification risk</h3>" + _kv_table(risk.summary()) + page.figures(risk)


def _pseudonymisation_section(result: Any, page: ReportPage) -> str:
    # the key is a secret: only the method and the columns replaced are shown, never the key or the tokens
    return (
        "<h2>Pseudonymisation</h2>"
        + _kv_table(result.summary())
        + "<p class='meta'>The secret key is not part of this report. Keyed tokens are pseudonymous, not anonymous: "
        "whoever holds the key can link them back to people.</p>"
    )


def _synthetic_section(result: Any, page: ReportPage) -> str:
    """A DP synthetic table: statement, metrics, checks and marginals (aggregates only, never rows)."""
    metrics = {k: v for k, v in dict(result.metrics).items() if isinstance(v, (int, float))}
    return (
        f"<h2>DP synthetic table ({_esc(result.statement.mechanism)})</h2>"
        + _kv_table({"dataset": result.dataset_name, "rows": len(result.data), "columns": result.data.shape[1]})
        + "<h3>Statement</h3>"
        + page.statement(result.statement)
        + "<h3>Utility and privacy checks</h3>"
        + _kv_table(metrics)
        + page.figures(result)
    )


def _encrypted_section(result: Any, page: ReportPage) -> str:
    """Encrypted inference: the threat model, precision against plaintext, the cost per phase (no scores, no keys)."""
    summary = result.summary()
    facts = {k: summary[k] for k in ("scheme", "packing", "model", "output", "rows", "security_bits")}
    facts["parameters"] = ", ".join(f"{k}={v}" for k, v in summary["parameters"].items() if k != "sigmoid_polynomial")
    precision = {k: summary[k] for k in ("accuracy", "agreement", "max_score_error", "outside_range")}
    costs = {f"{phase.replace('_', ' ')} (s)": seconds for phase, seconds in summary["seconds"].items()}
    costs.update({"ms per row, end to end": summary["end_to_end_ms_per_row"],
                  "ms per row, plaintext model": summary["plaintext_ms_per_row"],
                  "bytes exchanged": summary["bytes_total"]})  # fmt: skip
    costs.update({f"{name.replace('_', ' ')} (bytes)": size for name, size in summary["sizes"].items()})
    return (
        "<h2>Encrypted inference</h2><h3>Threat model</h3>"
        + page.statement(result.statement)
        + "<h3>Setting</h3>"
        + _kv_table(facts)
        + "<h3>Precision against the plaintext model</h3>"
        + _kv_table(precision)
        + "<h3>Cost</h3>"
        + _kv_table(costs)
        + page.figures(result)
        + "<p class='meta'>No differential privacy (ε = ∞): the decrypted outputs can still reveal membership.</p>"
    )


def _release_section(release: Any, page: ReportPage) -> str:
    """Any :class:`~workbench.release.Release` without a section of its own: statement, summary, figures."""
    summary = {k: v for k, v in release.summary().items() if not isinstance(v, (list, tuple, Mapping))}
    return (
        f"<h2>{_esc(release.technique)}</h2><h3>Statement</h3>"
        + page.statement(release.statement)
        + "<h3>Summary</h3>"
        + _kv_table(summary)
        + page.figures(release)
    )


# the built-in results, by qualified name (importing them here would import torch and every technique)
for _type, _section in {
    "workbench.datasets._dataset.Dataset": _dataset,
    "workbench.tradeoff._result.TradeoffResult": _tradeoff_section,
    "workbench.dp.result.TrainResult": _train_section,
    "workbench.dp.tuning.TuneResult": _tune_section,
    "workbench.audit.result.AuditResult": _audit_section,
    "workbench.anonymise.result.AnonymisationResult": _anonymisation_section,
    "workbench.anonymise.pseudonymise.PseudonymisationResult": _pseudonymisation_section,
    "workbench.risk._report.RiskReport": _risk_section,
    "workbench.encrypted.result.EncryptedResult": _encrypted_section,
    "workbench.federated.result.FederatedResult": _federated_section,
    "workbench.synthetic.result.SyntheticResult": _synthetic_section,
}.items():
    register_section(_type, _section)


def _render(item: Any, page: ReportPage) -> str:
    renderer = _renderer(item)
    if renderer is None:
        raise InvalidParameterError(
            f"report cannot show a {type(item).__name__}; pass Datasets, tradeoff results, train results, audit "
            "results, anonymisation, pseudonymisation or risk results, or any workbench.Release."
        )
    return renderer(item, page)


def render_report(*results: Any, title: str = "Privacy report") -> str:
    """The report as an HTML string (see :func:`report`).

    Parameters
    ----------
    *results
        What to report on, as for :func:`report`.
    title : str, default="Privacy report"
        The page's title.

    Returns
    -------
    str
        One self-contained HTML page (plotly.js inlined).

    Raises
    ------
    InvalidParameterError
        When no result is given.

    Examples
    --------
    >>> import workbench as wb
    >>> from workbench.report import render_report
    >>> page = render_report(wb.assess_risk(wb.load_dataset("diabetes")))
    >>> page.startswith("<!DOCTYPE html>"), "Privacy report" in page
    (True, True)
    """
    from plotly.offline import get_plotlyjs

    if not results:
        raise InvalidParameterError("report needs at least one result to show (a sweep, a train result, ...).")
    page = ReportPage()
    sections = [_render(item, page) for item in results]
    dataset_html = "".join(_dataset_section(info) for info in page.datasets.values())
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='generator' content='privacy-workbench {__version__}'><title>{_esc(title)}</title>"
        f"<style>{_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script></head><body>"
        f"<h1>{_esc(title)}</h1><p class='meta'>Made with privacy-workbench {__version__} on {now}. "
        "Self-contained: opens offline, no data rows, keys or identifiers inside.</p>"
        f"{dataset_html}{''.join(sections)}</body></html>\n"
    )


#: the file name ``report`` writes when no path is given (or ``report-1.html``, ... when it is taken)
DEFAULT_REPORT_NAME = "report.html"


def report(*results: Any, path: str | os.PathLike | None = None, title: str = "Privacy report") -> Path:
    """Write one self-contained HTML privacy report (plotly.js inlined; opens offline) and return its path.

    Parameters
    ----------
    *results
        Any mix of :class:`~workbench.tradeoff.TradeoffResult`, :class:`~workbench.Dataset` (provenance and roles),
        train results, audit results, anonymisation / pseudonymisation results and risk reports.
    path : str or path, optional
        Where to write the file (folders are created). An existing file there is replaced, atomically: the report
        goes to a temporary file first, so a failure never leaves half a file or loses the old one. Without a path
        the report goes to ``report.html`` in the working directory, or to ``report-1.html``, ``report-2.html``, ...
        when that name is taken: a default name never replaces a file. The path written is returned.
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
    from workbench._files import write_output

    if not isinstance(title, str):
        raise InvalidParameterError(f"The 'title' parameter of report must be a str; got {type(title).__name__}.")
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(
            f"The 'path' parameter of report must be a str or a path; got {type(path).__name__}."
        )
    data = render_report(*results, title=title).encode("utf-8", errors="replace")  # lone surrogates become '?'
    return write_output(
        lambda temporary: temporary.write_bytes(data), path, default=DEFAULT_REPORT_NAME, what="the report"
    )


make_module_callable(__name__, report)
