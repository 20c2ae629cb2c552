"""``%wb tradeoff``, ``%wb report`` and ``%wb dashboard``: sweeps with a live figure, reports, the widget app."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from workbench.magics._parser import SubcommandParser, float_list, int_list
from workbench.magics._release import _given
from workbench.magics._session import Command, Context
from workbench.magics._training import _check_budget, _model_arguments

__all__ = ["DASHBOARD", "REPORT", "TRADEOFF"]


def _tradeoff_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("technique", help="dp or k-anonymity")
    parser.add_argument(
        "--epsilons",
        type=float_list,
        metavar="LIST",
        help="ε grid for dp, e.g. 0.1,0.5,1,none ('none' = a baseline without DP)",
    )
    parser.add_argument("--ks", type=int_list, metavar="LIST", help="k grid for k-anonymity, e.g. 2,5,10,50")
    parser.add_argument("--l", type=int, help="l-diversity at every k")
    parser.add_argument("--t", type=float, help="t-closeness at every k")
    _model_arguments(parser)
    parser.add_argument("--no-audit", action="store_true", help="skip the membership-inference audit per point")
    parser.add_argument("--no-live", action="store_true", help="do not show the live figure while it runs")


def _run_tradeoff(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    options = _given(args, "epsilons", "ks", "l", "t", "model", "epochs", "batch_size", "delta")
    if args.epsilons is not None:
        _check_budget(dataset, args.epsilons)
    executor = _executor(ctx)
    if executor is not None:
        options["executor"] = executor
    live = _LiveSweep(f"Trade-off on {dataset.name}: {args.technique}", args.technique)
    show = ctx.settings.live and not args.no_live
    result = wb.tradeoff(
        dataset,
        args.technique,
        audit=not args.no_audit,
        seed=ctx.settings.seed,
        progress=ctx.settings.progress,
        on_point=live.on_point if show else None,
        **options,
    )
    if show:
        live.finish(result)
    ctx.session.results["tradeoff"] = result
    return result


class _LiveSweep:
    """The live figure of a sweep run from a magic: shown under the cell with the first point, redrawn per point."""

    def __init__(self, title: str, technique: str) -> None:
        self.title, self.technique = title, technique
        self.points: list = []
        self.live: Any = None

    def on_point(self, point: Any) -> None:
        from workbench.widgets.views.plots import tradeoff_figure_for

        if self.live is None:  # shown only once the sweep is under way (not for a request the core refuses)
            from IPython.display import display

            from workbench.widgets.views.figures import LiveFigure

            self.live = LiveFigure(title=self.title)
            display(self.live.widget)
        self.points.append(point)
        points = list(self.points)
        self.live.request(lambda: tradeoff_figure_for(points, self.technique))

    def finish(self, result: Any) -> None:
        if self.live is not None:
            self.live.flush()


TRADEOFF = Command(
    name="tradeoff",
    summary="Sweep a technique over a grid and measure utility and leakage per point; the figure fills in live.",
    examples=(
        "%wb tradeoff dp --epsilons 0.5,1,2 --epochs 1",
        "%wb tradeoff dp --epsilons 0.05,0.5,none --model mlp --epochs 3 -o curve",
        "%wb tradeoff k-anonymity --ks 2,5,10,50 --no-audit",
        "%config WorkbenchMagics.executor = 'processes'   # or 'dask'",
    ),
    add_arguments=_tradeoff_arguments,
    run=_run_tradeoff,
)


_REPORT_ORDER = ("risk", "anonymise", "pseudonymise", "train", "audit", "tradeoff")


def _report_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="variables holding results (default: this session's latest results)"
    )
    parser.add_argument(
        "--path",
        default=None,
        help="where to write the HTML report, replaced if it exists (default: report.html, or report-1.html, ... "
        "when taken)",
    )


def _run_report(ctx: Context, args: argparse.Namespace) -> Path:
    from IPython.core.error import UsageError

    import workbench as wb

    if args.names:
        results = [ctx.lookup(name, "a workbench result") for name in args.names]
    else:
        results = [ctx.session.results[kind] for kind in _REPORT_ORDER if kind in ctx.session.results]
        if not results:
            raise UsageError(
                "Nothing to report yet: run e.g. '%wb anonymise --k 5' or '%wb train' first, "
                "or name result variables: '%wb report anon5 run'."
            )
    return wb.report(*results, path=args.path)


REPORT = Command(
    name="report",
    summary="Write a self-contained HTML privacy report of this session's results (or of the named ones).",
    examples=("%wb report", "%wb report anon5 curve --path privacy-report.html"),
    add_arguments=_report_arguments,
    run=_run_report,
)


def _dashboard_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("source", nargs="?", help="dataset to open (default: the current one)")


def _run_dashboard(ctx: Context, args: argparse.Namespace) -> Any:
    from workbench.widgets import dashboard

    if args.source is not None:
        from workbench.magics._data import LOAD

        LOAD.run(ctx, LOAD.parser().parse_argstring(args.source))
    return dashboard(ctx.session.dataset, namespace=ctx.shell.user_ns, seed=ctx.settings.seed, executor=_executor(ctx))


def _executor(ctx: Context) -> Any:
    """The sweep executor from ``%config WorkbenchMagics.executor``: None, a name, or the running Dask client."""
    name = ctx.settings.executor
    if not name:
        return None
    if name != "dask":
        return name
    from IPython.core.error import UsageError

    try:
        from distributed import default_client
    except ImportError:
        raise UsageError("executor 'dask' needs dask.distributed: pip install 'privacy-workbench[dask]'.") from None
    try:
        return default_client()
    except ValueError:
        raise UsageError(
            "executor 'dask' uses the running Dask client; start one first: "
            "from distributed import Client; client = Client()"
        ) from None


DASHBOARD = Command(
    name="dashboard",
    summary="Open the workbench dashboard (data, risk, anonymise, train, audit, trade-off) on the current dataset.",
    examples=("%wb dashboard", "%wb dashboard adult -o dash"),
    add_arguments=_dashboard_arguments,
    run=_run_dashboard,
)
