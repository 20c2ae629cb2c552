"""Benchmark: ``wb.synthesise`` (MST) against MST written plainly on private-pgm (``mbi`` 2.0), in the same run.

Synthetic Adult at ε = 1 (δ = 1e-9 for both; the bundled schema's public bins for both). The plain version follows
private-pgm's example mechanism (``mechanisms/mst.py``) on mbi 2.0's API: mirror descent with 2,500 iterations for
the selection step and 10,000 for the final model, then ``synthetic_data()``. Both run as fresh processes (imports
included), one after the other, each ``--repeats`` times (median reported), measuring wall time, CPU time, and the
ML utility of the table (HistGradientBoosting trained on the synthetic rows, tested on the real test split).
Targets (issue 17): ≤ 20 s for ours, no loss of utility.

Run: ``python tests/benchmarks/bench_synthetic.py [--repeats N]``. The machine is shared by several engineers:
read the CPU seconds and the ratios, which compare both sides under the same conditions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

OURS = """
import json, time
t0, c0 = time.perf_counter(), time.process_time()
import workbench as wb
ds = wb.load_dataset("adult")
t1, c1 = time.perf_counter(), time.process_time()
syn = wb.synthesise(ds, epsilon=1.0, delta=1e-9, seed=0, evaluate=False, ledger=False)
t2, c2 = time.perf_counter(), time.process_time()
from workbench.utility import ml_utility
acc = ml_utility(syn.data, ds.test, target="income")["accuracy_released"]
print(json.dumps({"fit_seconds": t2 - t1, "fit_cpu": c2 - c1, "setup_seconds": t1 - t0, "accuracy": acc,
                  "epsilon": syn.statement.epsilon, "iterations": syn.metrics["iterations"]}))
"""

PLAIN = """
import itertools, json, time, warnings
t0, c0 = time.perf_counter(), time.process_time()
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import mbi
from mbi import Dataset, Domain, LinearMeasurement
from mbi.estimation import MirrorDescent
from scipy.special import logsumexp
import workbench as wb
from workbench.synthetic._domain import build_domain
from workbench.synthetic._schema import BUNDLED_EDGES
from workbench.synthetic.accounting import rho_from_epsilon
ds = wb.load_dataset("adult")
cols = list(ds.frame.columns)
dom = build_domain(ds.frame, cols, bounds={}, categories={}, schema_edges=BUNDLED_EDGES["adult"],
                   public_schema=False, schema_categorical=True, bins=16)
data = Dataset(dom.encode(ds.train), Domain(cols, [dom.sizes[c] for c in cols]))
t1, c1 = time.perf_counter(), time.process_time()
np.random.seed(0)
rho = rho_from_epsilon(1.0, 1e-9)
sigma = np.sqrt(3 / (2 * rho))

def measure(data, cliques, sigma):
    w = np.ones(len(cliques)) / np.sqrt(len(cliques))
    out = []
    for cl, wt in zip(cliques, w):
        x = data.project(cl).datavector()
        out.append(LinearMeasurement(x + np.random.normal(0, sigma / wt, x.size), cl, stddev=sigma / wt))
    return out

log1 = measure(data, [(c,) for c in cols], sigma)
# compress rare values (noisy count < 3 sigma), as the example does
mapping, comp = {}, []
for m in log1:
    c, y = m.clique[0], np.asarray(m.noisy_measurement)
    sup = y >= 3 * m.stddev
    mp = np.where(sup, np.cumsum(sup) - 1, sup.sum())
    mapping[c] = mp
    comp.append(m.compress({c: mp}, data.domain) if not sup.all() else m)
cdata = data.compress({c: mp for c, mp in mapping.items()})
est = MirrorDescent().estimate(cdata.domain, comp, iters=2500)
weights = {}
for a, b in itertools.combinations(cols, 2):
    weights[a, b] = np.linalg.norm(cdata.project([a, b]).datavector() - np.asarray(est.project([a, b]).datavector()), 1)
comp_of = {c: i for i, c in enumerate(cols)}
eps = np.sqrt(8 * (rho / 3) / (len(cols) - 1))
edges = []
for _ in range(len(cols) - 1):
    cand = [e for e in weights if comp_of[e[0]] != comp_of[e[1]]]
    q = np.array([weights[e] for e in cand]) * 0.5 * eps
    p = np.exp(q - logsumexp(q))
    e = cand[np.random.choice(len(cand), p=p)]
    old, new = comp_of[e[1]], comp_of[e[0]]
    comp_of = {c: (new if g == old else g) for c, g in comp_of.items()}
    edges.append(e)
log2 = measure(cdata, edges, sigma)
model = MirrorDescent().estimate(cdata.domain, comp + log2, iters=10000)
synth = model.synthetic_data().decompress(mapping)
table = dom.decode(synth.data, np.random.default_rng(0))
t2, c2 = time.perf_counter(), time.process_time()
from workbench.utility import ml_utility
acc = ml_utility(table, ds.test, target="income")["accuracy_released"]
print(json.dumps({"fit_seconds": t2 - t1, "fit_cpu": c2 - c1, "setup_seconds": t1 - t0, "accuracy": acc}))
"""


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"ours": [], "plain mbi": []}
    for _ in range(args.repeats):
        runs["plain mbi"].append(_run(PLAIN))
        runs["ours"].append(_run(OURS))
    print(f"{'':10} {'fit wall s':>10} {'fit CPU s':>10} {'accuracy':>9}")
    med = {}
    for name, rs in runs.items():
        med[name] = {k: statistics.median(r[k] for r in rs) for k in ("fit_seconds", "fit_cpu", "accuracy")}
        m = med[name]
        print(f"{name:10} {m['fit_seconds']:10.1f} {m['fit_cpu']:10.1f} {m['accuracy']:9.4f}")
    ratio = med["plain mbi"]["fit_seconds"] / med["ours"]["fit_seconds"]
    cpu = med["plain mbi"]["fit_cpu"] / med["ours"]["fit_cpu"]
    print(f"speed-up: {ratio:.1f}x wall, {cpu:.1f}x CPU; accuracy difference "
          f"{100 * (med['ours']['accuracy'] - med['plain mbi']['accuracy']):+.2f} points")  # fmt: skip
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    main()
