"""The layers of ``okxbridge/`` (docs/architecture.md): no package imports one above it,
the emulator stands apart, and the pure conversions import no I/O library at all.

Lowest first: the shared leaves (JSON, logs, ports), the FMZ protocol, the pure
conversions, the OKX side, state shared through Redis, the order desk, the handlers, and
the daemon's top-level modules that put it all together. A module may import its own layer
and any below it. Every import counts (as in ``test_import_cycles``).
"""

import ast
from pathlib import Path

import pytest

from tests.test_import_cycles import REPO, graph

LAYERS = [
    {"okxbridge", "okxbridge.jsonwire", "okxbridge.logs", "okxbridge.listening"},
    {"fmz"},
    {"convert"},
    {"okx"},
    {"shared"},
    {"desk"},
    {"handlers"},
    {"top"},
]
#: the emulator may use the shared leaves only; nothing of the bridge may use it
SIM_MAY_USE = LAYERS[0]
#: no import of these anywhere in the pure package: no reactor, no network, no disk
IO_LIBRARIES = ("twisted", "treq", "klein", "autobahn", "txredisapi", "sqlite3", "socket", "redis")


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 1 and (REPO / "okxbridge" / parts[1]).is_dir():
        return parts[1]
    return module if module in LAYERS[0] else "top"


def rank(module: str) -> int:
    name = layer_of(module)
    return next(i for i, layer in enumerate(LAYERS) if name in layer) if name != "sim" else -1


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for a, targets in sorted(edges.items()):
        for b in sorted(targets):
            if layer_of(a) == "sim" or layer_of(b) == "sim":
                continue
            if rank(b) > rank(a):
                found.append(f"{a} ({layer_of(a)}) imports {b} ({layer_of(b)})")
    return found


def test_no_package_imports_a_layer_above_it():
    edges = graph("okxbridge")
    assert {layer_of(m) for m in edges} >= {"fmz", "convert", "okx", "shared", "desk", "handlers", "sim", "top"}
    assert upward_imports(edges) == []


def test_the_emulator_stands_apart():
    edges = graph("okxbridge")
    sim_uses = {b for a, bs in edges.items() if layer_of(a) == "sim" for b in bs if layer_of(b) != "sim"}
    assert sim_uses <= SIM_MAY_USE, sim_uses
    users = {a for a, bs in edges.items() if layer_of(a) != "sim" for b in bs if layer_of(b) == "sim"}
    assert users == set(), users


@pytest.mark.parametrize("path", sorted((REPO / "okxbridge" / "convert").glob("*.py")), ids=lambda p: p.name)
def test_the_pure_conversions_import_no_io(path):
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level:
            imported.add(node.module or "")
    assert not {m for m in imported if m.split(".")[0] in IO_LIBRARIES}


def test_the_checker_sees_an_upward_import():
    assert upward_imports({"okxbridge.okx.client": {"okxbridge.handlers.trade"}}) == [
        "okxbridge.okx.client (okx) imports okxbridge.handlers.trade (handlers)"]
    assert upward_imports({"okxbridge.handlers.trade": {"okxbridge.okx.client"}}) == []


def test_every_module_names_its_tests_on_its_first_line():
    """Twisted's convention (``# -*- test-case-name: … -*-``): an editor or ``trial`` finds
    the tests of the module being changed. Each name must be a test module or package."""
    wrong = []
    for path in sorted((REPO / "okxbridge").rglob("*.py")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if not (first.startswith("# -*- test-case-name: ") and first.endswith(" -*-")):
            wrong.append(f"{path.relative_to(REPO)}: no test-case-name line")
            continue
        for name in first[len("# -*- test-case-name: "):-len(" -*-")].split(","):
            target = REPO / Path(*name.strip().split("."))
            if not (target.with_suffix(".py").exists() or (target / "__init__.py").exists()):
                wrong.append(f"{path.relative_to(REPO)}: {name.strip()} does not exist")
    assert wrong == []
