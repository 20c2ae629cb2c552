"""``privacy-workbench tradeoff``: run a sweep headless, save its results as Parquet and/or an HTML report."""

from __future__ import annotations

import argparse

from workbench.errors import InvalidParameterError, WorkerError
from workbench.tradeoff.grid import parse_grid

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="adult", help="bundled name (adult, patients, ...) or a CSV/Parquet path")
    parser.add_argument("--target", help="target column (for your own files)")
    parser.add_argument("--technique", default="dp", help="dp, k-anonymity or pseudonymise+dp (default: dp)")
    parser.add_argument("--epsilons", help="ε grid, e.g. 0.5,1,2,4,8,none ('none' or 'no-dp' = no DP baseline)")
    parser.add_argument("--ks", help="k grid for k-anonymity, e.g. 2,5,10")
    parser.add_argument("--l", type=float, help="l-diversity required at every k")
    parser.add_argument("--t", type=float, help="t-closeness required at every k")
    parser.add_argument("--method", help="anonymisation method: mondrian (default), optimal or a registered one")
    parser.add_argument("--model", help="model for DP techniques: logreg (default) or mlp")
    parser.add_argument("--epochs", type=int, help="default: the size-aware rule (workbench.dp.defaults)")
    parser.add_argument("--batch-size", type=int, help="default: the size-aware rule (workbench.dp.defaults)")
    parser.add_argument("--delta", type=float, help="δ (default: below 1/n, see 'train')")
    parser.add_argument("--no-audit", action="store_true", help="skip the membership-inference attack")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--executor", default="processes", help="'processes' (default), 'serial', or a Dask scheduler address"
    )
    parser.add_argument("--workers", type=int, help="number of local worker processes (default: one per core)")
    parser.add_argument("--out", help="write the results table here (.parquet)")
    parser.add_argument("--report", help="write a self-contained HTML report here")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no summary")


_CONNECT_SECONDS = 10


def _executor(args: argparse.Namespace):
    text = args.executor
    if text in ("processes", "serial"):
        return args.workers if (text == "processes" and args.workers) else text
    if "://" in text or ":" in text:
        try:
            from distributed import Client
        except ImportError:
            raise InvalidParameterError(
                "--executor with a scheduler address needs Dask: pip install 'privacy-workbench[dask]'."
            ) from None
        try:
            return Client(text, timeout=_CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise WorkerError(
                f"Cannot reach a Dask scheduler at {text} within {_CONNECT_SECONDS} s ({type(exc).__name__}): start "
                f"one with 'dask scheduler' and workers with 'dask worker <address>', or check the address."
            ) from None
    raise InvalidParameterError(f"--executor must be 'processes', 'serial' or a Dask scheduler address; got {text!r}.")


def run(args: argparse.Namespace) -> int:
    import workbench as wb
    from workbench.tradeoff import get_technique

    technique = get_technique(args.technique)
    if not args.out and not args.report:
        raise InvalidParameterError("Say where the results go: --out results.parquet and/or --report report.html.")
    epsilons = parse_grid(args.epsilons) if args.epsilons else None
    ks = parse_grid(args.ks, integer=True, name="--ks") if args.ks else None
    dataset = wb.load_dataset(args.dataset, target=args.target)
    executor = _executor(args)
    try:
        result = wb.tradeoff(
            dataset,
            technique.name,
            epsilons=epsilons,
            ks=ks,
            l=args.l,
            t=args.t,
            model=args.model,
            epochs=args.epochs,
            batch_size=args.batch_size,
            delta=args.delta,
            audit=False if args.no_audit else None,
            executor=executor,
            seed=args.seed,
            method=args.method,
            progress=not args.quiet,
        )
    finally:
        if hasattr(executor, "close"):
            executor.close()
    if args.out:
        result.to_parquet(args.out)
    if args.report:
        wb.report(dataset, result, path=args.report, title=f"Privacy report: {technique.name} on {dataset.name}")
    if not args.quiet:
        shown = result.results.drop(columns=["statement", "technique", "parameter", "l", "t"], errors="ignore")
        shown = shown.loc[:, [c for c in shown.columns if shown[c].notna().any()]]
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        print(result.budget_note)
        for target in (args.out, args.report):
            if target:
                print(f"wrote {target}")
    return 0
