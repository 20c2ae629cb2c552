"""``%wb tune``: a private search from the magic, recorded once at the ε of the whole search; bad input refused."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from workbench.dp import default_ledger


def test_tune_stores_the_search_and_spends_its_total(shell):
    shell.run_line_magic("wb", "load small --target income")
    before = len(default_ledger())
    result = shell.run_line_magic("wb", "tune --epsilon 2 --grid \"{'epochs': [1], 'lr': [0.01, 0.03]}\" --trials 2 "
                                        "-o search")  # fmt: skip
    assert shell.user_ns["search"] is result
    assert result.statement.epsilon <= 2.0 and result.statement.trials_drawn == len(result.trials)
    assert len(default_ledger()) == before + 1  # one entry for the whole search
    assert default_ledger().entries[-1].statement.epsilon == pytest.approx(result.statement.epsilon)
    mia = shell.run_line_magic("wb", "audit")  # the released best run is the one audited
    assert mia.claimed_epsilon == pytest.approx(result.statement.epsilon)
    shell.user_ns.pop("search", None)


@pytest.mark.parametrize(
    ("line", "match"),
    [
        ("tune --epsilon 0", "epsilon > 0"),
        ("tune --epsilon 1 --grid \"{'momentum': [0.9]}\"", "Cannot tune"),
        ('tune --epsilon 1 --grid "{}"', "non-empty"),
        ("tune --epsilon 1 --grid best", "not 'auto' or a dict"),
        ("tune", "--epsilon"),
    ],
)
def test_tune_bad_input_is_a_one_line_usage_error(shell, line, match):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match=match):
        shell.run_line_magic("wb", line)
