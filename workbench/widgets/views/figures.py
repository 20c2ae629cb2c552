"""Live figures: a plotly ``FigureWidget`` updated in one ``batch_update()``, at most ~10 times a second.

Where ``FigureWidget`` cannot render (``anywidget`` missing, or ``WORKBENCH_FIGURES=static``), an ``Output`` widget
shows a static copy of the figure instead, replaced on every flush.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import threading
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from workbench.widgets.state.throttle import Throttle

__all__ = ["LiveFigure", "figure_mode", "warm_plotly"]

_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


def warm_plotly() -> threading.Thread:
    """Pay plotly's first-figure costs in a background thread, once per process; return that thread.

    The first ``go.FigureWidget()`` of a process imports plotly's renderers, which import nbformat, jsonschema and
    an RFC 3987 grammar (about 3 s here, longer on a busy machine), validates plotly's default template (the
    classes of every trace type: about 160 modules, 1 s) and the first figure of each trace type loads its
    validators. The dashboard calls this when it opens, so a tab's first result shows as soon as it is computed
    instead of seconds later. Only plotly's renderers are imported and plain ``go.Figure`` objects built:
    the widget modules (``plotly.basewidget``, anywidget) and every widget stay on the kernel's main thread
    (importing them from this thread left the browser's FigureWidgets empty).

    Examples
    --------
    >>> thread = warm_plotly()
    >>> thread.name, warm_plotly() is thread
    ('workbench-warm-plotly', True)
    """
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=_warm, name="workbench-warm-plotly", daemon=True)
            _warm_thread.start()
        return _warm_thread


def _warm() -> None:
    try:
        import plotly.graph_objects as go
        import plotly.io as pio

        from workbench.widgets.views.shared_plotly import shared_module

        # the costly imports behind FigureWidget (nbformat, jsonschema, PIL), all that plotly.basewidget imports bar
        # anywidget and the widget modules themselves
        for module in ("plotly.io._renderers", "plotly.callbacks", "plotly.serializers"):
            importlib.import_module(module)
        figure = go.Figure([go.Scatter(x=[0, 1], y=[0, 1]), go.Bar(x=[0], y=[1]), go.Histogram(x=[0, 1])])
        figure.update_layout(title="warm", xaxis={"type": "log"}, yaxis={"tickformat": ".1%"})
        figure.to_plotly_json()
        # a FigureWidget validates the default template (every trace type's classes: ~160 modules, about 1 s)
        go.layout.Template(pio.templates[pio.templates.default].to_plotly_json())
        shared_module("figure")
    except Exception:  # warming is an optimisation: the real figure reports any problem itself
        pass


Builder = Callable[[], Any]  # returns a plotly go.Figure


class LiveFigure:
    """A figure that many threads may ask to redraw; redraws are throttled and batched.

    Parameters
    ----------
    title : str
        Shown until the first figure arrives.
    interval : float, default=0.1
        Least time between two redraws (seconds): at most ``1 / interval`` updates per second.
    mode : {"auto", "widget", "static"}
        ``"static"`` uses the ``Output`` fallback; ``"auto"`` uses ``FigureWidget`` unless it cannot be built or
        the environment variable ``WORKBENCH_FIGURES`` is ``static``.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> live = LiveFigure(title="demo")
    >>> live.request(lambda: go.Figure(go.Scatter(x=[1, 2], y=[3, 4])))
    >>> live.flush()
    >>> live.figure.data[0].y
    (3, 4)
    """

    def __init__(self, title: str = "", *, interval: float = 0.1, mode: str = "auto", height: int = 340) -> None:
        self._builder: Builder | None = None
        self._lock = threading.Lock()
        self.height = height
        self.mode = figure_mode(mode)
        if self.mode == "widget":
            from workbench.widgets.views.shared_plotly import figure_widget

            self.figure: Any = figure_widget(
                layout={"title": {"text": title}, "height": height, "margin": {"l": 50, "r": 20, "t": 40, "b": 40}}
            )
            self.widget: widgets.Widget = self.figure
        else:
            import plotly.graph_objects as go

            self.figure = go.Figure(layout={"title": {"text": title}, "height": height})
            self.widget = widgets.Output(layout={"min_height": f"{height}px"})
        self.throttle = Throttle(self._flush, interval)

    @property
    def updates(self) -> int:
        """How many redraws have been made."""
        return self.throttle.count

    def request(self, builder: Builder) -> None:
        """Ask for a redraw with the figure ``builder()`` returns; only the latest request is drawn."""
        with self._lock:
            self._builder = builder
        self.throttle()

    def flush(self) -> None:
        """Draw the latest request now."""
        self.throttle.flush_now()

    def _flush(self) -> None:
        with self._lock:
            builder, self._builder = self._builder, None
        if builder is None:
            return
        new = builder()
        if new is None:
            return
        if self.mode == "widget":
            _sync(self.figure, new, self.height)
        else:
            new.update_layout(height=self.height)
            self.figure = new
            self.widget.outputs = ({"output_type": "display_data", "data": _mime_bundle(new), "metadata": {}},)


def _mime_bundle(figure: Any) -> dict[str, Any]:
    """The figure as JupyterLab's plotly renderer reads it (no IPython formatter needed, so threads can call it)."""
    title = figure.layout.title.text or "figure"
    return {
        "application/vnd.plotly.v1+json": {**json.loads(figure.to_json()), "config": {"responsive": True}},
        "text/plain": f"<plotly figure: {title}>",
    }


def figure_mode(mode: str = "auto") -> str:
    """How live figures render: ``"widget"`` (plotly ``FigureWidget``) or ``"static"`` (an ``Output`` copy).

    ``"auto"`` means ``"widget"`` unless anywidget is missing or the environment variable ``WORKBENCH_FIGURES`` is
    ``static``.

    Examples
    --------
    >>> figure_mode("static")
    'static'
    """
    if mode not in ("auto", "widget", "static"):
        raise ValueError(f"mode must be 'auto', 'widget' or 'static'; got {mode!r}")
    if mode == "auto":
        if os.environ.get("WORKBENCH_FIGURES", "").lower() == "static":
            return "static"
        try:
            import anywidget  # noqa: F401 - plotly's FigureWidget needs it
        except ImportError:
            return "static"
        return "widget"
    return mode


def _sync(widget: Any, new: Any, height: int) -> None:
    """Make FigureWidget ``widget`` show go.Figure ``new``, changing traces in place where their types match."""
    old_types = [t.type for t in widget.data]
    new_types = [t.type for t in new.data]
    keep = len(old_types) if old_types == new_types[: len(old_types)] else 0
    with widget.batch_update():
        if keep < len(old_types):
            widget.data = ()
        for index in range(keep):
            widget.data[index].update(new.data[index].to_plotly_json(), overwrite=True)
        if len(new.data) > keep:
            widget.add_traces(list(new.data[keep:]))
        layout = new.layout.to_plotly_json()
        layout["height"] = height
        widget.layout.update(layout, overwrite=True)
    # plotly sends the front end deltas and leaves the widget's synced state (``_widget_data``, ``_widget_layout``)
    # as it was built; a reloaded page (or a second view) is drawn from that state, so keep it current. The front
    # end ignores a change of it (no second redraw), and it arrives after the deltas it repeats.
    widget._widget_data = copy.deepcopy(widget._data)
    widget._widget_layout = copy.deepcopy(widget._layout)
