"""Sweeps started from the user's own script, as real ``python`` processes: with and without the ``__main__``
guard, read from standard input, with a technique defined in the script itself, with the user's forking pool."""

from __future__ import annotations

import json
import multiprocessing.spawn
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from workbench._processes import defined_in_main, main_hidden, main_importable

TECHNIQUE_MODULE = """
import os

def mean_age(dataset, value, options, seed, stop):
    return {"k": value, "utility": {"mean_age": float(dataset.train["age"].mean())}, "details": {"pid": os.getpid()}}
"""

SETUP = """
import json, os
import workbench as wb
from workbench.tradeoff import register_technique
{define}
register_technique("mean-age", mean_age, parameter="k", replace=True)
"""

SWEEP = """
result = wb.tradeoff("diabetes", "mean-age", ks=[2, 5, 10], executor={executor!r})
pids = sorted({{p.details["pid"] for p in result.points}})
ks = list(result.results["k"])
print(json.dumps({{"executor": result.executor, "ks": ks, "pids": pids, "me": os.getpid()}}))
"""


def _script(define: str, *, guarded: bool, executor: str = "processes") -> str:
    """A user's script: imports, a technique, and the sweep (under the ``__main__`` guard or not)."""
    sweep = SWEEP.format(executor=executor)
    if guarded:
        sweep = 'if __name__ == "__main__":\n' + textwrap.indent(sweep.strip(), "    ") + "\n"
    return SETUP.format(define=define) + sweep


def _python(args: list[str], cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=300)


def _report(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "techniques.py").write_text(TECHNIQUE_MODULE)
    return tmp_path


def test_an_unguarded_script_runs_its_points_in_worker_processes(folder):
    (folder / "sweep.py").write_text(_script("from techniques import mean_age", guarded=False))
    report = _report(_python(["sweep.py"], folder))
    assert report["executor"] == "processes" and report["ks"] == [2, 5, 10]
    assert set(report["pids"]) - {report["me"]}, "no point was computed by a worker process"


def test_a_script_read_from_standard_input_runs_its_points_in_worker_processes(folder):
    report = _report(_python(["-"], folder, stdin=_script("from techniques import mean_age", guarded=False)))
    assert report["executor"] == "processes" and report["ks"] == [2, 5, 10]
    assert set(report["pids"]) - {report["me"]}


def test_a_guarded_script_may_define_its_own_technique(folder):
    (folder / "sweep.py").write_text(_script(TECHNIQUE_MODULE, guarded=True))
    report = _report(_python(["sweep.py"], folder))
    assert report["executor"] == "processes" and report["ks"] == [2, 5, 10]
    assert set(report["pids"]) - {report["me"]}


def test_an_unguarded_script_defining_its_own_technique_gets_the_fix_in_one_line(folder):
    (folder / "sweep.py").write_text(_script(TECHNIQUE_MODULE, guarded=False))
    done = _python(["sweep.py"], folder)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("workbench.errors.WorkerError: ")
    assert 'if __name__ == "__main__":' in last and 'executor="serial"' in last


def test_a_technique_defined_in_a_session_runs_here_with_a_warning(folder):
    done = _python(["-c", _script(TECHNIQUE_MODULE, guarded=False)], folder)
    report = _report(done)
    assert report["executor"] == "serial" and report["pids"] == [report["me"]]
    assert "defined in this notebook or session" in done.stderr


FORKING_POOL = """
import concurrent.futures as cf, json, torch
import workbench as wb
from techniques import mean_age
torch.set_num_threads(2)
x = torch.randn(1500, 1500)
(x @ x).sum()  # torch's OpenMP threads have run in this process before it forks
with cf.ProcessPoolExecutor(2) as pool:  # Linux's default start method: fork
    result = wb.tradeoff("adult", "dp", epsilons=[1, 2], epochs=1, audit=False, executor=pool)
print(json.dumps({"executor": result.executor, "epsilons": list(result.results["epsilon"])}))
"""


def test_a_forking_process_pool_of_the_user_does_not_hang_in_torch(folder):
    (folder / "forking.py").write_text(FORKING_POOL)
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "forking.py"], cwd=folder, capture_output=True, text=True, timeout=180
    )
    report = _report(done)
    assert report["executor"] == "ProcessPoolExecutor"
    assert 0 < report["epsilons"][0] <= 1 < report["epsilons"][1] <= 2


def test_main_hidden_leaves_out_the_script_in_this_thread_only(monkeypatch, tmp_path):
    script = tmp_path / "script.py"
    script.write_text("")
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    monkeypatch.setattr(main, "__file__", str(script), raising=False)

    def main_path() -> str | None:
        return multiprocessing.spawn.get_preparation_data("worker").get("init_main_from_path")

    assert main_path() == str(script)
    seen_elsewhere = []
    with main_hidden():
        with main_hidden():  # blocks may nest
            assert main_path() is None
        assert main_path() is None and main.__file__ == str(script)  # __main__ itself is untouched
        other = threading.Thread(target=lambda: seen_elsewhere.append(main_path()))
        other.start()
        other.join()
    assert seen_elsewhere == [str(script)]
    assert main_path() == str(script)


def test_main_importable_needs_a_file_or_a_module_name(monkeypatch, tmp_path):
    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)
    monkeypatch.setattr(main, "__file__", "<stdin>", raising=False)
    assert not main_importable()
    script = tmp_path / "script.py"
    script.write_text("")
    monkeypatch.setattr(main, "__file__", str(script))
    assert main_importable()


def test_defined_in_main_looks_into_options_and_at_instances():
    namespace: dict = {"__name__": "__main__"}
    exec(textwrap.dedent("class Net:\n    pass\ndef compute():\n    pass"), namespace)
    assert defined_in_main(namespace["compute"])
    assert defined_in_main({"model": namespace["Net"]()})
    assert defined_in_main(None, {"hidden": (64, 64), "model": [namespace["Net"]]})
    assert not defined_in_main(len, {"model": "mlp", "epochs": 3}, None)
