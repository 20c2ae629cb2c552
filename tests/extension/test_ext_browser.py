"""The extension in a real JupyterLab, driven in headless Chromium: the Launcher tile and the palette commands."""

from __future__ import annotations

import json
import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:  # pragma: no cover - .ci/run installs it
    pytest.skip("Debian's chromium is not installed (bash .ci/run installs it)", allow_module_level=True)

TIMEOUT_MS = 180_000  # kernel start, torch import and the dashboard on two shared cores


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def lab_page(browser, lab_server):
    """A fresh JupyterLab page (workspace reset) showing the Launcher; fails the test on page errors."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{lab_server.url}lab?reset&token={lab_server.token}")
    page.locator(".jp-Launcher").first.wait_for(timeout=TIMEOUT_MS)
    yield page
    page.close()
    assert not [e for e in errors if "privacy-workbench" in e.lower()], errors


def _dismiss_dialogs(page) -> None:
    """Accept a kernel dialog if JupyterLab shows one (it should not: the notebook names its kernel)."""
    dialog = page.locator(".jp-Dialog .jp-mod-accept")
    if dialog.count():
        dialog.first.click()


def test_launcher_tile_opens_and_runs_the_dashboard(lab_page, lab_server):
    page = lab_page
    tile = page.locator('.jp-LauncherCard[data-category="Notebook"]', has_text="Privacy Workbench")
    tile.wait_for(timeout=TIMEOUT_MS)
    assert tile.count() == 1
    tile.click()

    notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
    cell = notebook.locator(".jp-CodeCell").first
    cell.locator(".jp-InputArea-editor", has_text='wb.dashboard("adult")').wait_for(timeout=TIMEOUT_MS)
    _dismiss_dialogs(page)
    # the cell ran (an execution count, not "[*]") and its output is the live dashboard widget
    cell.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=TIMEOUT_MS)
    widget = cell.locator(".jp-OutputArea-output .jupyter-widgets").first
    widget.wait_for(timeout=TIMEOUT_MS)
    assert cell.locator('.jp-OutputArea-output [class*="wb-"]').count() > 0
    assert "Traceback" not in cell.locator(".jp-OutputArea").inner_text()

    # the notebook was saved in the served folder with the dashboard cell and the default Python kernel
    created = [p for p in lab_server.root.glob("Untitled*.ipynb")]
    assert len(created) == 1
    content = json.loads(created[0].read_text())
    assert content["metadata"]["kernelspec"]["name"] == "python3"
    assert any('wb.dashboard("adult")' in "".join(c["source"]) for c in content["cells"] if c["cell_type"] == "code")


def test_palette_command_opens_a_tutorial(lab_page, lab_server):
    page = lab_page
    target = lab_server.root / "notebooks" / "03_pseudonymisation.ipynb"
    target.unlink()  # the command copies it back in
    page.locator(".jp-LauncherCard", has_text="Pseudonymisation").wait_for(timeout=TIMEOUT_MS)  # list loaded
    page.keyboard.press("Control+Shift+C")
    search = page.locator(".lm-CommandPalette-input")
    search.wait_for(timeout=TIMEOUT_MS)
    search.fill("Open tutorial: 3")
    item = page.locator(".lm-CommandPalette-item", has_text="Pseudonymisation").first
    item.wait_for(timeout=TIMEOUT_MS)
    item.click()
    page.locator(".lm-TabBar-tab", has_text="03_pseudonymisation.ipynb").wait_for(timeout=TIMEOUT_MS)
    _dismiss_dialogs(page)
    assert target.is_file()
    heading = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownOutput h1").first
    heading.wait_for(timeout=TIMEOUT_MS)
    assert "Pseudonymisation" in heading.inner_text()


def test_readme_path_runs_the_quickstart_to_a_tradeoff_curve(browser, lab_server):
    """`privacy-workbench lab` opens tutorial 01; one click (Run > Run All Cells) ends in a live trade-off figure.

    The server runs with WORKBENCH_SMOKE=1, which the kernel inherits, so the sizes are tiny.
    """
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{lab_server.url}?token={lab_server.token}")  # the server's default page, as the README opens it
        page.wait_for_url("**/lab/tree/notebooks/01_quickstart.ipynb*", timeout=TIMEOUT_MS)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
        notebook.locator(".jp-MarkdownOutput h1", has_text="Quick start").first.wait_for(timeout=TIMEOUT_MS)
        _dismiss_dialogs(page)
        # the server's workspace may also restore a notebook an earlier test opened (tutorial 03): Run All acts on
        # the current document, so make sure that is the quickstart, as it is on a fresh server
        tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="01_quickstart.ipynb").first
        tab.click()
        page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current",
                     has_text="01_quickstart.ipynb").first.wait_for(timeout=TIMEOUT_MS)  # fmt: skip
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").last
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

        # cells far from the viewport may be windowed out of the DOM, so look for the outputs themselves
        figure = notebook.locator(".jp-OutputArea-output.jp-RenderedPlotly.js-plotly-plot")  # the last code cell
        figure.first.wait_for(state="attached", timeout=TIMEOUT_MS)
        notebook.locator('.jp-OutputArea-output [class*="wb-"]').first.wait_for(state="attached", timeout=TIMEOUT_MS)
        assert "Traceback" not in notebook.inner_text()
        # the smoke sweep's DP point (epsilon 0.5) drawn by plotly beside the no-DP baseline
        assert figure.first.locator(".scatterlayer .point").count() >= 1
    finally:
        page.close()
