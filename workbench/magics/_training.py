"""``%wb train``, ``%wb audit`` and ``%wb budget``: DP training, membership-inference audits, budget spent."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.magics._parser import SubcommandParser, int_list, optional_float
from workbench.magics._release import _given
from workbench.magics._session import Command, Context

__all__ = ["AUDIT", "BUDGET", "TRAIN"]


def _model_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--model", help="logreg (default) or mlp")
    parser.add_argument("--epochs", type=int, help="passes over the training rows (default: size-aware rule)")
    parser.add_argument("--batch-size", type=int, metavar="N", help="expected batch size (default: size-aware rule)")
    parser.add_argument("--delta", type=float, help="DP delta (default: below 1/rows)")


def _train_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "--epsilon",
        type=optional_float,
        help="DP budget for this run; 'none' (the default) trains without differential privacy",
    )
    _model_arguments(parser)
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--max-grad-norm", type=float, metavar="C", help="per-sample gradient clipping bound")
    parser.add_argument("--accountant", help="prv (default), rdp or gdp")
    parser.add_argument("--hidden", type=int_list, metavar="SIZES", help="MLP hidden layer sizes, e.g. 64,64")
    parser.add_argument(
        "--audit-fraction",
        type=float,
        metavar="SHARE",
        help="share of training rows held out as non-members for '%%wb audit'",
    )


def _run_train(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    dataset = ctx.session.require_dataset()
    options = _given(
        args, "model", "epochs", "batch_size", "delta", "lr", "max_grad_norm", "accountant", "audit_fraction"
    )
    if args.hidden is not None:
        options["hidden"] = tuple(args.hidden)
    _check_budget(dataset, [args.epsilon])
    run = wb.train(dataset, epsilon=args.epsilon, seed=ctx.settings.seed, progress=ctx.settings.progress, **options)
    ctx.session.results["train"] = run
    return run


def _check_budget(dataset: Any, epsilons: list) -> None:
    """Refuse, before any work, runs that could take the dataset past the session budget."""
    from IPython.core.error import UsageError

    from workbench.widgets.state.budget import budget_refusal

    refusal = budget_refusal(dataset, epsilons)
    if refusal:
        raise UsageError(refusal)


TRAIN = Command(
    name="train",
    summary="Train a model on the current dataset, with DP-SGD (Opacus) when --epsilon is given.",
    examples=(
        "%wb train --epsilon 1 --epochs 1",
        "%wb train --epsilon 0.5 --model mlp --epochs 5 --audit-fraction 0.2 -o run",
        "%wb train --epsilon none --epochs 3      # no differential privacy, as a baseline",
    ),
    add_arguments=_train_arguments,
    run=_run_train,
)


def _audit_arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--attack", help="threshold (default), rmia or lira")
    parser.add_argument("--n-reference", type=int, metavar="N", help="reference models for rmia / lira (default 2)")
    parser.add_argument("--run", metavar="NAME", help="variable holding the training result (default: the latest)")


def _run_audit(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    if args.run is not None:
        run = ctx.lookup(args.run, "a training result from '%wb train'")
    else:
        ctx.session.require_dataset()
        run = ctx.session.require_result("train", "run '%wb train --epsilon 1 --audit-fraction 0.2' first.")
    options = _given(args, "attack", "n_reference")
    result = wb.membership_inference(run, seed=ctx.settings.seed, progress=ctx.settings.progress, **options)
    ctx.session.results["audit"] = result
    return result


AUDIT = Command(
    name="audit",
    summary="Attack the latest trained model with membership inference; report AUC, TPR at low FPR, empirical ε.",
    examples=("%wb audit", "%wb audit --attack rmia --n-reference 2 -o mia", "%wb audit --run run --attack lira"),
    add_arguments=_audit_arguments,
    run=_run_audit,
)


def _budget_arguments(parser: SubcommandParser) -> None:
    parser.add_argument(
        "--set",
        type=optional_float,
        metavar="EPSILON",
        dest="set_budget",
        default=argparse.SUPPRESS,
        help="set the session's privacy budget per dataset ('none' removes it)",
    )


def _run_budget(ctx: Context, args: argparse.Namespace) -> Any:
    from workbench.widgets.state.budget import BudgetState

    if hasattr(args, "set_budget"):
        from IPython.core.error import UsageError
        from traitlets import TraitError

        try:
            ctx.settings.budget = args.set_budget
        except TraitError as exc:
            raise UsageError(f"%wb budget: {exc}") from None
    state = BudgetState()
    state.refresh(ctx.session.dataset)
    return state.summary()


BUDGET = Command(
    name="budget",
    summary="Show the privacy budget (ε) spent on the current dataset and on every dataset of this session.",
    examples=("%wb budget", "%wb budget --set 3", "%config WorkbenchMagics.budget = 3.0"),
    add_arguments=_budget_arguments,
    run=_run_budget,
)
