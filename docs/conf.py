"""Sphinx configuration of the privacy-workbench documentation (MyST Markdown pages, numpydoc API, myst-nb tutorials).

Build: ``python -m sphinx -W --keep-going -b html docs docs/_build/html``; view: ``python -m http.server -d
docs/_build/html``. Works offline: no intersphinx inventories, no CDN scripts, the theme ships its own assets.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(DOCS / "_ext")]  # this checkout's workbench, and the local extension
# the notebook kernels import this checkout's workbench too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from workbench import __version__  # noqa: E402

project = "privacy-workbench"
author = "privacy-workbench developers"
copyright = "privacy-workbench developers, BSD-3-Clause"
release = version = __version__

extensions = [
    "myst_nb",  # MyST Markdown pages and notebooks (includes myst_parser)
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.viewcode",
    "workbench_docs",  # API pages from __all__, the docstring check, the tutorials (docs/_ext/workbench_docs.py)
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "_ext", "README.md"]
root_doc = "index"

# ------------------------------------------------------------------------------------------------------------- MyST
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # links like benchmarks.md#differentially-private-training

# ---------------------------------------------------------------------------------------------- notebooks (myst-nb)
# "cache": a tutorial runs again when it changed (cache in docs/_build); the docs test gives an empty cache folder
nb_execution_mode = "cache"
nb_execution_cache_path = os.environ.get("WORKBENCH_DOCS_CACHE", str(DOCS / "_build" / ".jupyter_cache"))
nb_execution_timeout = 300
nb_execution_raise_on_error = True  # a failing tutorial fails the build
nb_execution_show_tb = True
nb_execution_in_temp = True  # files a tutorial writes (reports) do not land in docs/
nb_ipywidgets_js = {}  # no widget manager from a CDN: widgets show their static fallback

# ------------------------------------------------------------------------------------------------ API (autodoc etc.)
autosummary_generate = False  # numpydoc loads autosummary; our API pages come from docs/_ext
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "signature"
autodoc_preserve_defaults = True  # show `seed=0`, `accountant="prv"` as written
numpydoc_show_class_members = False  # autodoc's :members: lists them once
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = True

# a broken reference to our own API is an error; other libraries' types cannot resolve offline (no intersphinx)
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"^(?!workbench\b).*"),
    (r"py:class", r"workbench(\.\w+)*\._\w+(\.\w+)*"),  # private helper types in signatures (not the API)
    (r"py:class", r"workbench\.audit\.attacks\.AttackOutput"),
]

# ------------------------------------------------------------------------------------------------------------- HTML
html_theme = "furo"
html_title = f"privacy-workbench {version}"
html_static_path = ["_static"]
html_show_sourcelink = False
