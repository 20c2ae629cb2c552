"""Benchmark the dashboard: how fast it appears, and how fast the anonymisation preview follows the k slider (Adult).

Run: ``python tests/benchmarks/bench_widgets.py``. Targets (issue 7): the dashboard appears in ≤ 2 s; changing k
on Adult refreshes the preview and metrics in ≤ 200 ms. Timings on a shared machine are noisy, so each number is a
median, and the k refresh is also given as a ratio to the core call ``wb.anonymise(adult, k=..., method="mondrian")``
timed in the same run (the baseline).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

COLD = (
    "import time; t = time.perf_counter(); import workbench as wb; app = wb.dashboard('adult'); "
    "print(time.perf_counter() - t)"
)


def cold_dashboard(repeats: int = 3) -> float:
    """Median seconds from a fresh Python process to a built dashboard on Adult (imports included)."""
    runs = [subprocess.check_output([sys.executable, "-c", COLD], text=True) for _ in range(repeats)]
    return statistics.median(float(out.split()[-1]) for out in runs)


def warm_dashboard(repeats: int = 5) -> float:
    import workbench as wb

    ds = wb.load_dataset("adult")
    wb.dashboard(ds)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        wb.dashboard(ds)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def k_refresh(ks: list[int], prefetch: int) -> list[float]:
    """Seconds from moving the k slider of the Anonymise tab to the preview and metrics showing the new table."""
    import workbench as wb

    app = wb.dashboard("adult")
    view = app.show("Anonymise")
    state = app.state.anonymise
    state.prefetch = prefetch
    state.wait(120, prefetch=True)
    times = []
    for k in ks:
        started = time.perf_counter()
        view.k.value = k
        state.wait(120)
        times.append(time.perf_counter() - started)
        assert state.result.statement.k >= k and f">{state.result.statement.k}</b>" in view.metrics.value
        state.wait(120, prefetch=True)  # let the prefetch finish, as a user pausing between moves would
    return times


def core_anonymise(ks: list[int]) -> list[float]:
    import workbench as wb

    ds = wb.load_dataset("adult")
    times = []
    for k in ks:
        started = time.perf_counter()
        wb.anonymise(ds, k=k, method="mondrian")
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")  # a script, not library code: quiet the PrivacyLeakWarning about hierarchies
    steps = [6, 7, 8, 9, 10]
    core = statistics.median(core_anonymise(steps))
    cold_ui = statistics.median(k_refresh([15, 25, 35, 45, 55], prefetch=0))
    stepped = statistics.median(k_refresh(steps, prefetch=2))
    cold_app = cold_dashboard()
    warm_app = warm_dashboard()
    print(f"dashboard appears, fresh process (imports + Adult): {cold_app:.2f} s  ({cold_app / 2:.2f} of 2 s target)")
    print(f"dashboard appears, workbench already imported:      {warm_app:.2f} s  ({warm_app / 2:.2f} of 2 s target)")
    print(f"core wb.anonymise(adult, mondrian), baseline:       {core * 1000:.0f} ms")
    print(f"k slider -> preview, value not computed before:     {cold_ui * 1000:.0f} ms  "
          f"(x{cold_ui / core:.2f} the baseline; {cold_ui / 0.2:.1f} of the 200 ms target)")  # fmt: skip
    print(f"k slider -> preview, k stepped by one (prefetched): {stepped * 1000:.1f} ms  "
          f"(x{stepped / core:.3f} the baseline; {stepped / 0.2:.3f} of the 200 ms target)")  # fmt: skip


if __name__ == "__main__":
    main()
