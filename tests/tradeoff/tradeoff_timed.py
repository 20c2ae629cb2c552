"""A timed technique for engine tests: waits a per-value delay (checking ``stop``), then computes a seeded number.

It is a real module (not defined in a test) so local processes and Dask workers can import it.
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np


def timed_point(dataset, value, options, seed, stop):
    delay = float(options.get("delays", {}).get(str(value), 0.0))
    end = time.monotonic() + delay
    while time.monotonic() < end:
        if stop is not None and stop.is_set():
            return {"stopped": True}
        time.sleep(0.01)
    if options.get("warn"):
        warnings.warn(f"timed point {value:g} warned", UserWarning, stacklevel=2)
    rng = np.random.default_rng(seed)
    y = (dataset.train[dataset.target].astype(str) == dataset.train[dataset.target].astype(str).iloc[0]).to_numpy()
    estimate = float(y.mean() + rng.normal(scale=0.1 / value))
    return {
        "epsilon": value,
        "delta": 1e-5,
        "utility": {"accuracy": estimate},
        "leakage": {"mia_advantage": 1.0 / (1.0 + value)},
        "statement": {"epsilon": value, "mechanism": "gaussian"},
        "details": {"pid": os.getpid()},  # which process computed it
    }


def failing_point(dataset, value, options, seed, stop):
    from workbench.errors import InfeasibleError

    if value > 2:
        raise InfeasibleError(f"k={value:g} cannot be reached on this table; try a smaller k.")
    return {"k": value, "utility": {"accuracy": 0.5}}
