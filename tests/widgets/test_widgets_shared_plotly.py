"""plotly's widget front end shared by every figure of a page and carried by one invisible preload widget.

The browser side (one import of the bundle per page, before the first figure) is checked in real Chromium by
tests/browser/test_browser_dashboard.py; here the modules, the widgets and the dashboard's use of them.
"""

from __future__ import annotations

import hashlib
import json
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


def test_only_the_preload_module_carries_the_bundle_and_both_share_its_key():
    source = BUNDLE.read_text(encoding="utf-8")
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]
    figure, preload = shared_module("figure"), shared_module("preload")
    key = f'Symbol.for("privacy-workbench.plotly-widget.{digest}")'
    assert key in figure and key in preload
    assert len(figure) < 2_000 and source[:200] not in figure
    literal = preload.split("const SOURCE = ", 1)[1].split(";\nexport default", 1)[0]
    assert json.loads(literal) == source  # the bundle, byte for byte
    with pytest.raises(ValueError, match="role must be"):
        shared_module("view")


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
