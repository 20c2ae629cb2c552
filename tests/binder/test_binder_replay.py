"""Binder (repo2docker) set-up: its files, and an offline replay of the build followed by tutorial 01.

The replay copies the sources as a fresh clone has them, makes a new virtual environment (``--system-site-packages``
stands in for environment.yml's conda environment: the same Python and Node.js majors, checked), runs
``binder/postBuild`` unchanged (its CPU-torch step finds torch 2.13.0 already installed, so it needs no network; its
``pip install .``, the README's plain install, builds the JupyterLab extension from scratch, with the checkout's
``node_modules`` standing in for the npm registry), checks ``jupyter labextension list`` there, and runs tutorial 01
on that environment's kernel with ``WORKBENCH_SMOKE=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ENABLED = re.compile(r"privacy-workbench-lab v\d+\.\d+\.\d+\S* enabled OK \(python, privacy-workbench\)")
BADGE = (
    "https://mybinder.org/v2/gh/privacy-workbench/privacy-workbench/HEAD?urlpath=lab/tree/notebooks/01_quickstart.ipynb"
)


def _run(command: list[str], **kwargs) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    output = ANSI.sub("", done.stdout + done.stderr)
    assert done.returncode == 0, f"{command} failed:\n{output[-6000:]}"
    return output


def _environment_pins() -> dict[str, str]:
    pins = {}
    for line in (BINDER / "environment.yml").read_text().splitlines():
        match = re.fullmatch(r"\s*-\s*(python|nodejs)\s*=\s*([\d.]+)\s*", line)
        if match:
            pins[match[1]] = match[2]
    return pins


def test_environment_names_python_and_node():
    assert set(_environment_pins()) == {"python", "nodejs"}


def test_postbuild_installs_cpu_torch_then_the_package():
    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    lines = [line for line in post_build.read_text().splitlines() if line.startswith("python -m pip install")]
    assert len(lines) == 2
    assert "--index-url https://download.pytorch.org/whl/cpu" in lines[0] and '"torch==2.13.0"' in lines[0]
    assert lines[1].endswith(" .")  # the package itself, as the README installs it
    # the same torch pin as the README's install command and .ci/run
    assert "pip install torch==2.13.0 && pip install ." in (ROOT / "README.md").read_text()


def test_readme_badge_opens_the_quickstart():
    assert BADGE in (ROOT / "README.md").read_text()
    assert BADGE in (BINDER / "README.md").read_text()
    assert (ROOT / "notebooks" / "01_quickstart.ipynb").is_file()


def _copy_sources(destination: Path) -> None:
    """The files git tracks or would track (what a clone has, without build outputs)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True
    )
    if listed.returncode != 0:  # no git: the tree minus build outputs
        ignore = shutil.ignore_patterns("node_modules", "labextension", "lib", ".git", "__pycache__", "*.egg-info")
        shutil.copytree(ROOT, destination, ignore=ignore)
        return
    for raw in filter(None, listed.stdout.split(b"\0")):
        source = ROOT / raw.decode()
        if source.is_file():
            target = destination / raw.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


# the kernel starts in notebooks/, as JupyterLab starts it next to the notebook
EXECUTE_01 = """
import nbclient, nbformat, sys
nb = nbformat.read("notebooks/01_quickstart.ipynb", as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import sys, workbench; print(sys.executable, workbench.__file__)"))
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": "notebooks"}}).execute()
nbformat.write(nb, sys.argv[1])
"""


@dataclass(frozen=True)
class BinderEnv:
    repo: Path  # the fresh copy of the sources postBuild ran in
    prefix: Path  # the new virtual environment
    env: dict[str, str]  # environment variables with the venv first on PATH
    log: str  # postBuild's output

    @property
    def python(self) -> str:
        return str(self.prefix / "bin" / "python")


def share_running_packages(prefix: Path) -> Path:
    """Let the new environment see the packages of the interpreter running the tests, as environment.yml's conda
    environment has torch and the rest before postBuild runs.

    ``--system-site-packages`` alone shows the *base* interpreter's packages: when the tests run inside a virtual
    environment, those lack torch and the rest. A ``.pth`` file listing the running interpreter's site-packages
    works in both cases (a venv or the system Python); the new environment's own site-packages still come first,
    so ``pip install .`` there wins over the editable checkout.
    """
    site_packages = next(prefix.glob("lib/python3*/site-packages"))
    folders = [folder for folder in site.getsitepackages() if Path(folder).is_dir()]
    pth = site_packages / "_running_interpreter.pth"
    pth.write_text("".join(f"{folder}\n" for folder in folders))
    return pth


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory: pytest.TempPathFactory) -> BinderEnv:
    """Replay repo2docker: a fresh copy of the sources, a new environment, then ``binder/postBuild`` unchanged."""
    pins = _environment_pins()
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == pins["python"], "replay needs Binder's Python"
    node = shutil.which("node")
    assert node, "Node.js is needed to build the extension (environment.yml gives Binder one)"
    assert _run([node, "--version"]).lstrip("v").split(".")[0] == pins["nodejs"].split(".")[0]

    base = tmp_path_factory.mktemp("binder")
    repo = base / "repo"
    _copy_sources(repo)
    assert not (repo / "workbench" / "labextension").exists()  # postBuild builds the extension from scratch
    # offline stand-in for the npm registry: the packages package-lock.json pins, as the checkout installed them
    modules = ROOT / "extensions" / "privacy-workbench-lab" / "node_modules"
    if modules.is_dir():
        shutil.copytree(modules, repo / "extensions" / "privacy-workbench-lab" / "node_modules", symlinks=True)
    prefix = base / "venv"
    venv.create(prefix, system_site_packages=True, with_pip=True)
    share_running_packages(prefix)
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PIP_NO_BUILD_ISOLATION"}}
    env.update(PATH=f"{prefix / 'bin'}{os.pathsep}{env['PATH']}", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(npm_config_prefer_offline="true", npm_config_audit="false", npm_config_fund="false")
    log = _run(["bash", "binder/postBuild"], cwd=repo, env=env)
    return BinderEnv(repo=repo, prefix=prefix, env=env, log=log)


@pytest.mark.slow
def test_postbuild_pip_install_enables_the_extension(binder_env):
    # the CPU-torch step found the torch the tests run with (in a venv or the system Python): no download
    assert re.search(r"Requirement already satisfied: torch==2\.13\.0", binder_env.log)
    assert ENABLED.search(binder_env.log)  # postBuild's own check
    # `jupyter labextension list` / `jupyter server extension list`, run by the new environment's interpreter
    listed = _run([binder_env.python, "-m", "jupyterlab.labextensions", "list"], env=binder_env.env)
    assert ENABLED.search(listed)
    server = _run([binder_env.python, "-m", "jupyter_server.extension.serverextension", "list"], env=binder_env.env)
    assert re.search(r"workbench\._server\s+OK", server)
    share = binder_env.prefix / "share" / "jupyter" / "labextensions" / "privacy-workbench-lab"
    assert (share / "install.json").is_file() and list((share / "static").glob("remoteEntry.*.js"))
    assert (binder_env.prefix / "bin" / "privacy-workbench").is_file()
    locate = "import workbench, workbench.cli.lab as l; print(workbench.__file__, l.tutorials_source())"
    installed = _run([binder_env.python, "-c", locate], cwd=binder_env.prefix, env=binder_env.env).split()
    site = next(binder_env.prefix.glob("lib/python3*/site-packages"))
    assert Path(installed[0]) == site / "workbench" / "__init__.py"  # the new copy, not the editable checkout
    assert Path(installed[1]) == site / "workbench" / "tutorials"


def test_the_replay_environment_sees_the_running_interpreters_packages(tmp_path):
    # whether the tests run in a virtual environment or the system Python, the replay's environment finds torch
    prefix = tmp_path / "venv"
    venv.create(prefix, system_site_packages=True, with_pip=False)
    share_running_packages(prefix)
    found = _run([str(prefix / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('torch'))"])
    assert found.strip().split("+")[0] == "2.13.0"
    here = _run([str(prefix / "bin" / "python"), "-c", "import sys; print(sys.prefix)"])
    assert Path(here.strip()) == prefix  # still the new environment, not the running one


@pytest.mark.slow
def test_tutorial_01_runs_in_the_binder_environment(binder_env, tmp_path):
    env = {**binder_env.env, "WORKBENCH_SMOKE": "1", "OMP_NUM_THREADS": "1"}
    executed = tmp_path / "01_executed.ipynb"
    _run([binder_env.python, "-c", EXECUTE_01, str(executed)], cwd=binder_env.repo, env=env)
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    kernel_python, kernel_workbench = nb.cells[-1].outputs[0]["text"].split()
    assert kernel_python.startswith(str(binder_env.prefix)) and kernel_workbench.startswith(str(binder_env.prefix))
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
