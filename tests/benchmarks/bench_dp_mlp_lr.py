"""Adam learning rate of the MLP under the size-aware rule's batches and steps, across table sizes and ε.

Run as a script: ``python tests/benchmarks/bench_dp_mlp_lr.py [--seeds 2] [--tables a,b] [--out rows.jsonl]``.
Same tables and test halves as ``bench_dp_defaults.py``; MLP (64, 64), ε in {0.5, 1, 2, 8} and without DP, Adam
learning rates 0.002 (the rule's v1), 0.004 (v2), 0.008 and 0.016, every other setting from the rule; the mean
accuracy over seeds on the reporting half of each test split. The measurement behind ``size-aware-v2``'s MLP rate
(``docs/guide/dp-defaults-and-tuning.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

import workbench as wb

sys.path.insert(0, str(Path(__file__).parent))
from bench_dp_defaults import _accuracy, selected_tables

RATES = (0.002, 0.004, 0.008, 0.016)
EPSILONS = (0.5, 1.0, 2.0, 8.0, None)


def run(seeds: int, tables: list[str] | None, out: str | None) -> pd.DataFrame:
    rows = []
    for name, ds, report in selected_tables(tables):
        for eps in EPSILONS:
            for lr in RATES:
                started = time.perf_counter()
                for seed in range(seeds):
                    run_ = wb.train(ds, model="mlp", epsilon=eps, seed=seed, lr=lr, public_schema=True, ledger=False)
                    rows.append({"table": name, "epsilon": eps, "lr": lr, "seed": seed,
                                 "accuracy": _accuracy(run_, report, ds.target)})  # fmt: skip
                    if out:
                        Path(out).write_text("".join(json.dumps(r) + "\n" for r in rows))
                print(f"{name} ε={eps} lr={lr}: {time.perf_counter() - started:.0f} s", flush=True)
    return pd.DataFrame(rows)


def table(results: pd.DataFrame) -> str:
    """Mean accuracy per table, ε and learning rate, and v2 − v1 in points, as Markdown."""
    results = results.assign(epsilon=results["epsilon"].fillna(float("inf")))
    means = results.groupby(["table", "epsilon", "lr"], sort=False)["accuracy"].mean().unstack("lr")
    lines = ["| table | ε | " + " | ".join(f"lr {r:g}" for r in RATES) + " | 0.004 − 0.002 |",
             "|" + " --- |" * (len(RATES) + 3)]  # fmt: skip
    for (name, eps), r in means.iterrows():
        label = "none" if eps == float("inf") else f"{eps:g}"
        cells = " | ".join(f"{r[rate]:.3f}" for rate in RATES)
        lines.append(f"| {name} | {label} | {cells} | {100 * (r[0.004] - r[0.002]):+.1f} pt |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--tables", help="comma-separated table names (default: all six)")
    parser.add_argument("--out", help="write every row (JSON lines)")
    parser.add_argument("--summarise", help="only print the table of rows written by --out (files, commas)")
    args = parser.parse_args()
    if args.summarise:
        results = pd.DataFrame([json.loads(line) for path in args.summarise.split(",")
                                for line in Path(path).read_text().splitlines()])  # fmt: skip
    else:
        results = run(args.seeds, args.tables.split(",") if args.tables else None, args.out)
    print(table(results))


if __name__ == "__main__":
    main()
