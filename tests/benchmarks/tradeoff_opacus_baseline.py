"""The reference for bench_tradeoff.py: a plain Opacus script sweeping ε one run after another.

MLP (64, 64) on Adult, 10 epochs, batch 256 (Poisson sampling), δ = 1e-5, Adam lr 0.002, PRV accountant,
max_grad_norm 1.0 — what a user writes by following the Opacus tutorials. Prints one JSON line per ε and a
summary line: {"epsilon", "accuracy", "seconds", "since_start"}.

Run: python tests/benchmarks/tradeoff_opacus_baseline.py 0.5 1 2 4 8
"""

from __future__ import annotations

import json
import sys
import time

START = time.perf_counter()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from opacus import PrivacyEngine  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import workbench as wb  # noqa: E402  (only to read the bundled Adult copy)


def encode(train: pd.DataFrame, test: pd.DataFrame, target: str):
    features = [c for c in train.columns if c != target]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(train[c])]
    categorical = [c for c in features if c not in numeric]
    mean, std = train[numeric].mean(), train[numeric].std().replace(0, 1)

    def one(frame: pd.DataFrame):
        num = ((frame[numeric] - mean) / std).fillna(0.0)
        cats = pd.get_dummies(frame[categorical].astype("object").fillna("missing"), dtype=float)
        return pd.concat([num, cats], axis=1)

    X_train = one(train)
    X_test = one(test).reindex(columns=X_train.columns, fill_value=0.0)
    classes = sorted(train[target].dropna().unique())
    y_train = train[target].map({c: i for i, c in enumerate(classes)})
    y_test = test[target].map({c: i for i, c in enumerate(classes)})
    to = lambda x: torch.tensor(np.asarray(x, dtype=np.float32))  # noqa: E731
    return (
        to(X_train),
        torch.tensor(y_train.to_numpy(dtype=np.int64)),
        to(X_test),
        torch.tensor(y_test.to_numpy(dtype=np.int64)),
    )


def run(epsilon: float, data, seed: int = 0) -> float:
    X, y, X_test, y_test = data
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(X.shape[1], 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.002)
    loader = DataLoader(TensorDataset(X, y), batch_size=256, shuffle=True)
    engine = PrivacyEngine(accountant="prv")
    model, optimizer, loader = engine.make_private_with_epsilon(
        module=model, optimizer=optimizer, data_loader=loader, target_epsilon=epsilon, target_delta=1e-5,
        epochs=10, max_grad_norm=1.0,
    )  # fmt: skip
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(10):
        model.train()
        for xb, yb in loader:
            if len(yb) == 0:
                continue
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        return float((model(X_test).argmax(1) == y_test).float().mean())


def main(epsilons: list[float]) -> None:
    torch.set_num_threads(1)  # fastest for this small model (and fair under contention)
    ds = wb.load_dataset("adult")
    train = ds.train.dropna(subset=[ds.target])
    data = encode(train, ds.test, ds.target)
    for eps in epsilons:
        t = time.perf_counter()
        accuracy = run(eps, data)
        row = {"epsilon": eps, "accuracy": accuracy, "seconds": time.perf_counter() - t}
        print(json.dumps({**row, "since_start": time.perf_counter() - START}), flush=True)
    print(json.dumps({"total_seconds": time.perf_counter() - START}), flush=True)


if __name__ == "__main__":
    main([float(a) for a in sys.argv[1:]] or [0.5, 1, 2, 4, 8])
