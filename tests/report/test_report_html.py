"""The HTML report: valid, self-contained (works offline), every figure present, no key or raw identifier."""

from __future__ import annotations

import html.parser
import re

import pytest

import workbench as wb
from workbench.errors import InvalidParameterError
from workbench.tradeoff import TradeoffPoint, TradeoffResult

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}


class _Checker(html.parser.HTMLParser):
    """Collects tags and checks that every opened element is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.figures: list[str] = []
        self.script_sources: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "div" and "data-figure" in attrs:
            self.figures.append(attrs["data-figure"])
        if tag == "script" and attrs.get("src"):
            self.script_sources.append(attrs["src"])
        if tag == "link" and attrs.get("href", "").startswith("http"):
            self.script_sources.append(attrs["href"])
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] not in ("script", "style"):
            self.text.append(data)


def _parse(text: str) -> _Checker:
    checker = _Checker()
    checker.feed(text)
    checker.close()
    return checker


@pytest.fixture(scope="module")
def kanon_sweep():
    point = TradeoffPoint(
        technique="k-anonymity",
        parameter="k",
        value=5.0,
        k=5.0,
        utility={"accuracy": 0.82, "accuracy_original": 0.84, "information_loss": 0.2},
        leakage={"reidentification_rate": 0.0, "expected_reidentification": 0.07, "linkage_advantage": 0.07},
        statement={"method": "mondrian", "k": 5},
        details={"class_sizes": {"size": [5, 6, 9], "count": [30, 12, 2]}},
    )
    return TradeoffResult(points=(point,), technique="k-anonymity", parameter="k", grid=(5.0,))


def test_report_is_valid_self_contained_html_with_every_figure(dp_sweep, kanon_sweep, patients_small, tmp_path):
    path = wb.report(patients_small, dp_sweep, kanon_sweep, path=tmp_path / "sub" / "report.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = _parse(text)
    assert not checker.errors and checker.stack == []
    assert checker.script_sources == []  # nothing fetched from the network: plotly.js is inlined
    assert len(re.findall(r"<script type='text/javascript'>", text)) == 1 and "Plotly" in text[:4_000_000]
    dp_figures = {"utility-vs-epsilon", "leakage-vs-epsilon", "utility-vs-leakage", "roc", "training"}
    assert dp_figures | {"utility-vs-k", "class-sizes"} <= set(checker.figures)
    assert text.count("Plotly.newPlot") == len(checker.figures)
    words = " ".join(checker.text)
    for expected in ("patients-small", "CC BY 4.0", "identifier", "quasi identifier", "itself a use of the data",
                     "noise_multiplier", "sample_rate", "steps", "Audits (membership inference)"):  # fmt: skip
        assert expected in words, expected


def test_report_never_contains_a_key_or_a_raw_identifier(dp_sweep, patients_small, tmp_path):
    pseudo = wb.pseudonymise(patients_small, key=b"very-secret-key-123")
    text = wb.report(patients_small, dp_sweep, pseudo, path=tmp_path / "r.html").read_text(encoding="utf-8")
    body = text.split("</script>", 1)[1]  # our part, after the inlined plotly.js
    assert "very-secret-key-123" not in text and b"very-secret-key-123".hex() not in text
    for column in patients_small.identifiers:
        values = patients_small.frame[column].dropna().astype(str)
        # whole values only: a zip code such as 41666 also appears inside a number like 0.0416666
        leaked = [v for v in values if len(v) >= 5 and re.search(rf"(?<![\w.]){re.escape(v)}(?![\w])", body)]
        assert leaked == [], (column, leaked[:3])
    tokens = pseudo.data[list(pseudo.columns)].astype(str).to_numpy().ravel()
    assert not any(token in body for token in tokens[:500])
    assert "Pseudonymisation" in body and "not part of this report" in body


def test_report_from_saved_results_via_the_cli(dp_sweep, tmp_path, capsys):
    from workbench.cli import main

    saved = dp_sweep.to_parquet(tmp_path / "results.parquet")
    assert main(["report", "--results", str(saved), "--out", str(tmp_path / "out.html")]) == 0
    text = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "utility-vs-epsilon" in text and "wrote" in capsys.readouterr().out


def test_report_refuses_what_it_cannot_show(tmp_path):
    with pytest.raises(InvalidParameterError, match="at least one result"):
        wb.report(path=tmp_path / "x.html")
    with pytest.raises(InvalidParameterError, match="cannot show a int"):
        wb.report(3, path=tmp_path / "x.html")


@pytest.mark.browser
def test_report_renders_every_figure_offline_in_headless_chromium(dp_sweep, kanon_sweep, patients_small, tmp_path):
    import shutil

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    path = wb.report(patients_small, dp_sweep, kanon_sweep, path=tmp_path / "report.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        context = browser.new_context(offline=True)  # no network at all: everything must be in the file
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.figure .main-svg').length > 0", timeout=30_000)
        n_figures = page.locator("div.figure").count()
        rendered = page.evaluate("document.querySelectorAll('.figure .plotly-graph-div .main-svg').length")
        title = page.locator("div.figure .gtitle").first.text_content()
        browser.close()
    assert errors == []
    assert n_figures >= 7 and rendered >= n_figures  # each figure drew its SVG
    assert title == "Utility against the privacy budget ε"
