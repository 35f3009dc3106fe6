"""The package's own imports: no module uses another module's private names, and no two modules import each other.

Both walk the source with :mod:`ast` rather than importing it, so an import made inside a function counts as much
as one at the top of a module. Imports under ``if TYPE_CHECKING:`` are left out of the cycle check: they never run,
and they are how a module names in its annotations a type defined in a module that imports it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import wordvec

PACKAGE = Path(wordvec.__file__).parent
SOURCES = {path.stem: path.read_text(encoding="utf-8") for path in sorted(PACKAGE.glob("*.py")) if path.stem != "__init__"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _imported_module(node: ast.ImportFrom, name: str) -> str | None:
    """The wordvec module an import names: ``.x``, ``wordvec.x`` or ``from . import x``; None for any other."""
    if node.level == 1 or (node.level == 0 and node.module is not None and node.module.split(".")[0] == "wordvec"):
        parts = (node.module or "").split(".")
        if node.level == 0:
            parts = parts[1:]
        if parts and parts[0]:
            return parts[0]
        return name
    return None


def _type_checking_nodes(tree: ast.Module) -> set[int]:
    """The ids of the import nodes under ``if TYPE_CHECKING:``."""
    nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                nodes.update(id(child) for child in ast.walk(statement))
    return nodes


def _imports(source: str, modules: dict[str, str]) -> set[str]:
    """The wordvec modules that ``source`` imports when it runs, at its top or inside a function."""
    tree = ast.parse(source)
    skipped = _type_checking_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                target = _imported_module(node, alias.name)
                if target in modules:
                    found.add(target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "wordvec" and len(parts) > 1 and parts[1] in modules:
                    found.add(parts[1])
    return found


def private_name_uses(module: str, modules: dict[str, str]) -> list[str]:
    """Where ``module`` imports or reads a private name of another wordvec module, as ``file:line: text``."""
    tree = ast.parse(modules[module])
    found = []
    module_names = {}  # the local names bound to another wordvec module, for ``name._private``
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                target = _imported_module(node, alias.name)
                if target is None:
                    continue
                if target == alias.name and target in modules and not node.module:
                    module_names[alias.asname or alias.name] = target  # from . import x
                elif target != module and _is_private(alias.name):
                    found.append(f"{module}.py:{node.lineno}: from {'.' * node.level}{node.module or ''} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "wordvec" and len(parts) == 2 and parts[1] in modules and alias.asname:
                    module_names[alias.asname] = parts[1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            value = node.value
            dotted = ast.unparse(value)
            target = module_names.get(dotted) if isinstance(value, ast.Name) else None
            if target is None and dotted.startswith("wordvec."):
                target = dotted.split(".")[1]
            if target is not None and target != module:
                found.append(f"{module}.py:{node.lineno}: {dotted}.{node.attr}")
    return found


def import_cycles(modules: dict[str, str]) -> list[tuple[list[str], list[str]]]:
    """Each set of modules that import each other, with one cycle of imports through them (the modules along it)."""
    graph = {module: sorted(_imports(source, modules) - {module}) for module, source in modules.items()}
    order: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        order[module] = lowest[module] = len(order)
        stack.append(module)
        for target in graph[module]:
            if target not in order:
                visit(target)
                lowest[module] = min(lowest[module], lowest[target])
            elif target in stack:
                lowest[module] = min(lowest[module], order[target])
        if lowest[module] == order[module]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append((sorted(component), _one_cycle(graph, sorted(component))))

    for module in graph:
        if module not in order:
            visit(module)
    return cycles


def _one_cycle(graph: dict[str, list[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, to print."""
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    for module in queue:
        for target in graph[module]:
            if target == start:
                return paths[module] + [start]
            if target in component and target not in paths:
                paths[target] = paths[module] + [target]
                queue.append(target)
    raise AssertionError(f"no cycle through {start}")  # a strongly connected component always has one


def test_no_module_uses_another_modules_private_names():
    uses = [use for module in SOURCES for use in private_name_uses(module, SOURCES)]
    assert not uses, "private names used outside their module (make them public where they belong):\n" + "\n".join(uses)


def test_no_import_cycle():
    cycles = import_cycles(SOURCES)
    assert not cycles, "import cycles (imports inside functions count):\n" + "\n".join(
        f"{' -> '.join(cycle)} (modules that import each other: {', '.join(component)})" for component, cycle in cycles
    )


FAKE_PACKAGE = {
    "low": "import numpy as np\n\n_helper = 1\nSHARED = 2\n",
    "high": "from .low import SHARED\n\ndef f():\n    from .low import _helper\n",
    "attribute": "from . import low\nimport wordvec.low as alias\n\ndef f():\n    return low._helper + alias._helper + low.SHARED\n",
    "own": "_mine = 1\n\ndef f():\n    from .own import _mine\n",
    "lazy": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .high import f\n\ndef g():\n    from .back import h\n",
    "back": "from wordvec.lazy import g\n",
}


def test_private_names_are_found_in_functions_and_attributes():
    assert private_name_uses("high", FAKE_PACKAGE) == ["high.py:4: from .low import _helper"]
    assert private_name_uses("attribute", FAKE_PACKAGE) == ["attribute.py:5: low._helper", "attribute.py:5: alias._helper"]
    assert private_name_uses("own", FAKE_PACKAGE) == []


def test_cycles_are_found_through_imports_inside_functions_but_not_type_checking_ones():
    assert import_cycles(FAKE_PACKAGE) == [(["back", "lazy"], ["back", "lazy", "back"])]
