"""``%wb encrypt``: the latest trained model's predictions on encrypted rows (CKKS) or secret shares (MPC)."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.magics._parser import SubcommandParser
from workbench.magics._release import _given
from workbench.magics._session import Command, Context

__all__ = ["ENCRYPT"]


def _arguments(parser: SubcommandParser) -> None:
    parser.add_argument("--scheme", help="ckks (default: TenSEAL homomorphic encryption) or mpc (CrypTen)")
    parser.add_argument("--packing", help="CKKS: column (default, fast) or row (one ciphertext per row)")
    parser.add_argument("--parties", type=int, help="MPC: 2 (default) or 3 parties")
    parser.add_argument("--params", help="CKKS parameter set: auto (default), ckks-8192-d1, tenseal-tutorial, ...")
    parser.add_argument(
        "--probability", action="store_true", help="CKKS: also a polynomial sigmoid under encryption (binary logreg)"
    )
    parser.add_argument("--rows", type=int, metavar="N", help="predict only the first N test rows")
    parser.add_argument("--run", metavar="NAME", help="variable holding the training result (default: the latest)")


def _run(ctx: Context, args: argparse.Namespace) -> Any:
    import workbench as wb

    if args.run is not None:
        run = ctx.lookup(args.run, "a training result from '%wb train'")
    else:
        ctx.session.require_dataset()
        run = ctx.session.require_result("train", "run '%wb train --epochs 1' first.")
    rows = run.test if args.rows is None else run.test.iloc[: max(args.rows, 0)]
    options = _given(args, "scheme", "packing", "parties", "params")
    if args.probability:
        options["output"] = "probability"
    result = wb.encrypted_inference(run, rows, progress=ctx.settings.progress, **options)
    ctx.session.results["encrypted"] = result
    return result


ENCRYPT = Command(
    name="encrypt",
    summary="Predict the test rows with the latest trained model while the server sees only ciphertexts (CKKS) "
    "or secret shares (MPC); report precision against plaintext and the cost per phase.",
    examples=(
        "%wb encrypt --scheme ckks",
        "%wb encrypt --scheme ckks --packing row --rows 20",
        "%wb encrypt --scheme mpc --parties 3 -o enc",
        "%wb encrypt --params tenseal-tutorial --probability   # a 2^21 scale: precision lost",
    ),
    add_arguments=_arguments,
    run=_run,
)
