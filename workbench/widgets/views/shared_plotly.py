"""plotly's widget front end, evaluated once per browser page, shared by every figure, and loaded before the first.

plotly's ``FigureWidget`` is an anywidget whose ``_esm`` is plotly's whole front end (``widgetbundle.js``, about
5 MB: plotly.js and the widget). anywidget imports the ``_esm`` of *each* widget from a fresh blob URL, so every
figure parses and runs plotly.js again in the browser: about 3 s per figure on two busy cores, and the Risk tab's
two figures appeared 6.5 to 10 s after the click for a 0.3 s computation. Worse, anywidget gives a widget 2 s to load
before it drops the widget's messages, so on a slow machine a figure could stay empty.

Here the bundle travels as a string literal inside a small module that imports it once per page and keeps the
module on ``globalThis`` (keyed by the bundle's SHA-256), so every later figure initialises at once. The dashboard
shows an invisible :func:`plotly_preload` widget when it opens: it starts that one import when the browser is idle,
while the user reads the Data tab. Nothing here blocks the kernel, and it needs nothing beyond anywidget, which
``FigureWidget`` needs anyway: it works in JupyterLab, Notebook 7 and Binder alike.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any

import ipywidgets as widgets

__all__ = ["figure_widget", "plotly_preload", "shared_module"]

_LOADER = """\
// privacy-workbench: plotly's FigureWidget front end, imported once per page and shared by every figure
const KEY = Symbol.for("privacy-workbench.plotly-widget.%(digest)s");
const SOURCE = %(source)s;
function load() {
  if (!globalThis[KEY]) {
    const url = URL.createObjectURL(new Blob([SOURCE], { type: "text/javascript" }));
    const loading = import(url).finally(() => URL.revokeObjectURL(url));
    loading.catch(() => globalThis[KEY] === loading && delete globalThis[KEY]);
    globalThis[KEY] = loading;
  }
  return globalThis[KEY];
}
"""
_FIGURE = "export default async () => (await load()).default();\n"
_PRELOAD = """\
export default () => {
  const idle = globalThis.requestIdleCallback ?? ((callback) => setTimeout(callback, 0));
  idle(() => load().catch(() => {}), { timeout: 500 });
  return { initialize() {}, render() {} };
};
"""


def _bundle_path() -> Path | None:
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "widgetbundle.js"
    return path if path.is_file() else None


@functools.cache
def shared_module(role: str = "figure") -> str | None:
    """The ES module for a figure (``role="figure"``) or for the preload widget (``role="preload"``).

    Both embed plotly's widget bundle and import it at most once per page. ``None`` when plotly has no widget
    bundle (another plotly layout): figures then keep plotly's own front end and nothing is preloaded.

    Examples
    --------
    >>> module = shared_module()
    >>> module.startswith("// privacy-workbench") and "export default" in module
    True
    """
    if role not in ("figure", "preload"):
        raise ValueError(f"role must be 'figure' or 'preload'; got {role!r}")
    path = _bundle_path()
    if path is None:
        return None
    source = path.read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    loader = _LOADER % {"digest": digest, "source": json.dumps(source)}
    return loader + (_FIGURE if role == "figure" else _PRELOAD)


@functools.cache
def _figure_class() -> type:
    import plotly.graph_objects as go

    module = shared_module("figure")
    if module is None:
        return go.FigureWidget
    return type("FigureWidget", (go.FigureWidget,), {"__module__": __name__, "_esm": module})


def figure_widget(**kwargs: Any) -> Any:
    """A plotly ``FigureWidget`` whose front end is shared with every other figure of the page.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure = figure_widget(layout={"title": {"text": "demo"}})
    >>> isinstance(figure, go.FigureWidget), figure._esm == shared_module()
    (True, True)
    """
    return _figure_class()(**kwargs)


@functools.cache
def _preload_class() -> type | None:
    module = shared_module("preload")
    try:
        import anywidget
    except ImportError:
        return None
    if module is None:
        return None
    return type("PlotlyPreload", (anywidget.AnyWidget,), {"__module__": __name__, "_esm": module})


def plotly_preload() -> widgets.Widget | None:
    """An invisible widget that makes the browser load plotly's front end when it is idle; ``None`` if it cannot.

    Show it (anywhere, e.g. inside the dashboard) as soon as figures may follow: the first figure then appears as
    soon as its data is computed, without the seconds plotly.js takes to load.

    Examples
    --------
    >>> preload = plotly_preload()
    >>> preload.layout.display, preload._dom_classes
    ('none', ('wb-plotly-preload',))
    """
    cls = _preload_class()
    if cls is None:
        return None
    preload = cls(layout={"display": "none"})
    preload.add_class("wb-plotly-preload")
    return preload
