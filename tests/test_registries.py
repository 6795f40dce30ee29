"""Lists that must agree, tied together (style rule 12): adding a method, an OKX path or an
emulator route without its partners fails here, not in a trader's strategy.

- every FMZ method the daemon serves has an ``okxbridge-call`` shortcut and a row in docs/calls.md's table;
- every OKX path the bridge calls has a rate-limit rule and is served by okxsim.
"""

import ast
import re
from pathlib import Path

from okxbridge.handlers.methods import HANDLERS, SHORTCUTS
from okxbridge.okx.limits import RULES
from okxbridge.sim.api import ROUTES

REPO = Path(__file__).resolve().parents[1]
BRIDGE_SIDES = ["okxbridge/okx", "okxbridge/handlers", "okxbridge/desk", "okxbridge/health.py"]


def canonical_names() -> dict:
    """handler → the names it answers to (``positions`` is also ``getpositions`` …)."""
    names: dict = {}
    for name, handler in HANDLERS.items():
        names.setdefault(handler, []).append(name)
    return names


CALLS_PAGE = REPO / "docs" / "calls.md"
CALLS_TABLE = "| method | params | OKX requests |"


def documented_methods(text: str) -> set[str]:
    """The method names in the first column of the Calls page's table (the rows up to the first blank line)."""
    table = text[text.index(CALLS_TABLE):].split("\n\n", 1)[0]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`(\w+)`", row.split("|")[1])}


def okx_paths_called() -> set[str]:
    """Every ``"/api/v5/…"`` string literal in the bridge's OKX and mapping code."""
    found = set()
    for side in BRIDGE_SIDES:
        root = REPO / side
        for path in [root] if root.is_file() else root.rglob("*.py"):
            if path.name in ("io_policy.py", "rate_rules.py"):
                continue  # the paths IO refuses by default: never called
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and re.fullmatch(r"/api/v5/[\w/-]+", node.value):
                    found.add(node.value)
    return found


def test_every_method_has_a_cli_shortcut():
    for _handler, names in canonical_names().items():
        assert any(n in SHORTCUTS for n in names), f"no okxbridge-call shortcut for {names}"
    assert set(SHORTCUTS) <= set(HANDLERS), set(SHORTCUTS) - set(HANDLERS)


def test_every_method_has_a_row_in_the_calls_page():
    documented = documented_methods(CALLS_PAGE.read_text(encoding="utf-8"))
    for _handler, names in canonical_names().items():
        assert set(names) <= documented, f"docs/calls.md's table lacks {sorted(set(names) - documented)}"
    assert documented - set(HANDLERS) <= {"_api", "__api_"}, documented - set(HANDLERS)


def test_a_missing_calls_row_is_noticed():
    """The parse above reads the real table: drop one row and its method is gone."""
    text = CALLS_PAGE.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| `cancel` |"))
    assert "cancel" in documented_methods(text)
    assert "cancel" not in documented_methods(text.replace(row + "\n", ""))


def test_every_okx_path_the_bridge_calls_has_a_rate_limit_rule_and_an_emulator_route():
    called = okx_paths_called()
    assert {"/api/v5/trade/order", "/api/v5/market/ticker", "/api/v5/public/time"} <= called
    limited = {path for _, path in RULES}
    served = {path for _, path in ROUTES}
    assert called - limited == set(), "no rate-limit rule in okx/limits.py"
    assert called - served == set(), "not served by okxsim"
