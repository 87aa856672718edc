"""The package's shape (issue 16): arrows point down only, no circles, two doors.

Each module of edi_xl belongs to a layer, from the ground up:

    core  <  read  <  tables  <  master  <  flows  <  doors (cli, buttons, excel)

A module may import its own layer and the layers below, never one above; no module imports
itself back through others (no circle); the two doors (the CLI and the buttons) never import
each other. Imports inside functions count too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "edi_xl"
LAYERS = ["core", "read", "tables", "master", "flows", "doors"]
DOORS = {"edi_xl.cli", "edi_xl.excel", "edi_xl.__main__", "edi_xl.buttons"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str | None:
    """The layer of an edi_xl module (None: the package's face, edi_xl/__init__.py)."""
    if module == "edi_xl":
        return None
    if module in DOORS or module.startswith("edi_xl.buttons."):
        return "doors"
    room = module.split(".")[1]
    if room not in LAYERS:
        raise AssertionError(f"{module}: not in a room of {LAYERS} (move it into one)")
    return room


def imports() -> dict[str, set[str]]:
    """module -> the edi_xl modules it imports (anywhere in the file)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from package import module" runs the package's __init__ too: both count
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            found |= {n for n in names if n in modules and n != module}
        graph[module] = found
    return graph


GRAPH = imports()


def test_every_module_is_in_a_room() -> None:
    for module in GRAPH:
        layer(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_arrows_point_down(module: str) -> None:
    own = layer(module)
    if own is None:
        return
    up = [
        target
        for target in sorted(GRAPH[module])
        if (lt := layer(target)) is not None and LAYERS.index(lt) > LAYERS.index(own)
    ]
    assert up == [], f"{module} ({own}) imports from a higher layer: {up}"


def test_the_doors_do_not_import_each_other() -> None:
    cli = {m for m in GRAPH if m == "edi_xl.cli"}
    buttons = {m for m in GRAPH if m.startswith("edi_xl.buttons") or m == "edi_xl.excel"}
    for a, b in ((cli, buttons), (buttons, cli)):
        for module in a:
            assert not (GRAPH[module] & b), f"{module} imports the other door: {GRAPH[module] & b}"


def test_no_circle() -> None:
    """Depth-first search for a cycle among modules (the package face aside)."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if target == "edi_xl":
                continue
            if state.get(target) == 1:
                raise AssertionError(
                    "circle: " + " -> ".join(path[path.index(target) :] + [target])
                )
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module != "edi_xl" and module not in state:
            visit(module)


def test_the_check_fails_when_an_arrow_runs_up() -> None:
    """The layer check is not vacuous: a core module importing a flow is caught."""
    graph = dict(GRAPH)
    graph["edi_xl.core.model"] = GRAPH["edi_xl.core.model"] | {"edi_xl.flows.merge"}
    own = layer("edi_xl.core.model")
    assert own is not None
    up = [t for t in graph["edi_xl.core.model"] if LAYERS.index(layer(t) or "core") > 0]
    assert up == ["edi_xl.flows.merge"]


def test_columns_are_inserted_only_through_insert_column():
    """The description of what a command changed (edi_xl.master.edits) knows of an inserted
    column because :func:`edi_xl.master.columns.insert_column` records it; a column inserted
    or deleted by openpyxl directly would look, to both doors, like every cell to its right
    rewritten, and the file's notes, pictures and formats would not move with it."""
    allowed = PACKAGE / "master" / "columns.py"
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("insert_cols", "delete_cols")
                and path != allowed
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == [], "insert columns with edi_xl.master.columns.insert_column"
