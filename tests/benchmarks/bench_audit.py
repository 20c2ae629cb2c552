"""Audit benchmark on Adult: what the attacks find, and what the threshold attack costs next to training.

Run as a script (``python tests/benchmarks/bench_audit.py``, add ``--quick`` for fewer epochs, ``--reference N`` for
RMIA with N reference models, ``--small`` for the overfitting setting) or with pytest
(``python -m pytest tests/benchmarks/bench_audit.py -p no:cacheprovider``).

For a non-private MLP and DP MLPs at ε = 1 and ε = 8 (10 epochs, 20 % of the training split held out as
non-members) it prints AUC, TPR at 0.1 % and 1 % FPR, the empirical ε lower bound (95 %) beside the claimed ε, and the
wall time of the threshold attack as a ratio of the training time measured in the same run. ``--small`` trains
instead on 2,000 Adult rows (800 members, 800 held out, 400 test rows for reference models) with a (128, 128) MLP
for 50 epochs, where a non-private model memorises.
"""

from __future__ import annotations

import argparse
import time
import warnings

import workbench as wb

SETTINGS = [("no DP", None), ("DP eps=8", 8.0), ("DP eps=1", 1.0)]


def _train(ds, epsilon, epochs, small=False):
    extra = {"hidden": (128, 128), "batch_size": 64, "audit_fraction": 0.5} if small else {"audit_fraction": 0.2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        # lr 0.002: the rate the audits guide's tables were measured with (size-aware-v1's MLP rate)
        run = wb.train(ds, model="mlp", epsilon=epsilon, epochs=epochs, lr=0.002, public_schema=True, ledger=False,
                       **extra)  # fmt: skip
        return run, time.perf_counter() - start


def _row(name, run, train_s, res, attack_s):
    s = res.summary()
    claim = "inf" if s["claimed_epsilon"] == float("inf") else f"{s['claimed_epsilon']:.3f}"
    return (
        f"{name:<9} {s['attack']:<9} acc {run.metrics['accuracy']:.4f}  AUC {s['auc']:.4f}  adv {s['advantage']:.4f}  "
        f"TPR@0.1% {s['tpr_at_0.1%_fpr']:.4f}  TPR@1% {s['tpr_at_1%_fpr']:.4f}  eps_lb {s['epsilon_lower_bound']:.3f}"
        f" (claimed {claim})  attack {attack_s:.3f} s = {attack_s / train_s:.3f} x training ({train_s:.1f} s)"
    )


def run_benchmark(epochs: int = 10, n_reference: int = 0, small: bool = False) -> list[dict]:
    ds = wb.load_dataset("adult")
    if small:
        ds = wb.load_dataset(ds.frame.sample(2000, random_state=0).reset_index(drop=True), target="income")
    rows = []
    for name, epsilon in SETTINGS:
        run, train_s = _train(ds, epsilon, epochs, small)
        attacks = ["threshold"] + (["rmia"] if n_reference else [])
        for attack in attacks:
            start = time.perf_counter()
            res = wb.membership_inference(run, attack=attack, n_reference=max(n_reference, 1))
            attack_s = time.perf_counter() - start
            print(_row(name, run, train_s, res, attack_s), flush=True)
            assert res.epsilon_lower_bound() <= res.claimed_epsilon, "empirical bound above the claimed epsilon"
            rows.append({"setting": name, "train_s": train_s, "attack_s": attack_s, **res.summary()})
    return rows


def test_bench_audit_adult():
    rows = run_benchmark(epochs=3)
    threshold = [r for r in rows if r["attack"] == "threshold"]
    print("threshold attack / training time:", [round(r["attack_s"] / r["train_s"], 4) for r in threshold])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 epochs instead of 10")
    parser.add_argument("--reference", type=int, default=0, help="also run RMIA with this many reference models")
    parser.add_argument("--small", action="store_true", help="2,000 rows, (128, 128) MLP, 50 epochs: overfitting")
    args = parser.parse_args()
    epochs = 50 if args.small else 10
    run_benchmark(epochs=3 if args.quick else epochs, n_reference=args.reference, small=args.small)
