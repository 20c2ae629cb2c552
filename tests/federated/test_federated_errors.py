"""Bad input is a one-line WorkbenchError saying what to do; a missing Flower names the install command."""

from __future__ import annotations

import sys
import threading

import pytest

from workbench.errors import (
    EmptyDataError,
    InvalidParameterError,
    MissingDependencyError,
    UnknownColumnError,
    UnknownNameError,
    WorkerError,
)

CASES = [
    ({"engine": "deployment", "address": "http://10.0.0.5:9093"}, InvalidParameterError, "must be 'host:port'"),
    ({"engine": "deployment", "address": "10.0.0.5:70000"}, InvalidParameterError, "must be 'host:port'"),
    ({"engine": "deployment", "address": "10.0.0.5"}, InvalidParameterError, "must be 'host:port'"),
    ({"engine": "deployment", "address": 9093}, InvalidParameterError, "'host:port' string"),
    ({"connect_timeout": 0}, InvalidParameterError, "connect_timeout"),
    ({"partition": "hospital"}, UnknownColumnError, "is not a column"),
    ({"partition": "income"}, InvalidParameterError, "use 'dirichlet'"),
    ({"clients": 0}, InvalidParameterError, "The 'clients' parameter of federate must be an int ≥ 1"),
    ({"clients": 5000}, EmptyDataError, "use at most 2400 clients"),
    ({"dp": "client"}, InvalidParameterError, "needs epsilon="),
    ({"epsilon": 1.0}, InvalidParameterError, "need dp='record'"),
    ({"dp": "local", "epsilon": 1.0}, UnknownNameError, "'record', 'client' or None"),
    (
        {"dp": "client", "epsilon": 1.0, "secure_aggregation": True, "clipping": "server"},
        InvalidParameterError,
        "use clipping='client'",
    ),
    ({"dp": "client", "epsilon": 1.0, "clipping": "edge"}, UnknownNameError, "'server', 'client' or None"),
    ({"strategy": "fedsgd"}, UnknownNameError, "'fedavg', 'fedprox'"),
    ({"mu": 0.1}, InvalidParameterError, "strategy='fedprox'"),
    ({"model": "cnn"}, UnknownNameError, "'logreg', 'mlp'"),
    ({"fraction_fit": 0.0}, InvalidParameterError, "fraction_fit"),
    ({"address": "127.0.0.1:9093"}, InvalidParameterError, "engine='deployment'"),
    ({"engine": "spark"}, UnknownNameError, "'simulation', 'threads', 'ray', 'deployment'"),
    ({"stop": "now"}, InvalidParameterError, "threading.Event"),
]


@pytest.mark.parametrize(("options", "error", "text"), CASES)
def test_bad_input_is_one_line(federate_small, small_adult, digest, options, error, text):
    before = digest(small_adult.frame)
    with pytest.raises(error) as caught:
        federate_small(**options)
    assert text in str(caught.value) and "\n" not in str(caught.value)
    assert digest(small_adult.frame) == before


def test_without_flower_the_error_names_the_extra(small_adult, monkeypatch):
    import workbench as wb

    monkeypatch.setitem(sys.modules, "flwr", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "privacy-workbench\[federated\]"'):
        wb.federate(small_adult, rounds=1, ledger=False, stop=threading.Event())


def test_flower_is_imported_on_first_use_only():
    import subprocess

    code = "import sys, workbench, workbench.federated, workbench.tradeoff; print('flwr' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_simulation_engine_is_the_documented_backend():
    from workbench.federated.config import SIMULATION_ENGINE, FederatedConfig

    assert SIMULATION_ENGINE in ("threads", "ray")
    assert FederatedConfig(engine="simulation").engine == SIMULATION_ENGINE == FederatedConfig().engine
    assert FederatedConfig(engine="ray").engine == "ray" and FederatedConfig(engine="threads").engine == "threads"


def test_ray_that_cannot_start_is_one_line_naming_the_thread_engine(monkeypatch):
    """Under heavy load Ray's node start-up times out (30 s, fixed in Ray); that failure is simulated here."""
    ray = pytest.importorskip("ray")
    from workbench.federated._ray import start_ray

    def timed_out(**_kwargs):
        raise Exception("The current node timed out during startup. This could happen because some of the raylet\n...")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", timed_out)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    with pytest.raises(WorkerError) as caught:
        start_ray()
    text = str(caught.value)
    assert "Ray could not start (The current node timed out during startup" in text and "\n" not in text
    assert "engine='threads'" in text


def test_without_ray_the_ray_engine_names_the_extra(monkeypatch):
    from workbench.federated._ray import start_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match=r"privacy-workbench\[federated\].*engine='threads'"):
        start_ray()
