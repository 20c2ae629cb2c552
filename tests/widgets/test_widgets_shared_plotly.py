"""plotly's widget front end shared by every figure of a page and carried by one invisible preload widget.

The browser side (one import of the bundle per page, before the first figure) is checked in real Chromium by
tests/browser/test_browser_dashboard.py; here the modules, the widgets and the dashboard's use of them.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import plotly
import plotly.graph_objects as go
import pytest

import workbench as wb
from workbench.widgets.views import shared_plotly
from workbench.widgets.views.figures import LiveFigure
from workbench.widgets.views.shared_plotly import figure_widget, plotly_preload, shared_module

BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
CACHED = (shared_plotly.shared_module, shared_plotly._bundle, shared_plotly._figure_class, shared_plotly._preload_class)


def test_the_modules_share_a_key_and_neither_carries_the_bundle():
    source = BUNDLE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    figure, preload = shared_module("figure"), shared_module("preload")
    assert f'const DIGEST = "{digest}";' in figure and f'const DIGEST = "{digest}";' in preload
    assert len(figure) < 2_000 and len(preload) < 2_000  # never 5 MB in a widget's (saved) state
    with pytest.raises(ValueError, match="role must be"):
        shared_module("view")


def test_the_preload_sends_the_bundle_when_it_opens_and_when_a_page_asks(monkeypatch):
    plotly_preload().close()
    cls = shared_plotly._preload_class()
    sent = []
    monkeypatch.setattr(cls, "send", lambda self, content, buffers=None: sent.append((content, buffers)))
    preload = plotly_preload()
    digest = hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:16]
    assert sent == [({"plotly_bundle": digest}, [BUNDLE.read_bytes()])]
    preload._handle_custom_msg({"plotly_bundle": "another version"}, [])
    assert len(sent) == 1
    preload._handle_custom_msg({"plotly_bundle": digest}, [])  # a reloaded page asks for it
    assert len(sent) == 2 and sent[1] == sent[0]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (the lab extension build needs it)")
@pytest.mark.parametrize("role", ["figure", "preload"])
def test_modules_are_valid_javascript(role, tmp_path):
    module = tmp_path / f"{role}.mjs"
    module.write_text(shared_module(role), encoding="utf-8")
    result = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_figure_widget_uses_the_shared_front_end_and_opens_the_preload_first():
    figure = figure_widget(layout={"title": {"text": "t"}})
    assert isinstance(figure, go.FigureWidget)
    assert figure._esm == shared_module("figure") != go.FigureWidget()._esm
    preload = plotly_preload()
    assert preload is not None and preload.comm is not None
    assert isinstance(LiveFigure("live").widget, type(figure).__mro__[1])


def test_preload_is_one_hidden_widget_per_kernel_reopened_after_close():
    preload = plotly_preload()
    assert preload is plotly_preload()
    assert preload.layout.display == "none" and "wb-plotly-preload" in preload._dom_classes
    assert preload._esm == shared_module("preload")
    preload.close()
    reopened = plotly_preload()
    assert reopened is not preload and reopened.comm is not None


def test_dashboard_shows_the_preload_unless_figures_are_static(small, monkeypatch):
    app = wb.dashboard(small, executor="serial")
    assert app.preload is plotly_preload() and app.children[-1] is app.preload
    monkeypatch.setenv("WORKBENCH_FIGURES", "static")
    static = wb.dashboard(small, executor="serial")
    assert static.preload is None and static.children[-1] is static.tabs


@pytest.fixture
def no_bundle(monkeypatch):
    for cached in CACHED:
        cached.cache_clear()
    monkeypatch.setattr(shared_plotly, "_bundle_path", lambda: None)
    yield
    for cached in CACHED:
        cached.cache_clear()


def test_without_a_widget_bundle_figures_keep_plotlys_front_end(no_bundle):
    assert shared_module("figure") is None and plotly_preload() is None
    figure = figure_widget()
    assert type(figure).__mro__[1] is go.FigureWidget
