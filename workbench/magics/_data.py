"""``%wb load`` and ``%wb roles``: pick the current dataset and see or change its column roles."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd
from IPython.core.error import UsageError

from workbench.magics._parser import SubcommandParser, name_list
from workbench.magics._session import Command, Context

__all__ = ["LOAD", "ROLES"]


def _load_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "source",
        help="bundled name (adult, diabetes, patients), a CSV/Parquet path or URL, "
        "or the name of a DataFrame or Dataset variable",
    )
    parser.add_argument("--target", help="the column a model predicts")
    parser.add_argument("--identifiers", type=name_list, metavar="COLS", help="comma-separated direct identifiers")
    parser.add_argument(
        "--quasi-identifiers", "--qi", type=name_list, metavar="COLS", help="comma-separated quasi-identifiers"
    )
    parser.add_argument("--sensitive", type=name_list, metavar="COLS", help="comma-separated sensitive columns")
    parser.add_argument("--name", help="a name for the dataset (reports, ledger)")


def _run_load(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb
    from workbench.datasets import Dataset

    source: Any = args.source
    if source.isidentifier() and source in ctx.shell.user_ns:
        value = ctx.shell.user_ns[source]
        if isinstance(value, Dataset):
            source = value.frame if _has_role_options(args) else value
        elif isinstance(value, pd.DataFrame):
            source = value
    if isinstance(source, Dataset):
        dataset = source
    else:
        dataset = wb.load_dataset(
            source,
            target=args.target,
            identifiers=args.identifiers,
            quasi_identifiers=args.quasi_identifiers,
            sensitive=args.sensitive,
            name=args.name or (args.source if isinstance(source, pd.DataFrame) else None),
            seed=ctx.settings.seed,
        )
    ctx.session.set_dataset(dataset)
    return dataset


def _has_role_options(args: argparse.Namespace) -> bool:
    return any(v is not None for v in (args.target, args.identifiers, args.quasi_identifiers, args.sensitive))


LOAD = Command(
    name="load",
    summary="Load a dataset and make it the current one for the other sub-commands.",
    examples=(
        "%wb load adult",
        "%wb load patients -o ds",
        "%wb load visits.csv --target readmitted --qi age,zip --sensitive diagnosis",
        "%wb load df --target y          # df: a DataFrame in the notebook",
    ),
    add_arguments=_load_arguments,
    run=_run_load,
)


def _roles_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "assignments",
        nargs="*",
        metavar="COLUMN=ROLE",
        help="change roles: identifier, quasi_identifier, sensitive, target or insensitive",
    )


def _run_roles(ctx: Context, args: argparse.Namespace) -> pd.DataFrame:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    if args.assignments:
        changes = {}
        for item in args.assignments:
            column, sep, role = item.partition("=")
            if not sep or not column or not role:
                raise UsageError(f"%wb roles: expected COLUMN=ROLE, e.g. zip=quasi_identifier; got {item!r}.")
            changes[column] = _role(role)
        from workbench.columns import check_columns

        check_columns(dataset.frame, list(changes), "roles")
        dataset = dataset.with_roles(**changes)
        ctx.session.set_dataset(dataset)
    guesses = wb.infer_roles(dataset.frame)
    return pd.DataFrame(
        {
            "role": [dataset.roles.get(c, wb.Role.INSENSITIVE).value for c in dataset.frame.columns],
            "guess": [guesses[c].role.value for c in dataset.frame.columns],
            "reason": [guesses[c].reason for c in dataset.frame.columns],
        },
        index=pd.Index(dataset.frame.columns, name="column"),
    )


def _role(text: str) -> Any:
    from workbench._validation import close_matches
    from workbench.roles import Role

    text = text.strip().lower().replace("-", "_")
    aliases = {"qi": "quasi_identifier", "quasi": "quasi_identifier", "id": "identifier"}
    text = aliases.get(text, text)
    try:
        return Role(text)
    except ValueError:
        valid = [r.value for r in Role]
        matches = close_matches(text, valid)
        hint = f" Did you mean {matches[0]!r}?" if matches else ""
        raise UsageError(f"%wb roles: unknown role {text!r}; use one of {', '.join(valid)}.{hint}") from None


ROLES = Command(
    name="roles",
    summary="Show each column's role, the inferred guess and its reason; COLUMN=ROLE changes roles.",
    examples=("%wb roles", "%wb roles zip=quasi_identifier email=identifier -o roles"),
    add_arguments=_roles_arguments,
    run=_run_roles,
)
