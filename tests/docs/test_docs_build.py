"""The documentation site builds offline with warnings as errors, and shows what it promises.

One Sphinx build is shared by the checks of its output: the guide pages, one API page per public name with its
parameters and example, the tutorials with their outputs, and no script, style or font fetched from the network. Its
notebook cache holds the session's runs of the tutorials (``WORKBENCH_SMOKE=1``, the runs the notebook tests check),
so myst-nb renders those outputs instead of executing every tutorial a second time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))

pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("myst_nb", reason="the docs extra is not installed: pip install -e '.[docs]'")

import workbench_docs  # noqa: E402  (docs/_ext, the project's own Sphinx extension)

BUILD_COMMAND = "python -m sphinx -W --keep-going -b html docs docs/_build/html"
EXTERNAL = re.compile(r"""(?:<script[^>]+src|<link[^>]+href|@import\s+url|url)\s*[=(]\s*["']?(https?:)?//""", re.I)


@pytest.fixture(scope="module")
def site(tmp_path_factory, tutorial_runs):
    """The built site; its tutorials are the session's runs (tests/conftest.py), found in their jupyter-cache."""
    out = tmp_path_factory.mktemp("docs")
    cache, _ = tutorial_runs
    env = {**os.environ, "WORKBENCH_DOCS_CACHE": str(cache)}
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "-d", str(out / "doctrees")]
    done = subprocess.run(
        [*command, str(DOCS), str(out / "html")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500
    )
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert done.returncode == 0, "the docs build failed:\n" + "\n".join(warnings or done.stderr.splitlines()[-30:])
    (out / "build.log").write_text(done.stdout, encoding="utf-8")
    return out / "html"


def test_every_public_name_has_a_complete_docstring():
    problems = workbench_docs.check_docstrings(workbench_docs.public_names())
    assert problems == [], "\n".join(problems)


def test_the_docstring_check_finds_what_is_missing():
    def bare(frame, *, seed=0):
        """Do something."""

    def complete(frame, *, seed=0):
        """Do something.

        Parameters
        ----------
        frame : DataFrame
            The table.
        seed : int, default=0
            Seed.

        Examples
        --------
        >>> 1
        1
        """

    def one_missing(frame, *, seed=0):
        """Do something.

        Parameters
        ----------
        frame : DataFrame
            The table.

        Examples
        --------
        >>> 1
        1
        """

    def entry(function):
        return workbench_docs.PublicName("m", "f", function, "m.f", "api/m/f")

    assert workbench_docs.docstring_problems(entry(bare)) == ["no Parameters section", "no Examples section"]
    assert workbench_docs.docstring_problems(entry(complete)) == []
    assert workbench_docs.docstring_problems(entry(one_missing)) == ["Parameters does not name seed"]
    assert workbench_docs.docstring_problems(entry(lambda: None)) == ["no docstring"]


def test_readme_says_how_to_build_the_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert BUILD_COMMAND in readme
    assert "python -m http.server -d docs/_build/html" in readme


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_guide_architecture_and_benchmarks_pages(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for page in sorted((DOCS / "guide").glob("*.md")):
        assert (site / "guide" / f"{page.stem}.html").exists(), page.name
        assert f'href="guide/{page.stem}.html"' in index, f"{page.name} is not in the index's toctree"
    for page in ("ARCHITECTURE", "benchmarks", "development", "api/index", "tutorials/index"):
        assert (site / f"{page}.html").exists(), page
    assert (site / "search.html").exists() and (site / "searchindex.js").exists()


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_one_api_page_per_public_name(site):
    names = workbench_docs.public_names()
    assert {"workbench.train", "workbench.anonymise.interval_hierarchy", "workbench.dp.train"} <= {
        n.dotted for n in names
    }
    for entry in names:
        page = site / f"{entry.page}.html"
        assert page.exists(), f"no page for {entry.dotted}"
        html = page.read_text(encoding="utf-8")
        assert f'id="{entry.canonical}' in html, f"{entry.dotted} is not documented on {entry.page}"
        if entry.is_canonical and workbench_docs.kind_of(entry.obj) == "function":
            assert "Examples" in html, entry.dotted
            if workbench_docs._parameters_of(entry.obj):
                assert "Parameters" in html, entry.dotted
    train = (site / "api" / "workbench" / "train.html").read_text(encoding="utf-8")
    assert "Raises" in train and "accountant" in train and "prv" in train  # parameters, defaults, errors
    assert 'href="../workbench/train.html' in (site / "api" / "workbench.dp" / "index.html").read_text()


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_tutorials_are_rendered_with_their_outputs(site):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks
    listing = (site / "tutorials" / "index.html").read_text(encoding="utf-8")
    for notebook in notebooks:
        html = (site / "tutorials" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        assert f'href="{notebook.stem}.html"' in listing, notebook.name
        assert html.count('class="cell_output') >= 2, f"{notebook.name} was rendered without outputs"
        assert "Traceback" not in html, notebook.name
        if "_figure(" in notebook.read_text(encoding="utf-8"):
            assert "wb-plotly-spec" in html and "plotly.min.js" in html, f"{notebook.name}: figure missing"
    assert (site / "_static" / "plotly.min.js").stat().st_size > 1_000_000


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_build_renders_the_session_runs_of_the_tutorials(site, tutorial_runs):
    log = (site.parent / "build.log").read_text(encoding="utf-8")
    _, runs = tutorial_runs
    for name in runs:
        used = re.search(rf"tutorials/{re.escape(name)}: Using cached notebook", log)
        assert used, f"the docs build executed {name} again instead of using the notebook tests' run"


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_site_needs_no_network(site):
    fetched = []
    for path in site.rglob("*"):
        if path.suffix in {".html", ".css"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            fetched += [f"{path.relative_to(site)}: {m.group(0)}" for m in EXTERNAL.finditer(text)]
            fetched += [f"{path.relative_to(site)}: img" for m in re.finditer(r"<img[^>]+src=\"https?:", text)]
    assert fetched == [], "\n".join(fetched[:20])
