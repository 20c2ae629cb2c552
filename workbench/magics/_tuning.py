"""``%wb tune``: private hyperparameter search on the current dataset, ε of the whole search (``wb.tune``)."""

from __future__ import annotations

import argparse
import ast
from typing import Any

from workbench.magics._parser import SubcommandParser
from workbench.magics._release import _given
from workbench.magics._session import Command, Context
from workbench.magics._training import _check_budget

__all__ = ["TUNE"]


def _grid(text: str) -> Any:
    """'auto', or a Python dict literal such as {'lr': [0.003, 0.01], 'epochs': [10, 20]}."""
    text = text.strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "\"'":  # the shell's quotes around the dict
        text = text[1:-1]
    if text == "auto":
        return "auto"
    try:
        grid = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not 'auto' or a dict such as \"{{'lr': [0.003, 0.01]}}\""
        ) from None
    if not isinstance(grid, dict):
        raise argparse.ArgumentTypeError(f"{text!r} is not 'auto' or a dict such as \"{{'lr': [0.003, 0.01]}}\"")
    return grid


def _arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--epsilon", type=float, required=True, help="ε of the whole search, selection included")
    parser.add_argument("--grid", type=_grid, default="auto", help="'auto' (default) or a dict of value lists")
    parser.add_argument(
        "--trials",
        type=float,
        help="expected number of trials, > 1 (default auto: with --grid auto no "
        "search, the rule's point gets the whole ε; with your grid 2, or 1.1 if the score is coarse)",
    )
    parser.add_argument("--eta", type=float, help="shape of the trial-count distribution, > -1 (default -0.5)")
    parser.add_argument("--model", help="logreg (default) or mlp")
    parser.add_argument("--delta", type=float, help="DP delta (default: below 1/rows)")


def _run(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    _check_budget(dataset, [args.epsilon])
    options = _given(args, "trials", "eta", "model", "delta")
    result = wb.tune(dataset, epsilon=args.epsilon, grid=args.grid, seed=ctx.settings.seed,
                     progress=ctx.settings.progress, **options)  # fmt: skip
    ctx.session.results["tune"] = result
    ctx.session.results["train"] = result.best  # '%wb audit' attacks the released model
    return result


TUNE = Command(
    name="tune",
    summary="Search hyperparameters privately (Papernot & Steinke 2022): the best run, ε covering the whole search.",
    examples=(
        "%wb tune --epsilon 1",
        "%wb tune --epsilon 2 --grid auto --trials 3 -o search",
        "%wb tune --epsilon 1 --grid \"{'lr': [0.003, 0.01, 0.03]}\"",
    ),
    add_arguments=_arguments,
    run=_run,
)
