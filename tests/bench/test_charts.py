"""The benchmark's charts: drawn from a results file alone, one PNG per upstream latency,
every target a line (floors in grey), shown in docs/benchmarks.md above the tables."""

import importlib.util
import json
import struct
import sys
from itertools import product
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def load_bench() -> None:
    """``bench`` is not installed with okxbridge (tox tests the installed package): load it
    from the checkout by itself, without putting the checkout, and its okxbridge, on the path."""
    if "bench" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location("bench", REPO / "bench" / "__init__.py",
                                                  submodule_search_locations=[str(REPO / "bench")])
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)


load_bench()
from bench import charts, report  # noqa: E402
from bench.run import main, summarise  # noqa: E402


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def results(targets=("direct", "bridge", "naive", "floor", "stream"), calls=("ticker", "accounts")) -> dict:
    cells = []
    for latency, call, conc, target in product((0.0, 50.0), calls, (1, 16, 64), targets):
        speed = {"direct": 900, "bridge": 500, "naive": 400, "floor": 3000, "stream": 2000}.get(target, 100)
        cells.append({"latency_ms": latency, "call": call, "concurrency": conc, "target": target, "calls": 100,
                      "errors": 0, "error_samples": [], "calls_per_s": speed * (1 + conc / 64),
                      "p50_us": 1000.0 * conc + latency * 1000, "p99_us": 2000.0 * conc + latency * 1000})
    return {"command": "python -m bench", "date": "2026-11-27 15:25 UTC", "duration_per_cell_s": 2.0,
            "machine": {"nproc": 2, "cpu": "test", "mem_gb": 1.0, "python": "3.11", "platform": "linux"},
            "daemon_options": ["--no-rate-limits"], "cells": cells, "memory": None, "summary": summarise(cells)}


def test_one_chart_per_latency_from_the_results_alone(tmp_path):
    drawn = charts.write(results(), tmp_path / "charts")
    assert [p.name for p in drawn] == ["bench-0ms.png", "bench-50ms.png"]
    for path in drawn:
        width, height = png_size(path)
        assert width == 1100 and height == 100 * (2.5 * 2 + 0.9)  # two calls: two rows of two plots


def test_every_target_gets_a_line_and_floors_are_grey():
    targets = ["bridge", "naive", "stream", "direct", "floor"]
    others = ["stream"]
    looks = {t: charts.style(t, others) for t in targets}
    assert looks["direct"]["label"].startswith("floor:") and looks["floor"]["label"].startswith("floor:")
    assert looks["direct"]["linestyle"] == "--" and looks["floor"]["linestyle"] == "-."
    assert len({look["color"] for look in looks.values()}) == len(targets)  # each its own colour
    assert looks["bridge"]["linewidth"] > looks["naive"]["linewidth"]


def test_series_is_sorted_by_concurrency_and_skips_empty_cells():
    cells = [{"latency_ms": 0, "call": "ticker", "target": "bridge", "concurrency": c, "calls": n, "calls_per_s": v}
             for c, n, v in [(64, 10, 3.0), (1, 10, 1.0), (16, 0, 0.0)]]
    assert charts.series(cells, 0, "ticker", "bridge", "calls_per_s") == ([1, 64], [1.0, 3.0])


def test_docs_show_the_charts_above_the_tables(tmp_path):
    result = results(targets=("direct", "bridge", "naive"))
    docs = tmp_path / "docs" / "benchmarks.md"
    docs.parent.mkdir()
    docs.write_text(f"# Benchmarks\n\nprose kept\n\n{report.BEGIN}\nold\n{report.END}\n\nmore prose\n")
    drawn = charts.write(result, docs.parent / "charts")
    report.write(docs, result, drawn)
    text = docs.read_text()
    assert "prose kept" in text and "more prose" in text and "\nold\n" not in text
    assert text.index("![bench-0ms](charts/bench-0ms.png)") < text.index("![bench-50ms](charts/bench-50ms.png)") \
        < text.index("### Targets") < text.index("| ticker | 1 |")
    assert "`direct`, the emulator called with no bridge" in text and "`floor`" not in text


def test_report_only_redraws_from_the_results_file_without_measuring(tmp_path, capsys):
    out = tmp_path / "latest.json"
    out.write_text(json.dumps(results(targets=("direct", "bridge"), calls=("depth",))))
    docs = tmp_path / "benchmarks.md"
    assert main(["--report-only", "--out", str(out), "--docs", str(docs)]) == 0
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == ["bench-0ms.png", "bench-50ms.png"]
    assert "](charts/bench-50ms.png)" in docs.read_text()
    assert "| depth | 64 |" in capsys.readouterr().out
