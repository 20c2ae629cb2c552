"""The sweep engine with a timed technique: streaming order, stop, executors, validation, persistence."""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import threading
import time
import warnings

import pandas as pd
import pytest

import workbench as wb
from workbench.errors import DataSourceError, InfeasibleError, InvalidParameterError, UnknownNameError
from workbench.tradeoff import TradeoffResult, iter_tradeoff, read_results


def test_serial_sweep_gives_a_tidy_table_in_grid_order(diabetes, timed_technique, digest):
    before = digest(diabetes.frame)
    result = wb.tradeoff(diabetes, timed_technique, epsilons=[4, 1, None], executor="serial")
    frame = result.results
    assert list(frame["value"]) == [4.0, 1.0, math.inf]
    assert list(frame.columns[:8]) == ["technique", "parameter", "value", "epsilon", "delta", "k", "l", "t"]
    assert {"accuracy", "mia_advantage", "seconds", "seed", "statement"} <= set(frame.columns)
    assert frame["epsilon"].iloc[2] == math.inf
    assert frame["statement"].iloc[0] == {"epsilon": 4.0, "mechanism": "gaussian"}
    assert result.executor == "serial" and not result.stopped
    assert digest(diabetes.frame) == before


def test_points_stream_in_completion_order_and_on_point_sees_each(diabetes, timed_technique):
    seen = []
    result = wb.tradeoff(
        diabetes,
        timed_technique,
        epsilons=[1, 2, 4],
        executor=cf.ThreadPoolExecutor(max_workers=3),
        technique_options={"delays": {"1.0": 1.0}},
        on_point=lambda p: seen.append(p.value),
    )
    assert seen[-1] == 1.0  # the slow point arrives last ...
    assert sorted(seen) == [1.0, 2.0, 4.0]
    assert [p.value for p in result.points] == [1.0, 2.0, 4.0]  # ... but the result is in grid order
    assert result.completion_order[-1] == 0


def test_stop_cancels_remaining_points_and_keeps_finished_ones(diabetes, timed_technique):
    stop = threading.Event()
    delays = {"1.0": 0.0, "2.0": 30.0, "4.0": 30.0}
    result = wb.tradeoff(
        diabetes,
        timed_technique,
        epsilons=[1, 2, 4],
        executor=cf.ThreadPoolExecutor(max_workers=3),
        technique_options={"delays": delays},
        on_point=lambda p: stop.set(),
        stop=stop,
    )
    assert result.stopped
    assert [p.value for p in result.points] == [1.0]
    assert result.seconds < 20  # the 30-second points were stopped, not waited for


def test_leaving_the_stream_early_cancels_the_rest(diabetes, timed_technique):
    stream = iter_tradeoff(
        diabetes, timed_technique, epsilons=[1, 2, 4, 8], executor="serial", technique_options={"delays": {}}
    )
    first = next(stream)
    stream.close()
    assert first.value == 1.0


def test_local_processes_dask_and_threads_give_the_same_numbers(diabetes, timed_technique, dask_client):
    grid = [0.5, 1, 2]
    serial = wb.tradeoff(diabetes, timed_technique, epsilons=grid, executor="serial", seed=3).results
    processes = wb.tradeoff(diabetes, timed_technique, epsilons=grid, executor=2, seed=3)
    dask = wb.tradeoff(diabetes, timed_technique, epsilons=grid, executor=dask_client, seed=3)
    threads = wb.tradeoff(diabetes, timed_technique, epsilons=grid, executor=cf.ThreadPoolExecutor(2), seed=3)
    assert processes.executor == "processes" and dask.executor == "dask"
    for other in (processes, dask, threads):
        pd.testing.assert_series_equal(other.results["accuracy"], serial["accuracy"])


def test_a_starting_pool_leaves_the_first_point_to_this_process(diabetes, timed_technique):
    from workbench.tradeoff import shutdown_pool

    shutdown_pool()
    delays = {"technique_options": {"delays": {"2.0": 0.5, "4.0": 0.5}}}
    cold = wb.tradeoff(diabetes, timed_technique, epsilons=[1, 2, 4], executor=2, seed=3, **delays)
    pids = [p.details["pid"] for p in cold.points]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:]  # computed here while the workers started
    assert cold.completion_order[0] == 0 and not cold.stopped
    warm = wb.tradeoff(diabetes, timed_technique, epsilons=[1, 2, 4], executor=2, seed=3, **delays)
    assert os.getpid() not in [p.details["pid"] for p in warm.points]  # a warm pool takes every point
    pd.testing.assert_frame_equal(warm.results.drop(columns="seconds"), cold.results.drop(columns="seconds"))


def test_stop_while_the_pool_starts_cancels_the_rest_and_leaves_the_pool_usable(diabetes, timed_technique):
    from workbench.tradeoff import shutdown_pool

    shutdown_pool()
    stop = threading.Event()
    result = wb.tradeoff(
        diabetes,
        timed_technique,
        epsilons=[1, 2, 4, 8],
        executor=2,
        technique_options={"delays": {"2.0": 60.0, "4.0": 60.0, "8.0": 60.0}},
        on_point=lambda p: stop.set(),
        stop=stop,
    )
    assert result.stopped and [p.value for p in result.points] == [1.0]
    assert result.seconds < 30  # the 60-second points were stopped, not waited for
    stream = iter_tradeoff(diabetes, timed_technique, epsilons=[1, 2], executor=2)  # the warm pool, free again
    assert [p.value for p in stream] in ([1.0, 2.0], [2.0, 1.0])
    shutdown_pool()
    stream = iter_tradeoff(diabetes, timed_technique, epsilons=[1, 2, 4], executor=2)
    assert next(stream).value == 1.0
    stream.close()  # leaving the loop while the pool starts: the pool is released, the next sweep uses it
    assert len(wb.tradeoff(diabetes, timed_technique, epsilons=[1, 2], executor=2).points) == 2


def test_points_computed_in_this_process_warn_directly_and_touch_no_warning_state(diabetes, timed_technique):
    def bystander():  # another thread of the user's process, warning while the points run
        time.sleep(0.2)
        warnings.warn("not from the sweep", UserWarning, stacklevel=1)

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        filters, show = warnings.filters, warnings.showwarning
        other = threading.Thread(target=bystander)
        other.start()
        result = wb.tradeoff(
            diabetes,
            timed_technique,
            epsilons=[1, 2, 3],
            executor=cf.ThreadPoolExecutor(3),
            technique_options={"warn": True, "delays": {"1.0": 0.5, "2.0": 0.5, "3.0": 0.5}},
        )
        other.join()
        assert warnings.filters is filters and warnings.showwarning is show  # the process-wide state is untouched
    assert all("warnings" not in point.details for point in result.points)  # nothing captured in this process
    messages = sorted(str(w.message) for w in seen)
    assert messages == ["not from the sweep", *(f"timed point {v} warned" for v in (1, 2, 3))]


def test_warnings_of_worker_processes_reach_the_caller_once(diabetes, timed_technique):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        filters = warnings.filters
        result = wb.tradeoff(diabetes, timed_technique, epsilons=[1, 2], executor=2,
                             technique_options={"warn": True, "delays": {}})  # fmt: skip
        assert warnings.filters is filters
    recorded = [p.details.get("warnings") for p in result.points]
    ours = sorted(str(w.message) for w in seen if "timed point" in str(w.message))
    assert ours == ["timed point 1 warned", "timed point 2 warned"]  # each once, computed here or in a worker
    expected = [[["UserWarning", f"timed point {p.value:g} warned"]] for p in result.points]
    assert any(r == e for r, e in zip(recorded, expected, strict=True))  # a worker's point carries its warnings


def test_stop_reaches_points_running_on_dask(diabetes, timed_technique, dask_client):
    stop = threading.Event()
    result = wb.tradeoff(
        diabetes,
        timed_technique,
        epsilons=[1, 2, 4],
        executor=dask_client,
        technique_options={"delays": {"2.0": 60.0, "4.0": 60.0}},
        on_point=lambda p: stop.set(),
        stop=stop,
    )
    assert result.stopped and [p.value for p in result.points] == [1.0]


def test_a_failing_point_ends_the_sweep_with_its_one_line_error(diabetes, timed_technique):
    with pytest.raises(InfeasibleError, match="k=5 cannot be reached"):
        wb.tradeoff(diabetes, "failing", ks=[2, 5], executor="serial")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"technique": "dpp", "epsilons": [1]}, UnknownNameError, "Did you mean 'dp'"),
        ({"technique": "dp", "ks": [2]}, InvalidParameterError, "pass epsilons="),
        ({"technique": "k-anonymity", "epsilons": [1]}, InvalidParameterError, "pass ks="),
        ({"technique": "dp", "epsilons": []}, InvalidParameterError, "empty"),
        ({"technique": "dp", "epsilons": [1, -1]}, InvalidParameterError, "got -1"),
        ({"technique": "dp", "epsilons": [1, 1]}, InvalidParameterError, "repeats"),
        ({"technique": "k-anonymity", "ks": [2.5]}, InvalidParameterError, "ints"),
        ({"technique": "dp", "epsilons": [1], "epochs": 0}, InvalidParameterError, "'epochs' parameter"),
        ({"technique": "dp", "epsilons": [1], "model": "cnn"}, UnknownNameError, "'model' parameter"),
        ({"technique": "dp", "epsilons": [1], "executor": "gpu"}, InvalidParameterError, "'executor' parameter"),
        ({"technique": "dp", "epsilons": [1], "colour": "red"}, InvalidParameterError, "unexpected keyword"),
        ({"technique": "dp", "epsilons": [1], "l": 2}, InvalidParameterError, "l applies to k-anonymity"),
        ({"technique": "pseudonymise+dp", "epsilons": [1], "l": 2, "t": 0.2}, InvalidParameterError, "l and t"),
    ],
)
def test_bad_arguments_raise_one_line_errors(diabetes, kwargs, error, match):
    technique = kwargs.pop("technique")
    with pytest.raises(error, match=match) as info:
        wb.tradeoff(diabetes, technique, **kwargs)
    assert "\n" not in str(info.value)


def test_pareto_frontier_and_parquet_round_trip(diabetes, timed_technique, tmp_path):
    result = wb.tradeoff(diabetes, timed_technique, epsilons=[0.5, 1, 2, None], executor="serial")
    front = result.pareto(utility="accuracy", leakage="mia_advantage")
    assert len(front) >= 1 and front["mia_advantage"].is_monotonic_increasing
    path = result.to_parquet(tmp_path / "results.parquet")
    table = pd.read_parquet(path)  # readable as a plain table too
    assert list(table["value"]) == [0.5, 1.0, 2.0, math.inf]
    back = read_results(path)
    assert isinstance(back, TradeoffResult)
    pd.testing.assert_frame_equal(back.results, result.results)
    assert back.dataset["name"] == "diabetes" and back.budget_note == result.budget_note


def test_read_results_refuses_other_files(tmp_path):
    with pytest.raises(DataSourceError, match="No results file"):
        read_results(tmp_path / "nothing.parquet")
    other = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(other)
    with pytest.raises(DataSourceError, match="not a workbench sweep"):
        read_results(other)


def test_registry_lists_builtins_and_rejects_duplicates(timed_technique):
    from tradeoff_timed import timed_point

    from workbench.tradeoff import available_techniques, register_technique

    assert {"dp", "k-anonymity", "pseudonymise+dp", "timed"} <= set(available_techniques())
    with pytest.raises(InvalidParameterError, match="already registered"):
        register_technique("timed", timed_point, parameter="epsilon")
    with pytest.raises(InvalidParameterError, match="needs a default_grid"):
        register_technique("other", timed_point, parameter="delta")
    with pytest.raises(InvalidParameterError, match="must be a name"):
        register_technique("other", timed_point, parameter="not a name", default_grid=(1.0,))


def test_a_sweep_that_could_exceed_the_budget_is_refused_before_any_work(small_adult):
    from workbench.dp import PrivacyLedger
    from workbench.errors import BudgetExceededError
    from workbench.tradeoff import iter_tradeoff, register_technique

    ledger = PrivacyLedger(budget=1.0)
    with pytest.raises(BudgetExceededError, match=r"^Runs with ε = 0.6, 0.7 \(ε 1.3 in all\) .* \(ε 1 left of 1\)"):
        wb.tradeoff(small_adult, "dp", epochs=1, epsilons=[0.6, 0.7], executor="serial", ledger=ledger)
    with pytest.raises(BudgetExceededError, match="A run without DP"):
        iter_tradeoff(small_adult, "pseudonymise+dp", epsilons=[0.1, None], executor="serial", ledger=ledger)
    assert len(ledger) == 0
    _ = register_technique("budget-free", _share_point, parameter="k", replace=True)
    curve = wb.tradeoff(small_adult, "budget-free", ks=[2], executor="serial", ledger=ledger)  # spends no budget
    assert len(curve.points) == 1 and len(ledger) == 0


def _share_point(dataset, value, options, seed, stop):
    return {"k": value, "utility": {"accuracy": float((dataset.train[dataset.target] == ">50K").mean())}}
