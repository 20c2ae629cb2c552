"""``privacy-workbench tradeoff``: run a sweep headless, save its results as Parquet and/or an HTML report."""

from __future__ import annotations

import argparse
import math
import sys

from workbench.errors import InvalidParameterError, WorkerError

__all__ = ["add_arguments", "parse_grid", "run"]


def parse_grid(text: str, *, integer: bool = False, name: str = "--epsilons") -> list[float | int | None]:
    """Parse ``"0.5,1,2,none"`` into ``[0.5, 1.0, 2.0, None]`` (``none``/``inf``: the non-private baseline).

    Examples
    --------
    >>> parse_grid("0.5,1,inf")
    [0.5, 1.0, None]
    >>> parse_grid("2,5,10", integer=True, name="--ks")
    [2, 5, 10]
    """
    values: list[float | int | None] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if not integer and item.lower() in ("none", "inf", "nodp", "no-dp"):
            values.append(None)
            continue
        try:
            number = float(item)
        except ValueError:
            kind = "integers" if integer else "numbers (or 'none' for no DP)"
            raise InvalidParameterError(f"{name} must be comma-separated {kind}; got {item!r} in {text!r}.") from None
        if integer:
            if not number.is_integer():
                raise InvalidParameterError(f"{name} must be comma-separated integers; got {item!r} in {text!r}.")
            values.append(int(number))
        else:
            values.append(None if math.isinf(number) else number)
    if not values:
        raise InvalidParameterError(f"{name} is empty; give values such as 0.5,1,2.")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="adult", help="bundled name (adult, patients, ...) or a CSV/Parquet path")
    parser.add_argument("--target", help="target column (for your own files)")
    parser.add_argument("--technique", default="dp", help="dp, k-anonymity or pseudonymise+dp (default: dp)")
    parser.add_argument("--epsilons", help="ε grid, e.g. 0.5,1,2,4,8,none ('none' = no DP baseline)")
    parser.add_argument("--ks", help="k grid for k-anonymity, e.g. 2,5,10")
    parser.add_argument("--l", type=int, help="l-diversity required at every k")
    parser.add_argument("--t", type=float, help="t-closeness required at every k")
    parser.add_argument("--method", default="mondrian", choices=["mondrian", "optimal"], help="anonymisation method")
    parser.add_argument("--model", default="logreg", choices=["logreg", "mlp"], help="model for DP techniques")
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
            audit=not args.no_audit,
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


if __name__ == "__main__":  # pragma: no cover
    from workbench.cli import main

    sys.exit(main(["tradeoff", *sys.argv[1:]]))
