"""Benchmark: the DP trade-off sweep against a plain-Opacus script, in the same run.

MLP (64, 64) on Adult, ε ∈ {0.5, 1, 2, 4, 8}, 10 epochs each, batch 256, δ = 1e-5. Both sides run as fresh Python
processes one after the other, interleaved and repeated (imports and data loading included: "end to end",
medians reported); the reference is
``tradeoff_opacus_baseline.py`` beside this file. Targets (issue 6): ≥ 5× faster end to end, accuracy within 0.5
point at every ε, first point delivered within 5 s of calling ``tradeoff``.

Run: ``python tests/benchmarks/bench_tradeoff.py`` (prints a table) or
``python -m pytest tests/benchmarks/bench_tradeoff.py -p no:cacheprovider -s``. The machine is shared: timings are
noisy, so read the ratios, which compare both sides under the same conditions.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

EPSILONS = [0.5, 1.0, 2.0, 4.0, 8.0]
HERE = Path(__file__).resolve().parent

OURS = """
import json, sys, time
start = time.perf_counter()
import workbench as wb
ds = wb.load_dataset("adult")
epsilons = [float(e) for e in sys.argv[1:]]
arrivals = []
call = time.perf_counter()
result = wb.tradeoff(ds, "dp", epsilons=epsilons, model="mlp", epochs=10, batch_size=256, lr=0.002, delta=1e-5,
                     audit=False, public_schema=True, on_point=lambda p: arrivals.append(time.perf_counter() - call))
done = time.perf_counter()
rows = result.results
print(json.dumps({"accuracy": dict(zip(map(str, rows["value"]), rows["accuracy"])),
                  "epsilon_spent": list(rows["epsilon"]), "first_point": arrivals[0], "arrivals": arrivals,
                  "sweep_seconds": done - call, "setup_seconds": call - start, "executor": result.executor}))
"""


def _run(command: list[str]) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=HERE.parent.parent)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed:\n{done.stderr[-3000:]}")
    return seconds, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def run_benchmark(epsilons: list[float] = EPSILONS, repeat: int = 3) -> dict:
    """Both sides ``repeat`` times, interleaved (ours, reference, reference, ours, ...) so load drifts hit both;
    returns the medians of their wall times, the ratio, accuracies and first-point latency."""
    grid = [str(e) for e in epsilons]
    ours_runs, base_runs = [], []
    for i in range(repeat):
        order = ("ours", "base") if i % 2 == 0 else ("base", "ours")
        for side in order:
            if side == "ours":
                seconds, (out,) = _run([sys.executable, "-c", OURS, *grid])
                ours_runs.append((seconds, out))
            else:
                seconds, rows = _run([sys.executable, str(HERE / "tradeoff_opacus_baseline.py"), *grid])
                base_runs.append((seconds, rows))
    ours_seconds = statistics.median(s for s, _ in ours_runs)
    base_seconds = statistics.median(s for s, _ in base_runs)
    best = min(s for s, _ in base_runs) / min(s for s, _ in ours_runs)  # best-of-N: least disturbed by other load
    ours = ours_runs[0][1]
    base = {str(r["epsilon"]): r["accuracy"] for r in base_runs[0][1] if "epsilon" in r}
    return {
        "ours_seconds": ours_seconds,
        "baseline_seconds": base_seconds,
        "speedup": base_seconds / ours_seconds,
        "speedup_best": best,
        "runs": {"ours": [round(s, 1) for s, _ in ours_runs], "baseline": [round(s, 1) for s, _ in base_runs]},
        "first_point_seconds": statistics.median(o["first_point"] for _, o in ours_runs),
        "first_points": [round(o["first_point"], 2) for _, o in ours_runs],
        "ours": ours,
        "baseline_accuracy": base,
        "accuracy_gap_points": {e: 100 * (ours["accuracy"][e] - base[e]) for e in base},
    }


def report(out: dict) -> str:
    lines = [
        f"end to end: workbench {out['ours_seconds']:.1f} s vs plain Opacus {out['baseline_seconds']:.1f} s "
        f"-> {out['speedup']:.2f}x faster by medians, {out['speedup_best']:.2f}x best-of-{len(out['runs']['ours'])} "
        f"(target >= 5x); runs {out['runs']}",
        f"first point after {out['first_point_seconds']:.2f} s of tradeoff() (target <= 5 s; runs "
        f"{out['first_points']}); "
        f"workbench import + Adult load {out['ours']['setup_seconds']:.2f} s; executor {out['ours']['executor']}",
        "epsilon  workbench  opacus  gap (points, target |gap| <= 0.5)",
    ]
    for e, gap in out["accuracy_gap_points"].items():
        lines.append(
            f"{float(e):>7g}  {out['ours']['accuracy'][e]:.4f}     {out['baseline_accuracy'][e]:.4f}  {gap:+.2f}"
        )
    return "\n".join(lines)


def test_bench_tradeoff_sweep_vs_plain_opacus():
    out = run_benchmark()
    print("\n" + report(out))
    assert all(abs(g) <= 0.5 for g in out["accuracy_gap_points"].values()), out["accuracy_gap_points"]
    assert out["speedup"] >= 5, out["speedup"]
    assert out["first_point_seconds"] <= 5, out["first_point_seconds"]


if __name__ == "__main__":
    print(report(run_benchmark()))
