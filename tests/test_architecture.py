"""The package's layout is its architecture: each folder a layer, imports only go downwards.

The rules read from the source (every import, the lazy ones inside functions included):
- no import cycle between modules;
- a layer imports only from the layers below it (``LAYERS``, lowest first); within a
  layer, a folder imports only itself (``sweep`` does not import ``run``);
- only figure modules import matplotlib;
- no module is longer than ``MAX_LINES``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lossexp"

# Lowest first. A module belongs to the layer of its folder (or of its name, at the root).
LAYERS = [
    {"errors"},
    {"schema"},
    {"output", "library", "tasks"},
    {"train"},
    {"config"},
    {"run", "sweep"},
    {"demos", "curves"},
    {"report"},
    {"testing", "pytest_plugin", "losses", "activations", "experiment"},  # + deprecated aliases
    {"cli"},
    {"__main__"},
]
FIGURE_MODULES = {"figures", "mlp_figures", "figure_files", "plotting", "animation"}
MAX_LINES = 350


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str, path: Path) -> set[str]:
    """Every module ``name`` imports, anywhere in its source (matplotlib as 'matplotlib')."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.add(submodule if submodule in MODULES else base)
    inside = {m for m in found if m in MODULES and m != name}
    return inside | {"matplotlib" for m in found if m.split(".")[0] == "matplotlib"}


GRAPH = {name: imported(name, path) for name, path in MODULES.items()}


def folder(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "lossexp"


def layer(name: str) -> int:
    for rank, folders in enumerate(LAYERS):
        if folder(name) in folders:
            return rank
    raise AssertionError(f"{name} is in no layer: add its folder to LAYERS")


def test_there_is_no_import_cycle():
    # Tarjan's strongly connected components: any of more than one module is a cycle.
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH[v] - {"matplotlib"}:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in GRAPH:
        if v not in index:
            visit(v)
    assert cycles == []


def test_every_module_is_in_a_layer():
    for name in MODULES:
        if name != "lossexp":
            layer(name)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n != "lossexp"))
def test_imports_go_only_downwards(name):
    wrong = sorted(m for m in GRAPH[name] - {"matplotlib", "lossexp"}
                   if folder(m) != folder(name) and layer(m) >= layer(name))
    assert wrong == [], f"{name} (layer {layer(name)}) imports from its own layer or above"


def test_only_figure_modules_import_matplotlib():
    drawing = sorted(n for n, deps in GRAPH.items() if "matplotlib" in deps)
    assert drawing and all(n.rpartition(".")[2] in FIGURE_MODULES for n in drawing), drawing


def test_the_rules_catch_what_they_forbid():
    # The checks above pass because the code obeys them, not because they cannot fail.
    assert layer("lossexp.library.losses") < layer("lossexp.train.engine") < layer("lossexp.cli.run")
    assert folder("lossexp.sweep.chunk") != folder("lossexp.run.experiment")
    assert layer("lossexp.sweep.chunk") == layer("lossexp.run.experiment")  # so one may not import the other
    assert "lossexp.train.engine" in GRAPH["lossexp.run.experiment"]


def test_modules_are_short():
    long = {n: lines for n, p in MODULES.items()
            if (lines := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("old, new, name", [
    ("lossexp.losses", "lossexp.library.losses", "get"),
    ("lossexp.losses", "lossexp.library.losses", "names"),
    ("lossexp.activations", "lossexp.library.activations", "get"),
    ("lossexp.activations", "lossexp.library.activations", "names"),
    ("lossexp.experiment", "lossexp.run.experiment", "run_experiment"),
])
def test_the_old_public_names_still_work_for_one_release_with_a_warning(old, new, name):
    import importlib

    with pytest.warns(DeprecationWarning, match=f"moved to {new}.{name}"):
        alias = getattr(importlib.import_module(old), name)
    assert alias is getattr(importlib.import_module(new), name)
    with pytest.raises(AttributeError):
        getattr(importlib.import_module(old), "no_such_name")


def test_the_public_names_that_did_not_move_are_where_they_were():
    from lossexp.sweep import run_sweep
    from lossexp.testing import assert_curve_matches

    assert callable(run_sweep) and callable(assert_curve_matches)
