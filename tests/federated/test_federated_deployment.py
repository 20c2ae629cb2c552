"""engine='deployment': a real SuperLink and SuperNode processes on 127.0.0.1 running the package's apps."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_a_deployment_run_with_real_processes(federate_small):
    rows = []
    fl = federate_small(clients=2, rounds=1, engine="deployment", on_round=rows.append)
    assert [r["round"] for r in rows] == [0, 1] and rows[-1]["clients"] == 2
    assert fl.metrics["rounds"] == 1 and fl.metrics["bytes"] > 0 and list(fl.clients["rounds"]) == [1, 1]
    assert fl.metrics["accuracy"] > 0.7 and fl.statement.parameters["engine"] == "deployment"
    assert fl.metrics["accuracy"] == pytest.approx(rows[-1]["accuracy"])
