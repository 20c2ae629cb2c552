"""plotly's widget front end, evaluated once per browser page, shared by every figure, and loaded before the first.

plotly's ``FigureWidget`` is an anywidget whose ``_esm`` is plotly's whole front end (``widgetbundle.js``, about
5 MB: plotly.js and the widget). anywidget imports the ``_esm`` of *each* widget from a fresh blob URL, so every
figure sends 5 MB through the kernel and the server and parses and runs plotly.js again in the browser: 3 to 3.6 s
per figure on two busy cores, and the Risk tab's two figures appeared 7.9 to 10.2 s after the click for a 0.3 s
computation. anywidget also gives a widget 2 s to load before it ignores the widget's messages, so on a slow
machine a figure could stay empty.

Here one invisible widget per kernel, :func:`plotly_preload`, carries the bundle (sent as a binary buffer of a
message, so it is never saved with the widget state, and asked for again by a page that comes later) and the browser
imports it once per page, when idle, keeping the module on ``globalThis`` under a key made from the bundle's SHA-256.
Figures (:func:`figure_widget`) carry a 1 kB module that takes plotly's front end from there, so after the first
import every figure initialises at once. The dashboard shows the preload when it opens, so the import happens while
the user reads the Data tab. Nothing here blocks the kernel, and it needs nothing beyond anywidget, which
``FigureWidget`` needs anyway: it works in JupyterLab, Notebook 7 and Binder alike (their widget managers create every
widget model the kernel opens, so the preload reaches each page; a reloaded page gets the bundle when the kernel is
next idle).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import Any

import ipywidgets as widgets

__all__ = ["figure_widget", "plotly_preload", "shared_module"]

_SHARED = """\
// privacy-workbench: plotly's FigureWidget front end, imported once per page and shared by every figure
const DIGEST = "%(digest)s";
const KEY = Symbol.for(`privacy-workbench.plotly-widget.${DIGEST}`);
function shared() {
  if (!globalThis[KEY]) {
    let provide;
    const module = new Promise((resolve) => { provide = resolve; });
    globalThis[KEY] = { module, provide, start: null, waiting: false };
  }
  return globalThis[KEY];
}
"""
_FIGURE = """\
export default async () => {
  const entry = shared();
  entry.waiting = true;
  entry.start?.();
  return (await entry.module).default();
};
"""
_PRELOAD = """\
export default () => ({
  initialize({ model }) {
    const entry = shared();
    if (entry.start) return;
    const receive = (message, buffers) => {
      if (message?.plotly_bundle !== DIGEST || !buffers?.length || entry.start) return;
      model.off("msg:custom", receive);
      const bundle = new Blob(buffers, { type: "text/javascript" });
      entry.start = () => {
        entry.start = () => {};
        const url = URL.createObjectURL(bundle);
        entry.provide(import(url).finally(() => URL.revokeObjectURL(url)));
      };
      if (entry.waiting || entry.shown) later();
    };
    model.on("msg:custom", receive);
    // the kernel sends the bundle when the widget opens; a page that came later (reloaded) asks for it
    setTimeout(() => entry.start || model.send({ plotly_bundle: DIGEST }), 2000);
  },
  render() {
    // shown with the dashboard: import once the dashboard has been painted (two frames) and the page is idle,
    // so that the import never delays the dashboard itself
    const entry = shared();
    entry.shown = true;
    if (entry.start) later();
  },
});

function later() {
  const entry = shared();  // entry.start imports at most once: it replaces itself with a no-op
  if (entry.waiting) return entry.start();
  const idle = globalThis.requestIdleCallback ?? ((callback) => setTimeout(callback, 0));
  requestAnimationFrame(() => requestAnimationFrame(() => idle(() => entry.start(), { timeout: 1500 })));
}
"""


def _bundle_path() -> Path | None:
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "widgetbundle.js"
    return path if path.is_file() else None


@functools.cache
def shared_module(role: str = "figure") -> str | None:
    """The ES module of a figure (``role="figure"``) or of the preload widget (``role="preload"``), about 1 kB each.

    Neither holds plotly's widget bundle (5 MB): the kernel sends it once to each page, as a binary buffer of the
    preload widget's message, so it is never part of a widget's saved state. ``None`` when plotly has no widget
    bundle (another plotly layout): figures then keep plotly's own front end and nothing is preloaded.

    Examples
    --------
    >>> figure, preload = shared_module("figure"), shared_module("preload")
    >>> len(figure) < 2_000 and len(preload) < 2_000
    True
    """
    if role not in ("figure", "preload"):
        raise ValueError(f"role must be 'figure' or 'preload'; got {role!r}")
    bundle = _bundle()
    if bundle is None:
        return None
    return _SHARED % {"digest": bundle[1]} + (_FIGURE if role == "figure" else _PRELOAD)


@functools.cache
def _bundle() -> tuple[bytes, str] | None:
    """plotly's widget bundle and the start of its SHA-256 (the page-wide key of its module)."""
    path = _bundle_path()
    if path is None:
        return None
    source = path.read_bytes()
    return source, hashlib.sha256(source).hexdigest()[:16]


@functools.cache
def _figure_class() -> type:
    import plotly.graph_objects as go

    module = shared_module("figure")
    if module is None or _preload_class() is None:
        return go.FigureWidget
    return type("FigureWidget", (go.FigureWidget,), {"__module__": __name__, "_esm": module})


def figure_widget(**kwargs: Any) -> Any:
    """A plotly ``FigureWidget`` whose front end is shared with every other figure of the page.

    It opens the :func:`plotly_preload` widget first if it is not open, so the browser has plotly's front end to
    give the figure.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure = figure_widget(layout={"title": {"text": "demo"}})
    >>> isinstance(figure, go.FigureWidget), figure._esm == shared_module("figure")
    (True, True)
    """
    cls = _figure_class()
    if cls.__module__ == __name__:
        plotly_preload()
    return cls(**kwargs)


@functools.cache
def _preload_class() -> type | None:
    try:
        import anywidget
    except ImportError:
        return None
    module, bundle = shared_module("preload"), _bundle()
    if module is None or bundle is None:
        return None
    source, digest = bundle

    class PlotlyPreload(anywidget.AnyWidget):
        _esm = module

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.on_msg(lambda widget, content, buffers: content == {"plotly_bundle": digest} and widget.send_bundle())
            self.send_bundle()

        def send_bundle(self) -> None:
            """Send plotly's widget bundle to the browser (custom messages are not saved with the widget state)."""
            self.send({"plotly_bundle": digest}, buffers=[source])

    PlotlyPreload.__module__ = __name__
    return PlotlyPreload


_preload_lock = threading.Lock()
_preload: widgets.Widget | None = None


def plotly_preload() -> widgets.Widget | None:
    """The kernel's one invisible widget that carries plotly's front end to the browser; ``None`` if it cannot.

    The browser imports the bundle when it is idle after the widget arrives (at once if a figure waits for it).
    Show it as soon as figures may follow (the dashboard shows it when it opens): the first figure then appears as
    soon as its data is computed, without the seconds plotly.js takes to load. The widget stays open for the life
    of the kernel, so a reloaded page gets it again; it is opened anew if it was closed.

    Examples
    --------
    >>> preload = plotly_preload()
    >>> preload is plotly_preload(), preload.layout.display, preload._dom_classes
    (True, 'none', ('wb-plotly-preload',))
    """
    global _preload
    cls = _preload_class()
    if cls is None:
        return None
    with _preload_lock:
        if _preload is None or _preload.comm is None:  # closed widgets lose their comm
            _preload = cls(layout={"display": "none"})
            _preload.add_class("wb-plotly-preload")
        return _preload
