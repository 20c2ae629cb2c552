"""``%wb federate``: federated learning on Flower over the current dataset."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.magics._parser import SubcommandParser, int_list, optional_float
from workbench.magics._release import _given
from workbench.magics._session import Command, Context

__all__ = ["FEDERATE"]


def _arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--clients", type=int, metavar="N", help="clients for iid / dirichlet partitions (default 5)")
    parser.add_argument("--partition", help="iid (default), dirichlet, or a column name (one client per value)")
    parser.add_argument("--alpha", type=float, help="Dirichlet label skew (smaller, more skew; default 0.5)")
    parser.add_argument("--rounds", type=int, help="federated rounds (default 10)")
    parser.add_argument("--local-epochs", type=int, metavar="N", help="local passes per round (default 1)")
    parser.add_argument("--model", help="logreg (default) or mlp")
    parser.add_argument("--hidden", type=int_list, metavar="SIZES", help="MLP hidden layer sizes, e.g. 64,64")
    parser.add_argument("--strategy", help="fedavg (default) or fedprox")
    parser.add_argument("--mu", type=float, help="FedProx proximal weight")
    parser.add_argument("--fraction-fit", type=float, metavar="SHARE", help="share of clients sampled per round")
    parser.add_argument("--dp", help="record (DP-SGD in each client) or client (central DP); default none")
    parser.add_argument("--epsilon", type=optional_float, help="DP budget of the run (with --dp)")
    parser.add_argument("--delta", type=float, help="DP delta")
    parser.add_argument("--clipping-norm", type=float, metavar="C", help="update clipping of --dp client")
    parser.add_argument("--clipping", help="where --dp client clips: server or client (default: client with SecAgg+)")
    parser.add_argument("--secure-aggregation", action="store_true", help="Flower's SecAgg+: the server sees sums")
    parser.add_argument(
        "--engine",
        help="simulation (default: threads), threads (in this process, nothing to start), "
        "ray (Flower's Ray backend, one CPU per client, kept warm) or deployment (real processes)",
    )
    parser.add_argument("--audit-fraction", type=float, metavar="SHARE", help="rows held out for '%%wb audit'")


def _run(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb
    from workbench.magics._training import _check_budget

    dataset = ctx.session.require_dataset()
    names = ("clients", "partition", "alpha", "rounds", "local_epochs", "model", "strategy", "mu", "fraction_fit",
             "dp", "epsilon", "delta", "clipping_norm", "clipping", "engine", "audit_fraction")  # fmt: skip
    options = _given(args, *names)
    if args.hidden is not None:
        options["hidden"] = tuple(args.hidden)
    if args.dp is not None:
        _check_budget(dataset, [args.epsilon])
    fl = wb.federate(dataset, secure_aggregation=args.secure_aggregation, seed=ctx.settings.seed,
                     progress=ctx.settings.progress, **options)  # fmt: skip
    ctx.session.results["federate"] = fl
    ctx.session.results["train"] = fl  # '%wb audit' attacks the latest model, trained centrally or not
    return fl


FEDERATE = Command(
    name="federate",
    summary="Federated learning on Flower: clients keep their rows; --dp record|client; --secure-aggregation.",
    examples=(
        "%wb federate --clients 5 --rounds 10",
        "%wb federate --clients 5 --partition dirichlet --dp record --epsilon 1 --rounds 10",
        "%wb federate --partition race --dp client --epsilon 8 -o fl",
        "%wb federate --clients 5 --secure-aggregation",
        "%wb federate --clients 10 --dp client --epsilon 8 --secure-aggregation",
        "%wb federate --clients 5 --engine ray",
    ),
    add_arguments=_arguments,
    run=_run,
)
