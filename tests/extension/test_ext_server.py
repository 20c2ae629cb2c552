"""The server extension behind the tutorial commands, on a real JupyterLab started by ``privacy-workbench lab``."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from workbench.cli import lab as _lab

pytestmark = pytest.mark.slow


def test_lab_opens_on_the_quickstart(lab_server):
    # `privacy-workbench lab` copied the tutorials into <dir>/notebooks and made the quick start the default page
    copied = sorted(p.name for p in (lab_server.root / "notebooks").glob("*.ipynb"))
    assert copied == [t.name for t in _lab.list_tutorials()]
    status, body = lab_server.request("GET", "lab/tree/notebooks/01_quickstart.ipynb")
    assert status == 200 and b"JupyterLab" in body
    assert "/lab/tree/notebooks/01_quickstart.ipynb" in lab_server.log.read_text()


def test_extension_is_served_to_the_browser(lab_server):
    status, body = lab_server.request("GET", "lab/api/extensions")
    assert status == 200
    names = {ext["name"]: ext for ext in json.loads(body)}
    assert names["privacy-workbench-lab"]["enabled"] is True
    status, _ = lab_server.request("GET", "lab/extensions/privacy-workbench-lab/static/style.js")
    assert status == 200


@pytest.mark.parametrize(("method", "path"), [("GET", "tutorials"), ("POST", "tutorials/01_quickstart.ipynb")])
def test_requests_without_the_token_are_rejected(lab_server, method, path):
    before = sorted((lab_server.root / "notebooks").iterdir())
    status, _ = lab_server.request(method, f"privacy-workbench/{path}", token=False)
    assert status == 403
    assert sorted((lab_server.root / "notebooks").iterdir()) == before


def test_lists_the_tutorials_with_titles(lab_server):
    status, body = lab_server.request("GET", "privacy-workbench/tutorials")
    assert status == 200
    tutorials = json.loads(body)["tutorials"]
    assert [t["name"] for t in tutorials] == [t.name for t in _lab.list_tutorials()]
    assert tutorials[0]["title"].startswith("1 · Quick start")
    assert all(t["title"] and not t["title"].startswith("#") for t in tutorials)


def test_copies_a_missing_tutorial_and_keeps_an_existing_one(lab_server):
    folder = lab_server.root / "notebooks"
    target = folder / "04_dp_training.ipynb"
    target.unlink()
    status, body = lab_server.request("POST", "privacy-workbench/tutorials/04_dp_training.ipynb")
    assert status == 201
    assert json.loads(body) == {"path": "notebooks/04_dp_training.ipynb", "created": True}
    source = nbformat.read(_lab.find_tutorial("04").path, as_version=4)
    assert [c.source for c in nbformat.read(target, as_version=4).cells] == [c.source for c in source.cells]

    edited = nbformat.read(target, as_version=4)
    edited.cells[0].source = "my own notes"
    nbformat.write(edited, target)
    status, body = lab_server.request("POST", "privacy-workbench/tutorials/04")
    assert status == 200
    assert json.loads(body) == {"path": "notebooks/04_dp_training.ipynb", "created": False}
    assert nbformat.read(target, as_version=4).cells[0].source == "my own notes"


def test_creates_the_folder_when_absent(lab_server):
    folder = lab_server.root / "notebooks"
    shutil.rmtree(folder)
    status, _ = lab_server.request("POST", "privacy-workbench/tutorials/06_choosing_a_technique.ipynb")
    assert status == 201
    assert [p.name for p in folder.glob("*.ipynb")] == ["06_choosing_a_technique.ipynb"]


@pytest.mark.parametrize("name", ["nope.ipynb", "..%2F..%2Fetc%2Fpasswd", "07"])
def test_unknown_or_crafted_names_are_refused(lab_server, name):
    status, body = lab_server.request("POST", f"privacy-workbench/tutorials/{name}")
    assert status == 404
    assert "tutorials are" in json.loads(body)["message"]
