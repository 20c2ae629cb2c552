"""``%wb synthesise`` and ``%wb query`` in a real IPython shell."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from tests.synthetic.conftest import small_frame


@pytest.fixture
def shell():
    from workbench.magics import unload_ipython_extension

    sh = InteractiveShell.instance()
    sh.config.pop("WorkbenchMagics", None)
    sh.run_line_magic("load_ext", "workbench")
    sh.run_line_magic("config", "WorkbenchMagics.progress = False")
    sh.user_ns["table"] = small_frame(1500).drop(columns=["name"])
    yield sh
    unload_ipython_extension(sh)
    sh.config.pop("WorkbenchMagics", None)
    sh.extension_manager.loaded.discard("workbench")
    for name in ("table", "syn", "edu"):
        sh.user_ns.pop(name, None)


def test_synthesise_and_query(shell):
    shell.run_line_magic("wb", "load table --target income")
    syn = shell.run_line_magic(
        "wb", "synthesise --epsilon 1 --method mst --bounds age=17:90,hours=1:99 --public-schema -o syn"
    )
    assert shell.user_ns["syn"] is syn and syn.statement.epsilon <= 1
    answer = shell.run_line_magic("wb", 'query "mean age" --bounds 17,90 --epsilon 0.1')
    assert answer.query == "mean age" and answer.epsilon == pytest.approx(0.05)  # half paid the count it needed
    edu = shell.run_line_magic("wb", 'query "histogram education" --categories school,college,degree -o edu')
    assert list(edu.value.index)[:3] == ["school", "college", "degree"]
    with pytest.raises(UsageError, match="needs public bounds"):
        shell.run_line_magic("wb", 'query "sum hours"')
    with pytest.raises(UsageError, match="Unknown query"):
        shell.run_line_magic("wb", 'query "median age" --bounds 1,2')
