"""``privacy-workbench report``: an HTML privacy report from sweep results saved with ``tradeoff --out``."""

from __future__ import annotations

import argparse

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--results", nargs="+", required=True, metavar="PARQUET", help="results files written by 'tradeoff --out'"
    )
    parser.add_argument(
        "--out",
        default=None,
        help="the HTML file to write, replaced if it exists (default: report.html, or report-1.html, ... if taken)",
    )
    parser.add_argument("--title", default="Privacy report")


def run(args: argparse.Namespace) -> int:
    from workbench.report import DEFAULT_REPORT_NAME, report
    from workbench.tradeoff import read_results

    results = [read_results(path) for path in args.results]
    path = report(*results, path=args.out, title=args.title)
    taken = args.out is None and path.name != DEFAULT_REPORT_NAME
    print(f"wrote {path}" + (f" ({DEFAULT_REPORT_NAME} already exists and was kept)" if taken else ""))
    return 0
