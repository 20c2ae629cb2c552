"""Background jobs, throttling and live figures (FigureWidget and the Output fallback)."""

from __future__ import annotations

import itertools
import threading
import time

import ipywidgets as widgets
import plotly.graph_objects as go
import pytest

from workbench.errors import InfeasibleError
from workbench.widgets.state.jobs import Job
from workbench.widgets.state.throttle import Throttle
from workbench.widgets.views.figures import LiveFigure


def test_job_reports_progress_and_result():
    job = Job()
    seen = []
    job.observe(lambda c: seen.append(c["new"]), "progress")

    def task(stop, report):
        for i in range(1, 4):
            report(i / 4, f"step {i}")
        return "ok"

    assert job.start(task)
    assert job.wait(10) == "done"
    assert job.result == "ok" and job.progress == 1.0 and job.message.startswith("done in")
    assert seen[:4] == [0.0, 0.25, 0.5, 0.75] or 0.25 in seen


def test_job_refuses_a_second_task_while_running_and_stops():
    job = Job()
    started = threading.Event()

    def task(stop, report):
        started.set()
        while not stop.wait(0.01):
            pass
        return "partial"

    assert job.start(task)
    started.wait(5)
    assert not job.start(lambda stop, report: None)
    job.stop()
    assert job.wait(5) == "stopped"
    assert job.result == "partial" and job.message.startswith("stopped after")


def test_job_errors_are_readable_one_liners():
    job = Job()
    job.start(lambda stop, report: (_ for _ in ()).throw(InfeasibleError("k=90 is more than\nthe rows.")))
    assert job.wait(5) == "error"
    assert job.error == "k=90 is more than the rows."  # workbench errors as is, on one line
    job.start(lambda stop, report: {}["missing"])
    job.wait(5)
    assert job.error == "KeyError: 'missing'"


def test_throttle_limits_rate_and_keeps_the_last_call():
    calls = []
    throttle = Throttle(lambda: calls.append(time.monotonic()), interval=0.1)
    started = time.monotonic()
    while time.monotonic() - started < 0.5:
        throttle()
        time.sleep(0.001)
    time.sleep(0.25)
    assert 3 <= len(calls) <= 8  # about 10 per second, never one per call
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert min(gaps) >= 0.09
    assert calls[-1] >= started + 0.45  # the trailing call was flushed


def test_live_figure_widget_batches_updates_from_threads():
    live = LiveFigure("t", interval=0.05)
    assert isinstance(live.widget, go.FigureWidget)

    def worker(n):
        for i in range(1, 40):
            live.request(lambda i=i: go.Figure([go.Scatter(x=list(range(i)), y=list(range(i)))] * (1 + n % 2)))
            time.sleep(0.002)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    live.flush()
    time.sleep(0.1)
    assert live.updates < 78  # throttled: far fewer redraws than requests
    assert len(live.figure.data[0].x) == 39


def test_live_figure_keeps_the_state_a_reloaded_page_draws_from():
    live = LiveFigure("t")
    live.request(lambda: go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout={"title": {"text": "first"}}))
    live.flush()
    live.request(lambda: go.Figure([go.Scatter(x=[1, 2, 3], y=[3, 4, 5]), go.Bar(x=[1], y=[2])],
                                   layout={"title": {"text": "second"}}))  # fmt: skip
    live.flush()
    # plotly only sends deltas to the page; the synced state, which a reloaded page renders, must hold the figure
    state = live.figure.get_state()
    assert [trace["type"] for trace in state["_widget_data"]] == ["scatter", "bar"]
    assert list(state["_widget_data"][0]["y"]) == [3, 4, 5] and state["_widget_layout"]["title"]["text"] == "second"
    assert state["_widget_layout"]["height"] == live.height


def test_live_figure_static_fallback_uses_an_output_widget(monkeypatch):
    live = LiveFigure("t", mode="static")
    assert isinstance(live.widget, widgets.Output)
    live.request(lambda: go.Figure(go.Bar(x=[1, 2], y=[3, 4])))
    live.flush()
    assert len(live.widget.outputs) == 1
    assert "application/vnd.plotly.v1+json" in live.widget.outputs[0]["data"]
    monkeypatch.setenv("WORKBENCH_FIGURES", "static")
    assert LiveFigure("env").mode == "static"
    with pytest.raises(ValueError, match="mode must be"):
        LiveFigure("x", mode="svg")
