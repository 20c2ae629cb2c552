"""Heavy libraries load on first use; a missing one is a one-line error naming the install command."""

from __future__ import annotations

import sys

import pytest

from workbench.errors import MissingDependencyError


@pytest.mark.parametrize(("module", "loader"), [("mbi", "load_mbi"), ("opendp.prelude", "load_opendp")])
def test_missing_library_names_the_extra(monkeypatch, module, loader):
    from workbench.synthetic import _libs

    getattr(_libs, loader).cache_clear()
    monkeypatch.setitem(sys.modules, module, None)  # import of it now raises ImportError
    try:
        with pytest.raises(MissingDependencyError) as info:
            getattr(_libs, loader)()
        assert 'pip install "privacy-workbench[synthetic]"' in str(info.value) and "\n" not in str(info.value)
    finally:
        getattr(_libs, loader).cache_clear()


def test_jax_is_configured_only_where_needed():
    import jax

    from workbench.synthetic._libs import jax_x64, load_mbi

    load_mbi()
    before = jax.config.jax_enable_x64
    with jax_x64():
        assert jax.config.jax_enable_x64
    assert jax.config.jax_enable_x64 == before  # the user's setting is back
    if jax.config.jax_compilation_cache_dir is None:
        assert not jax.config.jax_enable_compilation_cache


def test_ledger_refuses_what_is_not_a_statement():
    from workbench.dp import PrivacyLedger
    from workbench.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="privacy statement"):
        PrivacyLedger().record(object(), dataset_fingerprint="x")
