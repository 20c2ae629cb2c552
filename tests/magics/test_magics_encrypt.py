"""``%wb encrypt`` on the latest trained model (real CKKS; small data)."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

pytest.importorskip("tenseal")


def test_encrypt_the_latest_model(shell):
    shell.run_line_magic("wb", "load small --target income")
    with pytest.raises(UsageError, match="%wb train"):
        shell.run_line_magic("wb", "encrypt")
    shell.run_line_magic("wb", "train --epochs 1")
    result = shell.run_line_magic("wb", "encrypt --scheme ckks --rows 40 -o enc")
    assert shell.user_ns.pop("enc") is result
    assert result.scheme == "ckks" and result.metrics["rows"] == 40 and result.metrics["agreement"] == 1.0


def test_encrypt_bad_option_is_one_line(shell):
    shell.run_line_magic("wb", "load small --target income")
    shell.run_line_magic("wb", "train --epochs 1")
    with pytest.raises(UsageError, match="needs 3") as e:
        shell.run_line_magic("wb", "encrypt --params ckks-8192-d1 --probability --rows 5")
    assert "\n" not in str(e.value)
