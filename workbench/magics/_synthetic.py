"""``%wb synthesise`` and ``%wb query``: a DP synthetic table, and DP statistics from a budgeted session."""

from __future__ import annotations

import argparse
import re
from typing import Any

from workbench.magics._parser import SubcommandParser
from workbench.magics._session import Command, Context
from workbench.magics._training import _check_budget

__all__ = ["QUERY", "SYNTHESISE"]


def _bounds(text: str) -> tuple[float, float]:
    parts = [p for p in re.split(r"[,\s]+", text.strip()) if p]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bounds must be two numbers LOW,HIGH; got {text!r}") from None
    return low, high


def _column_bounds(text: str) -> dict[str, tuple[float, float]]:
    """``age=17:90,hours=1:99`` → {"age": (17, 90), "hours": (1, 99)}."""
    out = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, _, rng = item.partition("=")
        low, _, high = rng.partition(":")
        try:
            out[name.strip()] = (float(low), float(high))
        except ValueError:
            raise argparse.ArgumentTypeError(f"bounds must read COLUMN=LOW:HIGH,...; got {item!r}") from None
    return out


def _synthesise_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--epsilon", type=float, required=True, help="DP budget of the synthetic table")
    parser.add_argument("--method", default="mst", help="mst (default) or aim")
    parser.add_argument("--delta", type=float, help="DP delta (default 1/(10 n))")
    parser.add_argument("--bounds", type=_column_bounds, metavar="COL=LOW:HIGH,...", help="public numeric bounds")
    parser.add_argument("--rows", type=int, help="synthetic rows to draw (default: the noisy row count)")
    parser.add_argument("--public-schema", action="store_true", help="the columns' categories are public")


def _run_synthesise(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    _check_budget(dataset, [args.epsilon])
    result = wb.synthesise(
        dataset, epsilon=args.epsilon, method=args.method, delta=args.delta, bounds=args.bounds, rows=args.rows,
        public_schema=args.public_schema, seed=ctx.settings.seed, progress=ctx.settings.progress,
    )  # fmt: skip
    ctx.session.results["synthesise"] = result
    return result


SYNTHESISE = Command(
    name="synthesise",
    summary="A differentially private synthetic copy of the current dataset (MST or AIM on private-pgm).",
    examples=(
        "%wb synthesise --epsilon 1 --method mst -o syn",
        "%wb synthesise --epsilon 0.5 --bounds age=17:90,hours-per-week=1:99 --public-schema",
    ),
    add_arguments=_synthesise_arguments,
    run=_run_synthesise,
)

_GRAMMAR = re.compile(r"^\s*(count|mean|sum|histogram)(?:\s+(\S.*?))?\s*$", re.IGNORECASE)


def _query_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("query", help='"count", "mean COLUMN", "sum COLUMN" or "histogram COLUMN"')
    parser.add_argument("--epsilon", type=float, help="ε this query spends (default: the session's share)")
    parser.add_argument("--bounds", type=_bounds, metavar="LOW,HIGH", help="public bounds (mean, sum)")
    parser.add_argument("--categories", metavar="A,B,...", help="public categories (histogram)")
    parser.add_argument("--budget", type=float, default=1.0, help="ε of a new session (default 1); see --new")
    parser.add_argument("--new", action="store_true", help="open a new session (spends more of the dataset's ε)")


def _run_query(ctx: Context, args: argparse.Namespace) -> Any:
    from IPython.core.error import UsageError

    import workbench as wb

    match = _GRAMMAR.match(args.query.strip().strip("\"'"))
    if match is None:
        raise UsageError(
            f'Unknown query {args.query!r}: ask "count", "mean COLUMN", "sum COLUMN" or "histogram COLUMN".'
        )
    kind, column = match.group(1).lower(), match.group(2)
    if kind != "count" and not column:
        raise UsageError(f'"{kind}" needs a column, e.g. %wb query "{kind} age"')
    if kind in ("mean", "sum") and args.bounds is None:
        raise UsageError(f'"{kind} {column}" needs public bounds: --bounds LOW,HIGH')
    dataset = ctx.session.require_dataset()
    session = ctx.session.results.get("statistics")
    if session is None or args.new:
        _check_budget(dataset, [args.budget])
        session = wb.dp_statistics(dataset, epsilon=args.budget)
        ctx.session.results["statistics"] = session
    if kind == "count":
        return session.count(epsilon=args.epsilon)
    if kind == "histogram":
        cats = None if args.categories is None else [c.strip() for c in args.categories.split(",")]
        return session.histogram(column, categories=cats, epsilon=args.epsilon)
    return getattr(session, kind)(column, bounds=args.bounds, epsilon=args.epsilon)


QUERY = Command(
    name="query",
    summary="A DP statistic (count, mean, sum, histogram) from a budgeted OpenDP session on the current dataset.",
    examples=(
        '%wb query "mean age" --bounds 17,90 --epsilon 0.1',
        "%wb query count --epsilon 0.05",
        '%wb query "histogram education" -o edu',
    ),
    add_arguments=_query_arguments,
    run=_run_query,
)
