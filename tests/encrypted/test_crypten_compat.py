"""The torch-2.13 compatibility shim for CrypTen 0.4.1: fails loudly when it stops being needed or stops working."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from workbench.encrypted import _crypten_compat
from workbench.errors import MissingDependencyError


def test_the_moved_module_is_still_moved():
    """When torch brings an old module back (or drops the new one), revisit ALIASES."""
    for old, new in _crypten_compat.ALIASES.items():
        parent, _, leaf = old.rpartition(".")
        folder = Path(importlib.import_module(parent).__file__).parent
        assert not (folder / f"{leaf}.py").exists() and not (folder / leaf).is_dir(), f"torch has {old} again"
        assert hasattr(importlib.import_module(new), "registry")  # what CrypTen imports from it


def test_import_crypten_and_from_pytorch():
    pytest.importorskip("onnx")
    try:
        crypten = _crypten_compat.import_crypten()
    except MissingDependencyError as exc:
        pytest.skip(str(exc))
    assert crypten.__version__ == "0.4.1"
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    converted = crypten.nn.from_pytorch(model, torch.zeros(1, 3))
    assert isinstance(converted, crypten.nn.Module)


def test_missing_crypten_is_a_one_line_error_naming_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "crypten", None)  # makes `import crypten` fail
    with pytest.raises(MissingDependencyError, match=re.escape("pip install --no-deps crypten==0.4.1")) as e:
        _crypten_compat.import_crypten()
    assert "\n" not in str(e.value)


def test_missing_tenseal_is_a_one_line_error(monkeypatch):
    from workbench.encrypted._tenseal import import_tenseal

    monkeypatch.setitem(sys.modules, "tenseal", None)
    with pytest.raises(MissingDependencyError, match="privacy-workbench\\[encrypted\\]") as e:
        import_tenseal()
    assert "\n" not in str(e.value)
