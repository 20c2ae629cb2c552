"""The layer order of docs/ARCHITECTURE.md, read from the imports of ``workbench/`` (ast, nothing imported):
no import against the order, no import cycle, no private module of another sub-package, and from another
sub-package only the names its modules list in ``__all__`` (its public API, e.g. ``workbench.dp.loop`` for the
families that run the DP-SGD loop themselves)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "workbench"

# unit -> layer; a unit imports units of LOWER layers only (and its own modules). A unit is a sub-package or a
# top-level module of workbench. New technique families (federated, encrypted, synthetic) sit just above dp.
LAYERS: dict[str, int] = {
    "_version": 0,
    "errors": 0,
    "_validation": 1,
    "_callable": 1,
    "_processes": 1,
    "_files": 1,
    "_typemap": 1,
    "release": 1,
    "generalised": 1,
    "columns": 2,
    "roles": 3,
    "datasets": 4,
    "risk": 5,
    "utility": 5,
    "viz": 5,
    "dp": 6,
    "anonymise": 6,
    "federated": 7,  # the new families may use dp (its trainer, accountants, ledger)
    "encrypted": 7,
    "synthetic": 7,
    "audit": 8,
    "tradeoff": 9,
    "report": 10,
    "widgets": 11,
    "magics": 12,
    "cli": 12,
    "_server": 13,
    "workbench": 14,  # the facade (workbench/__init__.py): lazy exports of everything
}
FACADE_USERS = {"widgets", "magics", "cli", "_server", "workbench"}  # may write `import workbench as wb`


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(encoding="utf-8"))
        for p in ROOT.rglob("*.py")
        if "labextension" not in p.parts and "tutorials" not in p.parts
    }


MODULES = _modules()


def _exports() -> dict[str, str]:
    facade = MODULES["workbench"]
    for node in facade.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "_EXPORTS":
            return ast.literal_eval(node.value)
    raise AssertionError("workbench/__init__.py has no _EXPORTS table")


EXPORTS = _exports()


def _resolve(name: str, package: str, level: int) -> str:
    if level:
        base = package.split(".")[: len(package.split(".")) - level + 1]
        return ".".join([*base, name] if name else base)
    return name


def _imports(module: str, tree: ast.Module) -> Iterator[tuple[str, bool, int]]:
    """(imported module, at module level, line) for every workbench import of ``module``."""
    is_package = (ROOT.parent / module.replace(".", "/") / "__init__.py").exists()
    package = module if is_package else module.rpartition(".")[0]
    top_level = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            top_level.add(id(node))  # typing only: never executed
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "workbench":
                    yield alias.name, id(node) in top_level, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", package, node.level)
            if base.split(".")[0] != "workbench":
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in MODULES:
                    yield full, id(node) in top_level, node.lineno
                elif base == "workbench" and alias.name in EXPORTS:
                    yield EXPORTS[alias.name], id(node) in top_level, node.lineno
                else:
                    yield base, id(node) in top_level, node.lineno


def _typing_only(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            lines |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    return lines


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "workbench"


EDGES = [
    (module, target, top, line)
    for module, tree in MODULES.items()
    for target, top, line in _imports(module, tree)
    if line not in _typing_only(tree)
]


def test_every_unit_has_a_layer():
    assert {_unit(m) for m in MODULES} <= set(LAYERS), sorted({_unit(m) for m in MODULES} - set(LAYERS))


def test_no_import_against_the_layer_order():
    wrong = []
    for module, target, _top, line in EDGES:
        src, dst = _unit(module), _unit(target)
        if src == dst:
            continue
        if dst == "workbench" and src in FACADE_USERS:
            continue
        if LAYERS[dst] >= LAYERS[src]:
            wrong.append(f"{module}:{line} imports {target} ({src} layer {LAYERS[src]} -> {dst} layer {LAYERS[dst]})")
    assert wrong == []


def test_no_private_module_of_another_sub_package():
    wrong = []
    for module, target, _top, line in EDGES:
        inner = target.split(".")[2:]
        if _unit(module) != _unit(target) and any(part.startswith("_") for part in inner):
            wrong.append(f"{module}:{line} imports {target}")
    assert wrong == []


def _public_names(module: str) -> set[str] | None:
    """The names in ``module``'s ``__all__`` (a literal list), or None when it declares none."""
    for node in MODULES[module].body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if getattr(target, "id", "") == "__all__":
            return set(ast.literal_eval(node.value))
    return None


def _names_from_other_sub_packages() -> Iterator[tuple[str, int, str, str]]:
    """(module, line, imported module, name) for every ``from workbench.<pkg>... import name`` of a sub-package
    other than the importer's own (a name that is itself a module excluded)."""
    for module, tree in MODULES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or node.level or not (node.module or "").startswith("workbench."):
                continue
            source = node.module
            is_package = (ROOT.parent / source.replace(".", "/") / "__init__.py").exists()
            if _unit(source) == _unit(module) or source not in MODULES or not (is_package or source.count(".") > 1):
                continue
            for alias in node.names:
                if f"{source}.{alias.name}" not in MODULES:
                    yield module, node.lineno, source, alias.name


def test_only_public_names_of_another_sub_package():
    wrong = [
        f"{module}:{line} imports {name} from {source}, which does not list it in __all__"
        for module, line, source, name in _names_from_other_sub_packages()
        if name not in (_public_names(source) or set())
    ]
    assert wrong == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


@pytest.mark.parametrize("module_level_only", [True, False], ids=["module-level", "with-function-level"])
def test_no_import_cycle(module_level_only):
    graph: dict[str, set[str]] = {}
    for module, target, top, _line in EDGES:
        if target == module or target == "workbench" or (module_level_only and not top):
            continue
        if module.startswith(f"{target}."):  # a module importing its own package's __init__ (its names)
            continue
        graph.setdefault(module, set()).add(target)
    assert _cycle(graph) is None


def test_the_guard_sees_real_imports():
    targets = {(m, t) for m, t, _top, _line in EDGES}
    assert ("workbench.report", "workbench.viz") in targets  # a function-level `from workbench import viz`
    assert ("workbench.tradeoff._builtin", "workbench.dp") in targets
    imported = {(m, s, n) for m, _line, s, n in _names_from_other_sub_packages()}
    assert ("workbench.federated._client", "workbench.dp", "train_local") in imported  # the DP-SGD loop seam
    assert all(LAYERS[u] == 6 for u in ("dp", "anonymise"))
    assert all(LAYERS[u] == 7 for u in ("federated", "encrypted", "synthetic"))  # they may use dp
