"""``%wb risk``, ``%wb anonymise`` and ``%wb pseudonymise``: measure re-identification risk and release tables."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.magics._parser import SubcommandParser, name_list
from workbench.magics._session import Command, Context

__all__ = ["ANONYMISE", "PSEUDONYMISE", "RISK"]


def _given(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options the user actually gave, so the core's own defaults apply to the rest."""
    return {name: getattr(args, name) for name in names if getattr(args, name) is not None}


def _columns_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "--quasi-identifiers",
        "--qi",
        type=name_list,
        metavar="COLS",
        help="comma-separated quasi-identifiers (default: the dataset's)",
    )
    parser.add_argument(
        "--sensitive", type=name_list, metavar="COLS", help="comma-separated sensitive columns (default: the dataset's)"
    )


def _run_risk(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    report = wb.assess_risk(dataset, **_given(args, "quasi_identifiers", "sensitive"))
    ctx.session.results["risk"] = report
    return report


RISK = Command(
    name="risk",
    summary="Measure re-identification risk of the current dataset: achieved k, l, t, uniqueness, prosecutor risk.",
    examples=("%wb risk", "%wb risk --qi age,sex,zip -o risk"),
    add_arguments=_columns_arguments,
    run=_run_risk,
)


def _anonymise_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--k", type=int, help="k-anonymity: every record shares its quasi-identifiers with k-1 others")
    parser.add_argument("--l", type=int, help="l-diversity: at least l sensitive values per equivalence class")
    parser.add_argument("--t", type=float, help="t-closeness: class distributions within t of the whole table")
    parser.add_argument("--method", help="optimal (global recoding, default) or mondrian (local recoding)")
    parser.add_argument(
        "--max-suppression",
        type=float,
        metavar="SHARE",
        help="largest share of rows that may be suppressed (default 0.05)",
    )
    _columns_arguments(parser)


def _run_anonymise(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    options = _given(args, "k", "l", "t", "method", "max_suppression", "quasi_identifiers", "sensitive")
    result = wb.anonymise(dataset, seed=ctx.settings.seed, **options)
    ctx.session.results["anonymise"] = result
    return result


ANONYMISE = Command(
    name="anonymise",
    summary="Release an anonymised copy of the current dataset (k-anonymity, l-diversity, t-closeness).",
    examples=(
        "%wb anonymise --k 5",
        "%wb anonymise --k 5 --method mondrian -o anon5",
        "%wb anonymise --k 10 --l 2 --t 0.3 --max-suppression 0.02",
    ),
    add_arguments=_anonymise_arguments,
    run=_run_anonymise,
)


def _pseudonymise_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--columns", type=name_list, metavar="COLS", help="columns to replace (default: identifiers)")
    parser.add_argument("--method", help="hmac (keyed tokens, default), mask or drop")
    parser.add_argument(
        "--key-var",
        metavar="NAME",
        help="variable holding the secret HMAC key (default: a fresh random key, in result.key)",
    )


def _run_pseudonymise(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    options = _given(args, "columns", "method")
    if args.key_var is not None:
        options["key"] = ctx.lookup(args.key_var, "a secret key (str or bytes)")
    result = wb.pseudonymise(dataset, **options)
    ctx.session.results["pseudonymise"] = result
    return result


PSEUDONYMISE = Command(
    name="pseudonymise",
    summary="Replace direct identifiers with keyed HMAC tokens, masks, or drop them.",
    examples=(
        "%wb pseudonymise",
        "%wb pseudonymise --columns name,email --method mask -o masked",
        "%wb pseudonymise --key-var SECRET",
    ),
    add_arguments=_pseudonymise_arguments,
    run=_run_pseudonymise,
)
