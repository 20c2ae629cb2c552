"""Benchmark of DP training against a plain-Opacus script, in the same process; prints ratios.

Run: ``python tests/benchmarks/bench_dp.py [--quick]``. Timings on a shared machine are noisy, so every number is
compared with its baseline measured in the same run (best of ``--repeat`` runs each).

Measured:
1. end to end, ``wb.train(adult, model="mlp", epsilon=8, epochs=10)`` vs the plain-Opacus script
   (``make_private_with_epsilon`` + Poisson ``DataLoader``, batch 256, 10 epochs, same encoding, model, optimizer,
   learning rate, epsilon, delta), with the accuracy of both;
2. a DP epoch vs a non-private in-memory epoch (the same trainer with ``epsilon=None``, and a plain torch loop);
3. noise calibration (cold: caches cleared; and warm) vs Opacus's ``get_noise_multiplier``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings

import torch
import torch.nn.functional as F

import workbench as wb
from workbench.dp import accounting
from workbench.dp.encoding import fit_encoder
from workbench.dp.models import build_model

EPSILON, EPOCHS, BATCH, LR = 8.0, 10, 256, 0.002


def clear_caches() -> None:
    """Forget every accountant answer held in memory (the disk cache is off for cold numbers)."""
    for cached in (accounting._calibrate_cached, accounting._compose_cached, accounting._prv_cached,
                   accounting._prv_discretised):  # fmt: skip
        cached.cache_clear()


def plain_opacus(ds, delta: float, epochs: int) -> dict:
    """The reference script: what a user writes with Opacus alone."""
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    started = time.perf_counter()
    enc = fit_encoder(ds.train, target=ds.target, public_schema=True)
    X, y = enc.transform(ds.train)
    X_test, y_test = enc.transform(ds.test)
    model = build_model("mlp", enc.n_features, enc.n_classes, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    loader = DataLoader(TensorDataset(X, y), batch_size=BATCH, shuffle=True)
    engine = PrivacyEngine(accountant="prv")
    calib = time.perf_counter()
    model, optimizer, loader = engine.make_private_with_epsilon(
        module=model, optimizer=optimizer, data_loader=loader, target_epsilon=EPSILON, target_delta=delta,
        epochs=epochs, max_grad_norm=1.0,
    )  # fmt: skip
    calib = time.perf_counter() - calib
    epoch_s = []
    for _ in range(epochs):
        t = time.perf_counter()
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        epoch_s.append(time.perf_counter() - t)
    eps = engine.get_epsilon(delta)
    model.eval()
    with torch.no_grad():
        accuracy = float((model(X_test).argmax(1) == y_test).float().mean())
    return {"total": time.perf_counter() - started, "epoch": statistics.median(epoch_s), "calibration": calib,
            "accuracy": accuracy, "epsilon": eps}  # fmt: skip


def plain_torch_epoch(ds, epochs: int = 3) -> float:
    """A non-private epoch on in-memory tensors with torch.optim.Adam and shuffled minibatches."""
    enc = fit_encoder(ds.train, target=ds.target, public_schema=True)
    X, y = enc.transform(ds.train)
    model = build_model("mlp", enc.n_features, enc.n_classes, seed=0)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        for idx in torch.randperm(len(y)).split(BATCH):
            optimizer.zero_grad()
            F.cross_entropy(model(X[idx]), y[idx]).backward()
            optimizer.step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def ours(ds, epsilon: float | None, epochs: int) -> dict:
    clear_caches()
    started = time.perf_counter()
    run = wb.train(ds, model="mlp", epsilon=epsilon, epochs=epochs, batch_size=BATCH, lr=LR, public_schema=True,
                   ledger=False)  # fmt: skip
    return {"total": time.perf_counter() - started, "epoch": float(run.history["seconds"].median()),
            "calibration": run.timings["calibration_s"], "accuracy": run.metrics["accuracy"],
            "epsilon": run.statement.epsilon, "delta": run.statement.delta}  # fmt: skip


def disk_warm(eps: float, delta: float, q: float, steps: int, acc: str) -> float:
    """Calibration when an earlier session left the accountant's answers in the disk cache."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update(WORKBENCH_CACHE=tmp, WORKBENCH_ACCOUNTING_CACHE="1")
        accounting._DISK = accounting._DiskCache()
        clear_caches()
        accounting.calibrate_noise(eps, delta, q, steps, acc)
        clear_caches()
        accounting._DISK = accounting._DiskCache()  # a new session: nothing in memory
        t = time.perf_counter()
        accounting.calibrate_noise(eps, delta, q, steps, acc)
        seconds = time.perf_counter() - t
        os.environ["WORKBENCH_ACCOUNTING_CACHE"] = "0"
    return seconds


def calibration(ds, epsilons=(0.5, 1.0, 2.0, 4.0, 8.0), repeat: int = 5) -> list[tuple]:
    """Per (epsilon, accountant): cold (median and worst of ``repeat``, every cache cleared), warm, disk, Opacus."""
    from opacus.accountants.utils import get_noise_multiplier

    n = len(ds.train)
    steps_per_epoch = -(-n // BATCH)
    q, steps, delta = 1 / steps_per_epoch, steps_per_epoch * EPOCHS, accounting.default_delta(n)
    rows = []
    for eps in epsilons:
        for acc in ("prv", "rdp"):
            colds = []
            for _ in range(repeat):
                clear_caches()
                t = time.perf_counter()
                accounting.calibrate_noise(eps, delta, q, steps, acc)
                colds.append(time.perf_counter() - t)
            cold = (statistics.median(colds), max(colds))
            t = time.perf_counter()
            accounting.calibrate_noise(eps, delta, q, steps, acc)
            warm = time.perf_counter() - t
            disk = disk_warm(eps, delta, q, steps, acc)
            t = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                get_noise_multiplier(target_epsilon=eps, target_delta=delta, sample_rate=q, steps=steps, accountant=acc)
            rows.append((eps, acc, cold, warm, disk, time.perf_counter() - t))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="3 epochs instead of 10")
    parser.add_argument("--threads", type=int, default=1, help="torch threads for every side (default 1)")
    parser.add_argument("--calibration", action="store_true", help="only section 3, noise calibration")
    args = parser.parse_args()
    epochs = 3 if args.quick else EPOCHS
    os.environ["WORKBENCH_ACCOUNTING_CACHE"] = "0"  # cold numbers: no answers from earlier sessions
    ds = wb.load_dataset("adult")
    warnings.simplefilter("ignore")
    # the same threads on both sides: 2 threads on a loaded 2-core machine slow torch down several times
    torch.set_num_threads(args.threads)
    # warm the imports and first-call costs of both sides (torch.optim imports torch._dynamo; opacus; scipy)
    wb.train(ds.train.iloc[:2000].pipe(wb.load_dataset, target="income"), epochs=1, epsilon=1.0, ledger=False)
    if args.calibration:
        return print_calibration(ds, args.repeat)
    plain_torch_epoch(ds, epochs=1)

    ref = [plain_opacus(ds, ours(ds, EPSILON, 1)["delta"], epochs) for _ in range(args.repeat)]
    dp = [ours(ds, EPSILON, epochs) for _ in range(args.repeat)]
    nodp = [ours(ds, None, epochs) for _ in range(args.repeat)]
    torch_epoch = min(plain_torch_epoch(ds) for _ in range(args.repeat))
    best = lambda runs, key: min(r[key] for r in runs)  # noqa: E731

    print(f"torch threads: {torch.get_num_threads()} for the baselines and for workbench")
    print(f"\n1. end to end, MLP(64, 64), epsilon={EPSILON:g}, {epochs} epochs, batch {BATCH}, Adult")
    for name, runs in (("plain Opacus", ref), ("workbench", dp)):
        r = runs[0]
        print(f"   {name:13s} {best(runs, 'total'):7.2f} s  accuracy {r['accuracy']:.4f}  epsilon {r['epsilon']:.3f}")
    print(f"   speed-up      {best(ref, 'total') / best(dp, 'total'):7.2f}x   (target >= 4x)")
    print(f"   accuracy gap  {100 * (dp[0]['accuracy'] - ref[0]['accuracy']):+7.2f} points (target within 0.5)")
    print("\n2. one epoch (median over epochs, best run)")
    print(f"   workbench DP epoch          {best(dp, 'epoch'):.4f} s")
    print(f"   workbench non-private epoch {best(nodp, 'epoch'):.4f} s  -> DP / non-private = "
          f"{best(dp, 'epoch') / best(nodp, 'epoch'):.2f}x (target <= 2x)")  # fmt: skip
    print(f"   plain torch in-memory epoch {torch_epoch:.4f} s  -> DP / plain torch = "
          f"{best(dp, 'epoch') / torch_epoch:.2f}x")  # fmt: skip
    print(f"   plain Opacus DP epoch       {best(ref, 'epoch'):.4f} s  -> Opacus / workbench DP = "
          f"{best(ref, 'epoch') / best(dp, 'epoch'):.2f}x")  # fmt: skip
    print_calibration(ds, args.repeat)


def print_calibration(ds, repeat: int) -> None:
    print("\n3. noise calibration (Adult, 10 epochs, batch 256); target <= 0.050 s")
    print("   cold: nothing cached (median, worst of 5); warm: same session (memory); disk: a later session (disk)")
    print("   epsilon accountant  cold median  cold worst  warm (s)  disk (s)  Opacus get_noise_multiplier (s)  "
          "speed-up (median)")  # fmt: skip
    for eps, acc, (cold, worst), warm, disk, opacus in calibration(ds, repeat=max(repeat, 5)):
        print(f"   {eps:7g} {acc:10s} {cold:11.4f} {worst:11.4f} {warm:9.4f} {disk:9.4f} {opacus:12.3f} "
              f"{opacus / cold:24.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
